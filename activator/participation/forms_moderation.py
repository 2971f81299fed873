from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activator.core.api import MAX_ID
from activator.participation.enums import FlagReason
from activator.participation.services_moderation import (
    APPEAL_MAX,
    CONTENT_KINDS,
    DETAILS_MAX,
    REASON_MAX,
)


class FlagForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k) for k in CONTENT_KINDS], widget=forms.HiddenInput)
    id = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    reason = forms.ChoiceField(label=_("Why do you report it?"), choices=FlagReason.choices)
    details = forms.CharField(
        label=pgettext_lazy("report", "Details"),
        required=False,
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only the moderators read them."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("hide", _("Hide it")),
            ("restore", _("Show it (keep it visible)")),
            ("grant_appeal", _("Grant the appeal: show it again")),
            ("uphold_appeal", _("Uphold the decision: it stays hidden")),
        ],
    )
    reason = forms.CharField(
        label=pgettext_lazy("moderation", "Reason"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed to hide it; everyone sees it in place of the content."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, appeal_pending: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # While an appeal waits, it is decided first; otherwise there is none to decide.
        wanted = ("grant_appeal", "uphold_appeal") if appeal_pending else ("hide", "restore")
        self.fields["action"].choices = [
            (value, label) for value, label in self.fields["action"].choices if value in wanted
        ]


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should it be shown?"),
        max_length=APPEAL_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The moderators read your appeal and decide once more."),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)
