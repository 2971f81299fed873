"""Forms of the staff pages that set up events: the event itself, its status, documents and
photos. They read and check input; `events.services` saves it.

Dates are typed as the event's own clock shows them (a date and a time in its time zone) and
leave the form as instants; editing shows them back on that clock. A planned event gives only
its year (and month) and how the date is announced ("TBD", "Q4").
"""

import datetime
import zoneinfo
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from activator.calls.forms_manage import DateInput, LocalDateTimeField, on_clock
from activator.calls.models import TIME_ZONES
from activator.events.enums import DocumentAccess, EventStatus
from activator.events.models import AgendaItem, Document, Event, Photo
from activator.events.services import EVENT_FIELDS
from activator.members.models import Organisation, RegionalOffice

YEAR_RANGE = (1990, 2100)
TIMED, WHOLE_DAYS, PLANNED = "timed", "all_day", "planned"
# Languages events of the network are held in; an event keeps any other code it already has.
LANGUAGES = [
    ("en", _("English")),
    ("ko", _("Korean")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("ar", _("Arabic")),
    ("zh", _("Chinese")),
    ("ru", _("Russian")),
    ("pt", _("Portuguese")),
    ("id", _("Indonesian")),
    ("ja", _("Japanese")),
    ("vi", _("Vietnamese")),
    ("th", _("Thai")),
    ("mn", _("Mongolian")),
    ("tr", _("Turkish")),
    ("de", _("German")),
]
LANGUAGE_NAMES = dict(LANGUAGES)


def language_names(codes: list[str]) -> list[str]:
    return [str(LANGUAGE_NAMES.get(code, code)) for code in codes or []]


def _month_choices() -> list[tuple[str, str]]:
    return [("", _("Month not known"))] + [
        (str(n), date_format(datetime.date(2000, n, 1), "F")) for n in range(1, 13)
    ]


class EventForm(forms.ModelForm):
    """The event: what, when (on its clock, or only the month), where, who may come, the report.

    Regional office staff run events only for their own office, so that is the one office they
    are offered.
    """

    schedule = forms.ChoiceField(
        label=_("The date is"),
        choices=[
            (TIMED, _("Known, with start and end times")),
            (WHOLE_DAYS, _("Known, whole days")),
            (PLANNED, _("Not fixed yet: only the month or the year")),
        ],
        initial=TIMED,
        widget=forms.RadioSelect,
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(name, name) for name in TIME_ZONES],
        initial="Asia/Seoul",
        help_text=_("Where the event takes place; times are typed and shown on this clock."),
    )
    starts_at = LocalDateTimeField(
        label=_("Starts"), required=False, help_text=_("Date and time on the event's clock.")
    )
    ends_at = LocalDateTimeField(
        label=_("Ends"), required=False, help_text=_("Date and time on the event's clock.")
    )
    first_day = forms.DateField(label=_("First day"), required=False, widget=DateInput())
    last_day = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty for a one-day event."),
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=YEAR_RANGE[0],
        max_value=YEAR_RANGE[1],
        help_text=_("For an event whose day is not fixed yet."),
    )
    month = forms.TypedChoiceField(
        label=_("Month"), required=False, coerce=int, empty_value=None, choices=_month_choices
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), required=False, widget=forms.CheckboxSelectMultiple
    )
    partners = forms.ModelMultipleChoiceField(
        label=_("Partners in the directory"),
        queryset=Organisation.objects.order_by("name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    registration_opens_at = LocalDateTimeField(
        label=_("Registration opens"),
        required=False,
        help_text=_("On the event's clock; empty: as soon as it is published."),
    )
    registration_closes_at = LocalDateTimeField(
        label=_("Registration closes"),
        required=False,
        help_text=_("On the event's clock; empty: when the event starts."),
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "summary",
            "description",
            "type",
            "organiser",
            "organiser_name",
            "partners",
            "office",
            "time_zone",
            "date_note",
            "venue",
            "city",
            "country",
            "region",
            "online_url",
            "languages",
            "audience",
            "registration",
            "capacity",
            "matchmaking",
            "report",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 6}),
            "report": forms.Textarea(attrs={"rows": 5}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "region": _("Empty: the region of the country."),
            "online_url": _("Shown only to those who may join: participants and staff."),
            "report": _("After the event: what happened, in a few lines. Shown on its page."),
        }

    #: The parts of the form as the page shows them: a legend and its fields.
    GROUPS = [
        (
            _("What"),
            [
                "title",
                "summary",
                "description",
                "type",
                "organiser",
                "organiser_name",
                "partners",
                "office",
            ],
        ),
        (
            _("When"),
            [
                "schedule",
                "time_zone",
                "starts_at",
                "ends_at",
                "first_day",
                "last_day",
                "year",
                "month",
                "date_note",
            ],
        ),
        (_("Where"), ["venue", "city", "country", "region", "online_url", "languages"]),
        (
            _("Audience and registration"),
            [
                "audience",
                "registration",
                "registration_opens_at",
                "registration_closes_at",
                "capacity",
                "matchmaking",
            ],
        ),
        (_("Report"), ["report"]),
    ]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        event = self.instance
        office = self.fields["office"]
        if user.is_secretariat:
            office.queryset = RegionalOffice.objects.order_by("-is_secretariat", "name")
            office.empty_label = _("The Secretariat")
        else:
            office.queryset = RegionalOffice.objects.filter(pk=user.regional_office_id)
            office.required = True
            office.empty_label = None
            office.help_text = _("Regional office staff run the events of their own office.")
        self.fields["organiser"].queryset = Organisation.objects.order_by("name")
        self.fields["organiser"].empty_label = _("Not a member of the directory")
        self.fields["region"].empty_label = _("From the country")
        languages = list(LANGUAGES)
        known = set(LANGUAGE_NAMES)
        languages += [(code, code) for code in event.languages or [] if code not in known]
        self.fields["languages"].choices = languages
        self.fields["date_note"].help_text = _(
            "For a planned event, how its date is announced: TBD, Year-round, Q4… "
            "Empty: “date to be announced”."
        )
        if not self.is_bound and event.pk is not None:
            self._initial_from(event)
        elif not self.is_bound and not user.is_secretariat:
            self.initial["office"] = user.regional_office_id

    def _initial_from(self, event: Event) -> None:
        initial = self.initial
        if not event.is_dated:
            initial["schedule"] = PLANNED
        elif event.all_day:
            initial["schedule"] = WHOLE_DAYS
            initial["first_day"] = event.local_start.date()
            initial["last_day"] = event.last_day
        else:
            initial["schedule"] = TIMED
            initial["starts_at"] = event.local_start.replace(tzinfo=None)
            if event.ends_at:
                initial["ends_at"] = event.local_end.replace(tzinfo=None)
        initial["year"], initial["month"] = event.year, event.month
        for name in ("registration_opens_at", "registration_closes_at"):
            moment = getattr(event, name)
            initial[name] = moment.astimezone(event.zone).replace(tzinfo=None) if moment else None

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (legend, [self[name] for name in names if name in self.fields])
            for legend, names in self.GROUPS
        ]

    def _on_clock(self, cleaned: dict[str, Any], name: str, zone: Any) -> None:
        naive = cleaned.get(name)
        if isinstance(naive, datetime.datetime) and naive.tzinfo is None:
            try:
                cleaned[name] = on_clock(naive, zone)
            except ValidationError as error:
                self.add_error(name, error)
                cleaned[name] = None

    def _midnight(self, day: datetime.date, zone: Any, field: str) -> datetime.datetime | None:
        try:
            return on_clock(datetime.datetime.combine(day, datetime.time(0)), zone)
        except ValidationError as error:
            self.add_error(field, error)
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        name = cleaned.get("time_zone")
        schedule = cleaned.get("schedule")
        if not name:
            for field in (
                "starts_at",
                "ends_at",
                "registration_opens_at",
                "registration_closes_at",
            ):
                cleaned[field] = None
            return cleaned
        zone = zoneinfo.ZoneInfo(name)
        for field in ("registration_opens_at", "registration_closes_at"):
            self._on_clock(cleaned, field, zone)
        cleaned["all_day"] = schedule == WHOLE_DAYS
        if schedule == TIMED:
            if cleaned.get("starts_at") is None and "starts_at" not in self.errors:
                self.add_error("starts_at", _("Give the date and time it starts."))
            self._on_clock(cleaned, "starts_at", zone)
            self._on_clock(cleaned, "ends_at", zone)
            starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
            if starts and ends and ends <= starts:
                self.add_error("ends_at", _("The end must come after the start."))
            cleaned["year"] = cleaned["month"] = None
        elif schedule == WHOLE_DAYS:
            first, last = (
                cleaned.get("first_day"),
                cleaned.get("last_day") or cleaned.get("first_day"),
            )
            cleaned["starts_at"] = cleaned["ends_at"] = None
            if first is None:
                if "first_day" not in self.errors:
                    self.add_error("first_day", _("Give the first day."))
            elif last < first:
                self.add_error("last_day", _("The last day comes before the first."))
            else:
                cleaned["starts_at"] = self._midnight(first, zone, "first_day")
                cleaned["ends_at"] = self._midnight(
                    last + datetime.timedelta(days=1), zone, "last_day"
                )
            cleaned["year"] = cleaned["month"] = None
        elif schedule == PLANNED:
            cleaned["starts_at"] = cleaned["ends_at"] = None
            if cleaned.get("year") is None and "year" not in self.errors:
                self.add_error("year", _("Give at least the year it is planned for."))
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error("registration_closes_at", _("Registration must close after it opens."))
        return cleaned

    def _post_clean(self) -> None:
        # The service checks the whole event once its derived columns are known.
        pass

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as `event_create` and `event_update` take them."""
        data = self.cleaned_data
        fields = {name: data.get(name) for name in EVENT_FIELDS if name in data}
        for name in ("summary", "description", "organiser_name", "date_note", "venue", "city"):
            fields[name] = (fields.get(name) or "").strip()
        fields["online_url"] = data.get("online_url") or ""
        fields["report"] = data.get("report") or ""
        fields["country"] = data.get("country") or ""
        fields["languages"] = list(data.get("languages") or [])
        if data.get("schedule") != PLANNED:
            fields["date_note"] = ""
        fields["partners"] = list(data.get("partners") or [])
        return fields


class StatusForm(forms.Form):
    """Publish, take back to draft, or cancel with a reason registrants will read."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (EventStatus.PUBLISHED, _("Publish")),
            (EventStatus.DRAFT, _("Back to draft")),
            (EventStatus.CANCELLED, _("Cancel the event")),
        ],
    )
    reason = forms.CharField(
        label=_("Why it is cancelled"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to everyone registered."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if (
            cleaned.get("status") == EventStatus.CANCELLED
            and not (cleaned.get("reason") or "").strip()
        ):
            self.add_error("reason", _("Say why the event is cancelled; registrants read it."))
        return cleaned


class DocumentForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["title", "file", "access", "agenda_item"]

    def __init__(self, *args: Any, event: Event, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["access"].choices = DocumentAccess.choices
        items = AgendaItem.objects.filter(meeting__event=event)
        if not items.exists():
            del self.fields["agenda_item"]
        else:
            self.fields["agenda_item"].queryset = items
            self.fields["agenda_item"].required = False
            self.fields["agenda_item"].empty_label = _("Not for one agenda item")

    def _post_clean(self) -> None:
        # The service checks the file (kinds and size) as it saves it.
        pass


class PhotoForm(forms.ModelForm):
    class Meta:
        model = Photo
        fields = ["image", "caption"]

    def _post_clean(self) -> None:
        pass


class PhotoCaptionForm(forms.Form):
    caption = forms.CharField(label=_("Caption"), required=False, max_length=300)
