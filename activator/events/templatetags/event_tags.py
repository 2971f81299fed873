"""How an event's dates read on a page: on the event's own clock, with the zone named.

{% load event_tags %}
{{ event|event_when }}      14 Mar 2027, 09:00–17:00 KST · September 2023 (date to be announced)
{{ event|event_zone }}      Asia/Seoul, UTC+09:00
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

register = template.Library()


def zone_abbreviation(moment: datetime.datetime) -> str:
    """KST, CEST, CST…; a zone with no abbreviation reads as its offset (UTC+04)."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-":
        return utc_offset(moment, short=True)
    return name


def utc_offset(moment: datetime.datetime, *, short: bool = False) -> str:
    offset = moment.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    if short:
        return f"UTC{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _day(day: datetime.date) -> str:
    return date_format(day, "j M Y")


def _time(moment: datetime.datetime) -> str:
    return date_format(moment, "H:i")


def planned_text(event) -> str:
    """September 2023 (date to be announced), or 2023 (Q4) with the note as announced."""
    if event.year is None:
        return event.date_note or _("Date to be announced")
    if event.month:
        period = date_format(datetime.date(event.year, event.month, 1), "F Y")
    else:
        period = str(event.year)
    if not event.date_note and _period_is_over(event):
        return period  # a past month or year: the day is no longer "to be announced"
    note = event.date_note or _("date to be announced")
    return _("%(period)s (%(note)s)") % {"period": period, "note": note}


def _period_is_over(event) -> bool:
    today = timezone.localdate()
    if event.month:
        return (event.year, event.month) < (today.year, today.month)
    return event.year < today.year


def when_text(event) -> str:
    """The event's dates on its own clock, with the zone's abbreviation after the times."""
    if not event.is_dated:
        return planned_text(event)
    start, end = event.local_start, event.local_end
    if event.all_day:
        first, last = start.date(), event.last_day or start.date()
        if last <= first:
            return _day(first)
        if (first.year, first.month) == (last.year, last.month):
            return _("%(start)s–%(end)s") % {"start": date_format(first, "j"), "end": _day(last)}
        return _("%(start)s – %(end)s") % {"start": _day(first), "end": _day(last)}
    zone = zone_abbreviation(start)
    if end is None:
        return _("%(day)s, %(time)s %(zone)s") % {
            "day": _day(start),
            "time": _time(start),
            "zone": zone,
        }
    end_zone = zone_abbreviation(end)
    if start.date() == end.date() and zone == end_zone:
        return _("%(day)s, %(start)s–%(end)s %(zone)s") % {
            "day": _day(start),
            "start": _time(start),
            "end": _time(end),
            "zone": zone,
        }
    if zone == end_zone:
        return _("%(start_day)s, %(start)s – %(end_day)s, %(end)s %(zone)s") % {
            "start_day": _day(start),
            "start": _time(start),
            "end_day": _day(end),
            "end": _time(end),
            "zone": zone,
        }
    # The clocks change during the event: each time with its own abbreviation.
    return _("%(start_day)s, %(start)s %(start_zone)s – %(end_day)s, %(end)s %(end_zone)s") % {
        "start_day": _day(start),
        "start": _time(start),
        "start_zone": zone,
        "end_day": _day(end),
        "end": _time(end),
        "end_zone": end_zone,
    }


def zone_text(event) -> str:
    """The zone's name and its offset at the start: Asia/Seoul, UTC+09:00."""
    if not event.is_dated:
        return event.time_zone
    return _("%(zone)s, %(offset)s") % {
        "zone": event.time_zone,
        "offset": utc_offset(event.local_start),
    }


@register.filter
def event_when(event) -> str:
    return when_text(event)


@register.filter
def event_zone(event) -> str:
    return zone_text(event)


@register.filter
def local_time(moment: datetime.datetime | None, event) -> str:
    """An instant (a registration deadline, a session) on the event's clock, zone named."""
    if moment is None:
        return ""
    local = moment.astimezone(event.zone)
    return _("%(day)s, %(time)s %(zone)s") % {
        "day": _day(local),
        "time": _time(local),
        "zone": zone_abbreviation(local),
    }


def place_text(event) -> str:
    """Venue, city and country; "Online" when it also (or only) happens online."""
    parts = [event.venue, event.city, event.country.name if event.country else ""]
    place = ", ".join(p for p in parts if p and not p.lower().startswith("online"))
    if place and event.is_online:
        return _("%(place)s · and online") % {"place": place}
    if event.is_online:
        return _("Online")
    return place or _("Place to be announced")


@register.filter
def event_place(event) -> str:
    return place_text(event)
