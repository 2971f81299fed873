"""Forms of the Solution Finder request pages: the queue's filters and each step staff take."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activator.core.models import Region
from activator.matching.enums import FinderOutcome, FinderStage, PublicationStatus
from activator.matching.models import Solution
from activator.matching.services_finder import NOTE_MAX, TEXT_MAX
from activator.members.models import Organisation
from activator.projects.models import Project


class QueueFilterForm(forms.Form):
    stage = forms.ChoiceField(
        label=_("Stage"),
        choices=[("", _("Open requests")), *FinderStage.choices, ("all", _("All"))],
        required=False,
    )
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=Region.objects.none(),
        empty_label=pgettext_lazy("regions", "All"),
        required=False,
    )
    mine = forms.BooleanField(label=_("Only those I handle"), required=False)

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions


class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=_("Preliminary feedback"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_MAX,
        help_text=_("What the Secretariat makes of the request and what it will look for."),
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=TEXT_MAX
    )


class SolutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Solution) -> str:
        return f"{obj.name} — {obj.provider.name}"


class PartnerForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Partner"), queryset=Organisation.objects.none())
    solution = SolutionChoiceField(
        label=_("For its solution"),
        queryset=Solution.objects.none(),
        required=False,
        help_text=_("Optional: a published solution of this partner."),
    )
    note = forms.CharField(
        label=_("Why this partner"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the city and sent to the partner."),
    )

    def __init__(self, *args: Any, city: Organisation | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name")
        if city is not None:
            organisations = organisations.exclude(pk=city.pk)
        self.fields["organisation"].queryset = organisations
        self.fields["solution"].queryset = (
            Solution.objects.filter(status=PublicationStatus.PUBLISHED)
            .select_related("provider")
            .order_by("name")
        )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=FinderOutcome.choices, widget=forms.RadioSelect
    )
    project = forms.ModelChoiceField(
        label=_("Project"),
        queryset=Project.objects.none(),
        required=False,
        empty_label=_("Start a new project of the city"),
        help_text=_("When the request becomes a project: one the city already has, or a new one."),
    )
    note = forms.CharField(
        label=_("Note to the city"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX,
        required=False,
    )

    def __init__(self, *args: Any, city: Organisation | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            Project.objects.filter(organisation=city).order_by("title")
            if city is not None
            else Project.objects.none()
        )
