"""Persona fixtures: who is acting, in every role the platform knows."""

import os

import pytest
from django.conf import settings
from django.utils import translation

from activator.accounts.enums import AffiliationRole, PlatformRole
from tests.factories import (
    AffiliationFactory,
    CountryRegionFactory,
    MembershipFactory,
    OrganisationFactory,
    PillarFactory,
    RegionalOfficeFactory,
    RegionFactory,
    SdgFactory,
    SectorFactory,
    StakeholderTypeFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    """Tasks run in-process in tests, so their effects (e-mails) can be asserted."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a page visited in Spanish leaves the thread's
    language set, and service messages read it."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


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


@pytest.fixture
def contact(city):
    """A person of the city who is not its representative (sees its projects, edits none)."""
    return AffiliationFactory(
        organisation=city, user__email="contact@example.org", role=AffiliationRole.CONTACT
    ).user


@pytest.fixture
def other_representative(other_city):
    """The representative of a member city in another region."""
    return AffiliationFactory(
        organisation=other_city,
        user__email="abuja@example.org",
        role=AffiliationRole.REPRESENTATIVE,
    ).user


@pytest.fixture
def taxonomy(db):
    """A few values of each shared taxonomy, with the slugs the seed data uses."""
    return {
        "sectors": [
            SectorFactory(name="Traffic Management", slug="traffic-management"),
            SectorFactory(name="Waste Management", slug="waste-management"),
            SectorFactory(name="e-Government", slug="e-government"),
        ],
        "pillars": [
            PillarFactory(name="Smart Mobility", slug="smart-mobility", position=5),
            PillarFactory(name="Smart Environment", slug="smart-environment", position=6),
        ],
        "stakeholders": [
            StakeholderTypeFactory(name="Local Government", slug="local-government"),
            StakeholderTypeFactory(name="Private Sector", slug="private-sector"),
            StakeholderTypeFactory(name="Academia", slug="academia"),
        ],
        "sdgs": [
            SdgFactory(name="Sustainable Cities and Communities", slug="sdg-11", position=11),
            SdgFactory(name="Climate Action", slug="sdg-13", position=13),
        ],
    }


@pytest.fixture
def make_project(taxonomy, staff):
    """Create a project through the service, as its owner would (search and facets included)."""
    from activator.projects.services import project_create, project_publish

    def make(organisation, *, publish: bool = False, actor=None, **fields):
        fields.setdefault("title", "Smart parking pilot")
        fields.setdefault("summary", "Parking sensors on the main streets.")
        project = project_create(actor=actor or staff, organisation=organisation, **fields)
        if publish:
            project = project_publish(actor=actor or staff, project=project)
        return project

    return make
