"""Forms of an event's agenda: rooms, speakers and sessions. They read and check input; the
services in `events.services_agenda` save it.

A session is typed as the event's own clock shows it (a day, a start and an end time in the
event's time zone) and leaves the form as two instants.
"""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from activator.calls.forms_manage import DateInput, on_clock
from activator.events.models import Event, Room, Session, Speaker


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "capacity", "position"]
        help_texts = {"position": _("Rooms are shown as columns in this order.")}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = Room.objects.filter(event_id=self.instance.event_id, name=name)
        if self.instance.pk is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(_("This event already has a room by that name."))
        return name


class SpeakerForm(forms.ModelForm):
    class Meta:
        model = Speaker
        fields = ["name", "position", "affiliation", "bio"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 3})}


class SessionForm(forms.ModelForm):
    """One session: its day and times on the event's clock, its room and speakers."""

    day = forms.DateField(label=_("Day"), widget=DateInput())
    starts_at = forms.TimeField(label=_("Starts"), widget=TimeInput())
    ends_at = forms.TimeField(label=_("Ends"), widget=TimeInput())

    class Meta:
        model = Session
        fields = ["title", "description", "room", "speakers"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "speakers": forms.CheckboxSelectMultiple,
        }

    def __init__(
        self,
        *args: Any,
        event: Event,
        rooms: list[Room] | None = None,
        speakers: list[Speaker] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.event = event
        zone = event.time_zone
        for name in ("starts_at", "ends_at"):
            self.fields[name].help_text = _("On the event's clock (%(zone)s).") % {"zone": zone}
        room = self.fields["room"]
        room.queryset = Room.objects.filter(event=event)
        room.empty_label = _("No room")
        if rooms is not None:
            room.choices = [("", room.empty_label)] + [(r.pk, r.name) for r in rooms]
        speaker = self.fields["speakers"]
        speaker.queryset = Speaker.objects.filter(event=event)
        if speakers is not None:
            speaker.choices = [(s.pk, s.name) for s in speakers]
        if event.is_dated:
            first, last = event.local_start.date(), event.last_day
            self.fields["day"].widget.attrs.update(
                {"min": first.isoformat(), "max": last.isoformat()}
            )
            self.fields["day"].help_text = _("From %(first)s to %(last)s.") % {
                "first": first.isoformat(),
                "last": last.isoformat(),
            }
        session = self.instance
        if not self.is_bound:
            if session.pk is not None:
                local_start = session.starts_at.astimezone(event.zone)
                local_end = session.ends_at.astimezone(event.zone)
                self.initial.update(
                    day=local_start.date(),
                    starts_at=local_start.time().replace(second=0, microsecond=0),
                    ends_at=local_end.time().replace(second=0, microsecond=0),
                )
            elif event.is_dated:
                self.initial.setdefault("day", event.local_start.date())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        day, starts, ends = cleaned.get("day"), cleaned.get("starts_at"), cleaned.get("ends_at")
        if day is None or starts is None or ends is None:
            return cleaned
        zone = self.event.zone
        moments = {}
        for name, time in (("starts_at", starts), ("ends_at", ends)):
            try:
                moments[name] = on_clock(datetime.datetime.combine(day, time), zone)
            except ValidationError as error:
                self.add_error(name, error)
        if len(moments) == 2:
            if moments["ends_at"] <= moments["starts_at"]:
                self.add_error("ends_at", _("The session must end after it starts."))
            self.instance.starts_at = moments["starts_at"]
            self.instance.ends_at = moments["ends_at"]
        return cleaned

    def _post_clean(self) -> None:
        # The model's own checks run in the service, with the times this form set.
        opts = self._meta
        try:
            self.instance = forms.models.construct_instance(
                self, self.instance, opts.fields, opts.exclude
            )
        except ValidationError as error:
            self._update_errors(error)


#: The parts of an agenda its edit page changes: the model and the form of each.
AGENDA_FORMS: dict[str, tuple[type, type[forms.ModelForm]]] = {
    "room": (Room, RoomForm),
    "speaker": (Speaker, SpeakerForm),
    "session": (Session, SessionForm),
}
