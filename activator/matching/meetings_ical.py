"""A person's one-to-one meetings as iCalendar: one VEVENT per meeting that has a time.

Times are on the event's own clock (DTSTART;TZID=Asia/Seoul:…) with its VTIMEZONE, as the
events' calendars are, so a calendar shows the instant the agenda page does.
"""

import datetime
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Event as VEvent

from activator.events.ical import finish, new_calendar
from activator.matching.models import MeetingRequest
from activator.matching.services_meetings import (
    setup_of,
    shown_challenge,
    shown_solution,
    table_text,
)


def _base_url(base_url: str | None) -> str:
    return (base_url or settings.SITE_URL).rstrip("/")


def _host(base_url: str | None) -> str:
    return urlsplit(_base_url(base_url)).hostname or "localhost"


def meeting_component(
    meeting: MeetingRequest, person: Any, *, base_url: str | None = None
) -> VEvent:
    """The VEVENT of one placed meeting, seen by `person` (the other one is named)."""
    event = meeting.event
    other = meeting.recipient if meeting.requester_id == person.pk else meeting.requester
    url = _base_url(base_url) + reverse("matching:event_meetings", args=[event.slug])
    component = VEvent()
    component.add("uid", f"meeting-{meeting.pk}@{_host(base_url)}")
    component.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    component.add("summary", _("Meeting with %(name)s") % {"name": other})
    lines = [event.title]
    challenge, solution = shown_challenge(meeting), shown_solution(meeting)
    if challenge is not None:
        lines.append(_("About the challenge: %(title)s") % {"title": challenge.title})
    if solution is not None:
        lines.append(_("About the solution: %(name)s") % {"name": solution.name})
    lines.append(url)
    component.add("description", "\n\n".join(lines))
    component.add("url", url)
    component.add("location", table_text(setup_of(event), meeting.table))
    component.add("dtstart", meeting.slot.starts_at.astimezone(event.zone))
    component.add("dtend", meeting.slot.ends_at.astimezone(event.zone))
    component.add("status", "CONFIRMED")
    return component


def agenda_calendar(
    meetings: Iterable[MeetingRequest], person: Any, *, base_url: str | None = None
) -> bytes:
    """The placed meetings among `meetings` (load them with `services_meetings.meetings_of`)."""
    cal = new_calendar(_("My meetings"))
    for meeting in meetings:
        if meeting.slot_id is not None:
            cal.add_component(meeting_component(meeting, person, base_url=base_url))
    return finish(cal)
