"""Reads for events: who sees which, the calendar's filters, a month's grid, the yearly figures
and a member's events.

Days are the event's own: an event in Seoul on 14 March is on the 14 March square whatever the
reader's zone. A planned event knows only its year, or its year and month; it is listed with the
month "to be announced" and counted in its year.
"""

import calendar
import datetime
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import django_filters
from django import forms
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from activator.core.models import Region
from activator.core.search import search_words
from activator.events.enums import (
    Audience,
    EventStatus,
    EventType,
    RegistrationStatus,
)
from activator.events.models import Event

# The widest gap between a local day and UTC (UTC+14, UTC-12), so a month's query takes in
# every event whose local days touch it.
ZONE_MARGIN = datetime.timedelta(hours=15)
UPCOMING, PAST, ALL = "upcoming", "past", "all"


def _listing(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.select_related("region", "organiser", "office")


def for_cards(events: QuerySet[Event]) -> QuerySet[Event]:
    """Without the long texts a list of cards does not show."""
    return events.defer("description", "report", "search_text", "source_note")


def events_visible_to(user: Any) -> QuerySet[Event]:
    """Published and cancelled events for everyone; drafts too for the staff who manage them."""
    events = _listing(Event.objects.all())
    if user is not None and user.is_authenticated and user.is_secretariat:
        return events
    if user is not None and user.is_authenticated and user.is_regional_staff:
        return events.filter(~Q(status=EventStatus.DRAFT) | Q(office_id=user.regional_office_id))
    return events.exclude(status=EventStatus.DRAFT)


def public_events() -> QuerySet[Event]:
    """What anyone sees: the events that are not drafts."""
    return _listing(Event.objects.exclude(status=EventStatus.DRAFT))


# --- Past and upcoming --------------------------------------------------------------------------


def upcoming_q(now: datetime.datetime | None = None) -> Q:
    """Events not over yet; planned ones from this month (or year) on."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    dated = Q(ends_at__gte=now) | Q(ends_at__isnull=True, starts_at__gte=now)
    planned = Q(starts_at__isnull=True) & (
        Q(year__gt=today.year)
        | Q(year=today.year, month__isnull=True)
        | Q(year=today.year, month__gte=today.month)
    )
    return dated | planned


def past_q(now: datetime.datetime | None = None) -> Q:
    now = now or timezone.now()
    today = timezone.localdate(now)
    dated = Q(starts_at__isnull=False) & (
        Q(ends_at__lt=now) | Q(ends_at__isnull=True, starts_at__lt=now)
    )
    planned = Q(starts_at__isnull=True) & (
        Q(year__lt=today.year) | Q(year=today.year, month__lt=today.month)
    )
    return dated | planned


def is_past(event: Event, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    if event.starts_at is not None:
        return (event.ends_at or event.starts_at) < now
    today = timezone.localdate(now)
    if event.year is None:
        return False
    if event.month is None:
        return event.year < today.year
    return (event.year, event.month) < (today.year, today.month)


def chronological(events: QuerySet[Event], *, newest_first: bool = False) -> QuerySet[Event]:
    """By local year and month, then start; in a month, the events without a day come last."""
    if newest_first:
        return events.order_by(
            F("year").desc(nulls_last=True),
            F("month").desc(nulls_first=True),
            F("starts_at").desc(nulls_first=True),
            "title",
            "pk",
        )
    return events.order_by(
        F("year").asc(nulls_last=True),
        F("month").asc(nulls_last=True),
        F("starts_at").asc(nulls_last=True),
        "title",
        "pk",
    )


# --- Filters ------------------------------------------------------------------------------------


class EventFilter(django_filters.FilterSet):
    """The calendar's filters, shared by the list, the month, the feed and the API."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    type = django_filters.MultipleChoiceFilter(
        label=_("Type"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
        distinct=False,
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Region"),
        queryset=Region.objects.all(),
        to_field_name="slug",
        empty_label=_("All regions"),
    )
    year = django_filters.NumberFilter(label=_("Year"), field_name="year", min_value=1900)
    audience = django_filters.ChoiceFilter(
        label=_("Audience"), choices=Audience.choices, empty_label=_("Everyone")
    )
    when = django_filters.ChoiceFilter(
        label=_("When"),
        choices=[
            (UPCOMING, pgettext_lazy("events", "Upcoming")),
            (PAST, _("Past")),
            (ALL, _("All")),
        ],
        method="filter_when",
        empty_label=_("All"),
    )

    class Meta:
        model = Event
        fields = ["q", "type", "region", "year", "audience", "when"]

    def __init__(self, data: Any = None, *args: Any, now: Any = None, **kwargs: Any) -> None:
        super().__init__(data, *args, **kwargs)
        self.now = now or timezone.now()
        self.form.fields["year"].widget.attrs.update({"min": 1900, "max": 2100})

    def search(self, queryset: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        """Every word must appear in the event's text; accents and case do not matter."""
        for word in search_words(value):
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    def filter_when(self, queryset: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        if value == UPCOMING:
            return queryset.filter(upcoming_q(self.now))
        if value == PAST:
            return queryset.filter(past_q(self.now))
        return queryset


def event_filter(data: Any, user: Any, *, queryset: QuerySet[Event] | None = None) -> EventFilter:
    """The events `user` may see, filtered by `data` (a QueryDict)."""
    return EventFilter(data, queryset=queryset if queryset is not None else events_visible_to(user))


def filtered_events(filterset: EventFilter) -> QuerySet[Event]:
    """The filtered events, or none when a filter is not valid."""
    if filterset.is_bound and not filterset.is_valid():
        return filterset.queryset.none()
    return filterset.qs


# --- The month --------------------------------------------------------------------------------


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    is_today: bool = False
    events: list[Event] = field(default_factory=list)


@dataclass
class MonthGrid:
    year: int
    month: int
    weeks: list[list[Day]]
    undated: list[Event]

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def previous(self) -> datetime.date:
        return (self.first - datetime.timedelta(days=1)).replace(day=1)

    @property
    def next(self) -> datetime.date:
        return (self.first + datetime.timedelta(days=32)).replace(day=1)

    @property
    def is_empty(self) -> bool:
        return not self.undated and not any(day.events for week in self.weeks for day in week)


def month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    """The first day of the month and the first day of the next one."""
    first = datetime.date(year, month, 1)
    return first, (first + datetime.timedelta(days=32)).replace(day=1)


def events_in_month(events: QuerySet[Event], year: int, month: int) -> QuerySet[Event]:
    """Events whose local days may touch the month, and the month's planned events.

    The instants are widened by the largest zone offset; `month_grid` places each exactly.
    """
    first, after = month_bounds(year, month)
    utc = datetime.UTC
    start = datetime.datetime.combine(first, datetime.time(0), utc) - ZONE_MARGIN
    end = datetime.datetime.combine(after, datetime.time(0), utc) + ZONE_MARGIN
    dated = Q(starts_at__lt=end) & (
        Q(ends_at__gte=start) | Q(ends_at__isnull=True, starts_at__gte=start)
    )
    planned = Q(starts_at__isnull=True, year=year, month=month)
    return chronological(events.filter(dated | planned))


def month_grid(
    year: int, month: int, events: Any, *, today: datetime.date | None = None
) -> MonthGrid:
    """Weeks (Monday first) of days, each with the dated events on it on their own clock (an
    event of several days is on each), and the month's events whose day is not announced."""
    today = today or timezone.localdate()
    weeks = [
        [Day(day, day.month == month, day == today) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    by_date = {day.date: day for week in weeks for day in week}
    undated = []
    for event in events:
        if event.starts_at is None:
            if event.year == year and event.month == month:
                undated.append(event)
            continue
        first_day = event.local_start.date()
        last_day = max(event.last_day or first_day, first_day)
        day = max(first_day, weeks[0][0].date)
        while day <= last_day and day in by_date:
            by_date[day].events.append(event)
            day += datetime.timedelta(days=1)
    return MonthGrid(year, month, weeks, undated)


# --- Figures ----------------------------------------------------------------------------------


def activity_statistics(years: Any = None) -> dict[int, dict[str, int]]:
    """Published events per year and type, {year: {type: count}} with every type (0 if none).

    Years are the local start's, or the planned year for events without a day; `years` limits
    (and always includes) the years given.
    """
    events = Event.objects.filter(status=EventStatus.PUBLISHED, year__isnull=False)
    wanted = sorted({int(y) for y in years}) if years is not None else None
    if wanted is not None:
        events = events.filter(year__in=wanted)
    rows = events.values_list("year", "type").annotate(n=Count("id")).order_by()
    found: dict[int, dict[str, int]] = {}
    for year, kind, n in rows:
        found.setdefault(year, {}).setdefault(kind, 0)
        found[year][kind] += n
    years_shown = wanted if wanted is not None else sorted(found)
    return {
        year: {kind: found.get(year, {}).get(kind, 0) for kind in EventType.values}
        for year in years_shown
    }


def statistics_years() -> list[int]:
    """The years that have published events, newest first."""
    return list(
        Event.objects.filter(status=EventStatus.PUBLISHED, year__isnull=False)
        .order_by("-year")
        .values_list("year", flat=True)
        .distinct()
    )


# --- A member's events ------------------------------------------------------------------------


class MemberEvents(NamedTuple):
    joined: QuerySet[Event]
    organised: QuerySet[Event]


def member_events(organisation: Any, user: Any = None) -> MemberEvents:
    """The events the organisation took part in (its people registered for it and were
    confirmed or checked in), past and upcoming, and those it organised; newest first.

    Drafts are left out, unless `user` manages them.
    """
    visible = events_visible_to(user) if user is not None else public_events()
    took_part = Event.objects.filter(
        Q(registrations__status=RegistrationStatus.CONFIRMED)
        | Q(registrations__checked_in_at__isnull=False),
        registrations__organisation=organisation,
    ).values("pk")
    joined = chronological(visible.filter(pk__in=took_part), newest_first=True)
    organised = chronological(visible.filter(organiser=organisation), newest_first=True)
    return MemberEvents(joined, organised)
