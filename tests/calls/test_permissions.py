"""Who may do what with calls, applications and reviews: every role against every action.

The call is run by the East Asia office, where `regional_officer` works; `africa_officer`
works in another office. The application is Seoul's, sent by its `representative`; `contact`
is a person of Seoul who does not represent it, `other_representative` acts for Abuja.
"""

import pytest
from django.contrib.auth.models import AnonymousUser

from activator.accounts.enums import AffiliationRole, PlatformRole
from activator.calls import services, services_review
from tests.calls.helpers import jurors, submitted
from tests.factories import AffiliationFactory, RegionalOfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

PERSONAS = [
    None,
    "citizen",
    "reviewer",
    "contact",
    "representative",
    "other_representative",
    "regional_officer",
    "africa_officer",
    "staff",
]
MANAGERS = {"regional_officer", "staff"}


@pytest.fixture
def africa_officer(africa):
    office = RegionalOfficeFactory(name="Africa Regional Office", regions=[africa])
    return UserFactory(
        email="africa-officer@example.org",
        platform_role=PlatformRole.REGIONAL_STAFF,
        regional_office=office,
    )


@pytest.fixture
def cast(request, city, representative, contact, other_representative, reviewer):
    """Everybody exists in every test, so each sees the same world; returns the persona."""

    def resolve(persona):
        return AnonymousUser() if persona is None else request.getfixturevalue(persona)

    return resolve


@pytest.fixture
def matrix(cast):
    """{persona: whether they may} for one permission on one object, for every persona."""

    def check(permission, obj=None) -> dict:
        return {persona: cast(persona).has_perm(permission, obj) for persona in PERSONAS}

    return check


def only(*allowed) -> dict:
    return {persona: persona in allowed for persona in PERSONAS}


@pytest.fixture
def east_asia_call(make_call, regional_officer):
    return make_call(office=regional_officer.regional_office)


@pytest.fixture
def draft_call(staff, regional_officer, east_asia_call):
    """A call of the same office, not yet published."""
    return services.call_create(
        actor=staff,
        kind="award",
        title="Next Awards",
        year=east_asia_call.year + 1,
        organiser="Secretariat",
        office=regional_officer.regional_office,
        opens_at=east_asia_call.opens_at,
        deadline=east_asia_call.deadline,
    )


@pytest.fixture
def seoul_application(east_asia_call, representative, city):
    return submitted(
        east_asia_call, representative, city, category=east_asia_call.categories.first()
    )


def test_manage_call(matrix, east_asia_call):
    assert matrix("calls.manage_call", east_asia_call) == only(*MANAGERS)
    review_round = services_review.round_save(actor=None, call=east_asia_call)
    assert matrix("calls.manage_round", review_round) == only(*MANAGERS)


def test_only_the_secretariat_manages_a_call_of_no_office(matrix, make_call):
    call = make_call(title="Secretariat Prize")
    assert matrix("calls.manage_call", call) == only("staff")


def test_a_published_call_is_seen_by_everyone_a_draft_by_its_managers(
    matrix, east_asia_call, draft_call
):
    assert matrix("calls.view_call", east_asia_call) == only(*PERSONAS)
    assert matrix("calls.view_call", draft_call) == only(*MANAGERS)


def test_results_are_seen_by_managers_until_published(
    matrix, staff, east_asia_call, seoul_application
):
    assert matrix("calls.view_results", east_asia_call) == only(*MANAGERS)
    services.decide(actor=staff, applications=[seoul_application], outcome="winner")
    services.results_publish(actor=staff, call=east_asia_call)
    east_asia_call.refresh_from_db()
    assert matrix("calls.view_results", east_asia_call) == only(*PERSONAS)


def test_view_application(matrix, seoul_application):
    # The applicant, anyone of the organisation, and the call's managers.
    assert matrix("calls.view_application", seoul_application) == only(
        "representative", "contact", *MANAGERS
    )


def test_change_application(matrix, seoul_application):
    # The applicant, or a representative of the organisation; never staff, who decide it.
    assert matrix("calls.change_application", seoul_application) == only("representative")


def test_a_second_representative_of_the_city_may_take_over_the_file(seoul_application, city):
    colleague = AffiliationFactory(
        organisation=city, role=AffiliationRole.REPRESENTATIVE, user__password=None
    ).user
    assert colleague.has_perm("calls.change_application", seoul_application)
    assert colleague.has_perm("calls.view_application", seoul_application)


def test_only_the_assigned_reviewer_reviews(
    matrix, staff, make_round, east_asia_call, seoul_application, reviewer
):
    (other_juror,) = jurors(1)
    review_round = make_round(east_asia_call, reviewers=[reviewer, other_juror])
    services_review.round_start(actor=staff, review_round=review_round)
    review = services_review.assign(
        actor=staff, review_round=review_round, application=seoul_application, reviewer=reviewer
    )
    assert matrix("calls.review", review) == only("reviewer")
    assert not other_juror.has_perm("calls.review", review)
    # Anyone in the pool may bid in the round; nobody else.
    assert matrix("calls.bid", review_round) == only("reviewer")
    assert other_juror.has_perm("calls.bid", review_round)


def test_add_call(matrix):
    assert matrix("calls.add_call") == only("regional_officer", "africa_officer", "staff")
