"""Who may apply: each rule refuses with its own reason, and an eligible applicant hears none."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activator.calls import services
from activator.calls.eligibility import eligibility_problems
from activator.calls.enums import ApplicationStatus
from activator.calls.models import Application
from activator.core.models import AuditEntry
from tests.calls.helpers import member
from tests.factories import AffiliationFactory, OrganisationFactory


def problems(call, user, organisation, **kwargs) -> list[str]:
    return eligibility_problems(call, user=user, organisation=organisation, **kwargs)


def test_a_representative_of_a_current_member_city_is_eligible(award, representative, city):
    assert problems(award, representative, city, category=award.categories.first()) == []


def test_an_organisation_type_the_call_does_not_take(make_call, representative, city):
    call = make_call(applicant_types=["corporation"])
    assert problems(call, representative, city, category=call.categories.first()) == [
        "This call is open to: Corporation; Seoul is a local government."
    ]


def test_a_company_may_apply_where_companies_are_taken(make_call, asia):
    call = make_call(applicant_types=["corporation"])
    company, person = member("Hanbit Systems", region=asia, type="corporation")
    assert problems(call, person, company, category=call.categories.first()) == []


def test_an_individual_where_only_organisations_may_apply(award, representative):
    assert problems(award, representative, None, category=award.categories.first()) == [
        "This call takes applications from organisations only."
    ]


def test_an_organisation_where_only_individuals_may_apply(make_call, representative, city):
    call = make_call(applicant_types=["individual"], members_only=False)
    assert problems(call, representative, city, category=call.categories.first()) == [
        "This call is open to: Individual; Seoul is a local government."
    ]


def test_a_contact_of_the_city_may_not_apply_for_it(award, contact, representative, city):
    category = award.categories.first()
    assert problems(award, contact, city, category=category) == [
        "Only a representative of Seoul may apply for it."
    ]
    assert problems(award, representative, city, category=category) == []


def test_members_only_refuses_an_organisation_without_membership(award, asia):
    outsider = OrganisationFactory(name="Outsider Town", region=asia)
    person = AffiliationFactory(
        organisation=outsider, role="representative", user__password=None
    ).user
    assert problems(award, person, outsider, category=award.categories.first()) == [
        "This call is for network members; Outsider Town is not a member."
    ]


def test_a_call_open_to_non_members_takes_an_organisation_without_membership(make_call, asia):
    call = make_call(members_only=False)
    outsider = OrganisationFactory(name="Outsider Town", region=asia)
    person = AffiliationFactory(
        organisation=outsider, role="representative", user__password=None
    ).user
    assert problems(call, person, outsider, category=call.categories.first()) == []


def test_an_expired_membership_is_refused_and_one_in_its_grace_period_is_not(award, asia):
    today = timezone.localdate()
    category = award.categories.first()
    lapsed, lapsed_person = member(
        "Lapsed City",
        region=asia,
        joined_on=today - datetime.timedelta(days=2000),
        paid_through=today - datetime.timedelta(days=400),  # grace ends after 90 days
    )
    late_payer, late_person = member(
        "Late Payer City",
        region=asia,
        joined_on=today - datetime.timedelta(days=2000),
        paid_through=today - datetime.timedelta(days=30),
    )
    found = problems(award, lapsed_person, lapsed, category=category)
    assert len(found) == 1
    assert found[0].startswith("Your membership is expired; this call needs a ")
    assert "current" in found[0]
    assert problems(award, late_person, late_payer, category=category) == []


def test_a_call_naming_membership_statuses_takes_only_those(make_call, asia):
    call = make_call(membership_statuses=["current"])
    today = timezone.localdate()
    late_payer, late_person = member(
        "Late Payer City",
        region=asia,
        joined_on=today - datetime.timedelta(days=2000),
        paid_through=today - datetime.timedelta(days=30),
    )
    assert problems(call, late_person, late_payer, category=call.categories.first()) == [
        "Your membership is in grace period; this call needs a current membership."
    ]


def test_a_region_restriction(make_call, africa, representative, city, other_representative):
    call = make_call(regions=[africa])
    category = call.categories.first()
    assert problems(call, representative, city, category=category) == [
        "This call is open to applicants from Africa."
    ]
    abuja = other_representative.affiliations.get().organisation
    assert problems(call, other_representative, abuja, category=category) == []


def test_a_region_restriction_places_individuals_by_their_country(make_call, africa, citizen):
    call = make_call(applicant_types=["individual"], members_only=False, regions=[africa])
    category = call.categories.first()
    assert problems(call, citizen, None, category=category, country="NG") == []
    assert problems(call, citizen, None, category=category, country="KR") == [
        "This call is open to applicants from Africa."
    ]
    assert problems(call, citizen, None, category=category) == [
        "This call is open to applicants from Africa."
    ]


@pytest.fixture
def youth_call(make_call):
    """Under 35 on the deadline, 00:30 on 1 June 2020 in Seoul (still 31 May in UTC)."""
    deadline = datetime.datetime(2020, 6, 1, 0, 30, tzinfo=zoneinfo.ZoneInfo("Asia/Seoul"))
    return make_call(
        title="Youth Smart City Prize",
        year=2020,
        applicant_types=["individual"],
        members_only=False,
        max_age=35,
        opens_at=datetime.datetime(2020, 3, 1, tzinfo=datetime.UTC),
        deadline=deadline,
    )


def test_the_age_limit_counts_on_the_deadline_day_in_the_calls_zone(youth_call, citizen):
    category = youth_call.categories.first()
    # 35 on 1 June 2020 (the deadline day in Seoul): too old. In UTC it would still be
    # 31 May, when this applicant is 34, so a day taken from the wrong clock lets them in.
    assert problems(
        youth_call, citizen, None, category=category, birth_date=datetime.date(1985, 6, 1)
    ) == ["Applicants must be under 35 on the deadline (2020-06-01)."]
    # Born one day later: 34 on the deadline day.
    assert (
        problems(youth_call, citizen, None, category=category, birth_date=datetime.date(1985, 6, 2))
        == []
    )
    assert problems(youth_call, citizen, None, category=category) == [
        "Give your date of birth: this call has an age limit."
    ]


def test_the_age_limit_applies_when_starting_and_stores_nothing_when_refused(youth_call, citizen):
    category = youth_call.categories.first()
    now = datetime.datetime(2020, 4, 1, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as caught:
        services.application_start(
            actor=citizen,
            call=youth_call,
            organisation=None,
            title="Too old by a day",
            category=category,
            birth_date=datetime.date(1985, 6, 1),
            now=now,
        )
    assert caught.value.messages == ["Applicants must be under 35 on the deadline (2020-06-01)."]
    assert not Application.objects.exists()
    application = services.application_start(
        actor=citizen,
        call=youth_call,
        organisation=None,
        title="Just young enough",
        category=category,
        birth_date=datetime.date(1985, 6, 2),
        now=now,
    )
    assert application.birth_date == datetime.date(1985, 6, 2)
    assert application.organisation is None


def test_a_category_is_required_when_the_call_has_categories(award, representative, city):
    assert problems(award, representative, city) == ["Choose a category."]


def test_a_call_without_categories_needs_none(make_call, representative, city):
    call = make_call(kind="training", categories=[])
    assert problems(call, representative, city) == []


def test_a_category_of_another_call_is_refused(make_call, award, representative, city):
    other = make_call(title="Another Award")
    assert problems(award, representative, city, category=other.categories.first()) == [
        "This category belongs to another call."
    ]


def test_one_application_per_applicant_and_category(award, representative, city):
    mobility, safe_city = award.categories.all()

    def start(category, title):
        return services.application_start(
            actor=representative, call=award, organisation=city, title=title, category=category
        )

    first = start(mobility, "Smart bus stops")
    assert problems(award, representative, city, category=mobility) == [
        "There is already an application from this applicant in this category."
    ]
    with pytest.raises(ValidationError) as caught:
        start(mobility, "Second try")
    assert caught.value.messages == [
        "There is already an application from this applicant in this category."
    ]
    assert list(award.applications.values_list("title", flat=True)) == ["Smart bus stops"]

    # Another category is fine.
    start(safe_city, "Safer crossings")
    # After withdrawing, the city may apply again in that category.
    services.application_withdraw(actor=representative, application=first)
    again = start(mobility, "Smart bus stops, revised")
    assert again.status == ApplicationStatus.DRAFT
    assert award.applications.filter(category=mobility).count() == 2


def test_one_per_category_counts_individuals_each_on_their_own(make_call, citizen, reviewer):
    call = make_call(applicant_types=["individual"], members_only=False)
    category = call.categories.first()
    services.application_start(
        actor=citizen, call=call, organisation=None, title="Mine", category=category
    )
    assert problems(call, citizen, None, category=category) == [
        "There is already an application from this applicant in this category."
    ]
    assert problems(call, reviewer, None, category=category) == []


def test_an_ineligible_start_stores_nothing(award, contact, city):
    entries_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.application_start(
            actor=contact,
            call=award,
            organisation=city,
            title="Not mine to send",
            category=award.categories.first(),
        )
    assert caught.value.messages == ["Only a representative of Seoul may apply for it."]
    assert not Application.objects.exists()
    assert AuditEntry.objects.count() == entries_before


def test_every_reason_is_given_at_once(make_call, africa, contact, city):
    call = make_call(applicant_types=["corporation"], regions=[africa])
    found = problems(call, contact, city)
    assert found == [
        "Only a representative of Seoul may apply for it.",
        "This call is open to: Corporation; Seoul is a local government.",
        "This call is open to applicants from Africa.",
        "Choose a category.",
    ]
