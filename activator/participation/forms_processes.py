"""Forms of the process and proposal pages; every write still goes through the services."""

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activator.participation import selectors
from activator.participation.enums import AnswerStatus, PhaseKind, ProcessStatus
from activator.participation.models import Process, Space
from activator.participation.services_processes import phase_field
from activator.projects.enums import Stage

RICH_HELP = _(
    "Paragraphs, bold, italics, lists, quotes and links are kept; anything else is removed."
)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProcessForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=100,
        required=False,
        help_text=_("Left empty, it is made from the title. Unique within the space."),
    )
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=RICH_HELP,
    )
    support_threshold = forms.IntegerField(
        label=_("Supports needed"),
        min_value=1,
        max_value=10_000_000,
        initial=100,
        help_text=_("A proposal with this many supports goes to the city for an answer."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=ProcessStatus.choices,
        initial=ProcessStatus.DRAFT,
        widget=forms.RadioSelect,
        help_text=_("Only the space's managers see a draft."),
    )

    MAIN_FIELDS = ("title", "slug", "summary", "description", "support_threshold", "status")

    def __init__(self, *args: Any, process: Process | None = None, **kwargs: Any) -> None:
        if process is not None and "initial" not in kwargs:
            initial = {name: getattr(process, name) for name in self.MAIN_FIELDS}
            for phase in process.phases.all():
                initial[phase_field(phase.kind, "starts_on")] = phase.starts_on
                initial[phase_field(phase.kind, "ends_on")] = phase.ends_on
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for kind in PhaseKind:
            for end, label in (("starts_on", _("Starts")), ("ends_on", _("Ends"))):
                self.fields[phase_field(kind, end)] = forms.DateField(
                    label=label, required=False, widget=_date_input()
                )

    def main_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.MAIN_FIELDS]

    def phase_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (kind.label, self[phase_field(kind, "starts_on")], self[phase_field(kind, "ends_on")])
            for kind in PhaseKind
        ]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {name: data[name] for name in self.MAIN_FIELDS}
        fields["phases"] = {
            kind.value: (
                data.get(phase_field(kind, "starts_on")),
                data.get(phase_field(kind, "ends_on")),
            )
            for kind in PhaseKind
        }
        return fields


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=150)
    body = forms.CharField(
        label=_("Your proposal"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=RICH_HELP,
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, required=False, empty_label=_("No category")
    )
    address = forms.CharField(
        label=_("Place"),
        max_length=255,
        required=False,
        help_text=_("A street, a park, a neighbourhood: where it would happen, if anywhere."),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        help_text=_("Optional, with the longitude: like 37.5665."),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        help_text=_("Like 126.9780."),
    )

    def __init__(self, *args: Any, space: Space, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = space.categories.order_by("name")
        if not space.categories.exists():
            del self.fields["category"]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.setdefault("category", None)
        return data


SORT_CHOICES = [
    (selectors.SORT_SUPPORTS, _("Most supported")),
    (selectors.SORT_RECENT, _("Newest")),
]


class ProposalFilterForm(forms.Form):
    q = forms.CharField(label=_("Search titles"), required=False, max_length=200)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=None, required=False, empty_label=_("All categories")
    )
    answer = forms.ChoiceField(label=_("The city's answer"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, space: Space, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = space.categories.order_by("name")
        self.fields["answer"].choices = [
            ("", pgettext_lazy("answers", "All")),
            (selectors.UNANSWERED, _("Not answered yet")),
            *[
                (status.value, status.label)
                for status in (
                    AnswerStatus.EVALUATING,
                    AnswerStatus.ACCEPTED,
                    AnswerStatus.REJECTED,
                )
            ],
        ]

    def filters(self) -> dict[str, Any]:
        """The valid filters as `selectors.proposals_for_list` takes them."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "category": data["category"],
            "answer": data["answer"] or None,
            "q": data["q"] or None,
            "sort": data["sort"] or selectors.SORT_SUPPORTS,
        }


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("The city's answer"),
        choices=[(s.value, s.label) for s in AnswerStatus if s.value],
        widget=forms.RadioSelect,
    )
    answer_text = forms.CharField(
        label=_("What the city says"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=format_lazy("{} {}", _("Required for a rejection: say why."), RICH_HELP),
    )


class ProjectLinkForm(forms.Form):
    project = forms.ModelChoiceField(label=_("Project"), queryset=None)

    def __init__(self, *args: Any, space: Space, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = selectors.city_projects(space)


class ProjectCreateForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("The new project's stage"),
        choices=[(s.value, s.label) for s in (Stage.IDEA, Stage.PROPOSAL)],
        initial=Stage.IDEA,
    )
