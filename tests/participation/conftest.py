"""A city's participation space with a running process, and people taking part in it."""

import datetime

import pytest
from django.utils import timezone

from activator.participation.enums import ParticipantStatus, PhaseKind, Plan, ProcessStatus
from activator.participation.models import Category, Participant, Phase, Process, Space
from tests.factories import UserFactory


def make_phases(process: Process, running: str = PhaseKind.PROPOSALS) -> None:
    """Five consecutive phases of ten days, with `running` the one that includes today."""
    order = [k.value for k in PhaseKind]
    today = timezone.localdate()
    start = today - datetime.timedelta(days=10 * order.index(running) + 5)
    for kind in order:
        Phase.objects.create(
            process=process,
            kind=kind,
            starts_on=start,
            ends_on=start + datetime.timedelta(days=9),
        )
        start += datetime.timedelta(days=10)


def join(space: Space, user, status: str = ParticipantStatus.VERIFIED) -> Participant:
    return Participant.objects.create(space=space, user=user, status=status, verified_by="open")


@pytest.fixture
def space(city):
    """Seoul's space on the premium plan (every feature), open to anyone with an account."""
    return Space.objects.create(
        organisation=city, slug="seoul", title="Seoul Participates", plan=Plan.PREMIUM
    )


@pytest.fixture
def free_space(other_city):
    return Space.objects.create(
        organisation=other_city, slug="abuja", title="Abuja Participates", plan=Plan.FREE
    )


@pytest.fixture
def mobility(space):
    return Category.objects.create(space=space, name="Mobility")


@pytest.fixture
def parks(space):
    return Category.objects.create(space=space, name="Parks")


@pytest.fixture
def process(space, mobility, parks, representative):
    """A published process in its proposals phase, 3 supports needed."""
    process = Process.objects.create(
        space=space,
        slug="budget-2027",
        title="Participatory budget 2027",
        status=ProcessStatus.PUBLISHED,
        support_threshold=3,
        created_by=representative,
    )
    make_phases(process, PhaseKind.PROPOSALS)
    return process


@pytest.fixture
def participant(space, citizen):
    """A verified participant of the space (the `citizen` persona)."""
    join(space, citizen)
    return citizen


@pytest.fixture
def neighbour(space):
    """A second verified participant."""
    user = UserFactory(email="neighbour@example.org", full_name="Min-ji Park")
    join(space, user)
    return user


@pytest.fixture
def outsider(db):
    """Has an account but has not joined the space."""
    return UserFactory(email="outsider@example.org")
