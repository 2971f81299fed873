"""Acceptances at the same moment: real threads, each with its own connection, released
together; the event's set-up row is locked, so no person or table is booked twice.

Runs on PostgreSQL (or a SQLite file database); skipped on the in-memory SQLite test database,
whose connections cannot wait for each other.
"""

import threading
from functools import partial

import pytest
from django.db import connection, connections

from activator.matching import services_meetings as services
from tests.factories import UserFactory
from tests.matching.test_meetings_services import add_slots, assert_valid, fair_event, register

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _real_database(django_db_setup):
    if connection.vendor == "sqlite" and (
        connection.is_in_memory_db() or "mode=memory" in str(connection.settings_dict["NAME"])
    ):
        pytest.skip("the in-memory SQLite test database cannot run overlapping transactions")


def run_together(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def work(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = ("ok", call())
        except Exception as error:
            results[index] = ("error", error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i, c), daemon=True) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


def test_simultaneous_acceptances_never_double_book():
    event = fair_event()
    hub = UserFactory()
    others = UserFactory.create_batch(6)
    register(event, hub, *others)
    add_slots(event, 2, tables=2)
    # Everyone asked the hub, and three more pairs; all accept at once.
    asked = [services.meeting_request(actor=o, event=event, recipient=hub) for o in others]
    pairs = [(others[0], others[1]), (others[2], others[3]), (others[4], others[5])]
    more = [services.meeting_request(actor=a, event=event, recipient=b) for a, b in pairs]
    calls = [partial(services.meeting_respond, actor=hub, meeting=m, accept=True) for m in asked]
    calls += [
        partial(services.meeting_respond, actor=b, meeting=m, accept=True)
        for (_a, b), m in zip(pairs, more, strict=True)
    ]
    results = run_together(*calls)
    assert all(kind == "ok" for kind, _value in results), results
    assert_valid(event)
