"""Governance meetings: who votes, one member one vote, quorum, majorities, elections, records."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activator.accounts.enums import AffiliationRole
from activator.core.models import AuditEntry
from activator.events import services_governance as gov
from activator.events.enums import (
    EventStatus,
    EventType,
    GoverningBody,
    MajorityRule,
    MotionKind,
    MotionStatus,
    RegistrationMode,
)
from activator.events.models import Motion, Vote
from activator.members.enums import GovernanceRoleKind
from activator.members.models import GovernanceRole
from tests.factories import AffiliationFactory, MembershipFactory, OrganisationFactory

TODAY = timezone.localdate()


# --- Helpers shared with test_governance_views ------------------------------------------------


def member(name: str, **membership) -> object:
    """A member organisation; by default its membership is current (paid through the year)."""
    return MembershipFactory(organisation__name=name, **membership).organisation


def representative_of(organisation, email: str | None = None):
    extra = {"user__email": email} if email else {}
    return AffiliationFactory(
        organisation=organisation, role=AffiliationRole.REPRESENTATIVE, **extra
    ).user


def governance_event(make_event, **fields):
    values = {
        "type": EventType.GOVERNANCE_MEETING,
        "title": "7th General Assembly",
        "registration": RegistrationMode.NONE,
        "capacity": None,
    }
    values.update(fields)
    return make_event(**values)


def new_meeting(actor, event, **fields):
    values = {
        "body": GoverningBody.GENERAL_ASSEMBLY,
        "number": 7,
        "theme": "Cities for everyone",
        "quorum_percent": 50,
        "majority": MajorityRule.SIMPLE,
    }
    values.update(fields)
    return gov.meeting_save(actor=actor, event=event, **values)


def put_to_vote(actor, meeting, candidates=None, **fields):
    values = {"title": "Approve the 2027 budget", "kind": MotionKind.RESOLUTION}
    values.update(fields)
    motion = gov.motion_save(actor=actor, meeting=meeting, candidates=candidates, **values)
    return gov.motion_open(actor=actor, motion=motion)


def election(actor, meeting, candidates, **fields):
    values = {
        "title": "Election of the Executive Committee",
        "kind": MotionKind.ELECTION,
        "role": GovernanceRoleKind.EXCOM_MEMBER,
        "seats": 2,
        "term_start_year": 2027,
        "term_end_year": 2029,
    }
    values.update(fields)
    return put_to_vote(actor, meeting, candidates=candidates, **values)


def voters_with_reps(count: int, prefix: str = "City") -> list[tuple[object, object]]:
    organisations = [member(f"{prefix} {n:02d}") for n in range(count)]
    return [(o, representative_of(o)) for o in organisations]


def cast_all(motion, voters, choices):
    """Each (organisation, representative) votes the matching choice; None skips."""
    for (organisation, person), choice in zip(voters, choices, strict=False):
        if choice is None:
            continue
        gov.vote_cast(actor=person, motion=motion, organisation=organisation, choice=choice)


@pytest.fixture
def ga_event(make_event):
    return governance_event(make_event)


@pytest.fixture
def ga(staff, ga_event):
    return new_meeting(staff, ga_event)


# --- Who votes ---------------------------------------------------------------------------------


def test_general_assembly_voters_are_live_members_on_the_meeting_day(ga, make_event, staff):
    current = member("Current")
    new = member("New", joined_on=TODAY - datetime.timedelta(days=10))
    grace = member("Grace", paid_through=TODAY - datetime.timedelta(days=5))
    expired = member("Expired", paid_through=TODAY - datetime.timedelta(days=400))
    cancelled = member("Cancelled", cancelled_on=TODAY - datetime.timedelta(days=1))
    OrganisationFactory(name="Not a member")
    # Current today, but 200 days on (beyond the 90-day grace) its membership has expired.
    lapsing = member("Lapsing", paid_through=TODAY)
    motion = put_to_vote(staff, ga)

    names = set(gov.eligible_voters(motion).values_list("name", flat=True))

    assert {current.name, new.name, grace.name, lapsing.name} <= names
    assert not names & {expired.name, cancelled.name, "Not a member"}

    long_paid = member("Long paid", paid_through=TODAY + datetime.timedelta(days=800))
    later = new_meeting(
        staff,
        governance_event(
            make_event,
            slug="ga-later",
            starts_at=timezone.now() + datetime.timedelta(days=200),
            ends_at=timezone.now() + datetime.timedelta(days=200, hours=8),
        ),
    )
    later_voters = set(gov.meeting_voters(later))
    assert long_paid in later_voters
    assert lapsing not in later_voters


def test_excom_voters_are_the_governance_role_holders_of_the_year(make_event, staff):
    event = governance_event(
        make_event,
        title="EXCOM 2027",
        starts_at=datetime.datetime(2027, 10, 14, 9, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2027, 10, 14, 17, 0, tzinfo=datetime.UTC),
        year=2027,
        month=10,
    )
    meeting = new_meeting(staff, event, body=GoverningBody.EXECUTIVE_COMMITTEE, number=None)
    president = member("President City")
    vice = member("Vice City")
    excom = member("Excom City")
    former = member("Former City")
    future = member("Future City")
    plain = member("Plain Member")
    GovernanceRole.objects.create(
        organisation=president, role=GovernanceRoleKind.PRESIDENT_CITY, start_year=2020
    )
    GovernanceRole.objects.create(
        organisation=vice,
        role=GovernanceRoleKind.VICE_PRESIDENT_CITY,
        start_year=2025,
        end_year=2027,
    )
    GovernanceRole.objects.create(
        organisation=excom, role=GovernanceRoleKind.EXCOM_MEMBER, start_year=2027, end_year=2029
    )
    GovernanceRole.objects.create(
        organisation=former, role=GovernanceRoleKind.EXCOM_MEMBER, start_year=2021, end_year=2026
    )
    GovernanceRole.objects.create(
        organisation=future, role=GovernanceRoleKind.EXCOM_MEMBER, start_year=2028
    )

    voters = set(gov.meeting_voters(meeting))

    assert voters == {president, vice, excom}
    assert plain not in voters

    motion = put_to_vote(staff, meeting)
    with pytest.raises(ValidationError) as refused:
        gov.vote_cast(
            actor=representative_of(plain), motion=motion, organisation=plain, choice="for"
        )
    assert refused.value.code == "not_eligible"
    gov.vote_cast(actor=representative_of(excom), motion=motion, organisation=excom, choice="for")
    assert motion.votes.count() == 1


# --- Casting votes --------------------------------------------------------------------------


def test_an_expired_member_cannot_vote(ga, staff):
    expired = member("Expired", paid_through=TODAY - datetime.timedelta(days=400))
    motion = put_to_vote(staff, ga)

    with pytest.raises(ValidationError) as refused:
        gov.vote_cast(
            actor=representative_of(expired), motion=motion, organisation=expired, choice="for"
        )

    assert refused.value.code == "not_eligible"
    assert not Vote.objects.exists()


def test_only_a_representative_votes_for_a_member(ga, staff, city, contact, other_representative):
    motion = put_to_vote(staff, ga)

    for person in (contact, other_representative, staff):
        with pytest.raises(ValidationError) as refused:
            gov.vote_cast(actor=person, motion=motion, organisation=city, choice="for")
        assert refused.value.code == "not_representative"
    assert not Vote.objects.exists()


def test_voting_again_replaces_the_vote(ga, staff, city, representative):
    motion = put_to_vote(staff, ga)

    first = gov.vote_cast(actor=representative, motion=motion, organisation=city, choice="for")
    second = gov.vote_cast(actor=representative, motion=motion, organisation=city, choice="against")

    assert first.pk == second.pk
    assert list(motion.votes.values_list("choice", flat=True)) == ["against"]
    actions = list(
        AuditEntry.objects.filter(action__startswith="motion.vote").values_list("action", flat=True)
    )
    assert sorted(actions) == ["motion.vote_cast", "motion.vote_changed"]


def test_two_representatives_of_one_member_share_its_one_vote(ga, staff, city, representative):
    colleague = representative_of(city, "deputy@example.org")
    motion = put_to_vote(staff, ga)

    gov.vote_cast(actor=representative, motion=motion, organisation=city, choice="for")
    gov.vote_cast(actor=colleague, motion=motion, organisation=city, choice="abstain")

    vote = Vote.objects.get()
    assert (vote.organisation, vote.choice, vote.cast_by) == (city, "abstain", colleague)


def test_a_person_representing_two_members_votes_for_each(ga, staff, city, representative):
    second = member("Second City")
    AffiliationFactory(
        user=representative, organisation=second, role=AffiliationRole.REPRESENTATIVE
    )
    motion = put_to_vote(staff, ga)

    gov.vote_cast(actor=representative, motion=motion, organisation=city, choice="for")
    gov.vote_cast(actor=representative, motion=motion, organisation=second, choice="against")

    assert dict(motion.votes.values_list("organisation__name", "choice")) == {
        "Seoul": "for",
        "Second City": "against",
    }


def test_votes_are_refused_unless_the_motion_is_open(ga, staff, city, representative):
    draft = gov.motion_save(actor=staff, meeting=ga, title="Draft", kind=MotionKind.RESOLUTION)
    with pytest.raises(ValidationError) as refused:
        gov.vote_cast(actor=representative, motion=draft, organisation=city, choice="for")
    assert refused.value.code == "not_open"

    motion = put_to_vote(staff, ga, title="Closed soon")
    gov.vote_cast(actor=representative, motion=motion, organisation=city, choice="for")
    gov.motion_close(actor=staff, motion=motion)
    with pytest.raises(ValidationError) as refused:
        gov.vote_cast(actor=representative, motion=motion, organisation=city, choice="against")
    assert refused.value.code == "not_open"
    assert Vote.objects.get().choice == "for"


def test_a_resolution_vote_needs_a_valid_choice(ga, staff, city, representative):
    motion = put_to_vote(staff, ga)
    for choice in (None, "", "maybe"):
        with pytest.raises(ValidationError):
            gov.vote_cast(actor=representative, motion=motion, organisation=city, choice=choice)
    assert not Vote.objects.exists()


# --- Quorum and majorities -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("eligible", "percent", "needed"),
    [(10, 50, 5), (7, 50, 4), (3, 100, 3), (200, 33, 66), (201, 33, 67), (1, 1, 1), (0, 50, 1)],
)
def test_quorum_is_the_share_of_voters_rounded_up(eligible, percent, needed):
    assert gov.quorum_needed(eligible, percent) == needed


@pytest.mark.parametrize(
    ("rule", "votes", "carried"),
    [
        # Simple: more for than against; abstentions do not count.
        (MajorityRule.SIMPLE, (4, 3, 0), True),
        (MajorityRule.SIMPLE, (3, 3, 0), False),
        (MajorityRule.SIMPLE, (2, 1, 7), True),
        (MajorityRule.SIMPLE, (0, 0, 5), False),
        # Absolute: more than half of all votes cast, abstentions included.
        (MajorityRule.ABSOLUTE, (6, 2, 2), True),
        (MajorityRule.ABSOLUTE, (5, 2, 3), False),  # exactly half is not more than half
        (MajorityRule.ABSOLUTE, (2, 1, 7), False),
        # Two-thirds of for + against; exactly two thirds carries.
        (MajorityRule.TWO_THIRDS, (6, 3, 0), True),
        (MajorityRule.TWO_THIRDS, (2, 1, 9), True),
        (MajorityRule.TWO_THIRDS, (5, 3, 0), False),
        (MajorityRule.TWO_THIRDS, (0, 0, 4), False),
    ],
)
def test_majority_rules(rule, votes, carried):
    assert gov.majority_met(rule, *votes) is carried


def test_close_counts_quorum_exactly_reached_and_simple_majority(ga, staff):
    voters = voters_with_reps(10)
    motion = put_to_vote(staff, ga)
    # 5 of 10 vote: exactly the 50% quorum. 2 for, 1 against, 2 abstain.
    cast_all(motion, voters, ["for", "for", "against", "abstain", "abstain"])

    motion = gov.motion_close(actor=staff, motion=motion)

    assert motion.status == MotionStatus.CARRIED
    result = motion.result
    assert {k: result[k] for k in ("eligible", "cast", "for", "against", "abstain")} == {
        "eligible": 10,
        "cast": 5,
        "for": 2,
        "against": 1,
        "abstain": 2,
    }
    assert (result["quorum_needed"], result["quorum_met"], result["majority_met"]) == (
        5,
        True,
        True,
    )
    assert [row["organisation"] for row in result["roll_call"]] == [
        f"City {n:02d}" for n in range(5)
    ]
    assert motion.closed_at is not None


def test_one_vote_short_of_the_quorum_decides_nothing(ga, staff):
    voters = voters_with_reps(10)
    motion = put_to_vote(staff, ga)
    cast_all(motion, voters, ["for", "for", "for", "for"])

    motion = gov.motion_close(actor=staff, motion=motion)

    assert motion.status == MotionStatus.NO_QUORUM
    assert (motion.result["cast"], motion.result["quorum_needed"]) == (4, 5)
    assert motion.result["quorum_met"] is False


def test_two_thirds_exactly_carries_and_one_less_is_rejected(ga, staff, ga_event):
    gov.meeting_save(actor=staff, event=ga_event, majority=MajorityRule.TWO_THIRDS)
    ga.refresh_from_db()
    voters = voters_with_reps(9)
    exact = put_to_vote(staff, ga, title="Statutes amendment")
    cast_all(exact, voters, ["for"] * 6 + ["against"] * 3)
    short = put_to_vote(staff, ga, title="Second amendment")
    cast_all(short, voters, ["for"] * 5 + ["against"] * 3 + ["abstain"])

    assert gov.motion_close(actor=staff, motion=exact).status == MotionStatus.CARRIED
    assert gov.motion_close(actor=staff, motion=short).status == MotionStatus.REJECTED


def test_absolute_majority_counts_abstentions(ga, staff, ga_event):
    gov.meeting_save(actor=staff, event=ga_event, majority=MajorityRule.ABSOLUTE)
    voters = voters_with_reps(10)
    half = put_to_vote(staff, ga, title="Half")
    cast_all(half, voters, ["for"] * 5 + ["against"] * 2 + ["abstain"] * 3)
    more = put_to_vote(staff, ga, title="More than half")
    cast_all(more, voters, ["for"] * 6 + ["against"] * 1 + ["abstain"] * 3)

    assert gov.motion_close(actor=staff, motion=half).status == MotionStatus.REJECTED
    assert gov.motion_close(actor=staff, motion=more).status == MotionStatus.CARRIED


def test_votes_of_members_that_do_not_vote_are_not_counted(ga, staff):
    voters = voters_with_reps(2)
    motion = put_to_vote(staff, ga)
    cast_all(motion, voters, ["for", "against"])
    # The second member's membership is found cancelled before the count.
    lapsed = voters[1][0].membership
    lapsed.cancelled_on = TODAY - datetime.timedelta(days=1)
    lapsed.save()

    motion = gov.motion_close(actor=staff, motion=motion)

    assert (motion.result["eligible"], motion.result["cast"], motion.result["for"]) == (1, 1, 1)


# --- Elections -------------------------------------------------------------------------------


def _ballots(motion, voters, picks):
    by_name = {c.organisation.name: c for c in motion.candidates.select_related("organisation")}
    for (organisation, person), names in zip(voters, picks, strict=False):
        if names == "blank":
            gov.vote_cast(actor=person, motion=motion, organisation=organisation, choice="abstain")
        else:
            gov.vote_cast(
                actor=person,
                motion=motion,
                organisation=organisation,
                candidates=[by_name[n] for n in names],
            )


def test_the_candidates_with_most_votes_take_the_seats_and_their_term(ga, staff):
    a, b, c = member("Alpha"), member("Bravo"), member("Charlie")
    voters = voters_with_reps(6)
    motion = election(staff, ga, [a, b, c])
    _ballots(
        motion,
        voters,
        [["Alpha", "Bravo"], ["Alpha", "Charlie"], ["Alpha", "Bravo"], ["Bravo"], "blank"],
    )

    motion = gov.motion_close(actor=staff, motion=motion)

    assert motion.status == MotionStatus.ELECTED
    assert motion.result["elected"] == ["Alpha", "Bravo"]
    assert [(r["organisation"], r["votes"]) for r in motion.result["candidates"]] == [
        ("Alpha", 3),
        ("Bravo", 3),
        ("Charlie", 1),
    ]
    assert (motion.result["cast"], motion.result["blank"]) == (5, 1)
    seats = GovernanceRole.objects.filter(role=GovernanceRoleKind.EXCOM_MEMBER).order_by(
        "organisation__name"
    )
    assert [(s.organisation.name, s.start_year, s.end_year) for s in seats] == [
        ("Alpha", 2027, 2029),
        ("Bravo", 2027, 2029),
    ]
    assert all("7th General Assembly" in s.note for s in seats)


def test_a_tie_for_the_last_seat_elects_none_of_the_tied(ga, staff):
    a, b, c = member("Alpha"), member("Bravo"), member("Charlie")
    voters = voters_with_reps(5)
    motion = election(staff, ga, [a, b, c])
    _ballots(
        motion,
        voters,
        [["Alpha", "Bravo"], ["Alpha", "Charlie"], ["Alpha"], ["Bravo"], ["Charlie"]],
    )

    motion = gov.motion_close(actor=staff, motion=motion)

    assert motion.status == MotionStatus.ELECTED
    assert motion.result["elected"] == ["Alpha"]
    assert motion.result["tie"] is True
    assert motion.result["note"] == "tie — a second round is needed"
    assert {r["organisation"] for r in motion.result["candidates"] if r["tied"]} == {
        "Bravo",
        "Charlie",
    }
    assert list(GovernanceRole.objects.values_list("organisation__name", flat=True)) == ["Alpha"]

    second = gov.motion_second_round(actor=staff, motion=motion)
    assert second.status == MotionStatus.DRAFT
    assert second.seats == 1
    assert {c.organisation.name for c in second.candidates.all()} == {"Bravo", "Charlie"}


def test_a_tie_for_a_single_seat_elects_no_one(ga, staff):
    a, b = member("Alpha"), member("Bravo")
    voters = voters_with_reps(4)
    motion = election(
        staff, ga, [a, b], role=GovernanceRoleKind.PRESIDENT_CITY, seats=1, title="President"
    )
    _ballots(motion, voters, [["Alpha"], ["Bravo"], ["Alpha"], ["Bravo"]])

    motion = gov.motion_close(actor=staff, motion=motion)

    assert motion.status == MotionStatus.REJECTED
    assert motion.result["tie"] is True
    assert motion.result["elected"] == []
    assert not GovernanceRole.objects.exists()


def test_an_election_without_quorum_elects_no_one(ga, staff):
    a = member("Alpha")
    voters = voters_with_reps(10)
    motion = election(staff, ga, [a], seats=1)
    _ballots(motion, voters, [["Alpha"]] * 4)

    motion = gov.motion_close(actor=staff, motion=motion)

    assert motion.status == MotionStatus.NO_QUORUM
    assert not GovernanceRole.objects.exists()


def test_electing_a_president_city_ends_the_previous_terms(ga, staff):
    # Candidates and office holders need not be members; only the voters below vote.
    seoul, abuja = OrganisationFactory(name="Seoul"), OrganisationFactory(name="Abuja")
    open_ended = GovernanceRole.objects.create(
        organisation=seoul, role=GovernanceRoleKind.PRESIDENT_CITY, start_year=2019
    )
    running_on = GovernanceRole.objects.create(
        organisation=OrganisationFactory(name="Makati"),
        role=GovernanceRoleKind.PRESIDENT_CITY,
        start_year=2024,
        end_year=2028,
    )
    finished = GovernanceRole.objects.create(
        organisation=OrganisationFactory(name="Chengdu"),
        role=GovernanceRoleKind.PRESIDENT_CITY,
        start_year=2014,
        end_year=2016,
    )
    voters = voters_with_reps(3)
    motion = election(
        staff, ga, [abuja, seoul], role=GovernanceRoleKind.PRESIDENT_CITY, seats=1, title="P"
    )
    _ballots(motion, voters, [["Abuja"], ["Abuja"], ["Seoul"]])

    gov.motion_close(actor=staff, motion=motion)

    for seat in (open_ended, running_on, finished):
        seat.refresh_from_db()
    assert (open_ended.end_year, running_on.end_year, finished.end_year) == (2026, 2026, 2016)
    new = GovernanceRole.objects.get(organisation=abuja, start_year=2027)
    assert (new.role, new.end_year) == (GovernanceRoleKind.PRESIDENT_CITY, 2029)
    assert AuditEntry.objects.filter(action="governance.ended").count() == 2
    assert AuditEntry.objects.filter(action="governance.assigned").count() == 1


def test_excom_seats_end_only_open_ended_terms(ga, staff):
    kept, leaving, staggered = (
        OrganisationFactory(name=n) for n in ("Kept", "Leaving", "Staggered")
    )
    kept_seat = GovernanceRole.objects.create(
        organisation=kept, role=GovernanceRoleKind.EXCOM_MEMBER, start_year=2021
    )
    leaving_seat = GovernanceRole.objects.create(
        organisation=leaving, role=GovernanceRoleKind.EXCOM_MEMBER, start_year=2021
    )
    staggered_seat = GovernanceRole.objects.create(
        organisation=staggered,
        role=GovernanceRoleKind.EXCOM_MEMBER,
        start_year=2025,
        end_year=2028,
    )
    newcomer = OrganisationFactory(name="Newcomer")
    voters = voters_with_reps(3)
    motion = election(staff, ga, [kept, newcomer, leaving])
    _ballots(motion, voters, [["Kept", "Newcomer"], ["Kept", "Newcomer"], ["Leaving"]])

    motion = gov.motion_close(actor=staff, motion=motion)

    for seat in (kept_seat, leaving_seat, staggered_seat):
        seat.refresh_from_db()
    assert leaving_seat.end_year == 2026  # not re-elected: its open term ends
    assert staggered_seat.end_year == 2028  # a fixed term that runs on is left alone
    assert kept_seat.end_year == 2026  # re-elected: the new term continues it
    assert set(
        GovernanceRole.objects.filter(start_year=2027).values_list("organisation__name", flat=True)
    ) == {"Kept", "Newcomer"}
    assert {row["organisation"] for row in motion.result["terms_ended"]} == {"Kept", "Leaving"}


def test_an_election_ballot_respects_the_seats_and_the_candidates(ga, staff, city, representative):
    a, b, c = member("Alpha"), member("Bravo"), member("Charlie")
    outsider = member("Outsider")
    motion = election(staff, ga, [a, b, c])
    other = election(staff, ga, [outsider], seats=1, title="Another election")
    by_name = {x.organisation.name: x for x in motion.candidates.select_related("organisation")}

    with pytest.raises(ValidationError):  # three names for two seats
        gov.vote_cast(
            actor=representative, motion=motion, organisation=city, candidates=by_name.values()
        )
    with pytest.raises(ValidationError):  # a candidate of another election
        gov.vote_cast(
            actor=representative,
            motion=motion,
            organisation=city,
            candidates=[other.candidates.get()],
        )
    with pytest.raises(ValidationError):  # nothing chosen and no blank ballot
        gov.vote_cast(actor=representative, motion=motion, organisation=city)
    assert not Vote.objects.exists()

    vote = gov.vote_cast(
        actor=representative,
        motion=motion,
        organisation=city,
        candidates=[by_name["Alpha"], by_name["Charlie"]],
    )
    assert {c.organisation.name for c in vote.candidates.all()} == {"Alpha", "Charlie"}
    vote = gov.vote_cast(actor=representative, motion=motion, organisation=city, choice="abstain")
    assert (vote.choice, vote.candidates.count()) == ("abstain", 0)


@pytest.mark.parametrize(
    ("tallies", "seats", "elected", "tied"),
    [
        ([("a", 5), ("b", 3), ("c", 1)], 2, ["a", "b"], []),
        ([("a", 5), ("b", 3), ("c", 3)], 2, ["a"], ["b", "c"]),
        ([("a", 2), ("b", 2)], 1, [], ["a", "b"]),
        ([("a", 2), ("b", 0)], 2, ["a"], []),  # no vote, no seat
        ([("a", 4), ("b", 4), ("c", 1)], 2, ["a", "b"], []),  # a tie above the cut is fine
    ],
)
def test_election_outcome(tallies, seats, elected, tied):
    assert gov.election_outcome(tallies, seats) == (elected, tied)


# --- Setting up, with its audit trail ------------------------------------------------------


def test_meeting_changes_are_audited_and_rules_freeze_while_a_vote_is_open(staff, ga, ga_event):
    gov.meeting_save(actor=staff, event=ga_event, theme="New theme")
    motion = put_to_vote(staff, ga)

    with pytest.raises(ValidationError):
        gov.meeting_save(actor=staff, event=ga_event, quorum_percent=20)
    gov.meeting_save(actor=staff, event=ga_event, theme="Theme again")  # not a voting rule
    gov.motion_close(actor=staff, motion=motion)
    gov.meeting_save(actor=staff, event=ga_event, quorum_percent=20)

    ga.refresh_from_db()
    assert (ga.theme, ga.quorum_percent) == ("Theme again", 20)
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions[:2] == ["meeting.created", "meeting.updated"]
    assert {"motion.created", "motion.opened", "motion.closed"} <= set(actions)


def test_only_governance_meetings_get_a_meeting(staff, training):
    with pytest.raises(ValidationError):
        new_meeting(staff, training)


def test_agenda_positions_make_room_and_close_gaps(staff, ga):
    first = gov.agenda_item_save(actor=staff, meeting=ga, title="Opening")
    second = gov.agenda_item_save(actor=staff, meeting=ga, title="Budget")
    third = gov.agenda_item_save(actor=staff, meeting=ga, title="Elections")
    welcome = gov.agenda_item_save(actor=staff, meeting=ga, title="Welcome", position=1)

    assert list(ga.items.values_list("title", "position")) == [
        ("Welcome", 1),
        ("Opening", 2),
        ("Budget", 3),
        ("Elections", 4),
    ]
    gov.agenda_item_save(actor=staff, meeting=ga, item=third, title="Elections", position=2)
    gov.agenda_item_delete(actor=staff, item=first)

    assert list(ga.items.values_list("title", "position")) == [
        ("Welcome", 1),
        ("Elections", 2),
        ("Budget", 3),
    ]
    assert {welcome.pk, second.pk, third.pk} == set(ga.items.values_list("pk", flat=True))
    assert AuditEntry.objects.filter(action="meeting.item_added").count() == 4
    assert AuditEntry.objects.filter(action="meeting.item_removed", note="Opening").exists()


def test_motions_change_only_as_drafts(staff, ga):
    item = gov.agenda_item_save(actor=staff, meeting=ga, title="Budget")
    motion = gov.motion_save(
        actor=staff, meeting=ga, title="Budget 2027", kind=MotionKind.RESOLUTION, agenda_item=item
    )
    motion = gov.motion_save(actor=staff, meeting=ga, motion=motion, title="Budget for 2027")
    gov.motion_open(actor=staff, motion=motion)

    with pytest.raises(ValidationError) as refused:
        gov.motion_save(actor=staff, meeting=ga, motion=motion, title="Changed while open")
    assert refused.value.code == "not_draft"
    with pytest.raises(ValidationError):
        gov.motion_delete(actor=staff, motion=motion)
    with pytest.raises(ValidationError):
        gov.motion_open(actor=staff, motion=motion)
    assert Motion.objects.get().title == "Budget for 2027"


def test_an_election_names_its_office_seats_and_term(staff, ga):
    with pytest.raises(ValidationError) as missing:
        gov.motion_save(actor=staff, meeting=ga, title="Election", kind=MotionKind.ELECTION)
    assert {"role", "term_start_year"} <= set(missing.value.message_dict)
    with pytest.raises(ValidationError) as single:
        gov.motion_save(
            actor=staff,
            meeting=ga,
            title="President",
            kind=MotionKind.ELECTION,
            role=GovernanceRoleKind.PRESIDENT_CITY,
            seats=2,
            term_start_year=2027,
        )
    assert "seats" in single.value.message_dict
    with pytest.raises(ValidationError) as backwards:
        gov.motion_save(
            actor=staff,
            meeting=ga,
            title="EXCOM",
            kind=MotionKind.ELECTION,
            role=GovernanceRoleKind.EXCOM_MEMBER,
            seats=3,
            term_start_year=2027,
            term_end_year=2025,
        )
    assert "term_end_year" in backwards.value.message_dict
    draft = gov.motion_save(
        actor=staff,
        meeting=ga,
        title="EXCOM",
        kind=MotionKind.ELECTION,
        role=GovernanceRoleKind.EXCOM_MEMBER,
        seats=3,
        term_start_year=2027,
    )
    with pytest.raises(ValidationError) as empty:
        gov.motion_open(actor=staff, motion=draft)
    assert empty.value.code == "no_candidates"
    assert Motion.objects.count() == 1


def test_votes_open_only_on_a_published_meeting(staff, make_event):
    draft_event = governance_event(make_event, status=EventStatus.DRAFT)
    meeting = new_meeting(staff, draft_event)
    motion = gov.motion_save(actor=staff, meeting=meeting, title="Budget", kind="resolution")

    with pytest.raises(ValidationError) as refused:
        gov.motion_open(actor=staff, motion=motion)

    assert refused.value.code == "event_not_published"


def test_minutes_are_published_once_written(staff, ga):
    with pytest.raises(ValidationError):
        gov.minutes_publish(actor=staff, meeting=ga)
    assert ga.minutes_published_at is None

    ga = gov.minutes_publish(actor=staff, meeting=ga, minutes="The assembly opened at 9:00.")
    assert ga.minutes == "The assembly opened at 9:00."
    assert ga.minutes_published_at is not None
    ga = gov.minutes_unpublish(actor=staff, meeting=ga)
    assert ga.minutes_published_at is None
    assert list(
        AuditEntry.objects.filter(action__startswith="meeting.minutes")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["meeting.minutes_saved", "meeting.minutes_published", "meeting.minutes_unpublished"]


def test_the_day_voters_are_judged_on(staff, make_event):
    dated = new_meeting(staff, governance_event(make_event, slug="dated"))
    planned = new_meeting(
        staff,
        governance_event(make_event, slug="planned", starts_at=None, year=2031, month=9),
    )
    some_year = new_meeting(
        staff, governance_event(make_event, slug="year", starts_at=None, year=2031, month=None)
    )

    assert gov.meeting_day(dated) == dated.event.local_start.date()
    assert gov.meeting_day(planned) == datetime.date(2031, 9, 1)
    assert gov.meeting_day(some_year) == datetime.date(2031, 1, 1)
    assert "1 Sep 2031" in gov.voters_in_words(planned)
