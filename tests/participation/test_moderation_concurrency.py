"""Reports at the same moment: real threads, each with its own connection, released together.
The counter stays equal to the reports, content is hidden once, a person reports once.

Runs on PostgreSQL (or a SQLite file database); skipped on the in-memory SQLite test database,
whose connections cannot wait for each other.
"""

import threading
from functools import partial

import pytest
from django.db import connection, connections

from activator.core.models import AuditEntry
from activator.participation import services_moderation as moderation
from activator.participation.enums import FlagReason, Moderation
from activator.participation.models import Flag, Proposal
from tests.factories import UserFactory
from tests.participation.conftest import join

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


def test_simultaneous_reports_hide_once_and_count_each(space, process, participant):
    space.flag_threshold = 3
    space.save()
    proposal = Proposal.objects.create(process=process, author=participant, title="T", body="b")
    people = [UserFactory(email=f"c{i}@example.org") for i in range(6)]
    for person in people:
        join(space, person)
    results = run_together(
        *[
            partial(moderation.flag, person, Proposal.objects.get(pk=proposal.pk), FlagReason.SPAM)
            for person in people
        ]
    )
    refused = [value for kind, value in results if kind == "error"]
    # Reports arriving after the hiding are refused as "already hidden"; none is lost or doubled.
    assert all("already hidden" in str(error) for error in refused), refused
    proposal.refresh_from_db()
    assert proposal.moderation == Moderation.AWAITING
    assert proposal.flags_count == Flag.objects.filter(object_id=proposal.pk).count() >= 3
    assert AuditEntry.objects.filter(action="participation.auto_hidden").count() == 1


def test_one_person_reporting_twice_at_once_counts_once(space, process, participant, neighbour):
    proposal = Proposal.objects.create(process=process, author=participant, title="T", body="b")
    results = run_together(
        *[
            partial(moderation.flag, neighbour, Proposal.objects.get(pk=proposal.pk), reason)
            for reason in (FlagReason.SPAM, FlagReason.OFFENSIVE, FlagReason.OTHER)
        ]
    )
    assert sorted(kind for kind, _value in results) == ["error", "error", "ok"]
    assert all(isinstance(value, moderation.Conflict) for kind, value in results if kind == "error")
    proposal.refresh_from_db()
    assert proposal.flags_count == 1 and Flag.objects.count() == 1
