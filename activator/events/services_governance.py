"""Writes for governance meetings: settings, agenda, motions, votes, elections and minutes.

Who votes. One member, one vote, cast by one of its representatives (a person representing
several members votes once for each). At a General Assembly every member organisation whose
membership is new, current or in its grace period on the meeting's day votes; at an Executive
Committee meeting the organisations holding a governance role in the meeting's year. The day is
the meeting's first day on its own clock (while it has no day yet, the first day of its planned
month or year).

Quorum. The votes cast, abstentions and blank ballots included, must reach `quorum_percent` of
the voting members, rounded up (and at least one vote).

Majority (resolutions, per meeting): simple, more for than against; absolute, more for than half
of the votes cast (for, against and abstentions); two-thirds, at least two thirds of the votes
for or against are for (abstentions do not count, and at least one vote must be for).

Elections. Each member chooses up to `seats` candidates (or casts a blank ballot). Once the quorum
is met, the `seats` candidates with the most votes are elected; a candidate needs at least one
vote. When candidates tie for the last seat none of the tied is elected and the result says a
second round is needed (`motion_second_round` prepares it); those ranked above the tie are
elected. The elected get a governance role for the term. Previous holders of a one-seat office
(president city, executive vice president city) whose term is open or runs into the new term end
the year before it starts; for the offices with several seats (vice president cities, Executive
Committee members) the holders whose term is open-ended end then, since the election renews them
(a re-elected member keeps one row per term).

Votes are secret while voting is open (only the number cast is shown); when it closes the tally,
with each member's vote, is kept in `Motion.result` and published: a public body's votes are
public. Every change is recorded in the audit trail; who voted is recorded, not how.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from activator.accounts.enums import AffiliationRole
from activator.accounts.models import Affiliation
from activator.core.audit import audit_record, diff, snapshot
from activator.events.enums import (
    EventStatus,
    EventType,
    GoverningBody,
    MajorityRule,
    MotionKind,
    MotionStatus,
    VoteChoice,
)
from activator.events.models import AgendaItem, Candidate, Event, Meeting, Motion, Vote
from activator.members import services as member_services
from activator.members.enums import GovernanceRoleKind, MembershipStatus
from activator.members.models import GovernanceRole, Organisation
from activator.members.status import status_expression

MEETING_FIELDS = ["body", "number", "theme", "quorum_percent", "majority"]
# Who votes and how a motion carries: frozen while a vote is open.
VOTING_RULE_FIELDS = {"body", "quorum_percent", "majority"}
ITEM_FIELDS = ["position", "title", "description", "presenter"]
MOTION_FIELDS = [
    "agenda_item",
    "kind",
    "title",
    "text",
    "role",
    "seats",
    "term_start_year",
    "term_end_year",
]
VOTING_STATUSES = (MembershipStatus.NEW, MembershipStatus.CURRENT, MembershipStatus.GRACE)
SINGLE_SEAT_ROLES = frozenset(
    {GovernanceRoleKind.PRESIDENT_CITY, GovernanceRoleKind.EXECUTIVE_VICE_PRESIDENT_CITY}
)
CLOSED_STATUSES = (
    MotionStatus.CARRIED,
    MotionStatus.REJECTED,
    MotionStatus.NO_QUORUM,
    MotionStatus.ELECTED,
)
TIE_NOTE = "tie — a second round is needed"


def _actor_or_none(actor: Any) -> Any:
    return actor if actor is not None and actor.is_authenticated else None


# --- Who votes and how votes count (pure rules) ---------------------------------------------


def meeting_day(meeting: Meeting) -> datetime.date:
    """The day eligibility is judged on: the meeting's first day on its own clock; for a meeting
    without a day yet, the first day of its planned month (or year), else today."""
    event = meeting.event
    if event.local_start is not None:
        return event.local_start.date()
    if event.year:
        return datetime.date(event.year, event.month or 1, 1)
    return timezone.localdate()


def meeting_year(meeting: Meeting) -> int:
    return meeting.event.year or meeting_day(meeting).year


def meeting_voters(meeting: Meeting) -> QuerySet[Organisation]:
    """The organisations that vote at `meeting` (see the module's rules)."""
    if meeting.body == GoverningBody.EXECUTIVE_COMMITTEE:
        year = meeting_year(meeting)
        holders = GovernanceRole.objects.filter(
            Q(end_year__isnull=True) | Q(end_year__gte=year),
            role__in=GovernanceRoleKind.values,
            start_year__lte=year,
        ).values("organisation_id")
        return Organisation.objects.filter(pk__in=holders).order_by("name", "pk")
    return (
        Organisation.objects.annotate(voting_status=status_expression(meeting_day(meeting)))
        .filter(voting_status__in=[s.value for s in VOTING_STATUSES])
        .order_by("name", "pk")
    )


def eligible_voters(motion: Motion) -> QuerySet[Organisation]:
    return meeting_voters(motion.meeting)


def quorum_needed(eligible: int, percent: int) -> int:
    """Votes needed for the quorum: `percent` of `eligible`, rounded up, never fewer than one."""
    return max(1, -(-eligible * percent // 100))


def majority_met(rule: str, votes_for: int, against: int, abstain: int) -> bool:
    if rule == MajorityRule.SIMPLE:
        return votes_for > against
    if rule == MajorityRule.ABSOLUTE:
        return 2 * votes_for > votes_for + against + abstain
    if rule == MajorityRule.TWO_THIRDS:
        return votes_for > 0 and 3 * votes_for >= 2 * (votes_for + against)
    raise ValueError(f"Unknown majority rule: {rule}")


def election_outcome(tallies: Iterable[tuple[Any, int]], seats: int) -> tuple[list, list]:
    """(elected, tied for the last seat) from (candidate, votes) pairs for `seats` seats."""
    ranked = sorted((t for t in tallies if t[1] > 0), key=lambda t: -t[1])
    if len(ranked) <= seats:
        return [key for key, _votes in ranked], []
    cutoff = ranked[seats - 1][1]
    if ranked[seats][1] == cutoff:
        return (
            [key for key, votes in ranked if votes > cutoff],
            [key for key, votes in ranked if votes == cutoff],
        )
    return [key for key, _votes in ranked[:seats]], []


# --- The rules in words ------------------------------------------------------------------------


def voters_in_words(meeting: Meeting) -> str:
    if meeting.body == GoverningBody.EXECUTIVE_COMMITTEE:
        return _(
            "The organisations holding a governance role in %(year)s (president city, executive "
            "vice president city, vice president cities and Executive Committee members) vote, "
            "one vote each, cast by one of their representatives."
        ) % {"year": meeting_year(meeting)}
    return _(
        "Every member organisation whose membership is new, current or in its grace period on "
        "%(day)s votes, one vote each, cast by one of its representatives. Expired and "
        "cancelled memberships do not vote."
    ) % {"day": date_format(meeting_day(meeting), "j M Y")}


def quorum_in_words(meeting: Meeting, eligible: int | None = None) -> str:
    text = _(
        "Quorum: at least %(percent)s%% of the voting members must vote; abstentions and blank "
        "ballots count towards it."
    ) % {"percent": meeting.quorum_percent}
    if eligible is None:
        return text
    needed = quorum_needed(eligible, meeting.quorum_percent)
    return "{} {}".format(
        text,
        ngettext(
            "With %(eligible)s voting members, %(needed)s vote is needed.",
            "With %(eligible)s voting members, %(needed)s votes are needed.",
            needed,
        )
        % {"eligible": eligible, "needed": needed},
    )


def majority_in_words(rule: str) -> str:
    return {
        MajorityRule.SIMPLE: _(
            "Simple majority: a resolution carries when more members vote for it than against "
            "it. Abstentions count for the quorum only."
        ),
        MajorityRule.ABSOLUTE: _(
            "Absolute majority: a resolution carries when more than half of the votes cast, "
            "abstentions included, are for it."
        ),
        MajorityRule.TWO_THIRDS: _(
            "Two-thirds majority: a resolution carries when at least two thirds of the votes for "
            "and against are for it. Abstentions count for the quorum only."
        ),
    }[MajorityRule(rule)]


def election_in_words(motion: Motion) -> str:
    return ngettext(
        "Each voting member may choose %(seats)s candidate or cast a blank ballot. Once the "
        "quorum is met, the candidate with the most votes is elected. If candidates tie for the "
        "seat, none of them is elected and a second round is needed.",
        "Each voting member may choose up to %(seats)s candidates or cast a blank ballot. Once "
        "the quorum is met, the %(seats)s candidates with the most votes are elected. If "
        "candidates tie for the last seat, none of the tied is elected and a second round is "
        "needed for it.",
        motion.seats,
    ) % {"seats": motion.seats}


# --- The meeting -------------------------------------------------------------------------------


@transaction.atomic
def meeting_save(*, actor: Any, event: Event, **fields: Any) -> Meeting:
    """Create the governance side of `event`, or change its body, number, theme and rules."""
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown meeting fields: {sorted(unknown)}")
    if event.type != EventType.GOVERNANCE_MEETING:
        raise ValidationError(_("Only a governance meeting has an agenda, motions and votes."))
    meeting = Meeting.objects.select_for_update().filter(event=event).first()
    creating = meeting is None
    if creating:
        meeting = Meeting(event=event)
    before = {} if creating else snapshot(meeting, MEETING_FIELDS)
    for name, value in fields.items():
        setattr(meeting, name, value.strip() if isinstance(value, str) else value)
    changes = diff(before, snapshot(meeting, MEETING_FIELDS))
    if (
        not creating
        and VOTING_RULE_FIELDS & set(changes)
        and meeting.motions.filter(status=MotionStatus.OPEN).exists()
    ):
        raise ValidationError(
            _(
                "Voting is open on a motion: close it before changing the body, the quorum or "
                "the majority."
            ),
            code="voting_open",
        )
    meeting.event = event
    meeting.full_clean()
    meeting.save()
    if creating or changes:
        audit_record(
            actor=actor,
            action="meeting.created" if creating else "meeting.updated",
            target=meeting,
            changes=changes,
        )
    return meeting


@transaction.atomic
def minutes_save(*, actor: Any, meeting: Meeting, minutes: str) -> Meeting:
    """Write the minutes. Until they are published only the meeting's managers read them."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    minutes = minutes.strip()
    if minutes == meeting.minutes:
        return meeting
    if meeting.minutes_published_at is not None and not minutes:
        raise ValidationError(
            {"minutes": _("Published minutes cannot be emptied; unpublish them first.")}
        )
    meeting.minutes = minutes
    meeting.save(update_fields=["minutes"])
    audit_record(
        actor=actor,
        action="meeting.minutes_saved",
        target=meeting,
        note=_("Published minutes changed") if meeting.minutes_published_at else _("Draft minutes"),
    )
    return meeting


@transaction.atomic
def minutes_publish(*, actor: Any, meeting: Meeting, minutes: str | None = None) -> Meeting:
    """Publish the minutes (saving `minutes` first when given): everyone who sees the event
    reads them from now on."""
    if minutes is not None:
        meeting = minutes_save(actor=actor, meeting=meeting, minutes=minutes)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not meeting.minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes before publishing them.")})
    if meeting.minutes_published_at is not None:
        return meeting
    meeting.minutes_published_at = timezone.now()
    meeting.save(update_fields=["minutes_published_at"])
    audit_record(actor=actor, action="meeting.minutes_published", target=meeting)
    return meeting


@transaction.atomic
def minutes_unpublish(*, actor: Any, meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.minutes_published_at is None:
        return meeting
    meeting.minutes_published_at = None
    meeting.save(update_fields=["minutes_published_at"])
    audit_record(actor=actor, action="meeting.minutes_unpublished", target=meeting)
    return meeting


# --- The agenda -------------------------------------------------------------------------------


def _arrange(meeting: Meeting, item: AgendaItem, position: int | None) -> list[AgendaItem]:
    """Put `item` at `position` (1 is first; None keeps its place, or puts a new item last) and
    number the agenda 1, 2, 3… Returns the other items whose position changed."""
    ordered = list(meeting.items.order_by("position", "id"))
    index = next((i for i, other in enumerate(ordered) if other.pk == item.pk), None)
    if index is not None:
        ordered.pop(index)
    if position is None:
        target = index if index is not None else len(ordered)
    else:
        target = min(max(position - 1, 0), len(ordered))
    ordered.insert(target, item)
    moved = []
    for number, other in enumerate(ordered, start=1):
        if other is item:
            item.position = number
        elif other.position != number:
            other.position = number
            moved.append(other)
    return moved


@transaction.atomic
def agenda_item_save(
    *, actor: Any, meeting: Meeting, item: AgendaItem | None = None, **fields: Any
) -> AgendaItem:
    """Add an agenda item or change one; `position` 1 is first, and the others make room."""
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown agenda item fields: {sorted(unknown)}")
    creating = item is None or item.pk is None
    if item is None:
        item = AgendaItem(meeting=meeting)
    elif item.meeting_id != meeting.pk:
        raise ValidationError(_("This item is on another meeting's agenda."))
    before = {} if creating else snapshot(item, ITEM_FIELDS)
    position = fields.pop("position", None)
    for name, value in fields.items():
        setattr(item, name, value.strip() if isinstance(value, str) else value)
    item.meeting = meeting
    if position is not None and position < 1:
        raise ValidationError({"position": _("Positions start at 1.")})
    moved = _arrange(meeting, item, position)
    item.full_clean()
    item.save()
    AgendaItem.objects.bulk_update(moved, ["position"])
    audit_record(
        actor=actor,
        action="meeting.item_added" if creating else "meeting.item_changed",
        target=meeting,
        changes=diff(before, snapshot(item, ITEM_FIELDS)),
        note=item.title,
    )
    return item


@transaction.atomic
def agenda_item_delete(*, actor: Any, item: AgendaItem) -> None:
    """Remove an item; its motions and documents stay with the meeting, without an item."""
    if item.motions.filter(status=MotionStatus.OPEN).exists():
        raise ValidationError(_("Voting is open on a motion of this item; close it first."))
    meeting = item.meeting
    title = item.title
    item.delete()
    rest = list(meeting.items.order_by("position", "id"))
    for number, other in enumerate(rest, start=1):
        other.position = number
    AgendaItem.objects.bulk_update(rest, ["position"])
    audit_record(actor=actor, action="meeting.item_removed", target=meeting, note=title)


# --- Motions ----------------------------------------------------------------------------------


def _validate_motion(motion: Motion, candidates: list[Organisation] | None) -> None:
    errors: dict[str, list[str]] = {}
    if motion.agenda_item is not None and motion.agenda_item.meeting_id != motion.meeting_id:
        errors.setdefault("agenda_item", []).append(_("Choose an item of this meeting's agenda."))
    if motion.kind == MotionKind.RESOLUTION:
        motion.role = ""
        motion.seats = 1
        motion.term_start_year = None
        motion.term_end_year = None
        if candidates:
            errors.setdefault("candidates", []).append(_("A resolution has no candidates."))
    else:
        if not motion.role:
            errors.setdefault("role", []).append(_("Name the office the election fills."))
        if not motion.seats or motion.seats < 1:
            errors.setdefault("seats", []).append(_("An election fills at least one seat."))
        elif motion.role in SINGLE_SEAT_ROLES and motion.seats != 1:
            errors.setdefault("seats", []).append(_("This office has a single seat."))
        if motion.term_start_year is None:
            errors.setdefault("term_start_year", []).append(_("Give the first year of the term."))
        elif motion.term_end_year is not None and motion.term_end_year < motion.term_start_year:
            errors.setdefault("term_end_year", []).append(_("A term cannot end before it starts."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def motion_save(
    *,
    actor: Any,
    meeting: Meeting,
    motion: Motion | None = None,
    candidates: Iterable[Organisation] | None = None,
    **fields: Any,
) -> Motion:
    """Add a motion (a resolution or an election) or change a draft one.

    `candidates` (organisations) replace an election's candidates when given.
    """
    unknown = set(fields) - set(MOTION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown motion fields: {sorted(unknown)}")
    creating = motion is None or motion.pk is None
    if creating:
        motion = motion or Motion(meeting=meeting)
    else:
        motion = Motion.objects.select_for_update().get(pk=motion.pk)
        if motion.meeting_id != meeting.pk:
            raise ValidationError(_("This motion belongs to another meeting."))
        if motion.status != MotionStatus.DRAFT:
            raise ValidationError(
                _("Only a draft motion can be changed; this one has been put to the vote."),
                code="not_draft",
            )
    before = {} if creating else snapshot(motion, MOTION_FIELDS)
    for name, value in fields.items():
        setattr(motion, name, value.strip() if isinstance(value, str) else value)
    motion.meeting = meeting
    chosen = None if candidates is None else list(dict.fromkeys(candidates))
    _validate_motion(motion, chosen)
    motion.full_clean()
    motion.save()
    changes = diff(before, snapshot(motion, MOTION_FIELDS))
    if motion.kind == MotionKind.RESOLUTION:
        motion.candidates.all().delete()
    elif chosen is not None:
        names_before = sorted(motion.candidates.values_list("organisation__name", flat=True))
        motion.candidates.exclude(organisation__in=chosen).delete()
        present = set(motion.candidates.values_list("organisation_id", flat=True))
        Candidate.objects.bulk_create(
            Candidate(motion=motion, organisation=o) for o in chosen if o.pk not in present
        )
        names_after = sorted(o.name for o in chosen)
        if names_after != names_before:
            changes["candidates"] = ["; ".join(names_before), "; ".join(names_after)]
    audit_record(
        actor=actor,
        action="motion.created" if creating else "motion.changed",
        target=motion,
        changes=changes,
    )
    return motion


@transaction.atomic
def motion_delete(*, actor: Any, motion: Motion) -> None:
    motion = Motion.objects.select_for_update().select_related("meeting").get(pk=motion.pk)
    if motion.status != MotionStatus.DRAFT:
        raise ValidationError(
            _("A motion that has been put to the vote stays on the record."), code="not_draft"
        )
    meeting, title = motion.meeting, motion.title
    motion.delete()
    audit_record(actor=actor, action="meeting.motion_removed", target=meeting, note=title)


def _locked(motion: Motion) -> Motion:
    return (
        Motion.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__event")
        .get(pk=motion.pk)
    )


@transaction.atomic
def motion_open(*, actor: Any, motion: Motion) -> Motion:
    """Put a draft motion to the vote: the voting members' representatives may vote from now."""
    motion = _locked(motion)
    if motion.status != MotionStatus.DRAFT:
        raise ValidationError(_("This motion has already been put to the vote."), code="not_draft")
    if motion.meeting.event.status != EventStatus.PUBLISHED:
        raise ValidationError(
            _("Publish the meeting before opening a vote."), code="event_not_published"
        )
    if motion.kind == MotionKind.ELECTION and not motion.candidates.exists():
        raise ValidationError(_("An election needs at least one candidate."), code="no_candidates")
    motion.status = MotionStatus.OPEN
    motion.opened_at = timezone.now()
    motion.save(update_fields=["status", "opened_at"])
    audit_record(
        actor=actor,
        action="motion.opened",
        target=motion,
        changes={"status": [MotionStatus.DRAFT.value, MotionStatus.OPEN.value]},
    )
    return motion


def _refusal(code: str, message: str) -> ValidationError:
    return ValidationError(message, code=code)


@transaction.atomic
def vote_cast(
    *,
    actor: Any,
    motion: Motion,
    organisation: Organisation,
    choice: str | None = None,
    candidates: Iterable[Candidate] = (),
) -> Vote:
    """Record `organisation`'s vote, cast by `actor`, its representative; voting again while
    the motion is open replaces the vote.

    A resolution takes a `choice` (for, against, abstain); an election up to `seats`
    `candidates`, or `choice="abstain"` and no candidate for a blank ballot.
    """
    motion = _locked(motion)
    if motion.status != MotionStatus.OPEN:
        raise _refusal("not_open", _("Voting on this motion is not open."))
    if actor is None or not actor.is_authenticated or not actor.is_active:
        raise _refusal("not_representative", _("Log in to vote."))
    represents = Affiliation.objects.filter(
        user=actor, organisation=organisation, role=AffiliationRole.REPRESENTATIVE
    ).exists()
    if not represents:
        raise _refusal(
            "not_representative",
            _("Only a representative of %(organisation)s may vote for it.")
            % {"organisation": organisation.name},
        )
    if not eligible_voters(motion).filter(pk=organisation.pk).exists():
        raise _refusal(
            "not_eligible",
            _("%(organisation)s does not vote at this meeting. %(rule)s")
            % {"organisation": organisation.name, "rule": voters_in_words(motion.meeting)},
        )
    chosen: list[Candidate] = []
    if motion.kind == MotionKind.RESOLUTION:
        if candidates:
            raise _refusal("invalid", _("A resolution has no candidates."))
        if choice not in VoteChoice.values:
            raise _refusal("invalid", _("Choose for, against or abstain."))
    else:
        try:
            ids = list(
                dict.fromkeys(c.pk if isinstance(c, Candidate) else int(c) for c in candidates)
            )
        except (TypeError, ValueError):
            raise _refusal("invalid", _("Choose among this election's candidates.")) from None
        chosen = list(motion.candidates.filter(pk__in=ids))
        if len(chosen) != len(ids):
            raise _refusal("invalid", _("Choose among this election's candidates."))
        if len(chosen) > motion.seats:
            raise _refusal(
                "invalid",
                ngettext(
                    "Choose at most %(seats)s candidate.",
                    "Choose at most %(seats)s candidates.",
                    motion.seats,
                )
                % {"seats": motion.seats},
            )
        if chosen and choice not in (None, ""):
            raise _refusal("invalid", _("Choose candidates or a blank ballot, not both."))
        if not chosen and choice != VoteChoice.ABSTAIN:
            raise _refusal("invalid", _("Choose at least one candidate, or cast a blank ballot."))
        choice = "" if chosen else VoteChoice.ABSTAIN.value
    vote = Vote.objects.filter(motion=motion, organisation=organisation).first()
    replacing = vote is not None
    if vote is None:
        vote = Vote(motion=motion, organisation=organisation)
    vote.choice = choice
    vote.cast_by = _actor_or_none(actor)
    vote.save()
    if motion.kind == MotionKind.ELECTION:
        vote.candidates.set(chosen)
    audit_record(
        actor=actor,
        action="motion.vote_changed" if replacing else "motion.vote_cast",
        target=motion,
        note=organisation.name,
    )
    return vote


@transaction.atomic
def motion_close(*, actor: Any, motion: Motion) -> Motion:
    """Close the vote and count it: quorum, then the majority (resolutions) or the seats
    (elections, which install the elected in their office for the term)."""
    motion = _locked(motion)
    if motion.status != MotionStatus.OPEN:
        raise ValidationError(_("Voting on this motion is not open."), code="not_open")
    meeting = motion.meeting
    voters = {o.pk: o for o in eligible_voters(motion).only("pk", "name", "slug")}
    votes = list(
        motion.votes.filter(organisation_id__in=list(voters))
        .select_related("organisation")
        .prefetch_related("candidates__organisation")
        .order_by("organisation__name", "organisation_id")
    )
    eligible, cast = len(voters), len(votes)
    needed = quorum_needed(eligible, meeting.quorum_percent)
    quorum_met = cast >= needed
    result: dict[str, Any] = {
        "kind": motion.kind,
        "eligible": eligible,
        "cast": cast,
        "quorum_percent": meeting.quorum_percent,
        "quorum_needed": needed,
        "quorum_met": quorum_met,
        "counted_at": timezone.now().isoformat(),
    }
    if motion.kind == MotionKind.RESOLUTION:
        counts = {c: sum(1 for v in votes if v.choice == c) for c in VoteChoice.values}
        majority = majority_met(
            meeting.majority, counts["for"], counts["against"], counts["abstain"]
        )
        carried = quorum_met and majority
        result.update(
            counts,
            majority=meeting.majority,
            majority_met=majority,
            roll_call=[
                {
                    "organisation": v.organisation.name,
                    "slug": v.organisation.slug,
                    "choice": v.choice,
                }
                for v in votes
            ],
        )
        if not quorum_met:
            status = MotionStatus.NO_QUORUM
        else:
            status = MotionStatus.CARRIED if carried else MotionStatus.REJECTED
    else:
        status, election = _count_election(actor, motion, votes, quorum_met)
        result.update(election)
    before = motion.status
    motion.status = status
    motion.closed_at = timezone.now()
    motion.result = result
    motion.save(update_fields=["status", "closed_at", "result"])
    audit_record(
        actor=actor,
        action="motion.closed",
        target=motion,
        changes={"status": [before, status]},
        note=_("%(cast)s of %(eligible)s voting members voted; %(needed)s needed for the quorum.")
        % {"cast": cast, "eligible": eligible, "needed": needed},
    )
    return motion


def _count_election(
    actor: Any, motion: Motion, votes: list[Vote], quorum_met: bool
) -> tuple[str, dict[str, Any]]:
    candidates = list(motion.candidates.select_related("organisation"))
    tally = {c.pk: 0 for c in candidates}
    for vote in votes:
        for candidate in vote.candidates.all():
            tally[candidate.pk] += 1
    elected_ids, tied_ids = (
        election_outcome(tally.items(), motion.seats) if quorum_met else ([], [])
    )
    rows = sorted(candidates, key=lambda c: (-tally[c.pk], c.organisation.name))
    elected = [c.organisation for c in rows if c.pk in elected_ids]
    result: dict[str, Any] = {
        "seats": motion.seats,
        "role": motion.role,
        "term_start_year": motion.term_start_year,
        "term_end_year": motion.term_end_year,
        "blank": sum(1 for v in votes if not v.candidates.all()),
        "candidates": [
            {
                "candidate": c.pk,
                "organisation_id": c.organisation_id,
                "organisation": c.organisation.name,
                "slug": c.organisation.slug,
                "votes": tally[c.pk],
                "elected": c.pk in elected_ids,
                "tied": c.pk in tied_ids,
            }
            for c in rows
        ],
        "elected": [o.name for o in elected],
        "tie": bool(tied_ids),
        "seats_unfilled": motion.seats - len(elected),
        "roll_call": [
            {
                "organisation": v.organisation.name,
                "slug": v.organisation.slug,
                "candidates": sorted(c.organisation.name for c in v.candidates.all()),
            }
            for v in votes
        ],
    }
    if tied_ids:
        result["note"] = TIE_NOTE
    if not quorum_met:
        return MotionStatus.NO_QUORUM, result
    if not elected:
        return MotionStatus.REJECTED, result
    result["terms_ended"] = _install(actor, motion, elected)
    return MotionStatus.ELECTED, result


def _install(actor: Any, motion: Motion, elected: list[Organisation]) -> list[dict[str, Any]]:
    """Give the elected their office for the term and end the terms the election replaces."""
    start, end = motion.term_start_year, motion.term_end_year
    note = (_("Elected at %(meeting)s") % {"meeting": motion.meeting.event.title})[:300]
    previous = GovernanceRole.objects.select_for_update().filter(
        role=motion.role, start_year__lt=start
    )
    if motion.role in SINGLE_SEAT_ROLES:
        previous = previous.filter(Q(end_year__isnull=True) | Q(end_year__gte=start))
    else:
        previous = previous.filter(end_year__isnull=True)
    ended = []
    for seat in previous.select_related("organisation").order_by("organisation__name"):
        before = seat.term
        member_services.governance_role_end(actor=actor, seat=seat, end_year=start - 1)
        ended.append({"organisation": seat.organisation.name, "from": before, "to": seat.term})
    for organisation in elected:
        seat = GovernanceRole.objects.filter(
            organisation=organisation, role=motion.role, start_year=start
        ).first()
        if seat is None:
            member_services.governance_role_assign(
                actor=actor,
                organisation=organisation,
                role=motion.role,
                start_year=start,
                end_year=end,
                note=note,
            )
            continue
        before = seat.term
        seat.end_year, seat.approximate, seat.note = end, False, note
        seat.full_clean()
        seat.save()
        audit_record(
            actor=actor,
            action="governance.renewed",
            target=organisation,
            changes={"governance_role": [f"{seat.get_role_display()} {before}", seat.term]},
            note=note,
        )
    return ended


@transaction.atomic
def motion_second_round(*, actor: Any, motion: Motion) -> Motion:
    """A draft election between the candidates tied for the last seat, for the seats left."""
    motion = _locked(motion)
    result = motion.result or {}
    if motion.kind != MotionKind.ELECTION or not result.get("tie"):
        raise ValidationError(_("Only an election that ended in a tie has a second round."))
    tied = [row["organisation_id"] for row in result.get("candidates", []) if row.get("tied")]
    title = _("%(title)s — second round") % {"title": motion.title}
    return motion_save(
        actor=actor,
        meeting=motion.meeting,
        candidates=list(Organisation.objects.filter(pk__in=tied).order_by("name")),
        agenda_item=motion.agenda_item,
        kind=MotionKind.ELECTION,
        title=title[:300],
        text=motion.text,
        role=motion.role,
        seats=result.get("seats_unfilled") or 1,
        term_start_year=motion.term_start_year,
        term_end_year=motion.term_end_year,
    )
