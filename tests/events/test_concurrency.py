"""The last seat is never given twice: real threads, each with its own database connection,
released together, registering and cancelling at the same moment.

On PostgreSQL the transactions truly overlap (READ COMMITTED, as in production). SQLite runs
them through its single writer (the project opens every transaction IMMEDIATE), which makes the
same checks meaningful for the embedded mode only when the test database is a file that several
connections can open; the in-memory test database is not, so the SQLite run is skipped then.
"""

import threading
from functools import partial

import pytest
from django.core import mail
from django.db import connection, connections

from activator.core.models import AuditEntry
from activator.events.enums import RegistrationStatus
from activator.events.models import Event, Registration
from activator.events.services_registration import RegistrationRefused, cancel, register
from tests.factories import UserFactory

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED
CANCELLED = RegistrationStatus.CANCELLED
ROUNDS = 3


def _concurrent_database() -> str | None:
    """Why this database cannot run the race for real, or None when it can."""
    if connection.vendor == "postgresql":
        return None
    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        if connection.is_in_memory_db() or "mode=memory" in str(name):
            return (
                "the SQLite test database is in memory, shared between connections by table "
                "locks that fail at once instead of waiting; run with a file test database "
                "(DATABASES TEST NAME) or on PostgreSQL"
            )
        return None
    return f"{connection.vendor} is not a supported database"


pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _real_database(django_db_setup):
    reason = _concurrent_database()
    if reason:
        pytest.skip(reason)


def run_together(*calls):
    """Run each call in its own thread and connection, all released at the same instant.

    Returns, per call, ("ok", value), ("refused", code) or ("error", exception).
    """
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def work(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = ("ok", call())
        except RegistrationRefused as refused:
            results[index] = ("refused", refused.code)
        except Exception as error:
            results[index] = ("error", error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(i, call), daemon=True) for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    errors = [r[1] for r in results if r[0] == "error"]
    assert not errors, errors
    return results


def assert_seats_consistent(event: Event) -> None:
    event.refresh_from_db()
    assert event.seats_taken == event.registrations.filter(status=CONFIRMED).count()
    if event.capacity is not None:
        assert event.seats_taken <= event.capacity


def _registration(event, person) -> Registration:
    return Registration.objects.get(event=event, person=person)


@pytest.mark.parametrize(("capacity", "people"), [(1, 10), (5, 20)])
def test_the_last_seats_go_once_when_everyone_registers_at_once(make_event, capacity, people):
    for _round in range(ROUNDS):
        event = make_event(capacity=capacity)
        persons = UserFactory.create_batch(people)
        results = run_together(*[partial(register, actor=p, event=event) for p in persons])

        statuses = [value.status for _kind, value in results]
        assert statuses.count(CONFIRMED) == capacity
        assert statuses.count(WAITLISTED) == people - capacity
        assert_seats_consistent(event)
        assert event.seats_taken == capacity
        assert event.registrations.filter(status=WAITLISTED).count() == people - capacity
        # Everyone has a place in the queue of their own.
        queued = list(
            event.registrations.filter(status=WAITLISTED).values_list("queued_at", flat=True)
        )
        assert None not in queued


def test_the_same_person_registering_twice_at_once_gets_one_registration(make_event):
    for _round in range(ROUNDS):
        event = make_event(capacity=3)
        person = UserFactory()
        results = run_together(*[partial(register, actor=person, event=event)] * 4)
        outcomes = sorted(value.status if kind == "ok" else value for kind, value in results)
        assert outcomes == ["already"] * 3 + [CONFIRMED]
        assert event.registrations.count() == 1
        assert_seats_consistent(event)
        assert event.seats_taken == 1


def test_a_seat_freed_while_someone_registers_is_theirs(make_event):
    """The newcomer either finds the seat free or joins the queue in time to be promoted:
    never a free seat with someone waiting."""
    for _round in range(ROUNDS * 3):
        event = make_event(capacity=1)
        holder, newcomer = UserFactory.create_batch(2)
        seat = register(actor=holder, event=event)
        run_together(
            partial(cancel, actor=holder, registration=seat),
            partial(register, actor=newcomer, event=event),
        )
        assert _registration(event, holder).status == CANCELLED
        assert _registration(event, newcomer).status == CONFIRMED
        assert_seats_consistent(event)
        assert event.seats_taken == 1


def test_a_cancellation_serves_the_queue_before_a_newcomer(make_event):
    for _round in range(ROUNDS):
        event = make_event(capacity=1)
        holder, waiting, newcomer = UserFactory.create_batch(3)
        seat = register(actor=holder, event=event)
        assert register(actor=waiting, event=event).status == WAITLISTED
        run_together(
            partial(cancel, actor=holder, registration=seat),
            partial(register, actor=newcomer, event=event),
        )
        assert _registration(event, waiting).status == CONFIRMED
        assert _registration(event, newcomer).status == WAITLISTED
        assert_seats_consistent(event)
        assert event.seats_taken == 1


def test_two_cancellations_promote_the_one_waiting_person_once(make_event):
    for _round in range(ROUNDS):
        event = make_event(capacity=2)
        first, second, waiting = UserFactory.create_batch(3)
        a = register(actor=first, event=event)
        b = register(actor=second, event=event)
        w = register(actor=waiting, event=event)
        assert w.status == WAITLISTED
        mail.outbox.clear()
        run_together(
            partial(cancel, actor=first, registration=a),
            partial(cancel, actor=second, registration=b),
        )
        assert _registration(event, waiting).status == CONFIRMED
        assert_seats_consistent(event)
        assert event.seats_taken == 1
        assert (
            AuditEntry.objects.filter(action="registration.promoted", object_id=str(w.pk)).count()
            == 1
        )
        promoted = [m for m in mail.outbox if m.subject.startswith("A seat for you")]
        assert [m.to for m in promoted] == [[waiting.email]]


def test_the_waiting_person_leaving_as_a_seat_frees(make_event):
    for _round in range(ROUNDS):
        event = make_event(capacity=1)
        holder, waiting = UserFactory.create_batch(2)
        seat = register(actor=holder, event=event)
        queued = register(actor=waiting, event=event)
        run_together(
            partial(cancel, actor=holder, registration=seat),
            partial(cancel, actor=waiting, registration=queued),
        )
        assert _registration(event, holder).status == CANCELLED
        assert _registration(event, waiting).status == CANCELLED
        assert_seats_consistent(event)
        assert event.seats_taken == 0
