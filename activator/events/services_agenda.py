"""Writes for an event's agenda: rooms, speakers, sessions, and each person's own agenda.

Every function runs in one transaction, checks its input and records the change in the audit
trail of the event. Sessions are instants like the event; "within the event's days" is judged
on the event's own clock, so a session at 18:00 in Seoul belongs to the Seoul day it is on.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from activator.core.audit import audit_record
from activator.events.models import Event, Room, Session, Speaker

# An all-day end (and any end at midnight) is the start of the next day, not part of it.
_INSTANT = datetime.timedelta(microseconds=1)


def _check_event(event: Event, item: Any) -> None:
    if item.event_id is not None and item.event_id != event.pk:
        raise ValidationError(_("This belongs to another event."))
    item.event = event


# --- Rooms and speakers -----------------------------------------------------------------------


@transaction.atomic
def room_save(*, actor: Any, event: Event, room: Room) -> Room:
    """Add or change one room of the event; a name is used once per event."""
    _check_event(event, room)
    creating = room.pk is None
    room.name = (room.name or "").strip()
    room.full_clean()
    room.save()
    audit_record(
        actor=actor,
        action=f"event.room_{'added' if creating else 'changed'}",
        target=event,
        note=room.name,
    )
    return room


@transaction.atomic
def room_delete(*, actor: Any, room: Room) -> None:
    """Remove a room; its sessions stay on the agenda without a room."""
    event, name = room.event, room.name
    room.delete()
    audit_record(actor=actor, action="event.room_removed", target=event, note=name)


@transaction.atomic
def speaker_save(*, actor: Any, event: Event, speaker: Speaker) -> Speaker:
    _check_event(event, speaker)
    creating = speaker.pk is None
    speaker.name = (speaker.name or "").strip()
    speaker.full_clean()
    speaker.save()
    audit_record(
        actor=actor,
        action=f"event.speaker_{'added' if creating else 'changed'}",
        target=event,
        note=speaker.name,
    )
    return speaker


@transaction.atomic
def speaker_delete(*, actor: Any, speaker: Speaker) -> None:
    """Remove a speaker; the sessions they spoke in stay."""
    event, name = speaker.event, speaker.name
    speaker.delete()
    audit_record(actor=actor, action="event.speaker_removed", target=event, note=name)


# --- Sessions ---------------------------------------------------------------------------------


def _day_text(day: datetime.date) -> str:
    return date_format(day, "j M Y")


def _validate_session(event: Event, session: Session, speakers: list[Speaker]) -> None:
    """The session's times, room and speakers, or a ValidationError naming the field at fault."""
    errors: dict[str, list[str]] = {}
    starts, ends = session.starts_at, session.ends_at
    if starts is None:
        errors.setdefault("starts_at", []).append(_("Give the start."))
    if ends is None:
        errors.setdefault("ends_at", []).append(_("Give the end."))
    if starts is not None and ends is not None:
        if ends <= starts:
            errors.setdefault("ends_at", []).append(_("The session must end after it starts."))
        elif not event.is_dated:
            errors.setdefault("starts_at", []).append(
                _("The event has no dates yet; give it its days before planning sessions.")
            )
        else:
            zone = event.zone
            first, last = event.local_start.date(), event.last_day
            if starts.astimezone(zone).date() < first:
                errors.setdefault("starts_at", []).append(
                    _("The session starts before the event (%(first)s to %(last)s, %(zone)s).")
                    % {"first": _day_text(first), "last": _day_text(last), "zone": event.time_zone}
                )
            if (ends - _INSTANT).astimezone(zone).date() > last:
                errors.setdefault("ends_at", []).append(
                    _("The session ends after the event (%(first)s to %(last)s, %(zone)s).")
                    % {"first": _day_text(first), "last": _day_text(last), "zone": event.time_zone}
                )
    if session.room_id is not None and session.room.event_id != event.pk:
        errors.setdefault("room", []).append(_("This room belongs to another event."))
    if any(speaker.event_id != event.pk for speaker in speakers):
        errors.setdefault("speakers", []).append(_("A speaker belongs to another event."))
    if errors:
        raise ValidationError(errors)


def _check_room_is_free(session: Session) -> None:
    """No two sessions in one room at once. The room row is locked first, so two people saving
    sessions in the same room one after the other are judged in turn (PostgreSQL)."""
    if session.room_id is None:
        return
    Room.objects.select_for_update().filter(pk=session.room_id).first()
    clash = (
        Session.objects.filter(
            room_id=session.room_id,
            starts_at__lt=session.ends_at,
            ends_at__gt=session.starts_at,
        )
        .exclude(pk=session.pk)
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        zone = session.event.zone
        raise ValidationError(
            {
                "room": _("%(room)s is taken then by “%(title)s” (%(start)s–%(end)s, %(zone)s).")
                % {
                    "room": session.room.name,
                    "title": clash.title,
                    "start": clash.starts_at.astimezone(zone).strftime("%H:%M"),
                    "end": clash.ends_at.astimezone(zone).strftime("%H:%M"),
                    "zone": session.event.time_zone,
                }
            }
        )


@transaction.atomic
def session_save(
    *,
    actor: Any,
    event: Event,
    session: Session,
    speakers: Iterable[Speaker] | None = None,
) -> Session:
    """Add or change one session of the event's agenda.

    Refused with a ValidationError (keyed by field) when the session does not end after it
    starts, falls outside the event's days on the event's clock, or overlaps another session in
    the same room. `speakers`, when given, replaces the session's speakers.
    """
    _check_event(event, session)
    creating = session.pk is None
    speaker_list = list(speakers) if speakers is not None else None
    _validate_session(event, session, speaker_list or [])
    session.full_clean(exclude=["speakers", "attendees"])
    _check_room_is_free(session)
    session.save()
    if speaker_list is not None:
        session.speakers.set(speaker_list)
    audit_record(
        actor=actor,
        action=f"event.session_{'added' if creating else 'changed'}",
        target=event,
        note=session.title,
    )
    return session


@transaction.atomic
def session_delete(*, actor: Any, session: Session) -> None:
    """Remove a session; it leaves the personal agendas that held it."""
    event, title = session.event, session.title
    session.delete()
    audit_record(actor=actor, action="event.session_removed", target=event, note=title)


# --- Personal agendas ---------------------------------------------------------------------------


def may_pick(user: Any, event: Event) -> bool:
    """Whether `user` may keep sessions of `event` on a personal agenda (see `session_pick`)."""
    return bool(user.has_perm("events.pick_session", event))


@transaction.atomic
def session_pick(*, actor: Any, session: Session) -> bool:
    """Put the session on the person's own agenda, or take it off if it is there already.

    Who may keep a personal agenda of an event (rule `events.pick_session`): for an event with
    registration, only people whose registration is confirmed; for an event without
    registration, whoever its audience admits, so any logged-in person for a public event
    (people of the network for a members-only one). Anyone else gets PermissionDenied.
    Returns True when the session is now on the agenda, False when it was taken off.
    """
    if not may_pick(actor, session.event):
        raise PermissionDenied("events.pick_session")
    through = Session.attendees.through
    mine = through.objects.filter(session_id=session.pk, user_id=actor.pk)
    if mine.exists():
        mine.delete()
        return False
    through.objects.get_or_create(session_id=session.pk, user_id=actor.pk)
    return True
