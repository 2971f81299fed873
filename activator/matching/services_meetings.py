"""One-to-one meetings at events with matchmaking: requests, answers, availability, the schedule.

Only people with a confirmed registration at the event take part, on both sides. Requests close
at the set-up's `requests_close_at`, or when the event starts.

Every change that can move a meeting runs in one transaction holding the lock on the event's
`MatchmakingSetup` row, so two acceptances at the same moment are placed one after the other and
never share a person or a table; the database's unique (slot, table) constraint guards tables once
more. Placement goes through `schedule.reschedule`, which keeps every placement that is still
valid: accepting, cancelling or moving one meeting never moves another, and a freed seat is only
ever given to a meeting that had none. Only the full re-optimisation (`schedule_event(full=True)`)
moves meetings, and it tells the people whose meetings moved. Before anything is saved the
schedule is checked with `schedule.validate`, written apart from the scheduler.

E-mails are queued when the transaction commits (`calls.services.notify`).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activator.calls.services import notify
from activator.core.audit import audit_record
from activator.events.enums import EventStatus, RegistrationStatus
from activator.events.models import Event, Registration
from activator.events.rules import manages_event
from activator.events.templatetags.event_tags import zone_abbreviation
from activator.matching import schedule
from activator.matching.enums import MeetingStatus, PublicationStatus
from activator.matching.models import (
    Availability,
    Challenge,
    MatchmakingSetup,
    MeetingRequest,
    MeetingSlot,
    Solution,
)

ACCEPTED = MeetingStatus.ACCEPTED
REQUESTED = MeetingStatus.REQUESTED
OPEN_STATUSES = (REQUESTED, ACCEPTED)
# Why an accepted meeting has no time yet, as stored in `unscheduled_reason`.
NO_COMMON_SLOT = schedule.NO_COMMON_SLOT
NO_ROOM = schedule.NO_ROOM
NO_SLOTS = "no slots yet"
# Seconds the scheduler may search: one placement while a person waits for the page, or a full
# re-optimisation run by staff.
PLACE_TIME_LIMIT = 2.0
FULL_TIME_LIMIT = 20.0
MAX_SLOTS_AT_ONCE = 200


def reason_text(reason: str) -> str:
    """What an unplaced meeting's reason means, for the two people."""
    if reason == NO_COMMON_SLOT:
        return _("you two are never free at the same time")
    if reason == NO_ROOM:
        return _("no table free when you both are")
    if reason == NO_SLOTS:
        return _("the organisers have not set the meeting times yet")
    return reason


# --- Reading ------------------------------------------------------------------------------------


def setup_of(event: Event) -> MatchmakingSetup:
    """The event's set-up; an unsaved default one until managers save theirs."""
    try:
        return event.matchmaking_setup
    except MatchmakingSetup.DoesNotExist:
        return MatchmakingSetup(event=event)


def requests_close_at(event: Event, setup: MatchmakingSetup | None = None) -> datetime.datetime:
    """Requests close at the set-up's time when given, otherwise when the event starts."""
    setup = setup or setup_of(event)
    return setup.requests_close_at or event.starts_at


def requests_open(event: Event, now: datetime.datetime | None = None) -> bool:
    closes = requests_close_at(event)
    return (
        event.matchmaking
        and event.status == EventStatus.PUBLISHED
        and (closes is None or (now or timezone.now()) < closes)
    )


def is_participant(user: Any, event: Event) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return Registration.objects.filter(
        event=event, person=user, status=RegistrationStatus.CONFIRMED
    ).exists()


def participant_registrations(event: Event):
    """The confirmed registrations of the event, with their people and organisations."""
    return (
        Registration.objects.filter(event=event, status=RegistrationStatus.CONFIRMED)
        .select_related("person", "organisation")
        .order_by("person__full_name", "person__email")
    )


def _event_over(event: Event, now: datetime.datetime) -> bool:
    end = event.ends_at or event.starts_at
    return end is not None and end < now


def meetings_of(user: Any):
    """A person's meeting requests, either side, with what pages show of them."""
    return MeetingRequest.objects.filter(Q(requester=user) | Q(recipient=user)).select_related(
        "event",
        "event__matchmaking_setup",
        "requester",
        "recipient",
        "slot",
        "challenge",
        "solution",
    )


# --- The schedule as the scheduler sees it -------------------------------------------------------


@dataclass
class _State:
    setup: MatchmakingSetup
    accepted: dict[int, MeetingRequest]
    meetings: list[schedule.Meeting]
    slots: list[int]
    availability: dict[int, list[int]]
    previous: schedule.Schedule


def _state(event: Event, setup: MatchmakingSetup) -> _State:
    accepted = {
        meeting.pk: meeting
        for meeting in MeetingRequest.objects.filter(event=event, status=ACCEPTED)
        .select_related("requester", "recipient", "slot")
        .order_by("created_at", "id")
    }
    slots = list(MeetingSlot.objects.filter(event=event).values_list("pk", flat=True))
    availability: dict[int, list[int]] = {}
    for person_id, slot_id in Availability.objects.filter(slot__event=event).values_list(
        "person_id", "slot_id"
    ):
        availability.setdefault(person_id, []).append(slot_id)
    meetings = [
        schedule.Meeting(meeting.pk, meeting.requester_id, meeting.recipient_id)
        for meeting in accepted.values()
    ]
    placements = sorted(
        (
            schedule.Placement(meeting.pk, meeting.slot_id, meeting.table)
            for meeting in accepted.values()
            if meeting.slot_id is not None
        ),
        key=lambda p: (p.slot, p.table),
    )
    return _State(setup, accepted, meetings, slots, availability, schedule.Schedule(placements, []))


def _lock(event: Event) -> MatchmakingSetup:
    """The event's set-up row, locked until the transaction ends (created when missing)."""
    MatchmakingSetup.objects.get_or_create(event=event)
    return MatchmakingSetup.objects.select_for_update(of=("self",)).get(event=event)


@dataclass
class Change:
    """What a placement run changed: meetings given a time for the first time, moved, or that
    lost their time."""

    placed: list[MeetingRequest] = field(default_factory=list)
    moved: list[MeetingRequest] = field(default_factory=list)
    unplaced: list[MeetingRequest] = field(default_factory=list)


def _save(state: _State, result: schedule.Schedule, quiet: Iterable[int] = ()) -> Change:
    """Check `result` against the rules, store it, and tell the people whose meeting got a
    time, moved or lost its time (except for meetings in `quiet`, whose caller tells them)."""
    problems = schedule.validate(
        result, state.meetings, state.slots, state.setup.tables, state.availability
    )
    if problems:
        raise ValidationError(
            _("The schedule breaks its rules: %(problems)s") % {"problems": "; ".join(problems)}
        )
    new = result.by_meeting()
    reasons = {entry.meeting_id: entry.reason for entry in result.unscheduled}
    if not state.slots:
        reasons = dict.fromkeys(reasons, NO_SLOTS)
    change = Change()
    moving = []
    for pk, meeting in state.accepted.items():
        placement = new.get(pk)
        where = (placement.slot, placement.table) if placement else (None, None)
        if where != (meeting.slot_id, meeting.table):
            moving.append(pk)
            if meeting.slot_id is None:
                change.placed.append(meeting)
            elif placement is None:
                change.unplaced.append(meeting)
            else:
                change.moved.append(meeting)
    # Free every seat that changes first, so that no two rows hold one table in between.
    MeetingRequest.objects.filter(pk__in=moving).update(slot=None, table=None)
    for pk, meeting in state.accepted.items():
        placement = new.get(pk)
        reason = "" if placement else reasons.get(pk, NO_ROOM)
        if pk in moving and placement:
            MeetingRequest.objects.filter(pk=pk).update(
                slot_id=placement.slot, table=placement.table, unscheduled_reason=""
            )
        elif meeting.unscheduled_reason != reason:
            MeetingRequest.objects.filter(pk=pk).update(unscheduled_reason=reason)
        meeting.slot_id = placement.slot if placement else None
        meeting.table = placement.table if placement else None
        meeting.unscheduled_reason = reason
    slots = {slot.pk: slot for slot in MeetingSlot.objects.filter(pk__in=state.slots)}
    quiet = set(quiet)
    for meeting in (*change.placed, *change.moved, *change.unplaced):
        meeting.slot = slots.get(meeting.slot_id)
        if meeting.pk not in quiet:
            for person in (meeting.requester, meeting.recipient):
                _mail_meeting(meeting, person, "moved", setup=state.setup)
    return change


def _place(event: Event, setup: MatchmakingSetup, *, changed: Iterable[int] = (), quiet=()):
    """Place what is new or changed, and any meeting still waiting, moving nobody else."""
    state = _state(event, setup)
    result = schedule.reschedule(
        state.previous,
        state.meetings,
        state.slots,
        setup.tables,
        state.availability,
        changed=changed,
        time_limit=PLACE_TIME_LIMIT,
    )
    return _save(state, result, quiet), state


# --- E-mails ------------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def slot_text(event: Event, slot: MeetingSlot | None) -> str:
    """14 Mar 2027, 10:00–10:30 KST, on the event's clock."""
    if slot is None:
        return ""
    start, end = slot.starts_at.astimezone(event.zone), slot.ends_at.astimezone(event.zone)
    return _("%(day)s, %(start)s–%(end)s %(zone)s") % {
        "day": date_format(start, "j M Y"),
        "start": date_format(start, "H:i"),
        "end": date_format(end, "H:i"),
        "zone": zone_abbreviation(start),
    }


def table_text(setup: MatchmakingSetup, table: int | None) -> str:
    if table is None:
        return ""
    if setup.place:
        return _("%(place)s, table %(table)s") % {"place": setup.place, "table": table}
    return _("Table %(table)s") % {"table": table}


SUBJECTS = {
    "requested": lambda: _("%(name)s asks to meet you at %(event)s"),
    "accepted": lambda: _("%(name)s accepted your meeting at %(event)s"),
    "declined": lambda: _("%(name)s declined your meeting at %(event)s"),
    "cancelled": lambda: _("Your meeting with %(name)s at %(event)s is cancelled"),
    "moved": lambda: _("Your meeting with %(name)s at %(event)s has changed"),
}


def _mail_meeting(
    meeting: MeetingRequest, to: Any, kind: str, *, setup: MatchmakingSetup | None = None
) -> None:
    event = meeting.event
    setup = setup or setup_of(event)
    other = meeting.recipient if to.pk == meeting.requester_id else meeting.requester
    notify(
        to=[to.email],
        subject=SUBJECTS[kind]() % {"name": str(other), "event": event.title},
        template=f"matching/meetings/email/{kind}.txt",
        context={
            "meeting": meeting,
            "event": event,
            "person": to,
            "other": other,
            "when": slot_text(event, meeting.slot) if meeting.slot_id else "",
            "where": table_text(setup, meeting.table),
            "reason": reason_text(meeting.unscheduled_reason) if not meeting.slot_id else "",
            "page_url": _absolute(reverse("matching:event_meetings", args=[event.slug])),
            "agenda_url": _absolute(reverse("matching:my_meetings")),
        },
    )


# --- Checks -------------------------------------------------------------------------------------


def _check_matchmaking(event: Event) -> None:
    if not event.matchmaking or event.status != EventStatus.PUBLISHED:
        raise ValidationError({"event": _("This event holds no one-to-one meetings.")})


def _check_manager(actor: Any, event: Event) -> None:
    if not manages_event(actor, event):
        raise PermissionDenied("matching.manage_matchmaking")


def _pair_busy(event: Event, a: Any, b: Any) -> MeetingRequest | None:
    """An open request or meeting between the two at the event, if there is one."""
    pair = Q(requester=a, recipient=b) | Q(requester=b, recipient=a)
    return MeetingRequest.objects.filter(pair, event=event, status__in=OPEN_STATUSES).first()


def _record(actor: Any, meeting: MeetingRequest, action: str, note: str = "") -> None:
    audit_record(actor=actor, action=f"meeting.{action}", target=meeting, note=note)


def _check_subject(
    actor: Any, recipient: Any, challenge: Challenge | None, solution: Solution | None
) -> None:
    """What a meeting is about is shown to the other person: only a published challenge or
    solution kept by one of the two (the requester's own, or the recipient's side's)."""
    if challenge is not None and not (
        challenge.status == PublicationStatus.PUBLISHED
        and (
            actor.has_perm("matching.decide_for_challenge", challenge)
            or recipient.has_perm("matching.decide_for_challenge", challenge)
        )
    ):
        raise ValidationError({"challenge": _("This challenge cannot be attached.")})
    if solution is not None and not (
        solution.status == PublicationStatus.PUBLISHED
        and (
            actor.has_perm("matching.decide_for_solution", solution)
            or recipient.has_perm("matching.decide_for_solution", solution)
        )
    ):
        raise ValidationError({"solution": _("This solution cannot be attached.")})


def shown_challenge(meeting: MeetingRequest) -> Challenge | None:
    """The meeting's challenge while it is published; a later draft or closing hides it."""
    challenge = meeting.challenge if meeting.challenge_id else None
    return challenge if challenge and challenge.status == PublicationStatus.PUBLISHED else None


def shown_solution(meeting: MeetingRequest) -> Solution | None:
    """The meeting's solution while it is published."""
    solution = meeting.solution if meeting.solution_id else None
    return solution if solution and solution.status == PublicationStatus.PUBLISHED else None


# --- Participants -------------------------------------------------------------------------------


@transaction.atomic
def meeting_request(
    *,
    actor: Any,
    event: Event,
    recipient: Any,
    challenge: Challenge | None = None,
    solution: Solution | None = None,
    message: str = "",
    now: datetime.datetime | None = None,
) -> MeetingRequest:
    """Ask another participant for a meeting; they are told by e-mail."""
    now = now or timezone.now()
    _check_matchmaking(event)
    if recipient is None or recipient.pk == actor.pk:
        raise ValidationError({"recipient": _("Choose someone else to meet.")})
    setup = _lock(event)
    if not is_participant(actor, event):
        raise ValidationError(
            {"event": _("Only people with a confirmed registration at the event request meetings.")}
        )
    if not is_participant(recipient, event):
        # Said without the name: any participant may post any person's id here.
        raise ValidationError(
            {"recipient": _("This person holds no confirmed registration at this event.")}
        )
    closes = requests_close_at(event, setup)
    if closes is not None and now >= closes:
        raise ValidationError({"event": _("Meeting requests for this event are closed.")})
    if _pair_busy(event, actor, recipient):
        raise ValidationError(
            {
                "recipient": _("You already have a meeting or an open request with %(name)s here.")
                % {"name": recipient}
            }
        )
    _check_subject(actor, recipient, challenge, solution)
    message = (message or "").strip()
    if len(message) > 2000:
        raise ValidationError({"message": _("Keep the message under 2,000 characters.")})
    meeting = MeetingRequest.objects.create(
        event=event,
        requester=actor,
        recipient=recipient,
        challenge=challenge,
        solution=solution,
        message=message,
    )
    _record(actor, meeting, "requested")
    _mail_meeting(meeting, recipient, "requested", setup=setup)
    return meeting


def _fresh(meeting: MeetingRequest) -> MeetingRequest:
    return MeetingRequest.objects.select_related(
        "event", "requester", "recipient", "slot", "challenge", "solution"
    ).get(pk=meeting.pk)


@transaction.atomic
def meeting_respond(
    *, actor: Any, meeting: MeetingRequest, accept: bool, now: datetime.datetime | None = None
) -> MeetingRequest:
    """The person asked accepts (the meeting is placed at once, if it can be) or declines."""
    now = now or timezone.now()
    event = meeting.event
    setup = _lock(event)
    meeting = _fresh(meeting)
    if actor.pk != meeting.recipient_id:
        raise PermissionDenied("matching.respond_meeting")
    if meeting.status != REQUESTED:
        raise ValidationError({"status": _("This request has been answered already.")})
    if not accept:
        meeting.status = MeetingStatus.DECLINED
        meeting.responded_at = now
        meeting.save(update_fields=["status", "responded_at"])
        _record(actor, meeting, "declined")
        _mail_meeting(meeting, meeting.requester, "declined", setup=setup)
        return meeting
    _check_matchmaking(event)
    if _event_over(event, now):
        raise ValidationError({"status": _("The event is over.")})
    if not (is_participant(meeting.requester, event) and is_participant(actor, event)):
        raise ValidationError(
            {"status": _("Both of you need a confirmed registration at the event to meet.")}
        )
    together = Q(requester=meeting.requester, recipient=actor) | Q(
        requester=actor, recipient=meeting.requester
    )
    if (
        MeetingRequest.objects.filter(together, event=event, status=ACCEPTED)
        .exclude(pk=meeting.pk)
        .exists()
    ):
        raise ValidationError({"status": _("You two already have a meeting at this event.")})
    meeting.status = ACCEPTED
    meeting.responded_at = now
    meeting.save(update_fields=["status", "responded_at"])
    _place(event, setup, changed=[meeting.pk], quiet=[meeting.pk])
    meeting = _fresh(meeting)
    _record(
        actor,
        meeting,
        "accepted",
        note=f"slot {meeting.slot_id} table {meeting.table}" if meeting.slot_id else "unplaced",
    )
    _mail_meeting(meeting, meeting.requester, "accepted", setup=setup)
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: MeetingRequest) -> MeetingRequest:
    """Either person (or a manager) calls off a request or a meeting; its seat goes to a meeting
    still waiting for one, and no other meeting moves."""
    event = meeting.event
    setup = _lock(event)
    meeting = _fresh(meeting)
    side = actor.pk in (meeting.requester_id, meeting.recipient_id)
    if not side and not manages_event(actor, event):
        raise PermissionDenied("matching.cancel_meeting")
    if meeting.status not in OPEN_STATUSES:
        raise ValidationError({"status": _("This meeting is no longer on.")})
    was_accepted = meeting.status == ACCEPTED
    meeting.status = MeetingStatus.CANCELLED
    meeting.slot = None
    meeting.table = None
    meeting.unscheduled_reason = ""
    meeting.save(update_fields=["status", "slot", "table", "unscheduled_reason"])
    _record(actor, meeting, "cancelled")
    for person in (meeting.requester, meeting.recipient):
        if person.pk != actor.pk:
            _mail_meeting(meeting, person, "cancelled", setup=setup)
    if was_accepted:
        _place(event, setup)
    return meeting


@transaction.atomic
def availability_set(*, actor: Any, event: Event, slots: Iterable[Any]) -> list[int]:
    """The slots the person is free in (none: free in all). Their meetings that no longer fit
    are placed again; other people's stay where they are. Returns the slot ids kept."""
    _check_matchmaking(event)
    setup = _lock(event)
    if not is_participant(actor, event):
        raise ValidationError(
            {"slots": _("Only people with a confirmed registration at the event give their times.")}
        )
    wanted = {int(getattr(slot, "pk", slot)) for slot in slots}
    known = set(MeetingSlot.objects.filter(event=event).values_list("pk", flat=True))
    if wanted - known:
        raise ValidationError({"slots": _("Choose among the event's meeting times.")})
    current = set(
        Availability.objects.filter(slot__event=event, person=actor).values_list(
            "slot_id", flat=True
        )
    )
    Availability.objects.filter(slot__event=event, person=actor).exclude(
        slot_id__in=wanted
    ).delete()
    Availability.objects.bulk_create(
        [Availability(slot_id=pk, person=actor) for pk in sorted(wanted - current)]
    )
    mine = MeetingRequest.objects.filter(
        Q(requester=actor) | Q(recipient=actor), event=event, status=ACCEPTED, slot__isnull=False
    )
    changed = [
        pk for pk, slot_id in mine.values_list("pk", "slot_id") if wanted and slot_id not in wanted
    ]
    _place(event, setup, changed=changed)
    audit_record(
        actor=actor,
        action="meeting.availability_set",
        target=event,
        note=", ".join(str(pk) for pk in sorted(wanted)) or "all",
    )
    return sorted(wanted)


# --- Managers -----------------------------------------------------------------------------------


@transaction.atomic
def setup_save(
    *,
    actor: Any,
    event: Event,
    tables: int,
    place: str = "",
    requests_close_at: datetime.datetime | None = None,
) -> MatchmakingSetup:
    """Tables, where they are, when requests close. Fewer tables move only the meetings at the
    tables that are gone; more tables seat meetings that were waiting."""
    _check_manager(actor, event)
    if not 1 <= int(tables) <= 1000:
        raise ValidationError({"tables": _("Give between 1 and 1,000 tables.")})
    setup = _lock(event)
    before = (setup.tables, setup.place, setup.requests_close_at)
    setup.tables = int(tables)
    setup.place = (place or "").strip()[:200]
    setup.requests_close_at = requests_close_at
    setup.save()
    _place(event, setup)
    audit_record(
        actor=actor,
        action="meeting.setup_saved",
        target=setup,
        changes={
            name: [str(old), str(new)]
            for name, old, new in zip(
                ("tables", "place", "requests_close_at"),
                before,
                (setup.tables, setup.place, setup.requests_close_at),
                strict=True,
            )
            if old != new
        },
    )
    return setup


@transaction.atomic
def slots_generate(
    *,
    actor: Any,
    event: Event,
    day: datetime.date,
    start: datetime.time,
    end: datetime.time,
    minutes: int,
    pause: int = 0,
) -> list[MeetingSlot]:
    """Slots of `minutes` from `start` to `end` on the event's clock, `pause` minutes apart.
    Slots that would overlap an existing one are left out. Returns the new slots."""
    _check_manager(actor, event)
    if minutes < 5 or minutes > 480:
        raise ValidationError({"minutes": _("A meeting lasts between 5 and 480 minutes.")})
    if pause < 0 or pause > 480:
        raise ValidationError({"pause": _("A break lasts between 0 and 480 minutes.")})
    zone = event.zone
    first = datetime.datetime.combine(day, start, zone)
    last = datetime.datetime.combine(day, end, zone)
    if last <= first:
        raise ValidationError({"end": _("The last meeting ends after the first one starts.")})
    setup = _lock(event)
    existing = list(MeetingSlot.objects.filter(event=event).values_list("starts_at", "ends_at"))
    step, gap = datetime.timedelta(minutes=minutes), datetime.timedelta(minutes=pause)
    made: list[MeetingSlot] = []
    moment = first
    while moment + step <= last:
        starts = moment.astimezone(datetime.UTC)
        ends = (moment + step).astimezone(datetime.UTC)
        if not any(s < ends and starts < e for s, e in existing):
            made.append(MeetingSlot(event=event, starts_at=starts, ends_at=ends))
        moment = moment + step + gap
    if len(made) > MAX_SLOTS_AT_ONCE:
        raise ValidationError({"minutes": _("That makes too many slots at once.")})
    if not made:
        raise ValidationError({"start": _("No new slot fits: the times are taken or too short.")})
    MeetingSlot.objects.bulk_create(made)
    made = list(
        MeetingSlot.objects.filter(event=event, starts_at__in=[slot.starts_at for slot in made])
    )
    _place(event, setup)
    audit_record(actor=actor, action="meeting.slots_added", target=event, note=f"{len(made)} slots")
    return made


@transaction.atomic
def slot_delete(*, actor: Any, slot: MeetingSlot) -> None:
    """Remove a slot that holds no meeting and is not anyone's only free time: with no time
    ticked a person counts as free in every slot, so removing their one slot would make them
    free at times they said they were not."""
    event = slot.event
    _check_manager(actor, event)
    _lock(event)
    if MeetingRequest.objects.filter(slot=slot, status=ACCEPTED).exists():
        raise ValidationError({"slot": _("Move or cancel the meetings in this slot first.")})
    alone = (
        Availability.objects.filter(
            slot__event=event,
            person_id__in=Availability.objects.filter(slot=slot).values("person_id"),
        )
        .order_by()
        .values("person")
        .annotate(ticked=Count("pk"))
        .filter(ticked=1)
        .count()
    )
    if alone:
        raise ValidationError(
            {
                "slot": ngettext(
                    "This is the only free time %(count)s person gave; it stays.",
                    "This is the only free time %(count)s people gave; it stays.",
                    alone,
                )
                % {"count": alone}
            }
        )
    label = slot_text(event, slot)
    slot.delete()
    audit_record(actor=actor, action="meeting.slot_removed", target=event, note=label)


@transaction.atomic
def meeting_move(
    *, actor: Any, meeting: MeetingRequest, slot: MeetingSlot, table: int
) -> MeetingRequest:
    """Put one accepted meeting at another slot and table by hand; nobody else moves."""
    event = meeting.event
    _check_manager(actor, event)
    setup = _lock(event)
    meeting = _fresh(meeting)
    if meeting.status != ACCEPTED:
        raise ValidationError({"meeting": _("Only accepted meetings have a place.")})
    if slot.event_id != event.pk:
        raise ValidationError({"slot": _("Choose one of this event's slots.")})
    if not 1 <= int(table) <= setup.tables:
        raise ValidationError(
            {"table": _("Choose a table from 1 to %(tables)s.") % {"tables": setup.tables}}
        )
    table = int(table)
    others = MeetingRequest.objects.filter(event=event, status=ACCEPTED, slot=slot).exclude(
        pk=meeting.pk
    )
    if others.filter(table=table).exists():
        raise ValidationError({"table": _("Another meeting is at this table then.")})
    people = (meeting.requester_id, meeting.recipient_id)
    if others.filter(Q(requester_id__in=people) | Q(recipient_id__in=people)).exists():
        raise ValidationError({"slot": _("One of the two has another meeting then.")})
    for person in (meeting.requester, meeting.recipient):
        theirs = Availability.objects.filter(slot__event=event, person=person)
        if theirs.exists() and not theirs.filter(slot=slot).exists():
            raise ValidationError({"slot": _("%(name)s is not free then.") % {"name": person}})
    state = _state(event, setup)
    placements = [p for p in state.previous.placements if p.meeting_id != meeting.pk]
    placements.append(schedule.Placement(meeting.pk, slot.pk, table))
    previous = schedule.Schedule(placements, [])
    result = schedule.reschedule(
        previous,
        state.meetings,
        state.slots,
        setup.tables,
        state.availability,
        fixed={meeting.pk: (slot.pk, table)},
        time_limit=PLACE_TIME_LIMIT,
    )
    try:
        with transaction.atomic():
            _save(state, result)
    except IntegrityError as error:
        raise ValidationError({"table": _("Another meeting is at this table then.")}) from error
    meeting = _fresh(meeting)
    _record(actor, meeting, "moved", note=f"slot {slot.pk} table {table}")
    return meeting


@dataclass
class Summary:
    """Where an event's meetings stand, and how close the schedule is to the best possible."""

    requested: int
    accepted: int
    placed: int
    upper_bound: int
    moved: list[MeetingRequest] = field(default_factory=list)

    @property
    def unplaced(self) -> int:
        return self.accepted - self.placed


def summary(event: Event) -> Summary:
    """Counts for the managers' page, with the scheduler's bound on meetings that can be held."""
    setup = setup_of(event)
    state = _state(event, setup)
    bound = (
        schedule.upper_bound(state.meetings, state.slots, setup.tables, state.availability)
        if state.slots and state.meetings
        else 0
    )
    return Summary(
        requested=MeetingRequest.objects.filter(event=event, status=REQUESTED).count(),
        accepted=len(state.accepted),
        placed=len(state.previous.placements),
        upper_bound=bound,
    )


@transaction.atomic
def schedule_event(*, actor: Any, event: Event, full: bool = False) -> Summary:
    """Place every accepted meeting still waiting (nobody moves), or with `full`, schedule all
    of them anew to hold as many as possible: that moves meetings, and their people are told.
    A full run that would hold fewer meetings than now keeps the current schedule."""
    _check_manager(actor, event)
    setup = _lock(event)
    if not full:
        change, state = _place(event, setup)
        moved: list[MeetingRequest] = change.moved
    else:
        state = _state(event, setup)
        kept = schedule.reschedule(
            state.previous,
            state.meetings,
            state.slots,
            setup.tables,
            state.availability,
            time_limit=PLACE_TIME_LIMIT,
        )
        fresh = schedule.schedule(
            state.meetings,
            state.slots,
            setup.tables,
            state.availability,
            time_limit=FULL_TIME_LIMIT,
        )
        best = fresh if fresh.held > kept.held else kept
        moved = _save(state, best).moved
    audit_record(
        actor=actor,
        action="meeting.schedule_full" if full else "meeting.schedule_filled",
        target=event,
        note=f"{len(moved)} moved",
    )
    result = summary(event)
    result.moved = moved
    return result
