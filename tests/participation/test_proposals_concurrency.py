"""Supports at the same moment: real threads, each with its own connection, released together.
The Support row is unique per person and the counter moves by conditional UPDATEs in the same
transaction, so the counter always equals the rows and the threshold is announced once.

Runs on PostgreSQL (or a SQLite file database); skipped on the in-memory SQLite test database,
whose connections cannot wait for each other.
"""

import threading
from functools import partial

import pytest
from django.db import connection, connections

from activator.participation.models import Notification, Proposal, Support
from activator.participation.services_proposals import proposal_support, proposal_unsupport
from tests.participation.test_proposals_services import make_proposal, supporters

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


def test_many_people_at_once_keep_the_counter_exact(process, space, participant):
    proposal = make_proposal(process, participant)
    people = supporters(space, 8)
    results = run_together(*[partial(proposal_support, person, proposal) for person in people])
    assert all(kind == "ok" for kind, _value in results), results
    proposal.refresh_from_db()
    assert proposal.supports_count == 8 == Support.objects.filter(proposal=proposal).count()
    # The threshold (3) was crossed once: the author hears of it once.
    assert Notification.objects.filter(verb="proposal.threshold", user=participant).count() == 1


def test_one_person_clicking_many_times_counts_once(process, space, participant, neighbour):
    proposal = make_proposal(process, participant)
    results = run_together(*[partial(proposal_support, neighbour, proposal) for _ in range(5)])
    assert all(kind == "ok" for kind, _value in results), results
    assert sorted(value for _kind, value in results) == [False, False, False, False, True]
    proposal.refresh_from_db()
    assert proposal.supports_count == 1 == Support.objects.count()


def test_supports_and_withdrawals_of_support_at_once(process, space, participant):
    proposal = make_proposal(process, participant)
    people = supporters(space, 6)
    for person in people[:3]:
        proposal_support(person, proposal)
    calls = [partial(proposal_unsupport, person, proposal) for person in people[:3]]
    calls += [partial(proposal_unsupport, person, proposal) for person in people[:3]]
    calls += [partial(proposal_support, person, proposal) for person in people[3:]]
    results = run_together(*calls)
    assert all(kind == "ok" for kind, _value in results), results
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.supports_count == 3 == Support.objects.filter(proposal=proposal).count()
