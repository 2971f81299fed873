"""Forms of the meeting pages: requesting a meeting, and the managers' set-up, slots and moves.

Times are typed as the event's own clock shows them and leave the form as instants.
"""

import datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activator.calls.forms_manage import DateInput, LocalDateTimeField, on_clock
from activator.events.models import Event
from activator.matching.models import (
    Challenge,
    MatchmakingSetup,
    MeetingRequest,
    MeetingSlot,
    Solution,
)


class MeetingRequestForm(forms.Form):
    """What /meetings/request/ reads; the service checks who may meet whom."""

    event = forms.ModelChoiceField(queryset=Event.objects.filter(matchmaking=True))
    recipient = forms.ModelChoiceField(queryset=get_user_model().objects.filter(is_active=True))
    challenge = forms.ModelChoiceField(queryset=Challenge.objects.all(), required=False)
    solution = forms.ModelChoiceField(queryset=Solution.objects.all(), required=False)
    message = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you would like to talk about."),
    )


class SetupForm(forms.Form):
    tables = forms.IntegerField(
        label=_("Tables"),
        min_value=1,
        max_value=1000,
        help_text=_("How many meetings can take place at once."),
    )
    place = forms.CharField(
        label=_("Where the tables are"),
        max_length=200,
        required=False,
        help_text=_("A hall or room, shown with the table number."),
    )
    requests_close_at = LocalDateTimeField(
        label=_("Requests close"),
        required=False,
        help_text=_("On the event's clock. Left empty, requests close when the event starts."),
    )

    def __init__(self, *args: Any, event: Event, setup: MatchmakingSetup, **kwargs: Any) -> None:
        self.event = event
        closes = setup.requests_close_at
        kwargs.setdefault(
            "initial",
            {
                "tables": setup.tables,
                "place": setup.place,
                "requests_close_at": closes.astimezone(event.zone).replace(tzinfo=None)
                if closes
                else None,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_requests_close_at(self) -> datetime.datetime | None:
        value = self.cleaned_data.get("requests_close_at")
        if value is None:
            return None
        return on_clock(value.replace(tzinfo=None), self.event.zone)


class SlotsForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DateInput())
    start = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("To"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    minutes = forms.IntegerField(label=_("Minutes each"), min_value=5, max_value=480, initial=30)
    pause = forms.IntegerField(
        label=_("Break between meetings (minutes)"),
        min_value=0,
        max_value=480,
        initial=0,
        required=False,
    )

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        self.event = event
        if event.local_start is not None:
            kwargs.setdefault(
                "initial", {"day": event.local_start.date(), "minutes": 30, "pause": 0}
            )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            raise ValidationError({"end": _("The last meeting ends after the first one starts.")})
        cleaned["pause"] = cleaned.get("pause") or 0
        return cleaned


class MoveForm(forms.Form):
    meeting = forms.ModelChoiceField(
        label=pgettext_lazy("one-to-one meeting", "Meeting"), queryset=MeetingRequest.objects.none()
    )
    slot = forms.ModelChoiceField(label=_("Slot"), queryset=MeetingSlot.objects.none())
    table = forms.IntegerField(label=_("Table"), min_value=1)

    def __init__(
        self,
        *args: Any,
        event: Event,
        meetings: list[MeetingRequest],
        slots: list[MeetingSlot],
        tables: int,
        slot_label: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = MeetingRequest.objects.filter(
            event=event, status="accepted"
        ).select_related("requester", "recipient")
        self.fields["meeting"].choices = [("", "—")] + [
            (m.pk, f"{m.requester} ↔ {m.recipient}") for m in meetings
        ]
        self.fields["slot"].queryset = MeetingSlot.objects.filter(event=event)
        self.fields["slot"].choices = [("", "—")] + [(s.pk, slot_label(s)) for s in slots]
        self.fields["table"].max_value = tables
        self.fields["table"].widget.attrs["max"] = tables
