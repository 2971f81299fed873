"""One-to-one meetings through the services: who takes part, when requests close, and that the
schedule stays valid while nobody's meeting moves unless it must."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activator.core.models import AuditEntry
from activator.events.enums import Audience, EventStatus, EventType, RegistrationMode
from activator.events.enums import RegistrationStatus as R
from activator.events.models import Event, Registration
from activator.matching import schedule
from activator.matching import services_meetings as services
from activator.matching.enums import MeetingStatus
from activator.matching.models import Availability, MatchmakingSetup, MeetingRequest, MeetingSlot
from tests.factories import UserFactory

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")

# --- Helpers (the other meeting tests import these) ----------------------------------------------


def fair_event(**fields) -> Event:
    """A published "Solutions Meet Cities" day in Seoul 30 days from now, matchmaking on."""
    day = (timezone.now() + datetime.timedelta(days=30)).astimezone(SEOUL).date()
    starts = datetime.datetime.combine(day, datetime.time(9, 0), SEOUL)
    n = Event.objects.count() + 1
    values = {
        "slug": f"solutions-meet-cities-{n}",
        "title": f"Solutions Meet Cities {n}",
        "type": EventType.CONFERENCE_EXPO,
        "status": EventStatus.PUBLISHED,
        "audience": Audience.PUBLIC,
        "starts_at": starts,
        "ends_at": starts + datetime.timedelta(hours=8),
        "time_zone": "Asia/Seoul",
        "city": "Seoul",
        "country": "KR",
        "registration": RegistrationMode.OPEN,
        "matchmaking": True,
        "year": day.year,
        "month": day.month,
    }
    values.update(fields)
    return Event.objects.create(**values)


def register(event: Event, *people, status: str = R.CONFIRMED, organisation=None) -> None:
    for person in people:
        Registration.objects.create(
            event=event, person=person, status=status, organisation=organisation
        )


def add_slots(event: Event, count: int, *, tables: int = 2) -> list[MeetingSlot]:
    """`count` half-hour slots from 10:00 on the event's first day, and `tables` tables."""
    MatchmakingSetup.objects.update_or_create(event=event, defaults={"tables": tables})
    start = event.local_start.replace(hour=10, minute=0)
    return [
        MeetingSlot.objects.create(
            event=event,
            starts_at=start + datetime.timedelta(minutes=30 * i),
            ends_at=start + datetime.timedelta(minutes=30 * i + 30),
        )
        for i in range(count)
    ]


def accepted(event: Event, a, b, **kwargs) -> MeetingRequest:
    meeting = services.meeting_request(actor=a, event=event, recipient=b, **kwargs)
    return services.meeting_respond(actor=b, meeting=meeting, accept=True)


def positions(event: Event) -> dict[int, tuple[int | None, int | None]]:
    return {
        m.pk: (m.slot_id, m.table)
        for m in MeetingRequest.objects.filter(event=event, status=MeetingStatus.ACCEPTED)
    }


def assert_valid(event: Event) -> None:
    """The stored schedule keeps every rule, checked with schedule.validate and on the rows."""
    rows = list(MeetingRequest.objects.filter(event=event, status=MeetingStatus.ACCEPTED))
    slots = list(MeetingSlot.objects.filter(event=event).values_list("pk", flat=True))
    availability: dict[int, list[int]] = {}
    for person, slot in Availability.objects.filter(slot__event=event).values_list(
        "person_id", "slot_id"
    ):
        availability.setdefault(person, []).append(slot)
    tables = MatchmakingSetup.objects.get(event=event).tables
    meetings = [schedule.Meeting(m.pk, m.requester_id, m.recipient_id) for m in rows]
    placements = [schedule.Placement(m.pk, m.slot_id, m.table) for m in rows if m.slot_id]
    unscheduled = [schedule.Unscheduled(m.pk, m.unscheduled_reason) for m in rows if not m.slot_id]
    result = schedule.Schedule(placements, unscheduled)
    problems = schedule.validate(result, meetings, slots, tables, availability)
    if slots:
        assert problems == []
    seen_tables, seen_people = set(), set()
    for m in rows:
        if not m.slot_id:
            continue
        assert (m.slot_id, m.table) not in seen_tables
        seen_tables.add((m.slot_id, m.table))
        for person in (m.requester_id, m.recipient_id):
            assert (m.slot_id, person) not in seen_people
            seen_people.add((m.slot_id, person))
            if person in availability:
                assert m.slot_id in availability[person]


# --- Fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def event(db):
    return fair_event()


@pytest.fixture
def people(event):
    """Six people with confirmed registrations."""
    found = [UserFactory(full_name=f"Person {i}") for i in range(6)]
    register(event, *found)
    return found


# --- Requests ------------------------------------------------------------------------------------


def test_request_is_sent_and_recorded(event, people, django_capture_on_commit_callbacks):
    a, b = people[:2]
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_request(
            actor=a, event=event, recipient=b, message="Traffic data"
        )
    assert meeting.status == MeetingStatus.REQUESTED
    assert [m.to for m in mail.outbox] == [[b.email]]
    assert "Traffic data" in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="meeting.requested", object_id=str(meeting.pk)).exists()


@pytest.mark.parametrize("status", [R.PENDING, R.WAITLISTED, R.CANCELLED, R.INTERESTED])
def test_only_confirmed_registrants_request(event, people, status):
    outsider = UserFactory()
    register(event, outsider, status=status)
    with pytest.raises(ValidationError):
        services.meeting_request(actor=outsider, event=event, recipient=people[0])
    with pytest.raises(ValidationError):
        services.meeting_request(actor=people[0], event=event, recipient=outsider)
    stranger = UserFactory()
    with pytest.raises(ValidationError):
        services.meeting_request(actor=people[0], event=event, recipient=stranger)
    assert not MeetingRequest.objects.exists()
    assert mail.outbox == []


def test_nobody_meets_themselves_or_twice(event, people):
    a, b = people[:2]
    with pytest.raises(ValidationError):
        services.meeting_request(actor=a, event=event, recipient=a)
    services.meeting_request(actor=a, event=event, recipient=b)
    with pytest.raises(ValidationError):
        services.meeting_request(actor=b, event=event, recipient=a)
    assert MeetingRequest.objects.count() == 1


def test_requests_close_at_the_set_time(event, people):
    a, b = people[:2]
    MatchmakingSetup.objects.create(
        event=event, requests_close_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as refused:
        services.meeting_request(actor=a, event=event, recipient=b)
    assert "closed" in str(refused.value)
    assert not MeetingRequest.objects.exists()


def test_requests_close_when_the_event_starts(event, people):
    a, b = people[:2]
    later = event.starts_at + datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError):
        services.meeting_request(actor=a, event=event, recipient=b, now=later)
    before = event.starts_at - datetime.timedelta(minutes=1)
    assert services.meeting_request(actor=a, event=event, recipient=b, now=before)


def test_no_requests_without_matchmaking(people, event):
    event.matchmaking = False
    event.save()
    with pytest.raises(ValidationError):
        services.meeting_request(actor=people[0], event=event, recipient=people[1])


def test_only_the_recipient_answers(event, people):
    a, b, c = people[:3]
    meeting = services.meeting_request(actor=a, event=event, recipient=b)
    for wrong in (a, c):
        with pytest.raises(PermissionDenied):
            services.meeting_respond(actor=wrong, meeting=meeting, accept=True)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED


def test_decline_tells_the_requester(event, people, django_capture_on_commit_callbacks):
    a, b = people[:2]
    meeting = services.meeting_request(actor=a, event=event, recipient=b)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = services.meeting_respond(actor=b, meeting=meeting, accept=False)
    assert meeting.status == MeetingStatus.DECLINED and meeting.slot_id is None
    assert [m.to for m in mail.outbox] == [[a.email]]
    with pytest.raises(ValidationError):
        services.meeting_respond(actor=b, meeting=meeting, accept=True)


# --- Placement -----------------------------------------------------------------------------------


def test_accepted_meeting_is_placed_where_both_are_free(
    event, people, django_capture_on_commit_callbacks
):
    a, b = people[:2]
    slots = add_slots(event, 4)
    services.availability_set(actor=a, event=event, slots=[slots[1], slots[2]])
    services.availability_set(actor=b, event=event, slots=[slots[2], slots[3]])
    with django_capture_on_commit_callbacks(execute=True):
        meeting = accepted(event, a, b)
    assert meeting.slot_id == slots[2].pk and meeting.table == 1
    assert meeting.unscheduled_reason == ""
    accepted_mail = [m for m in mail.outbox if m.to == [a.email] and "accepted" in m.subject]
    assert accepted_mail and "Table 1" in accepted_mail[0].body
    assert "11:00–11:30 KST" in accepted_mail[0].body
    assert_valid(event)


def test_never_free_together_is_said(event, people):
    a, b = people[:2]
    slots = add_slots(event, 2)
    services.availability_set(actor=a, event=event, slots=[slots[0]])
    services.availability_set(actor=b, event=event, slots=[slots[1]])
    meeting = accepted(event, a, b)
    assert meeting.status == MeetingStatus.ACCEPTED and meeting.slot_id is None
    assert meeting.unscheduled_reason == services.NO_COMMON_SLOT
    assert "never free at the same time" in services.reason_text(meeting.unscheduled_reason)


def test_no_slots_yet_is_said_and_new_slots_place_the_meeting(event, people, staff):
    a, b = people[:2]
    meeting = accepted(event, a, b)
    assert meeting.slot_id is None and meeting.unscheduled_reason == services.NO_SLOTS
    day = event.local_start.date()
    made = services.slots_generate(
        actor=staff,
        event=event,
        day=day,
        start=datetime.time(10, 0),
        end=datetime.time(12, 0),
        minutes=25,
        pause=5,
    )
    assert [s.starts_at.astimezone(SEOUL).strftime("%H:%M") for s in made] == [
        "10:00",
        "10:30",
        "11:00",
        "11:30",
    ]
    meeting.refresh_from_db()
    assert meeting.slot_id == made[0].pk


def test_no_person_or_table_twice_in_a_slot(event, people):
    slots = add_slots(event, 3, tables=2)
    pairs = [(0, 1), (0, 2), (0, 3), (1, 2), (3, 4), (4, 5), (2, 5), (1, 5), (3, 5), (0, 4)]
    for x, y in pairs:
        accepted(event, people[x], people[y])
    assert_valid(event)
    placed = [m for m in positions(event).values() if m[0]]
    assert len(placed) == 6  # 3 slots x 2 tables
    assert {slot for slot, _ in placed} == {s.pk for s in slots}
    waiting = MeetingRequest.objects.filter(event=event, slot__isnull=True, status="accepted")
    assert all(m.unscheduled_reason == services.NO_ROOM for m in waiting)


def test_cancelling_moves_nobody_and_seats_a_waiting_meeting(
    event, people, django_capture_on_commit_callbacks
):
    add_slots(event, 1, tables=2)
    first = accepted(event, people[0], people[1])
    second = accepted(event, people[2], people[3])
    waiting = accepted(event, people[4], people[5])
    assert waiting.slot_id is None and waiting.unscheduled_reason == services.NO_ROOM
    before = positions(event)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_cancel(actor=people[0], meeting=first)
    after = positions(event)
    assert after[second.pk] == before[second.pk]
    assert after[waiting.pk] == before[first.pk]
    assert first.pk not in after
    first.refresh_from_db()
    assert first.status == MeetingStatus.CANCELLED and first.slot_id is None
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert people[1].email in recipients  # told of the cancellation
    assert people[4].email in recipients and people[5].email in recipients  # now placed
    assert people[2].email not in recipients
    assert_valid(event)


def test_withdrawing_a_request(event, people):
    meeting = services.meeting_request(actor=people[0], event=event, recipient=people[1])
    services.meeting_cancel(actor=people[0], meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.meeting_cancel(actor=people[0], meeting=meeting)
    with pytest.raises(PermissionDenied):
        other = services.meeting_request(actor=people[2], event=event, recipient=people[3])
        services.meeting_cancel(actor=people[0], meeting=other)


def test_availability_change_replaces_only_that_persons_meetings(event, people):
    slots = add_slots(event, 3, tables=3)
    ab = accepted(event, people[0], people[1])
    cd = accepted(event, people[2], people[3])
    ef = accepted(event, people[4], people[5])
    ac = accepted(event, people[0], people[2])
    before = positions(event)
    old_slot = before[ab.pk][0]
    free = [s for s in slots if s.pk != old_slot]
    services.availability_set(actor=people[1], event=event, slots=free)
    after = positions(event)
    assert after[ab.pk][0] in {s.pk for s in free}
    for other in (cd, ef, ac):
        assert after[other.pk] == before[other.pk]
    assert_valid(event)


def test_availability_rejects_other_events_slots(event, people):
    other = fair_event()
    foreign = add_slots(other, 1)[0]
    with pytest.raises(ValidationError):
        services.availability_set(actor=people[0], event=event, slots=[foreign])
    assert not Availability.objects.exists()


def test_move_one_meeting_moves_no_other(event, people, staff, django_capture_on_commit_callbacks):
    slots = add_slots(event, 3, tables=2)
    ab = accepted(event, people[0], people[1])
    cd = accepted(event, people[2], people[3])
    ef = accepted(event, people[4], people[5])
    before = positions(event)
    target = next(s for s in slots if s.pk != before[ab.pk][0] and s.pk != before[cd.pk][0])
    table = 2 if before[ef.pk] == (target.pk, 1) else 1
    if before[ef.pk] == (target.pk, table):
        table = 2
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_move(actor=staff, meeting=ab, slot=target, table=table)
    after = positions(event)
    assert after[ab.pk] == (target.pk, table)
    assert after[cd.pk] == before[cd.pk] and after[ef.pk] == before[ef.pk]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([people[0].email, people[1].email])
    assert_valid(event)


def test_move_is_checked(event, people, staff):
    slots = add_slots(event, 2, tables=2)
    ab = accepted(event, people[0], people[1])
    ac = accepted(event, people[0], people[2])
    de = accepted(event, people[3], people[4])
    before = positions(event)
    busy_slot = MeetingSlot.objects.get(pk=before[ac.pk][0])
    with pytest.raises(ValidationError):  # person 0 is in meeting ac then
        services.meeting_move(actor=staff, meeting=ab, slot=busy_slot, table=2)
    de_slot, de_table = before[de.pk]
    if de_slot != before[ab.pk][0]:
        with pytest.raises(ValidationError):  # the table is taken
            services.meeting_move(
                actor=staff, meeting=ab, slot=MeetingSlot.objects.get(pk=de_slot), table=de_table
            )
    with pytest.raises(ValidationError):
        services.meeting_move(actor=staff, meeting=ab, slot=slots[0], table=9)
    Availability.objects.create(person=people[1], slot=MeetingSlot.objects.get(pk=before[ab.pk][0]))
    other_slot = next(s for s in slots if s.pk != before[ab.pk][0])
    with pytest.raises(ValidationError):  # person 1 is not free then
        services.meeting_move(actor=staff, meeting=ab, slot=other_slot, table=2)
    with pytest.raises(PermissionDenied):
        services.meeting_move(actor=people[0], meeting=ab, slot=other_slot, table=2)
    assert positions(event) == before


def test_fewer_tables_move_only_meetings_at_removed_tables(event, people, staff):
    add_slots(event, 3, tables=3)
    made = [
        accepted(event, people[0], people[1]),
        accepted(event, people[2], people[3]),
        accepted(event, people[4], people[5]),
    ]
    before = positions(event)
    assert {t for _, t in before.values()} == {1, 2, 3}
    services.setup_save(actor=staff, event=event, tables=2, place="Hall B")
    after = positions(event)
    for meeting in made:
        if before[meeting.pk][1] <= 2:
            assert after[meeting.pk] == before[meeting.pk]
        else:
            assert after[meeting.pk][1] in (1, 2)
    assert_valid(event)


def test_full_reoptimisation_holds_at_least_as_many_and_tells_who_moved(
    event, people, staff, django_capture_on_commit_callbacks
):
    add_slots(event, 2, tables=1)
    # Placed one by one, the first meeting can block a better schedule.
    for x, y in [(0, 1), (0, 2), (1, 2), (3, 4)]:
        accepted(event, people[x], people[y])
    held_before = sum(1 for s, _ in positions(event).values() if s)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.schedule_event(actor=staff, event=event, full=True)
    assert result.placed >= held_before
    assert result.placed <= result.upper_bound == 2
    moved_people = {m.requester.email for m in result.moved} | {
        m.recipient.email for m in result.moved
    }
    assert {m.to[0] for m in mail.outbox} == moved_people
    assert_valid(event)
    with pytest.raises(PermissionDenied):
        services.schedule_event(actor=people[0], event=event, full=True)


def test_managers_only(event, people, staff, regional_officer):
    with pytest.raises(PermissionDenied):
        services.setup_save(actor=people[0], event=event, tables=3)
    with pytest.raises(PermissionDenied):
        services.slots_generate(
            actor=regional_officer,  # the event is run by no office
            event=event,
            day=event.local_start.date(),
            start=datetime.time(10),
            end=datetime.time(11),
            minutes=30,
        )
    setup = services.setup_save(
        actor=staff,
        event=event,
        tables=4,
        place="Hall B",
        requests_close_at=event.starts_at - datetime.timedelta(days=1),
    )
    assert setup.tables == 4
    assert AuditEntry.objects.filter(action="meeting.setup_saved").exists()


def test_slot_with_a_meeting_is_not_deleted(event, people, staff):
    slots = add_slots(event, 2, tables=1)
    meeting = accepted(event, people[0], people[1])
    with pytest.raises(ValidationError):
        services.slot_delete(actor=staff, slot=MeetingSlot.objects.get(pk=meeting.slot_id))
    empty = next(s for s in slots if s.pk != meeting.slot_id)
    services.slot_delete(actor=staff, slot=empty)
    assert list(MeetingSlot.objects.filter(event=event)) == [meeting.slot]


def test_a_slot_that_is_someones_only_free_time_is_not_deleted(event, people, staff):
    """With no slot ticked a person is free in every slot: removing their one slot would make
    them free at times they said they were not."""
    first, second, third = add_slots(event, 3)
    services.availability_set(actor=people[0], event=event, slots=[first])
    services.availability_set(actor=people[1], event=event, slots=[first])
    services.availability_set(actor=people[2], event=event, slots=[first, second])
    with pytest.raises(ValidationError) as refused:
        services.slot_delete(actor=staff, slot=first)
    assert "only free time 2 people gave" in " ".join(refused.value.messages)
    assert MeetingSlot.objects.filter(pk=first.pk).exists()
    assert Availability.objects.filter(slot=first).count() == 3
    # A slot others ticked along with more times, or nobody ticked, goes.
    services.slot_delete(actor=staff, slot=second)
    services.slot_delete(actor=staff, slot=third)
    assert list(MeetingSlot.objects.filter(event=event)) == [first]
    assert set(Availability.objects.filter(person=people[2]).values_list("slot_id", flat=True)) == {
        first.pk
    }
    # people[2] now has only the first slot too.
    with pytest.raises(ValidationError, match="3 people"):
        services.slot_delete(actor=staff, slot=first)


def test_slots_never_overlap(event, staff):
    day = event.local_start.date()
    args = {"actor": staff, "event": event, "day": day, "minutes": 30}
    services.slots_generate(start=datetime.time(10), end=datetime.time(11), **args)
    made = services.slots_generate(start=datetime.time(10, 15), end=datetime.time(12), **args)
    assert [s.starts_at.astimezone(SEOUL).strftime("%H:%M") for s in made] == ["11:15"]
    with pytest.raises(ValidationError):
        services.slots_generate(start=datetime.time(10), end=datetime.time(11), **args)


def test_unconfirmed_party_cannot_accept(event, people):
    meeting = services.meeting_request(actor=people[0], event=event, recipient=people[1])
    Registration.objects.filter(event=event, person=people[0]).update(status=R.CANCELLED)
    with pytest.raises(ValidationError):
        services.meeting_respond(actor=people[1], meeting=meeting, accept=True)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED
