"""Meetings on pages: times on the event's clock, and where two people could meet.

{% load matching_meetings %}
{{ slot|slot_when:event }}            14 Mar 2027, 10:00–10:30 KST
{{ meeting|meeting_when }}            the same, for a meeting's slot
{{ meeting|meeting_where }}           Hall B, table 4
{{ meeting.unscheduled_reason|meeting_reason }}
{{ meeting|meeting_challenge }}       its challenge while published, else None (same for solution)
{% meeting_events recipient as choices %}   events where the user may ask `recipient` to meet
"""

from dataclasses import dataclass
from typing import Any

from django import template
from django.db.models import Q
from django.utils import timezone

from activator.events.enums import EventStatus, RegistrationStatus
from activator.events.models import Event
from activator.matching.models import MeetingRequest
from activator.matching.services_meetings import (
    OPEN_STATUSES,
    reason_text,
    requests_close_at,
    setup_of,
    shown_challenge,
    shown_solution,
    slot_text,
    table_text,
)

register = template.Library()


@register.filter
def slot_when(slot, event) -> str:
    return slot_text(event, slot)


@register.filter
def meeting_when(meeting) -> str:
    return slot_text(meeting.event, meeting.slot) if meeting.slot_id else ""


@register.filter
def meeting_where(meeting) -> str:
    return table_text(setup_of(meeting.event), meeting.table)


@register.filter
def meeting_reason(reason: str) -> str:
    return reason_text(reason) if reason else ""


@register.filter
def meeting_challenge(meeting) -> Any:
    return shown_challenge(meeting)


@register.filter
def meeting_solution(meeting) -> Any:
    return shown_solution(meeting)


@register.filter
def other_person(meeting, user) -> Any:
    return meeting.recipient if meeting.requester_id == user.pk else meeting.requester


@dataclass
class MeetingChoice:
    """An event where the two could meet, and the request already open between them, if any."""

    event: Event
    existing: MeetingRequest | None


def meeting_choices(user: Any, recipient: Any) -> list[MeetingChoice]:
    """Upcoming published events with matchmaking, requests still open, where both hold a
    confirmed registration."""
    if not user.is_authenticated or recipient is None or recipient.pk == user.pk:
        return []
    now = timezone.now()
    confirmed = RegistrationStatus.CONFIRMED
    events = list(
        Event.objects.filter(matchmaking=True, status=EventStatus.PUBLISHED, starts_at__gt=now)
        .filter(registrations__person=user, registrations__status=confirmed)
        .filter(registrations__person=recipient, registrations__status=confirmed)
        .select_related("matchmaking_setup")
        .order_by("starts_at")
        .distinct()
    )
    events = [e for e in events if (requests_close_at(e) or now) > now]
    if not events:
        return []
    existing = {
        meeting.event_id: meeting
        for meeting in MeetingRequest.objects.filter(
            Q(requester=user, recipient=recipient) | Q(requester=recipient, recipient=user),
            event__in=events,
            status__in=OPEN_STATUSES,
        )
    }
    return [MeetingChoice(event, existing.get(event.pk)) for event in events]


@register.simple_tag(takes_context=True)
def meeting_events(context, recipient) -> list[MeetingChoice]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return []
    return meeting_choices(user, recipient)
