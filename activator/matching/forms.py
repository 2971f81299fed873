"""Forms of the solution and challenge pages; every write still goes through the services."""

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activator.accounts.models import User
from activator.accounts.predicates import (
    affiliated_organisation_ids,
    is_secretariat,
    served_region_ids,
)
from activator.core.models import Pillar, Region, Sector
from activator.matching.enums import MatchState, MediaKind, Side
from activator.matching.models import BUDGET_MAX, Challenge, Solution, SolutionDomain
from activator.members.enums import OrganisationType
from activator.members.models import Organisation
from activator.projects.enums import BudgetBand
from activator.projects.models import Project

MESSAGE_MAX = 5000


def kept_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations a person keeps (mirrors `rules._keeps`): their own, those their
    regional office serves, all for the Secretariat."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if is_secretariat(user):
        return Organisation.objects.order_by("name")
    condition = Q(id__in=affiliated_organisation_ids(user))
    regions = served_region_ids(user)
    if regions:
        condition |= Q(region_id__in=regions)
    return Organisation.objects.filter(condition).order_by("name")


def organisations_for_solutions(user: Any) -> QuerySet[Organisation]:
    """Where a person may offer a solution from (`matching.add_solution`)."""
    return kept_organisations(user)


def cities_for_challenges(user: Any) -> QuerySet[Organisation]:
    """The cities a person may post a challenge for (`matching.add_challenge`)."""
    return kept_organisations(user).filter(type=OrganisationType.LOCAL_GOVERNMENT)


def _terms(model, label) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label,
        queryset=model.objects.order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


# --- Filters ------------------------------------------------------------------------------------


class _FilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    sector = forms.ModelChoiceField(
        label=_("Sector"),
        queryset=Sector.objects.order_by("position", "name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All sectors"),
    )
    pillar = forms.ModelChoiceField(
        label=_("Pillar"),
        queryset=Pillar.objects.order_by("position", "name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All pillars"),
    )


class SolutionFilterForm(_FilterForm):
    technology = forms.ModelChoiceField(
        label=_("Technology"),
        queryset=SolutionDomain.objects.order_by("position", "name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All technologies"),
    )
    region = forms.ModelChoiceField(
        label=_("Region served"),
        queryset=Region.objects.order_by("position", "name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All regions"),
    )
    provider_type = forms.ChoiceField(
        label=_("Provider"),
        required=False,
        choices=[
            ("", _("All providers")),
            (OrganisationType.CORPORATION, _("Corporations")),
            (OrganisationType.INSTITUTION, _("Institutions")),
            (OrganisationType.LOCAL_GOVERNMENT, _("Cities")),
            (OrganisationType.OTHER, pgettext_lazy("providers", "Others")),
        ],
    )


class ChallengeFilterForm(_FilterForm):
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.order_by("position", "name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All regions"),
    )


# --- Solutions ----------------------------------------------------------------------------------


class SolutionForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Offered by"), queryset=Organisation.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        required=False,
        help_text=_("One sentence that says what it does."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What it does, for whom, and what a city needs to run it."),
    )
    sectors = _terms(Sector, _("Sectors"))
    pillars = _terms(Pillar, _("Pillars"))
    technologies = _terms(SolutionDomain, _("Technologies"))
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions served"),
        queryset=Region.objects.order_by("position", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty if the solution is offered everywhere."),
    )
    price_band = forms.ChoiceField(
        label=_("Price band"),
        required=False,
        choices=[("", _("Not said")), *BudgetBand.choices],
        help_text=_("What a typical deployment costs, in US dollars."),
    )
    references = forms.CharField(
        label=_("References"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Clients or partners who vouch for it, one per line."),
    )
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    contact = forms.ModelChoiceField(
        label=_("Contact person"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Who answers conversations and meeting requests for this solution."),
    )

    def __init__(self, *args: Any, user: Any, solution: Solution | None = None, **kwargs: Any):
        if solution is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": solution.name,
                "summary": solution.summary,
                "description": solution.description,
                "sectors": list(solution.sectors.all()),
                "pillars": list(solution.pillars.all()),
                "technologies": list(solution.technologies.all()),
                "regions": list(solution.regions.all()),
                "price_band": solution.price_band,
                "references": solution.references,
                "website": solution.website,
                "contact": solution.contact_id,
            }
        super().__init__(*args, **kwargs)
        self.solution = solution
        if solution is None:
            self.fields["provider"].queryset = organisations_for_solutions(user)
            del self.fields["contact"]
        else:
            del self.fields["provider"]
            people = Q(affiliations__organisation_id=solution.provider_id)
            if solution.contact_id:
                people |= Q(pk=solution.contact_id)
            self.fields["contact"].queryset = (
                User.objects.filter(people, is_active=True).distinct().order_by("email")
            )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("provider", None)
        return data


# --- Challenges ---------------------------------------------------------------------------------


class ChallengeForm(forms.Form):
    city = forms.ModelChoiceField(label=_("City"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("The problem, who it affects, what has been tried and what success means."),
    )
    sectors = _terms(Sector, _("Sectors"))
    pillars = _terms(Pillar, _("Pillars"))
    budget_min = forms.IntegerField(
        label=_("Budget from (USD)"), required=False, min_value=0, max_value=BUDGET_MAX
    )
    budget_max = forms.IntegerField(
        label=_("Budget up to (USD)"), required=False, min_value=0, max_value=BUDGET_MAX
    )
    start_by = forms.DateField(
        label=_("Start by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    duration_months = forms.IntegerField(
        label=_("Duration (months)"), required=False, min_value=1, max_value=240
    )
    index_group = forms.IntegerField(required=False, widget=forms.HiddenInput)
    index_score = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        user: Any,
        challenge: Challenge | None = None,
        **kwargs: Any,
    ):
        if challenge is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": challenge.title,
                "description": challenge.description,
                "sectors": list(challenge.sectors.all()),
                "pillars": list(challenge.pillars.all()),
                "budget_min": challenge.budget_min,
                "budget_max": challenge.budget_max,
                "start_by": challenge.start_by,
                "duration_months": challenge.duration_months,
            }
        super().__init__(*args, **kwargs)
        self.challenge = challenge
        if challenge is None:
            self.fields["city"].queryset = cities_for_challenges(user)
        else:
            del self.fields["city"]
            # The index pillar a challenge started from stays as it was.
            del self.fields["index_group"]
            del self.fields["index_score"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("budget_min"), data.get("budget_max")
        if low is not None and high is not None and high < low:
            self.add_error("budget_max", _("The upper budget is below the lower one."))
        return data

    def service_fields(self, weak: dict[int, tuple[Any, float]] | None = None) -> dict[str, Any]:
        """The fields for the services; the index pillar is kept only if it is one of the
        city's weak pillars, with the score the index gives it."""
        data = dict(self.cleaned_data)
        data.pop("city", None)
        group_id = data.pop("index_group", None)
        data.pop("index_score", None)
        if self.challenge is None:
            weak = weak or {}
            if group_id in weak:
                data["index_group"], data["index_score"] = weak[group_id]
        return data


# --- Deployments and media ----------------------------------------------------------------------


class DeploymentForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Catalog project"),
        queryset=Project.objects.none(),
        help_text=_("A project published in the catalog that used this solution."),
    )
    note = forms.CharField(label=_("What it did there"), max_length=300, required=False)

    def __init__(self, *args: Any, solution: Solution, q: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        projects = (
            Project.objects.filter(published_at__isnull=False)
            .exclude(solution_deployments__solution=solution)
            .select_related("organisation")
            .order_by("title", "id")
        )
        if q:
            projects = projects.filter(Q(title__icontains=q) | Q(organisation__name__icontains=q))
        self.fields["project"].queryset = projects
        self.fields["project"].label_from_instance = lambda p: f"{p.title} — {p.organisation.name}"


class MediaForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MediaKind.choices)
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("PNG, JPEG or WebP, for an image."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    url = forms.URLField(
        label=_("Link"),
        required=False,
        assume_scheme="https",
        help_text=_("For a video or a document."),
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


# --- Matches and conversations ------------------------------------------------------------------


class DecideForm(forms.Form):
    challenge = forms.ModelChoiceField(queryset=Challenge.objects.select_related("city"))
    solution = forms.ModelChoiceField(queryset=Solution.objects.select_related("provider"))
    side = forms.ChoiceField(choices=Side.choices)
    # Empty takes the decision back.
    state = forms.ChoiceField(choices=[("", ""), *MatchState.choices], required=False)


class ConversationStartForm(forms.Form):
    challenge = forms.ModelChoiceField(queryset=Challenge.objects.select_related("city"))
    solution = forms.ModelChoiceField(queryset=Solution.objects.select_related("provider"))
    body = forms.CharField(
        label=_("Message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
