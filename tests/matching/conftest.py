"""A provider with its people, and solutions and challenges made through the services."""

import pytest

from activator.accounts.enums import AffiliationRole
from activator.matching import services
from activator.matching.enums import PublicationStatus
from activator.matching.models import SolutionDomain
from activator.members.enums import OrganisationType
from tests.factories import AffiliationFactory, MembershipFactory


@pytest.fixture
def company(asia):
    """A corporate member in Asia-Pacific that offers solutions."""
    return MembershipFactory(
        organisation__name="Data Alliance",
        organisation__type=OrganisationType.CORPORATION,
        organisation__region=asia,
    ).organisation


@pytest.fixture
def provider_rep(company):
    """The company's representative: keeps its solutions."""
    return AffiliationFactory(
        organisation=company,
        user__email="provider@example.org",
        role=AffiliationRole.REPRESENTATIVE,
    ).user


@pytest.fixture
def technologies(db):
    names = ["Big Data", "Smart Mobility", "Smart Water Management", "Smart Street Lights"]
    return [
        SolutionDomain.objects.create(name=n, slug=n.lower().replace(" ", "-"), position=i)
        for i, n in enumerate(names)
    ]


@pytest.fixture
def make_solution(company, provider_rep, taxonomy):
    """A solution of `company` (published unless told otherwise), made through the service."""

    def make(*, provider=None, publish: bool = True, actor=None, **fields):
        fields.setdefault("name", "Adaptive traffic signals")
        fields.setdefault(
            "description", "Signals that adapt their timing to the traffic measured at junctions."
        )
        solution = services.solution_create(
            actor=actor or provider_rep, provider=provider or company, **fields
        )
        if publish:
            services.solution_set_status(
                actor=actor or provider_rep, solution=solution, status=PublicationStatus.PUBLISHED
            )
        return solution

    return make


@pytest.fixture
def make_challenge(city, representative, taxonomy):
    """A challenge of `city` (published unless told otherwise), made through the service."""

    def make(*, city_org=None, publish: bool = True, actor=None, **fields):
        fields.setdefault("title", "Congestion at rush hour")
        fields.setdefault(
            "description", "Cars queue for an hour on the main roads every morning and evening."
        )
        challenge = services.challenge_create(
            actor=actor or representative, city=city_org or city, **fields
        )
        if publish:
            services.challenge_set_status(
                actor=actor or representative,
                challenge=challenge,
                status=PublicationStatus.PUBLISHED,
            )
        return challenge

    return make
