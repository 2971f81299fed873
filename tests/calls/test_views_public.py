"""The public pages of calls: the list, one call with its eligibility and timeline, the results."""

import datetime
import html
import re
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activator.calls import services
from activator.calls.enums import CallKind, DatePrecision, Outcome, PhaseKind
from activator.calls.models import Call, Phase
from tests.calls.conftest import answer_all

pytestmark = pytest.mark.django_db

LIST = reverse("calls:list")


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces collapsed."""
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(content))


def detail(call) -> str:
    return reverse("calls:detail", args=[call.slug])


def long_date(day: datetime.date) -> str:
    """A date as the pages write it ("5 March 2027")."""
    return f"{day.day} {day:%B} {day.year}"


@pytest.fixture
def draft_call(staff):
    now = timezone.now()
    return services.call_create(
        actor=staff,
        kind=CallKind.PRIZE,
        title="Seoul Smart City Prize",
        year=now.year,
        organiser="Seoul Metropolitan Government",
        opens_at=now - datetime.timedelta(days=1),
        deadline=now + datetime.timedelta(days=30),
        categories=["Mayor"],
    )


@pytest.fixture
def closed_call(make_call):
    now = timezone.now()
    return make_call(
        title="Feasibility Study",
        kind=CallKind.FEASIBILITY_STUDY,
        opens_at=now - datetime.timedelta(days=60),
        deadline=now - datetime.timedelta(days=5),
        categories=[],
    )


@pytest.fixture
def upcoming_call(make_call):
    now = timezone.now()
    return make_call(
        title="Youth Programme",
        kind=CallKind.YOUTH_PROGRAMME,
        opens_at=now + datetime.timedelta(days=10),
        deadline=now + datetime.timedelta(days=40),
        applicant_types=["individual"],
        members_only=False,
        max_age=30,
        categories=[],
    )


def submitted(call, person, organisation, *, category, title):
    application = services.application_start(
        actor=person, call=call, organisation=organisation, title=title, category=category
    )
    services.application_save(actor=person, application=application, answers=answer_all(call))
    return services.application_submit(actor=person, application=application)


# The list


def test_list_shows_each_open_call_with_its_details_and_days_left(client, award):
    page = client.get(LIST)
    assert page.status_code == 200
    text = text_of(page)
    assert "Smart Sustainable City Awards" in text
    assert "Award" in text and "Secretariat" in text
    assert "Mobility" in text and "Safe City" in text
    deadline = award.local(award.deadline)
    assert f"{long_date(deadline.date())}, {deadline:%H:%M} (Asia/Seoul)" in text
    assert "closes in 20 days" in text
    assert award.get_absolute_url() in page.content.decode()


def test_list_shows_the_deadline_on_the_call_s_own_clock(client, make_call):
    new_york = zoneinfo.ZoneInfo("America/New_York")
    day = (timezone.now().astimezone(new_york) + datetime.timedelta(days=30)).date()
    deadline = datetime.datetime.combine(day, datetime.time(23, 59), tzinfo=new_york)
    make_call(title="Startup Challenge", time_zone="America/New_York", deadline=deadline)
    text = text_of(client.get(LIST))
    assert f"{long_date(day)}, 23:59 (America/New_York)" in text
    seoul = deadline.astimezone(zoneinfo.ZoneInfo("Asia/Seoul"))
    assert f"{long_date(seoul.date())}, {seoul:%H:%M}" not in text


def test_list_groups_calls_by_stage_open_first(client, award, closed_call, upcoming_call):
    text = text_of(client.get(LIST))
    assert text.index("Open now") < text.index("Upcoming") < text.index("Closed")
    assert text.index("Smart Sustainable City Awards") < text.index("Youth Programme")
    assert text.index("Youth Programme") < text.index("Feasibility Study")
    assert "3 calls" in text


def test_list_filters_by_stage_kind_and_year(client, award, closed_call, upcoming_call):
    closed = text_of(client.get(LIST, {"stage": "closed"}))
    assert "Feasibility Study" in closed
    assert "Smart Sustainable City Awards" not in closed and "Youth Programme" not in closed
    youth = text_of(client.get(LIST, {"kind": CallKind.YOUTH_PROGRAMME}))
    assert "Youth Programme" in youth and "Feasibility Study" not in youth
    other_year = text_of(client.get(LIST, {"year": award.year}))
    assert "3 calls" in other_year


def test_list_with_a_bad_filter_says_so_and_lists_nothing(client, award):
    text = text_of(client.get(LIST, {"year": "1900"}))
    assert "Some filters are not valid." in text
    assert "Smart Sustainable City Awards" not in text


def test_list_empty_states(client, award):
    text = text_of(client.get(LIST, {"stage": "results"}))
    assert "No call matches these filters." in text
    Call.objects.all().delete()
    assert "There are no calls to show yet." in text_of(client.get(LIST))


def test_drafts_are_listed_only_for_staff_who_may_add_calls(
    client, award, draft_call, staff, representative
):
    assert "Seoul Smart City Prize" not in text_of(client.get(LIST))
    client.force_login(representative)
    page = client.get(LIST)
    assert "Seoul Smart City Prize" not in text_of(page)
    assert reverse("calls:create") not in page.content.decode()
    client.force_login(staff)
    page = client.get(LIST)
    assert "Seoul Smart City Prize" in text_of(page)
    assert reverse("calls:create") in page.content.decode()
    assert "New call" in text_of(page)


def test_list_query_count_does_not_grow_with_the_calls(
    client, make_call, django_assert_max_num_queries
):
    make_call(title="First call")
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).status_code == 200
    for i in range(8):
        make_call(title=f"Call number {i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(LIST)
    assert "9 calls" in text_of(page)


def test_list_paginates(client, make_call):
    for i in range(14):
        make_call(
            title=f"Call number {i:02d}", kind=CallKind.TRAINING, categories=[], questions=False
        )
    first = text_of(client.get(LIST))
    second = text_of(client.get(LIST, {"page": 2}))
    assert "14 calls" in first
    assert first.count("Call number") == 12 and second.count("Call number") == 2


# One call


def test_detail_shows_the_call_in_plain_words(client, award, staff):
    services.call_update(
        actor=staff,
        call=award,
        description="Awards for cities that serve their citizens.",
        benefits="A trophy and a week-long study visit.",
        max_age=None,
    )
    page = client.get(detail(award))
    text = text_of(page)
    assert "Awards for cities that serve their citizens." in text
    assert "A trophy and a week-long study visit." in text
    assert "Mobility" in text and "Safe City" in text
    assert "Gold" in text and "Silver" in text and "Special Mention" in text
    assert "Organisations may apply: local government." in text
    assert "Organisations must be network members" in text
    assert "One application per applicant and category." in text
    assert "Log in to apply" in text


def test_detail_draws_the_timeline_with_months_and_the_deadline_hour(client, award, staff):
    year = award.local(award.deadline).year + 1
    services.part_save(
        actor=staff,
        call=award,
        item=Phase(
            kind=PhaseKind.REVIEW,
            name="Jury review",
            starts_on=datetime.date(year, 3, 1),
            ends_on=datetime.date(year, 5, 31),
            precision=DatePrecision.MONTH,
        ),
    )
    services.part_save(
        actor=staff,
        call=award,
        item=Phase(
            kind=PhaseKind.CEREMONY,
            name="Award ceremony",
            starts_on=datetime.date(year, 9, 1),
            precision=DatePrecision.MONTH,
        ),
    )
    page = client.get(detail(award))
    text = text_of(page)
    content = page.content.decode()
    assert f"March {year} – May {year} Jury review" in text
    assert f"September {year} Award ceremony" in text
    deadline = award.local(award.deadline)
    assert f"Application deadline at {deadline:%H:%M} Asia/Seoul" in text
    assert 'class="call-step call-step-past"' in content  # the opening
    assert 'class="call-step call-step-future"' in content
    assert text.index("Applications open") < text.index("Jury review") < text.index("ceremony")


def test_detail_tells_a_representative_they_may_apply(client, award, representative):
    client.force_login(representative)
    page = client.get(detail(award))
    text = text_of(page)
    assert "Seoul : you may apply (categories: Mobility, Safe City)" in text
    assert reverse("calls:apply", args=[award.slug]) in page.content.decode()


def test_detail_lists_the_reasons_a_person_may_not_apply(
    client, make_call, asia, representative, other_representative
):
    call = make_call(title="Asia Awards", regions=[asia])
    client.force_login(other_representative)
    page = client.get(detail(call))
    text = text_of(page)
    assert "Abuja : you may not apply" in text
    assert "This call is open to applicants from Asia-Pacific." in text
    assert reverse("calls:apply", args=[call.slug]) not in page.content.decode()
    client.force_login(representative)
    assert "Seoul : you may apply" in text_of(client.get(detail(call)))


def test_detail_names_the_organisation_type_a_call_is_for(client, make_call, representative):
    call = make_call(title="Solutions Challenge", applicant_types=["corporation"])
    client.force_login(representative)
    text = text_of(client.get(detail(call)))
    assert "This call is open to: Corporation; Seoul is a local government." in text


def test_detail_tells_a_person_without_an_organisation_why_not(client, award, citizen):
    client.force_login(citizen)
    page = client.get(detail(award))
    assert "your account represents none" in text_of(page)
    assert reverse("calls:apply", args=[award.slug]) not in page.content.decode()


def test_detail_offers_individuals_the_call_with_its_conditions(client, make_call, citizen):
    call = make_call(
        title="Young Leaders",
        kind=CallKind.YOUTH_PROGRAMME,
        applicant_types=["individual"],
        members_only=False,
        max_age=30,
        categories=[],
    )
    client.force_login(citizen)
    text = text_of(client.get(detail(call)))
    deadline_day = call.local(call.deadline).date()
    assert "Yourself, as an individual : you may apply" in text
    assert f"You must be under 30 on {deadline_day.isoformat()}." in text
    assert "Individuals must be under 30 on the deadline." in text


def test_detail_refuses_once_every_category_has_an_application(client, award, representative, city):
    for category in award.categories.all():
        services.application_start(
            actor=representative, call=award, organisation=city, title="Ours", category=category
        )
    client.force_login(representative)
    text = text_of(client.get(detail(award)))
    assert "Seoul : you may not apply" in text
    assert "There is already an application from this applicant in this category." in text
    assert "Your applications" in text and "Ours" in text


def test_detail_of_a_draft_is_404_except_to_its_managers(client, draft_call, representative, staff):
    assert client.get(detail(draft_call)).status_code == 404
    client.force_login(representative)
    assert client.get(detail(draft_call)).status_code == 404
    client.force_login(staff)
    page = client.get(detail(draft_call))
    assert page.status_code == 200
    content = page.content.decode()
    for name in ("manage", "edit", "setup"):
        assert reverse(f"calls:{name}", args=[draft_call.slug]) in content


def test_detail_hides_staff_links_from_applicants(client, award, representative):
    client.force_login(representative)
    content = client.get(detail(award)).content.decode()
    assert reverse("calls:manage", args=[award.slug]) not in content
    assert reverse("calls:setup", args=[award.slug]) not in content


def test_closed_and_upcoming_calls_take_no_application(
    client, closed_call, upcoming_call, representative
):
    client.force_login(representative)
    closed = client.get(detail(closed_call))
    assert "This call no longer takes applications." in text_of(closed)
    assert reverse("calls:apply", args=[closed_call.slug]) not in closed.content.decode()
    upcoming = text_of(client.get(detail(upcoming_call)))
    opens = upcoming_call.local(upcoming_call.opens_at)
    assert (
        f"Applications open on {long_date(opens.date())}, {opens:%H:%M} (Asia/Seoul)." in upcoming
    )


# Results


@pytest.fixture
def decided(award, representative, city, other_representative, other_city, staff):
    mobility, safe_city = award.categories.all()
    winner = submitted(award, representative, city, category=mobility, title="Smart bus stops")
    loser = submitted(
        award, other_representative, other_city, category=safe_city, title="Street cameras"
    )
    services.decide(
        actor=staff, applications=[winner], outcome=Outcome.WINNER, level=award.levels.first()
    )
    services.decide(actor=staff, applications=[loser], outcome=Outcome.REJECTED)
    return winner, loser


def test_results_are_404_until_published_except_to_managers(
    client, award, decided, representative, staff
):
    url = reverse("calls:results", args=[award.slug])
    assert client.get(url).status_code == 404
    client.force_login(representative)
    assert client.get(url).status_code == 404
    client.force_login(staff)
    page = client.get(url)
    assert page.status_code == 200
    assert "These results are not public yet" in text_of(page)


def test_published_results_list_winners_with_their_level(client, award, decided, staff):
    services.results_publish(actor=staff, call=award)
    page = client.get(reverse("calls:results", args=[award.slug]))
    assert page.status_code == 200
    text = text_of(page)
    assert "Mobility Gold Seoul Smart bus stops" in text
    assert "Street cameras" not in text and "Abuja" not in text
    assert "These results are not public yet" not in text
    detail_page = client.get(detail(award)).content.decode()
    assert reverse("calls:results", args=[award.slug]) in detail_page


def test_results_of_a_call_without_categories_list_the_selected(
    client, closed_call, staff, representative, city
):
    services.call_update(
        actor=staff, call=closed_call, deadline=timezone.now() + datetime.timedelta(days=1)
    )
    application = submitted(closed_call, representative, city, category=None, title="Metro study")
    services.decide(actor=staff, applications=[application], outcome=Outcome.SELECTED)
    services.results_publish(actor=staff, call=closed_call)
    text = text_of(client.get(reverse("calls:results", args=[closed_call.slug])))
    assert "Selected Seoul Metro study" in text


def test_an_upcoming_call_tells_who_may_apply_before_it_opens(client, upcoming_call, citizen):
    client.force_login(citizen)
    page = client.get(detail(upcoming_call))
    assert "Yourself, as an individual : you may apply" in text_of(page)
    assert reverse("calls:apply", args=[upcoming_call.slug]) not in page.content.decode()


def test_the_timeline_marks_today_between_the_opening_and_the_deadline(client, award):
    page = client.get(detail(award))
    today = award.local(timezone.now()).date()
    text = text_of(page)
    assert f"{long_date(today)} Today" in text
    assert (
        text.index("Applications open") < text.index("Today") < text.index("Application deadline")
    )
    assert 'aria-current="date"' in page.content.decode()
