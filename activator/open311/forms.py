from django import forms
from django.utils.translation import gettext_lazy as _

from activator.open311.enums import RequestStatus
from activator.open311.models import ServiceRequest


class TriageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *RequestStatus.choices]
    )
    service = forms.ChoiceField(label=_("Service"), required=False)
    jurisdiction = forms.ChoiceField(label=_("City"), required=False)

    def __init__(self, *args, services=(), jurisdictions=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", _("Any")), *list(services)]
        self.fields["jurisdiction"].choices = [("", _("Any")), *list(jurisdictions)]


class TriageForm(forms.ModelForm):
    class Meta:
        model = ServiceRequest
        fields = [
            "status",
            "status_notes",
            "agency_responsible",
            "expected_datetime",
            "staff_notes",
        ]
        widgets = {
            "status_notes": forms.Textarea(attrs={"rows": 3}),
            "staff_notes": forms.Textarea(attrs={"rows": 3}),
            "expected_datetime": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }
        help_texts = {
            "status_notes": _("Public: the requester and the API see it."),
            "staff_notes": _("Private: only the people who triage see it."),
        }


class MergeForm(forms.Form):
    original = forms.IntegerField(
        label=_("Original request number"),
        min_value=1,
        max_value=2**63 - 1,
        help_text=_("This request closes as its duplicate, with a notice pointing to it."),
    )
