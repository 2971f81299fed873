"""The waiting list: a freed seat goes to the first in the queue, automatically, once."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from activator.core.models import AuditEntry
from activator.events import services_registration
from activator.events.enums import Audience, EventStatus, RegistrationStatus
from activator.events.models import Event, Registration
from activator.events.services_registration import (
    approve,
    cancel,
    decline,
    promote_waitlist,
    register,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED


def assert_seats_consistent(event: Event) -> None:
    event.refresh_from_db()
    assert event.seats_taken == event.registrations.filter(status=CONFIRMED).count()
    if event.capacity is not None:
        assert event.seats_taken <= event.capacity


def status(registration: Registration) -> str:
    registration.refresh_from_db()
    return registration.status


def queue(event: Event) -> list[int]:
    return list(
        event.registrations.filter(status=WAITLISTED)
        .order_by("queued_at", "id")
        .values_list("person_id", flat=True)
    )


@pytest.fixture
def full_event(make_event):
    """Two seats taken, three people waiting (in the order they registered)."""
    event = make_event(capacity=2)
    registrations = [register(actor=p, event=event) for p in UserFactory.create_batch(5)]
    assert [r.status for r in registrations] == [CONFIRMED] * 2 + [WAITLISTED] * 3
    mail.outbox.clear()
    return event, registrations


def test_a_cancellation_promotes_the_first_in_the_queue(
    full_event, django_capture_on_commit_callbacks
):
    event, (a, b, w1, w2, w3) = full_event
    with django_capture_on_commit_callbacks(execute=True):
        cancel(actor=a.person, registration=a)

    assert status(w1) == CONFIRMED
    assert w1.queued_at is None
    assert [status(w2), status(w3)] == [WAITLISTED, WAITLISTED]
    assert queue(event) == [w2.person_id, w3.person_id]
    assert_seats_consistent(event)
    assert event.seats_taken == 2
    promoted = [m for m in mail.outbox if m.subject == f"A seat for you: {event.title}"]
    assert [m.to for m in promoted] == [[w1.person.email]]
    assert "your registration is confirmed" in promoted[0].body
    entry = AuditEntry.objects.get(action="registration.promoted")
    assert entry.object_id == str(w1.pk)
    assert entry.changes == {"status": ["waitlisted", "confirmed"]}

    with django_capture_on_commit_callbacks(execute=True):
        cancel(actor=b.person, registration=b)
    assert status(w2) == CONFIRMED
    assert queue(event) == [w3.person_id]
    assert_seats_consistent(event)


def test_leaving_the_queue_frees_no_seat_and_skips_nobody(full_event):
    event, (a, _b, w1, w2, _w3) = full_event
    cancel(actor=w1.person, registration=w1)
    assert_seats_consistent(event)
    assert event.seats_taken == 2
    cancel(actor=a.person, registration=a)
    assert status(w1) == CANCELLED
    assert status(w2) == CONFIRMED
    assert_seats_consistent(event)


def test_cancelling_and_registering_again_joins_the_end_of_the_queue(full_event):
    event, (a, _b, w1, w2, w3) = full_event
    cancel(actor=w1.person, registration=w1)
    again = register(actor=w1.person, event=event)
    assert again.pk == w1.pk
    assert again.status == WAITLISTED
    assert queue(event) == [w2.person_id, w3.person_id, w1.person_id]

    # A confirmed person who cancels and comes back finds the seat gone to the queue.
    cancel(actor=a.person, registration=a)
    assert status(w2) == CONFIRMED
    back = register(actor=a.person, event=event)
    assert back.status == WAITLISTED
    assert queue(event) == [w3.person_id, w1.person_id, a.person_id]
    assert_seats_consistent(event)


def test_more_seats_promote_as_many_people_in_order(full_event, django_capture_on_commit_callbacks):
    event, (_a, _b, w1, w2, w3) = full_event
    Event.objects.filter(pk=event.pk).update(capacity=4)
    with django_capture_on_commit_callbacks(execute=True):
        promoted = promote_waitlist(event=event)
    assert [r.pk for r in promoted] == [w1.pk, w2.pk]
    assert status(w3) == WAITLISTED
    assert_seats_consistent(event)
    assert event.seats_taken == 4
    assert len(mail.outbox) == 2
    assert promote_waitlist(event=event) == []

    Event.objects.filter(pk=event.pk).update(capacity=None)
    assert [r.pk for r in promote_waitlist(event=event)] == [w3.pk]
    assert_seats_consistent(event)


def test_someone_leaving_the_queue_during_a_promotion_is_skipped(full_event, monkeypatch):
    """The flip of the first in line finds them gone (cancelled meanwhile): the seat is given
    back and goes to the next person."""
    event, (a, _b, w1, w2, _w3) = full_event
    take_seat = services_registration._take_seat
    calls = []

    def take_seat_while_w1_leaves(event_id):
        taken = take_seat(event_id)
        if not calls:
            Registration.objects.filter(pk=w1.pk).update(status=CANCELLED, queued_at=None)
        calls.append(taken)
        return taken

    monkeypatch.setattr(services_registration, "_take_seat", take_seat_while_w1_leaves)
    cancel(actor=a.person, registration=a)

    assert calls[:2] == [True, True]
    assert status(w1) == CANCELLED
    assert status(w2) == CONFIRMED
    assert_seats_consistent(event)
    assert event.seats_taken == 2


def test_declining_a_confirmed_person_gives_the_seat_to_the_queue(full_event, staff):
    event, (a, _b, w1, w2, w3) = full_event
    decline(actor=staff, registration=w1, reason="Not a member city")
    assert_seats_consistent(event)
    assert queue(event) == [w2.person_id, w3.person_id]
    decline(actor=staff, registration=a, reason="Duplicate")
    assert status(a) == RegistrationStatus.DECLINED
    assert status(w2) == CONFIRMED
    assert queue(event) == [w3.person_id]
    assert_seats_consistent(event)


def test_approved_requests_wait_and_are_promoted_in_turn(make_event, staff):
    event = make_event(audience=Audience.INVITATION, capacity=1)
    first, second, third = (register(actor=p, event=event) for p in UserFactory.create_batch(3))
    first = approve(actor=staff, registration=first)
    third = approve(actor=staff, registration=third)  # approved before the second
    second = approve(actor=staff, registration=second)
    assert [first.status, third.status, second.status] == [CONFIRMED, WAITLISTED, WAITLISTED]
    assert_seats_consistent(event)

    cancel(actor=first.person, registration=first)
    assert status(third) == CONFIRMED
    assert status(second) == WAITLISTED
    assert_seats_consistent(event)


def test_nobody_is_promoted_for_a_cancelled_or_finished_event(full_event):
    event, (a, _b, w1, _w2, _w3) = full_event
    Event.objects.filter(pk=event.pk).update(status=EventStatus.CANCELLED)
    cancel(actor=a.person, registration=a)
    assert status(w1) == WAITLISTED
    assert_seats_consistent(event)

    Event.objects.filter(pk=event.pk).update(status=EventStatus.PUBLISHED)
    after = event.ends_at + datetime.timedelta(minutes=1)
    assert promote_waitlist(event=event, now=after) == []
    assert promote_waitlist(event=event, now=timezone.now()) != []
    assert status(w1) == CONFIRMED
    assert_seats_consistent(event)


def test_editing_an_event_keeps_seats_taken_meanwhile_and_more_seats_promote(make_event, staff):
    """The edit form's copy of the event is stale: saving it must not undo registrations."""
    from activator.events import services

    event = make_event(capacity=1)
    stale = Event.objects.get(pk=event.pk)
    first = services_registration.register(actor=UserFactory(), event=event)
    second = services_registration.register(actor=UserFactory(), event=event)
    assert (first.status, second.status) == ("confirmed", "waitlisted")

    services.event_update(actor=staff, event=stale, title="Renamed training")
    stale.refresh_from_db()
    assert stale.seats_taken == 1

    services.event_update(actor=staff, event=stale, capacity=2)
    second.refresh_from_db()
    assert second.status == RegistrationStatus.CONFIRMED
    assert Event.objects.get(pk=event.pk).seats_taken == 2
