"""Persona fixtures: who is acting, in every role the platform knows."""

import os

import pytest

from activator.accounts.enums import AffiliationRole, PlatformRole
from tests.factories import (
    AffiliationFactory,
    CountryRegionFactory,
    MembershipFactory,
    OrganisationFactory,
    RegionalOfficeFactory,
    RegionFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Tasks run in-process in tests, so their effects (e-mails) can be asserted."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.AXES_ENABLED = False


@pytest.fixture
def asia(db):
    region = RegionFactory(name="Asia-Pacific", slug="asia-pacific")
    CountryRegionFactory(country="KR", region=region)
    return region


@pytest.fixture
def africa(db):
    region = RegionFactory(name="Africa", slug="africa")
    CountryRegionFactory(country="NG", region=region)
    return region


@pytest.fixture
def city(asia):
    """A member city in Asia-Pacific."""
    return MembershipFactory(organisation__name="Seoul", organisation__region=asia).organisation


@pytest.fixture
def other_city(africa):
    """A member city in another region (Africa)."""
    return MembershipFactory(
        organisation__name="Abuja", organisation__country="NG", organisation__region=africa
    ).organisation


@pytest.fixture
def staff(db):
    return UserFactory(email="staff@example.org", platform_role=PlatformRole.SECRETARIAT)


@pytest.fixture
def regional_officer(asia):
    office = RegionalOfficeFactory(name="East Asia Regional Office", regions=[asia])
    return UserFactory(
        email="officer@example.org",
        platform_role=PlatformRole.REGIONAL_STAFF,
        regional_office=office,
    )


@pytest.fixture
def representative(city):
    return AffiliationFactory(
        organisation=city, user__email="rep@example.org", role=AffiliationRole.REPRESENTATIVE
    ).user


@pytest.fixture
def reviewer(db):
    return UserFactory(email="reviewer@example.org", platform_role=PlatformRole.REVIEWER)


@pytest.fixture
def citizen(db):
    return UserFactory(email="citizen@example.org", platform_role=PlatformRole.CITIZEN)


@pytest.fixture
def persona(request):
    """Resolve a persona fixture by name (for role × action matrices); None is anonymous."""
    if request.param is None:
        return None
    return request.getfixturevalue(request.param)


@pytest.fixture
def organisation_factory():
    return OrganisationFactory
