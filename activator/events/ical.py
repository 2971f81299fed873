"""iCalendar (RFC 5545) for events and agenda sessions: one file per event and subscribable feeds.

Times are written on the event's own clock (DTSTART;TZID=Asia/Seoul:…) with the VTIMEZONE that
defines it, so a calendar shows the same instant the event page does. Whole-day events are dates
(VALUE=DATE, the end exclusive). Events planned for a month or a year have no day to put in a
calendar and are left out.
"""

import datetime
import functools
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_countries import countries
from icalendar import Calendar, Timezone
from icalendar import Event as VEvent

from activator.events.enums import EventStatus, EventType
from activator.events.models import Event, Session

PRODID = "-//WeGO Activator//Events//EN"


def _base_url(base_url: str | None) -> str:
    return (base_url or settings.SITE_URL).rstrip("/")


def _host(base_url: str | None) -> str:
    return urlsplit(_base_url(base_url)).hostname or "localhost"


def location_text(event: Event) -> str:
    """Venue, city and country; "Online" for an event with only a link."""
    place = [event.venue, event.city, countries.name(event.country) if event.country else ""]
    text = ", ".join(part for part in place if part)
    if text:
        return text
    return "Online" if event.online_url else ""


def _add_times(component: VEvent, event: Event) -> None:
    if event.all_day:
        first = event.local_start.date()
        last = event.last_day or first
        component.add("dtstart", first)
        component.add("dtend", last + datetime.timedelta(days=1))
        return
    component.add("dtstart", event.local_start)
    if event.ends_at is not None:
        component.add("dtend", event.local_end)


def event_component(
    event: Event,
    *,
    base_url: str | None = None,
    stamp: datetime.datetime | None = None,
    type_labels: dict[str, str] | None = None,
) -> VEvent:
    """The VEVENT of a dated event (the caller leaves out events without a day)."""
    if not event.is_dated:
        raise ValueError("An event without a day has no place in a calendar.")
    base = _base_url(base_url)
    url = base + event.get_absolute_url()
    component = VEvent()
    component.add("uid", f"event-{event.pk}@{_host(base_url)}")
    component.add("dtstamp", (stamp or timezone.now()).astimezone(datetime.UTC))
    if event.updated_at:
        component.add("last-modified", event.updated_at.astimezone(datetime.UTC))
    component.add("summary", event.title)
    description = "\n\n".join(part for part in (event.summary, url) if part)
    component.add("description", description)
    component.add("url", url)
    location = location_text(event)
    if location:
        component.add("location", location)
    _add_times(component, event)
    if event.status == EventStatus.CANCELLED:
        component.add("status", "CANCELLED")
    elif event.status == EventStatus.DRAFT:
        component.add("status", "TENTATIVE")
    else:
        component.add("status", "CONFIRMED")
    labels = type_labels or _type_labels()
    component.add("categories", [labels.get(event.type, event.type)])
    return component


def _type_labels() -> dict[str, str]:
    """The type names in the active language, read once per file rather than once per event."""
    return {value: str(label) for value, label in EventType.choices}


@functools.lru_cache(maxsize=64)
def _timezone_component(name: str) -> Timezone:
    """A zone's VTIMEZONE; working out its transitions is slow, and the rules rarely change."""
    return Timezone.from_tzid(name)


def session_component(
    session: Session, *, base_url: str | None = None, stamp: datetime.datetime | None = None
) -> VEvent:
    """The VEVENT of one agenda session, on its event's clock, with its room and speakers."""
    event = session.event
    base = _base_url(base_url)
    url = base + reverse("events:agenda", args=[event.slug])
    component = VEvent()
    component.add("uid", f"session-{session.pk}@{_host(base_url)}")
    component.add("dtstamp", (stamp or timezone.now()).astimezone(datetime.UTC))
    component.add("summary", f"{session.title} · {event.title}")
    speakers = ", ".join(speaker.name for speaker in session.speakers.all())
    lines = [session.description]
    if speakers:
        lines.append(_("Speakers: %(names)s") % {"names": speakers})
    lines.append(url)
    component.add("description", "\n\n".join(line for line in lines if line))
    component.add("url", url)
    room = session.room.name if session.room_id else ""
    location = ", ".join(part for part in (room, location_text(event)) if part)
    if location:
        component.add("location", location)
    component.add("dtstart", session.starts_at.astimezone(event.zone))
    component.add("dtend", session.ends_at.astimezone(event.zone))
    if event.status == EventStatus.CANCELLED:
        component.add("status", "CANCELLED")
    return component


def new_calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    return cal


def finish(cal: Calendar) -> bytes:
    """The calendar as bytes, with a VTIMEZONE for every zone its times name."""
    cal.add_missing_timezones()
    return cal.to_ical()


def calendar_for(events: Iterable[Event], name: str, *, base_url: str | None = None) -> bytes:
    """A calendar of the dated events among `events` (planned ones have no day to show).

    Each event's VEVENT is written once per change (kept in the cache, keyed by when the event
    was last saved) and the file is put together from those blocks: writing iCalendar text is
    what costs here, so a feed of a thousand events rebuilds in milliseconds after one edit.
    """
    cal = new_calendar(name)
    labels = _type_labels()
    dated = [event for event in events if event.is_dated]
    zones = sorted({event.time_zone for event in dated if not event.all_day})
    for zone in zones:
        cal.add_component(_timezone_component(zone))
    keys = {event.pk: _block_key(event, base_url) for event in dated}
    blocks = cache.get_many(list(keys.values()))
    missing = {}
    for event in dated:
        if keys[event.pk] not in blocks:
            block = event_component(
                event, base_url=base_url, stamp=event.updated_at, type_labels=labels
            ).to_ical()
            blocks[keys[event.pk]] = missing[keys[event.pk]] = block
    if missing:
        cache.set_many(missing, BLOCK_CACHE_SECONDS)
    head, end = cal.to_ical().rsplit(b"END:VCALENDAR", 1)
    body = b"".join(blocks[keys[event.pk]] for event in dated)
    return head + body + b"END:VCALENDAR" + end


BLOCK_CACHE_SECONDS = 24 * 3600


def _block_key(event: Event, base_url: str | None) -> str:
    stamp = event.updated_at.timestamp() if event.updated_at else 0
    return f"events:vevent:{event.pk}:{stamp}:{event.status}:{get_language()}:{_base_url(base_url)}"


def ics_response(payload: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(payload, content_type="text/calendar; charset=utf-8")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
