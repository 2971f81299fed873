"""Who may do what with the index: every role against every action, on drafts and submissions.

Seoul (`city`, Asia-Pacific) is represented by `representative`; `contact` belongs to Seoul
without representing it; `regional_officer` serves Asia-Pacific and `africa_officer` Africa,
where Abuja (`other_city`) is, represented by `other_representative`. `expert` is a reviewer
named as expert auditor on Seoul's assessments; `reviewer` is one who is not.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from activator.accounts.enums import PlatformRole
from activator.index import services
from activator.index.models import Assessment, CityResult, Indicator, ResultSet
from activator.index.selectors import assessments_visible_to
from tests.factories import RegionalOfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSONAS = [
    None,
    "citizen",
    "reviewer",
    "expert",
    "contact",
    "representative",
    "other_representative",
    "regional_officer",
    "africa_officer",
    "staff",
]
SEOUL_STAFF = {"regional_officer", "staff"}
SEOUL_PEOPLE = {"representative", "contact"}
EVERYONE = set(PERSONAS)


@pytest.fixture
def africa_officer(africa):
    office = RegionalOfficeFactory(name="Africa Regional Office", regions=[africa])
    return UserFactory(
        email="africa-officer@example.org",
        platform_role=PlatformRole.REGIONAL_STAFF,
        regional_office=office,
    )


@pytest.fixture
def expert(db):
    return UserFactory(email="expert@example.org", platform_role=PlatformRole.REVIEWER)


@pytest.fixture
def cast(request, city, other_city, representative, contact, other_representative, reviewer):
    """Everybody exists in every test, so each sees the same world; returns the persona."""

    def resolve(persona):
        return AnonymousUser() if persona is None else request.getfixturevalue(persona)

    return resolve


@pytest.fixture
def matrix(cast):
    """The personas that hold one permission on one object."""

    def allowed(permission, obj=None) -> set:
        return {p for p in PERSONAS if cast(p).has_perm(permission, obj)}

    return allowed


def start(version, organisation, year, staff, *, submit: bool, experts=()) -> Assessment:
    assessment = services.assessment_start(
        actor=staff, organisation=organisation, version=version, year=year
    )
    entries = {i: services.ValueInput(value=3) for i in Indicator.objects.filter(version=version)}
    assert services.values_save(actor=staff, assessment=assessment, entries=entries) == {}
    if submit:
        assessment = services.assessment_submit(actor=staff, assessment=assessment)
    services.expert_set(actor=staff, assessment=assessment, experts=list(experts))
    return Assessment.objects.get(pk=assessment.pk)


@pytest.fixture
def world(survey, city, other_city, staff, expert):
    """Seoul and Abuja each with a draft (2026) and a submitted assessment (2025).

    The expert is named on all but Abuja's draft, to show that naming alone opens no draft.
    """
    return {
        "seoul_draft": start(survey, city, 2026, staff, submit=False, experts=[expert]),
        "seoul_submitted": start(survey, city, 2025, staff, submit=True, experts=[expert]),
        "abuja_draft": start(survey, other_city, 2026, staff, submit=False),
        "abuja_submitted": start(survey, other_city, 2025, staff, submit=True, experts=[expert]),
    }


# Assessments ---------------------------------------------------------------------------------

ON_SEOUL_DRAFT = {
    "index.view_assessment": SEOUL_PEOPLE | SEOUL_STAFF,
    "index.change_assessment": {"representative"} | SEOUL_STAFF,
    "index.submit_assessment": {"representative"} | SEOUL_STAFF,
    "index.verify_assessment": set(),
    "index.reopen_assessment": set(),
    "index.name_experts": SEOUL_STAFF,
}
ON_SEOUL_SUBMITTED = {
    "index.view_assessment": SEOUL_PEOPLE | SEOUL_STAFF | {"expert"},
    # The city still answers queried values; the service decides which.
    "index.change_assessment": {"representative"} | SEOUL_STAFF,
    "index.submit_assessment": set(),
    "index.verify_assessment": SEOUL_STAFF | {"expert"},
    "index.reopen_assessment": SEOUL_STAFF,
    "index.name_experts": SEOUL_STAFF,
}
ON_ABUJA_SUBMITTED = {
    "index.view_assessment": {"other_representative", "africa_officer", "staff", "expert"},
    "index.change_assessment": {"other_representative", "africa_officer", "staff"},
    "index.submit_assessment": set(),
    "index.verify_assessment": {"africa_officer", "staff", "expert"},
    "index.reopen_assessment": {"africa_officer", "staff"},
    "index.name_experts": {"africa_officer", "staff"},
}


@pytest.mark.parametrize("permission", sorted(ON_SEOUL_DRAFT))
def test_permission_on_a_draft(world, matrix, permission):
    assert matrix(permission, world["seoul_draft"]) == ON_SEOUL_DRAFT[permission]


@pytest.mark.parametrize("permission", sorted(ON_SEOUL_SUBMITTED))
def test_permission_on_a_submitted_assessment(world, matrix, permission):
    assert matrix(permission, world["seoul_submitted"]) == ON_SEOUL_SUBMITTED[permission]


@pytest.mark.parametrize("permission", sorted(ON_ABUJA_SUBMITTED))
def test_permission_on_a_submitted_assessment_of_another_region(world, matrix, permission):
    assert matrix(permission, world["abuja_submitted"]) == ON_ABUJA_SUBMITTED[permission]


def test_who_may_start_an_assessment_for_a_city(matrix, city, other_city):
    assert matrix("index.start_assessment", city) == {"representative"} | SEOUL_STAFF
    assert matrix("index.start_assessment", other_city) == {
        "other_representative",
        "africa_officer",
        "staff",
    }


# Which assessments each persona sees -----------------------------------------------------------

VISIBLE = {
    None: set(),
    "citizen": set(),
    "reviewer": set(),
    "expert": {"seoul_submitted", "abuja_submitted"},
    "contact": {"seoul_draft", "seoul_submitted"},
    "representative": {"seoul_draft", "seoul_submitted"},
    "other_representative": {"abuja_draft", "abuja_submitted"},
    "regional_officer": {"seoul_draft", "seoul_submitted"},
    "africa_officer": {"abuja_draft", "abuja_submitted"},
    "staff": {"seoul_draft", "seoul_submitted", "abuja_draft", "abuja_submitted"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_assessments_visible_to_each_persona(world, cast, persona):
    user = cast(persona)
    names = {a.pk: name for name, a in world.items()}
    visible = assessments_visible_to(user)
    assert {names[a.pk] for a in visible} == VISIBLE[persona]
    assert visible.count() == len(VISIBLE[persona])  # no duplicates from the expert join
    # The list and the permission agree on every assessment.
    assert {n for n, a in world.items() if user.has_perm("index.view_assessment", a)} == (
        VISIBLE[persona]
    )


def test_an_inactive_staff_member_sees_no_assessment(world, staff):
    staff.is_active = False
    staff.save()
    assert list(assessments_visible_to(staff)) == []
    assert not staff.has_perm("index.view_assessment", world["seoul_draft"])


# Results -------------------------------------------------------------------------------------


@pytest.fixture
def results(world, staff):
    """Seoul's and Abuja's 2025 results, computed but not published."""
    from activator.index.results import results_compute

    computed = results_compute(services.results_request(world["seoul_submitted"].version, 2025))
    return {
        "set": computed,
        "seoul": CityResult.objects.get(result_set=computed, organisation__name="Seoul"),
        "abuja": CityResult.objects.get(result_set=computed, organisation__name="Abuja"),
    }


def publish(result_set: ResultSet) -> None:
    result_set.published_at = timezone.now()
    result_set.save()


def test_an_unpublished_report_is_seen_by_its_city_and_its_staff(results, matrix):
    assert matrix("index.view_report", results["seoul"]) == SEOUL_PEOPLE | SEOUL_STAFF
    assert matrix("index.view_report", results["abuja"]) == {
        "other_representative",
        "africa_officer",
        "staff",
    }
    assert matrix("index.view_report", results["set"]) == {"staff"}
    assert matrix("index.view_result_set", results["set"]) == {"staff"}


def test_a_published_report_is_seen_by_everyone(results, matrix):
    publish(results["set"])
    for obj in (results["seoul"], results["abuja"], results["set"]):
        assert matrix("index.view_report", obj) == EVERYONE
    assert matrix("index.view_result_set", results["set"]) == EVERYONE


@pytest.mark.parametrize(
    "permission", ["index.manage_results", "index.import_values", "index.import_framework"]
)
def test_results_imports_and_frameworks_are_managed_by_the_secretariat(results, matrix, permission):
    assert matrix(permission) == {"staff"}
    assert matrix(permission, results["set"]) == {"staff"}
