"""The staff pages that set up and run a call, and what everyone else may not do on them."""

import csv
import datetime
import io
import zoneinfo

import openpyxl
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from activator.accounts.enums import AffiliationRole
from activator.calls import services, services_review
from activator.calls.enums import (
    ApplicationStatus,
    CallKind,
    CallStatus,
    Outcome,
    QuestionKind,
    ReviewStatus,
)
from activator.calls.models import (
    Application,
    Call,
    Category,
    Phase,
    Question,
    Review,
    RoundEntry,
)
from activator.core.models import AuditEntry
from tests.calls.conftest import answer_all
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    RegionalOfficeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


# --- Building blocks ------------------------------------------------------------------------


def apply(call, person, organisation, *, title, category=None, answers=None):
    """A submitted application, made through the services as the applicant would."""
    application = services.application_start(
        actor=person,
        call=call,
        organisation=organisation,
        title=title,
        category=category or call.categories.first(),
    )
    services.application_save(
        actor=person, application=application, answers=answers or answer_all(call)
    )
    return services.application_submit(actor=person, application=application)


def member_city(name, *, region, country="KR"):
    organisation = MembershipFactory(
        organisation__name=name, organisation__country=country, organisation__region=region
    ).organisation
    person = AffiliationFactory(
        organisation=organisation,
        role=AffiliationRole.REPRESENTATIVE,
        user__email=f"{name.lower()}@example.org",
    ).user
    return organisation, person


def call_data(**changes):
    """What staff type into the new-call form for the 2020 awards."""
    data = {
        "kind": CallKind.AWARD,
        "title": "Smart Sustainable City Awards 2020",
        "year": "2020",
        "summary": "Awards for cities that put technology to work for their citizens.",
        "description": "",
        "benefits": "",
        "organiser": "Secretariat",
        "office": "",
        "contact_email": "awards@example.org",
        "time_zone": "Asia/Seoul",
        "opens_at_0": "2020-03-02",
        "opens_at_1": "09:00",
        "deadline_0": "2020-05-29",
        "deadline_1": "23:59",
        "applicant_types": ["local_government"],
        "members_only": "on",
        "max_age": "",
        "one_per_category": "on",
        "categories": "Mobility\nSafe City\n\n  Open Data  ",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def edit_data(call, **changes):
    local_open, local_deadline = call.local(call.opens_at), call.local(call.deadline)
    data = {
        "kind": call.kind,
        "title": call.title,
        "year": str(call.year),
        "summary": call.summary,
        "description": call.description,
        "benefits": call.benefits,
        "organiser": call.organiser,
        "office": str(call.office_id or ""),
        "contact_email": call.contact_email,
        "time_zone": call.time_zone,
        "opens_at_0": f"{local_open:%Y-%m-%d}",
        "opens_at_1": f"{local_open:%H:%M}",
        "deadline_0": f"{local_deadline:%Y-%m-%d}",
        "deadline_1": f"{local_deadline:%H:%M}",
        "applicant_types": list(call.applicant_types),
        "membership_statuses": list(call.membership_statuses),
        "regions": [str(r.pk) for r in call.regions.all()],
        "max_age": str(call.max_age or ""),
    }
    for name in ("members_only", "one_per_category", "exclude_same_country", "anonymous_review"):
        if getattr(call, name):
            data[name] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def url(name, call, *args):
    return reverse(f"calls:{name}", args=[call.slug, *args])


def texts(response) -> str:
    return response.content.decode()


def flash(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def seoul_application(award, representative, city):
    return apply(award, representative, city, title="Smart bus stops")


@pytest.fixture
def abuja_application(award, other_representative, other_city):
    return apply(award, other_representative, other_city, title="Open data portal")


@pytest.fixture
def office_call(make_call, regional_officer):
    """An open call run by the officer's own regional office."""
    return make_call(title="East Asia Youth Challenge", office=regional_officer.regional_office)


# --- Creating and editing the call ----------------------------------------------------------


def test_staff_create_a_call_with_its_dates_typed_on_the_call_clock(staff_client, staff, asia):
    response = staff_client.post(reverse("calls:create"), call_data(regions=[str(asia.pk)]))

    call = Call.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("setup", call)
    # 2020-05-29 23:59 in Seoul (UTC+9) is 14:59 UTC; 09:00 in Seoul is midnight UTC.
    assert call.deadline == datetime.datetime(2020, 5, 29, 14, 59, tzinfo=UTC)
    assert call.opens_at == datetime.datetime(2020, 3, 2, 0, 0, tzinfo=UTC)
    assert call.status == CallStatus.DRAFT
    assert call.slug == "smart-sustainable-city-awards-2020"
    assert call.applicant_types == ["local_government"]
    assert call.members_only is True
    assert call.anonymous_review is False
    assert list(call.regions.all()) == [asia]
    assert list(call.categories.values_list("name", flat=True)) == [
        "Mobility",
        "Safe City",
        "Open Data",
    ]
    assert call.created_by == staff
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["call.created"]


def test_the_edit_page_shows_the_dates_back_on_the_call_clock(staff_client):
    staff_client.post(reverse("calls:create"), call_data())
    call = Call.objects.get()

    page = texts(staff_client.get(url("edit", call)))

    assert 'name="deadline_0" value="2020-05-29"' in page
    assert 'name="deadline_1" value="23:59"' in page
    assert 'name="opens_at_0" value="2020-03-02"' in page
    assert 'name="opens_at_1" value="09:00"' in page
    assert '<option value="Asia/Seoul" selected>Asia/Seoul</option>' in page


def test_changing_the_time_zone_reads_the_dates_on_the_new_clock(staff_client):
    staff_client.post(reverse("calls:create"), call_data())
    call = Call.objects.get()

    response = staff_client.post(url("edit", call), edit_data(call, time_zone="Europe/Madrid"))

    assert response.status_code == 302
    assert response["Location"] == url("manage", call)
    call.refresh_from_db()
    # 23:59 in Madrid in May (UTC+2) is 21:59 UTC.
    assert call.deadline == datetime.datetime(2020, 5, 29, 21, 59, tzinfo=UTC)
    assert call.time_zone == "Europe/Madrid"
    entry = AuditEntry.objects.filter(action="call.updated").get()
    assert entry.changes["time_zone"] == ["Asia/Seoul", "Europe/Madrid"]


def test_editing_changes_eligibility_and_keeps_what_was_not_touched(staff_client, award, asia):
    response = staff_client.post(
        url("edit", award),
        edit_data(
            award,
            title="Smart Sustainable City Awards (renamed)",
            applicant_types=["local_government", "individual"],
            membership_statuses=["current", "grace"],
            regions=[str(asia.pk)],
            max_age="35",
            anonymous_review="on",
        ),
    )

    assert response.status_code == 302
    saved = Call.objects.get(pk=award.pk)
    assert saved.title == "Smart Sustainable City Awards (renamed)"
    assert saved.slug == award.slug
    assert saved.applicant_types == ["local_government", "individual"]
    assert saved.membership_statuses == ["current", "grace"]
    assert list(saved.regions.all()) == [asia]
    assert saved.max_age == 35
    assert saved.anonymous_review is True
    assert saved.deadline == award.deadline.replace(second=0, microsecond=0)
    assert saved.status == CallStatus.OPEN


def test_a_deadline_before_the_opening_is_refused_and_nothing_is_saved(staff_client):
    response = staff_client.post(
        reverse("calls:create"), call_data(deadline_0="2020-03-01", deadline_1="12:00")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["deadline"] == [
        "The deadline must come after the opening."
    ]
    assert "The deadline must come after the opening." in texts(response)
    assert not Call.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_time_the_clocks_skip_is_refused(staff_client):
    # New York moved its clocks from 02:00 to 03:00 on 14 March 2021: 02:30 never happened.
    response = staff_client.post(
        reverse("calls:create"),
        call_data(
            time_zone="America/New_York",
            opens_at_0="2021-03-14",
            opens_at_1="02:30",
            deadline_0="2021-05-29",
        ),
    )

    assert response.status_code == 400
    assert "2021-03-14 02:30 does not exist in America/New_York" in str(
        response.context["form"].errors["opens_at"]
    )
    assert not Call.objects.exists()


def test_a_category_listed_twice_is_refused(staff_client):
    response = staff_client.post(
        reverse("calls:create"), call_data(categories="Mobility\nMobility")
    )

    assert response.status_code == 400
    assert response.context["form"].errors["categories"] == [
        "Mobility is listed twice; each category once."
    ]
    assert not Call.objects.exists()


def test_an_unknown_time_zone_is_refused(staff_client):
    response = staff_client.post(reverse("calls:create"), call_data(time_zone="Mars/Olympus"))

    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
    assert not Call.objects.exists()


# --- Who may use the staff pages --------------------------------------------------------------


def _staff_requests(call, application):
    category = call.categories.first()
    return [
        ("get", reverse("calls:create")),
        ("post", reverse("calls:create")),
        ("get", url("edit", call)),
        ("post", url("edit", call)),
        ("get", url("copy", call)),
        ("post", url("copy", call)),
        ("get", url("open", call)),
        ("post", url("open", call)),
        ("post", url("close", call)),
        ("get", url("manage", call)),
        ("get", url("setup", call)),
        ("get", url("part_add", call, "category")),
        ("post", url("part_add", call, "category")),
        ("post", url("part_edit", call, "category", category.pk)),
        ("post", url("part_remove", call, "category", category.pk)),
        ("get", url("decisions", call)),
        ("post", url("decisions", call)),
        ("post", url("results_publish", call)),
        ("post", url("results_unpublish", call)),
        ("get", url("export", call, "csv")),
        ("get", url("export", call, "xlsx")),
        ("post", url("consultant_call", call, application.pk)),
        ("get", url("history", call)),
    ]


def _state():
    return (
        list(Call.objects.values_list("pk", "title", "status", "results_published_at")),
        list(Category.objects.values_list("pk", "name")),
        list(Application.objects.values_list("pk", "status", "outcome")),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(
    "persona",
    ["representative", "other_representative", "reviewer", "citizen", None],
    indirect=True,
)
def test_everyone_but_staff_is_refused_on_every_staff_page(
    client, persona, award, abuja_application
):
    services.decide(actor=None, applications=[abuja_application], outcome=Outcome.WINNER)
    before = _state()
    if persona is not None:
        client.force_login(persona)
    category = award.categories.first()
    data = {
        "title": "Hijacked",
        "category-new-name": "Hijacked",
        f"category-{category.pk}-name": "Hijacked",
        "applications": [str(abuja_application.pk)],
        "outcome": Outcome.REJECTED,
    }

    for method, address in _staff_requests(award, abuja_application):
        response = getattr(client, method)(address, data if method == "post" else None)
        if persona is None:
            assert response.status_code == 302, address
            assert response["Location"].startswith(reverse("accounts:login")), address
        else:
            assert response.status_code == 403, (method, address)
            assert "You may not do this" in texts(response)

    assert _state() == before
    assert mail.outbox == []


def test_a_regional_officer_runs_the_calls_of_their_own_office(
    client, regional_officer, office_call, award
):
    client.force_login(regional_officer)

    assert client.get(url("manage", office_call)).status_code == 200
    assert client.get(url("setup", office_call)).status_code == 200
    response = client.post(url("close", office_call))
    assert response.status_code == 302
    office_call.refresh_from_db()
    assert office_call.status == CallStatus.CLOSED

    # The Secretariat's own call is published: they see it but may not run it.
    assert client.get(url("manage", award)).status_code == 403
    assert client.get(url("export", award, "csv")).status_code == 403
    assert client.get(url("history", award)).status_code == 403
    assert client.post(url("close", award)).status_code == 403
    award.refresh_from_db()
    assert award.status == CallStatus.OPEN


def test_a_regional_officer_never_sees_another_office_draft(client, regional_officer, staff):
    other_office = RegionalOfficeFactory(name="Africa Regional Office")
    now = timezone.now()
    draft = services.call_create(
        actor=staff,
        kind=CallKind.TRAINING,
        title="Training 2030",
        year=2030,
        organiser="Africa office",
        office=other_office,
        opens_at=now,
        deadline=now + datetime.timedelta(days=30),
    )
    client.force_login(regional_officer)

    assert client.get(url("manage", draft)).status_code == 404
    assert client.get(url("edit", draft)).status_code == 404


def test_a_regional_officer_creates_calls_only_for_their_office(client, regional_officer):
    client.force_login(regional_officer)
    own = regional_officer.regional_office
    other = RegionalOfficeFactory(name="Africa Regional Office")

    page = client.get(reverse("calls:create"))
    options = [str(choice[1]) for choice in page.context["form"].fields["office"].choices]
    assert options == [own.name]
    assert f'<option value="{own.pk}" selected>' in texts(page)

    refused = client.post(reverse("calls:create"), call_data(office=str(other.pk)))
    assert refused.status_code == 400
    assert "office" in refused.context["form"].errors
    assert not Call.objects.exists()

    created = client.post(reverse("calls:create"), call_data(office=str(own.pk)))
    assert created.status_code == 302
    assert Call.objects.get().office == own


# --- Copying, opening and closing -------------------------------------------------------------


def test_copy_to_next_year_keeps_the_set_up_and_moves_every_date(
    staff_client, award, make_round, seoul_application
):
    make_round(award)
    services.part_save(
        actor=None,
        call=award,
        item=Phase(name="Ceremony", kind="ceremony", starts_on=datetime.date(2026, 10, 1)),
    )
    # Asking does not copy.
    assert staff_client.get(url("copy", award)).status_code == 200
    assert Call.objects.count() == 1

    response = staff_client.post(url("copy", award), {"year": ""})

    copy = Call.objects.exclude(pk=award.pk).get()
    assert response.status_code == 302
    assert response["Location"] == url("edit", copy)
    assert copy.year == award.year + 1
    assert copy.status == CallStatus.DRAFT
    assert copy.copied_from == award
    assert copy.deadline == award.deadline.replace(year=award.deadline.year + 1)
    assert copy.opens_at == award.opens_at.replace(year=award.opens_at.year + 1)
    assert list(copy.categories.values_list("name", flat=True)) == ["Mobility", "Safe City"]
    assert list(copy.questions.values_list("label", "kind", "required")) == list(
        award.questions.values_list("label", "kind", "required")
    )
    assert list(copy.levels.values_list("name", flat=True)) == ["Gold", "Silver", "Special Mention"]
    assert list(copy.phases.values_list("name", "starts_on")) == [
        ("Ceremony", datetime.date(2027, 10, 1))
    ]
    copied_round = copy.rounds.get()
    assert list(copied_round.criteria.values_list("name", "weight")) == [
        ("Impact", 2),
        ("Innovation", 1),
    ]
    assert not copy.applications.exists()
    followed = staff_client.get(response["Location"])
    assert any("was created as a draft" in m for m in flash(followed))


def test_copy_to_a_chosen_year(staff_client, award):
    response = staff_client.post(url("copy", award), {"year": str(award.year + 3)})

    copy = Call.objects.exclude(pk=award.pk).get()
    assert response.status_code == 302
    assert copy.year == award.year + 3
    assert copy.deadline.year == award.deadline.year + 3


def test_the_copy_page_refuses_the_same_year(staff_client, award):
    response = staff_client.post(url("copy", award), {"year": str(award.year)})

    assert response.status_code == 400
    assert Call.objects.count() == 1


def test_open_and_close_ask_first_then_change_on_post(staff_client, staff, make_call):
    call = make_call()
    services.call_close(actor=staff, call=call)

    confirm = staff_client.get(url("open", call))
    assert confirm.status_code == 200
    assert "Open the call" in texts(confirm)
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED

    assert staff_client.post(url("open", call))["Location"] == url("manage", call)
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN

    staff_client.post(url("close", call))
    call.refresh_from_db()
    assert call.status == CallStatus.CLOSED
    actions = list(AuditEntry.objects.filter(action__startswith="call.").values_list("action"))
    assert ("call.opened",) in actions and ("call.closed",) in actions


def test_an_award_without_categories_is_not_opened(staff_client):
    staff_client.post(reverse("calls:create"), call_data(categories=""))
    call = Call.objects.get()

    response = staff_client.post(url("open", call), follow=True)

    call.refresh_from_db()
    assert call.status == CallStatus.DRAFT
    assert "An award needs at least one category before it opens." in flash(response)


def test_get_never_changes_anything(staff_client, award, seoul_application):
    before = _state()
    for address in (
        url("open", award),
        url("close", award),
        url("copy", award),
        url("manage", award),
        url("setup", award),
        url("decisions", award),
        url("history", award),
        url("export", award, "csv"),
        url("part_add", award, "category"),
        url("part_edit", award, "question", award.questions.first().pk),
    ):
        assert staff_client.get(address).status_code == 200
    assert _state() == before
    for address in (
        url("results_publish", award),
        url("consultant_call", award, seoul_application.pk),
        url("part_remove", award, "category", award.categories.first().pk),
    ):
        assert staff_client.get(address).status_code == 405
    assert _state() == before


# --- Setting up the parts -------------------------------------------------------------------


def test_add_change_and_remove_a_category(staff_client, award):
    added = staff_client.post(
        url("part_add", award, "category"),
        {
            "category-new-name": "Open Data",
            "category-new-description": "",
            "category-new-position": "5",
        },
    )
    assert added.status_code == 302
    assert added["Location"] == url("setup", award) + "#setup-category"
    category = award.categories.get(name="Open Data")
    assert category.position == 5

    prefix = f"category-{category.pk}"
    changed = staff_client.post(
        url("part_edit", award, "category", category.pk),
        {f"{prefix}-name": "Open Government Data", f"{prefix}-position": "2"},
    )
    assert changed.status_code == 302
    category.refresh_from_db()
    assert (category.name, category.position) == ("Open Government Data", 2)

    removed = staff_client.post(url("part_remove", award, "category", category.pk))
    assert removed.status_code == 302
    assert list(award.categories.values_list("name", flat=True)) == ["Mobility", "Safe City"]
    assert list(
        AuditEntry.objects.filter(action__startswith="call.category").values_list(
            "action", flat=True
        )
    ) == ["call.category_removed", "call.category_changed", "call.category_added"]


def test_a_category_name_is_used_once_per_call(staff_client, award):
    response = staff_client.post(
        url("part_add", award, "category"),
        {"category-new-name": "Mobility", "category-new-position": "3"},
    )

    assert response.status_code == 400
    assert "This call already has one by that name." in texts(response)
    assert award.categories.count() == 2


def test_a_category_in_use_is_not_removed(staff_client, award, seoul_application):
    category = seoul_application.category

    response = staff_client.post(url("part_remove", award, "category", category.pk), follow=True)

    assert award.categories.filter(pk=category.pk).exists()
    assert "Applications use this category; it cannot be removed." in flash(response)


def test_a_choice_question_keeps_one_choice_per_line(staff_client, award):
    response = staff_client.post(
        url("part_add", award, "question"),
        {
            "question-new-kind": QuestionKind.CHOICE,
            "question-new-label": "Stage of the project",
            "question-new-help_text": "As of the deadline.",
            "question-new-required": "on",
            "question-new-choices": "Pilot\n\n Implementation \nOperation",
            "question-new-position": "0",
        },
    )

    assert response.status_code == 302
    question = award.questions.get(label="Stage of the project")
    assert question.choices == ["Pilot", "Implementation", "Operation"]
    assert question.required is True

    preview = texts(staff_client.get(url("setup", award)))
    assert preview.index("1. Stage of the project") < preview.index("2. What did you build?")
    assert preview.index("2. What did you build?") < preview.index("3. Citizens served")
    assert "<option>Implementation</option>" in preview


def test_a_choice_question_with_one_choice_is_refused(staff_client, award):
    response = staff_client.post(
        url("part_add", award, "question"),
        {
            "question-new-kind": QuestionKind.CHOICE,
            "question-new-label": "Stage of the project",
            "question-new-choices": "Pilot",
            "question-new-position": "3",
        },
    )

    assert response.status_code == 400
    assert "A choice question needs at least two choices." in texts(response)
    assert award.questions.count() == 2


def test_a_phase_ending_before_it_starts_is_refused(staff_client, award):
    response = staff_client.post(
        url("part_add", award, "phase"),
        {
            "phase-new-kind": "review",
            "phase-new-name": "First evaluation",
            "phase-new-starts_on": "2026-07-01",
            "phase-new-ends_on": "2026-06-01",
            "phase-new-precision": "day",
        },
    )

    assert response.status_code == 400
    assert "The end comes before the start." in texts(response)
    assert not award.phases.exists()


def test_a_level_is_added_from_the_set_up_page(staff_client, award):
    response = staff_client.post(
        url("part_add", award, "level"),
        {"level-new-name": "Bronze", "level-new-benefits": "A plaque", "level-new-position": "3"},
    )

    assert response.status_code == 302
    assert list(award.levels.values_list("name", flat=True)) == [
        "Gold",
        "Silver",
        "Special Mention",
        "Bronze",
    ]


def test_an_unknown_part_is_not_found(staff_client, award):
    question = award.questions.first()
    assert staff_client.get(url("part_add", award, "criterion")).status_code == 404
    assert staff_client.post(url("part_edit", award, "rubric", question.pk)).status_code == 404
    assert staff_client.post(url("part_remove", award, "answer", question.pk)).status_code == 404
    # A part of another call is not found either.
    other = Call.objects.create(
        kind=CallKind.OTHER,
        title="Other",
        slug="other",
        year=2030,
        organiser="x",
        opens_at=timezone.now(),
        deadline=timezone.now() + datetime.timedelta(days=1),
    )
    assert staff_client.post(url("part_remove", other, "question", question.pk)).status_code == 404
    assert award.questions.filter(pk=question.pk).exists()


def test_htmx_gets_back_only_the_section(staff_client, award):
    response = staff_client.post(
        url("part_add", award, "category"),
        {"category-new-name": "Open Data", "category-new-position": "2"},
        headers={"HX-Request": "true"},
    )

    page = texts(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<section id="setup-category"')
    assert "<html" not in page
    assert "Open Data added." in page
    assert award.categories.filter(name="Open Data").exists()


def test_the_set_up_page_lists_every_part(staff_client, award):
    services.part_save(
        actor=None,
        call=award,
        item=Phase(
            name="Winners announced",
            kind="winners",
            starts_on=datetime.date(2026, 9, 1),
            precision="month",
        ),
    )

    page = texts(staff_client.get(url("setup", award)))

    for text in ("Mobility", "Safe City", "Gold", "Special Mention", "Winners announced"):
        assert text in page
    assert "September 2026" in page
    assert "Preview of the application form" in page


# --- The dashboard --------------------------------------------------------------------------


def test_the_dashboard_counts_and_lists_the_applications(
    staff_client, award, seoul_application, abuja_application
):
    submitted_at = datetime.datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    Application.objects.filter(pk=seoul_application.pk).update(submitted_at=submitted_at)

    response = staff_client.get(url("manage", award))

    page = texts(response)
    assert response.status_code == 200
    assert response.context["count_rows"][:2] == [
        ("draft", "Draft", 0),
        ("submitted", "Submitted", 2),
    ]
    assert "<svg" in page and 'aria-label="Applications by status"' in page
    assert reverse("calls:application", args=[seoul_application.pk]) in page
    assert seoul_application.code in page and "Seoul" in page
    # 15:30 UTC is half past midnight the next day in Seoul.
    assert "2026-03-02 00:30" in page
    assert "Open the call" not in page and "Close the call" in page
    for name in ("decisions", "history", "copy", "results"):
        assert url(name, award) in page
    assert url("export", award, "csv") in page and url("export", award, "xlsx") in page


def test_the_dashboard_filters_by_status_and_category(
    staff_client, award, seoul_application, abuja_application, representative
):
    safe_city = award.categories.get(name="Safe City")
    Application.objects.filter(pk=abuja_application.pk).update(category=safe_city)
    services.application_withdraw(actor=representative, application=seoul_application)

    by_status = staff_client.get(url("manage", award), {"status": "withdrawn"})
    assert [a.pk for a in by_status.context["applications"]] == [seoul_application.pk]

    by_category = staff_client.get(url("manage", award), {"category": safe_city.pk})
    assert [a.pk for a in by_category.context["applications"]] == [abuja_application.pk]


def test_the_dashboard_links_the_review_rounds(staff_client, award, make_round):
    review_round = make_round(award)

    page = texts(staff_client.get(url("manage", award)))

    assert url("round", award, review_round.number) in page
    assert url("round_create", award) in page


def _bulk_applications(call, count, applicant):
    now = timezone.now()
    return Application.objects.bulk_create(
        Application(
            call=call,
            category=call.categories.first(),
            applicant=applicant,
            title=f"Application {i}",
            status=ApplicationStatus.SUBMITTED,
            submitted_at=now,
        )
        for i in range(count)
    )


def test_the_dashboard_query_count_does_not_grow_with_applications(
    staff_client, award, representative, make_round
):
    make_round(award)
    _bulk_applications(award, 1, representative)
    staff_client.get(url("manage", award))
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url("manage", award))
    _bulk_applications(award, 30, representative)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url("manage", award))

    assert len(response.context["applications"]) == 31
    assert len(many) == len(few)


def test_the_dashboard_pages_through_the_applications(staff_client, award, representative):
    _bulk_applications(award, 55, representative)

    first = staff_client.get(url("manage", award))
    second = staff_client.get(url("manage", award), {"page": 2, "status": "submitted"})

    assert len(first.context["applications"]) == 50
    assert [a.title for a in second.context["applications"]] == [
        f"Application {i}" for i in range(50, 55)
    ]
    assert "?page=2" in texts(first)


# --- Feasibility study --------------------------------------------------------------------


@pytest.fixture
def study(make_call):
    return make_call(kind=CallKind.FEASIBILITY_STUDY, title="Feasibility Study 2026", categories=[])


def test_a_selected_city_gets_its_consultant_selection_call(
    staff_client, study, representative, city
):
    application = apply(study, representative, city, title="Smart water grid")
    services.decide(actor=None, applications=[application], outcome=Outcome.SELECTED)

    page = texts(staff_client.get(url("manage", study)))
    assert "Choose its consulting company" in page

    response = staff_client.post(url("consultant_call", study, application.pk))

    follow_up = Call.objects.get(parent=study)
    assert response.status_code == 302
    assert response["Location"] == url("edit", follow_up)
    assert follow_up.kind == CallKind.CONSULTANT_SELECTION
    assert follow_up.beneficiary == application
    assert follow_up.status == CallStatus.DRAFT

    again = staff_client.post(url("consultant_call", study, application.pk))
    assert again["Location"] == url("edit", follow_up)
    assert Call.objects.filter(parent=study).count() == 1

    page = texts(staff_client.get(url("manage", study)))
    assert "Choose its consulting company" not in page
    assert url("manage", follow_up) in page


def test_no_consultant_call_before_the_city_is_selected(staff_client, study, representative, city):
    application = apply(study, representative, city, title="Smart water grid")

    response = staff_client.post(url("consultant_call", study, application.pk), follow=True)

    assert not Call.objects.filter(parent=study).exists()
    assert "Select the beneficiary city before choosing its consultant." in flash(response)


def test_the_resulting_project_is_linked(staff_client, study, make_project, city):
    project = make_project(city, title="Smart water grid feasibility")
    Call.objects.filter(pk=study.pk).update(project=project)

    page = texts(staff_client.get(url("manage", study)))

    assert reverse("projects:detail", args=[project.slug]) in page
    assert "Smart water grid feasibility" in page


# --- Decisions --------------------------------------------------------------------------------


@pytest.fixture
def three_applications(award, representative, city, other_representative, other_city, asia):
    busan, busan_rep = member_city("Busan", region=asia)
    return [
        apply(award, representative, city, title="Smart bus stops"),
        apply(award, other_representative, other_city, title="Open data portal"),
        apply(award, busan_rep, busan, title="Harbour sensors"),
    ]


def test_bulk_decisions_change_exactly_the_ticked_applications(
    staff_client, award, three_applications, django_capture_on_commit_callbacks
):
    seoul, abuja, busan = three_applications
    gold = award.levels.get(name="Gold")

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url("decisions", award),
            {
                "applications": [str(seoul.pk), str(busan.pk)],
                "outcome": Outcome.WINNER,
                "level": str(gold.pk),
                "note": "Congratulations.",
            },
        )

    assert response.status_code == 302
    decided = {a.pk: (a.outcome, a.level_id, a.decision_note) for a in Application.objects.all()}
    assert decided == {
        seoul.pk: ("winner", gold.pk, "Congratulations."),
        abuja.pk: ("", None, ""),
        busan.pk: ("winner", gold.pk, "Congratulations."),
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["busan@example.org", "rep@example.org"]
    assert all("Winner — Gold" in m.body for m in mail.outbox)


def test_a_level_for_a_rejection_is_refused_and_nothing_changes(
    staff_client, award, three_applications
):
    seoul, abuja, _busan = three_applications
    response = staff_client.post(
        url("decisions", award),
        {
            "applications": [str(seoul.pk), str(abuja.pk)],
            "outcome": Outcome.REJECTED,
            "level": str(award.levels.first().pk),
        },
    )

    assert response.status_code == 400
    assert "A level goes with a winner." in texts(response)
    assert set(Application.objects.values_list("outcome", flat=True)) == {""}
    # The ticks stay as they were.
    assert f'value="{seoul.pk}" id="decide-{seoul.pk}" checked' in texts(response)
    assert mail.outbox == []


def test_an_application_no_longer_submitted_cannot_be_decided(
    staff_client, award, three_applications
):
    seoul, abuja, _busan = three_applications
    Application.objects.filter(pk=abuja.pk).update(status=ApplicationStatus.WITHDRAWN)

    response = staff_client.post(
        url("decisions", award),
        {"applications": [str(seoul.pk), str(abuja.pk)], "outcome": Outcome.ACCEPTED},
    )

    # A withdrawn application is not on offer: the whole decision is refused.
    assert response.status_code == 400
    assert "applications" in response.context["form"].errors
    assert set(Application.objects.values_list("outcome", flat=True)) == {""}


def test_no_application_ticked_is_refused(staff_client, award, three_applications):
    response = staff_client.post(url("decisions", award), {"outcome": Outcome.ACCEPTED})

    assert response.status_code == 400
    assert "Tick at least one application." in texts(response)


def test_revisions_get_the_due_date_typed_on_the_call_clock(
    staff_client, award, three_applications, django_capture_on_commit_callbacks
):
    seoul = three_applications[0]
    due = timezone.now().astimezone(SEOUL) + datetime.timedelta(days=10)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            url("decisions", award),
            {
                "applications": [str(seoul.pk)],
                "outcome": Outcome.REVISIONS_REQUESTED,
                "note": "Add the budget.",
                "revision_due_0": f"{due:%Y-%m-%d}",
                "revision_due_1": "18:00",
            },
        )

    assert response.status_code == 302
    seoul.refresh_from_db()
    assert seoul.status == ApplicationStatus.REVISIONS_REQUESTED
    expected = datetime.datetime.combine(due.date(), datetime.time(18, 0), tzinfo=SEOUL)
    assert seoul.revision_due == expected
    assert f"{due:%Y-%m-%d} 18:00 (Asia/Seoul)" in mail.outbox[0].body


def test_a_revision_due_date_in_the_past_is_refused(staff_client, award, three_applications):
    seoul = three_applications[0]
    response = staff_client.post(
        url("decisions", award),
        {
            "applications": [str(seoul.pk)],
            "outcome": Outcome.REVISIONS_REQUESTED,
            "revision_due_0": "2020-01-01",
            "revision_due_1": "12:00",
        },
    )

    assert response.status_code == 400
    assert "The due date has to be in the future." in texts(response)
    seoul.refresh_from_db()
    assert (seoul.status, seoul.outcome) == (ApplicationStatus.SUBMITTED, "")


def test_the_decisions_page_shows_the_last_round_ranking(
    staff_client, award, three_applications, make_round, staff
):
    seoul, abuja, busan = three_applications
    review_round = _scored_round(make_round, staff, award, {seoul: 6, abuja: 9})

    response = staff_client.get(url("decisions", award))

    rows = response.context["rows"]
    assert response.context["last_round"] == review_round
    assert [(r.application.pk, r.result.rank if r.result else None) for r in rows] == [
        (abuja.pk, 1),
        (seoul.pk, 2),
        (busan.pk, None),
    ]
    assert "9.00" in texts(response)


def test_the_decisions_page_query_count_does_not_grow(
    staff_client, award, representative, make_round, staff
):
    apps = _bulk_applications(award, 2, representative)
    review_round = _scored_round(make_round, staff, award, dict.fromkeys(apps, 5))
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url("decisions", award))
    more = _bulk_applications(award, 20, representative)
    RoundEntry.objects.bulk_create(RoundEntry(round=review_round, application=a) for a in more)
    juror = review_round.reviews.first().reviewer
    Review.objects.bulk_create(
        Review(
            round=review_round,
            application=a,
            reviewer=juror,
            status=ReviewStatus.SUBMITTED,
            total=7,
            submitted_at=timezone.now(),
        )
        for a in more
    )
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(url("decisions", award))

    assert len(response.context["rows"]) == 22
    assert response.context["rows"][0].result.score == 7
    assert len(many) == len(few)


def test_publish_and_unpublish_the_results(staff_client, award, three_applications):
    refused = staff_client.post(url("results_publish", award), follow=True)
    award.refresh_from_db()
    assert award.results_published_at is None
    assert "There is no winner or selected application to publish yet." in flash(refused)

    services.decide(actor=None, applications=[three_applications[0]], outcome=Outcome.WINNER)
    response = staff_client.post(url("results_publish", award))
    assert response["Location"] == url("decisions", award)
    award.refresh_from_db()
    assert award.results_published_at is not None

    staff_client.post(url("results_unpublish", award))
    award.refresh_from_db()
    assert award.results_published_at is None


# --- Export and history -----------------------------------------------------------------------


def _scored_round(make_round, staff, call, totals):
    """A started round where each application got one review scoring `totals[app]` on both
    criteria (so its weighted total is that number)."""
    review_round = make_round(call)
    services_review.round_start(actor=staff, review_round=review_round)
    juror = UserFactory(email="juror@example.org")
    services_review.pool_add(actor=staff, review_round=review_round, reviewer=juror)
    criteria = list(review_round.criteria.all())
    for application, value in totals.items():
        review = services_review.assign(
            actor=staff, review_round=review_round, application=application, reviewer=juror
        )
        services_review.review_submit(
            actor=juror, review=review, scores={c.pk: value for c in criteria}
        )
    return review_round


def test_the_csv_export_has_answers_decisions_and_scores(
    staff_client, award, representative, city, make_round, staff
):
    what, served = award.questions.order_by("position")
    application = apply(
        award,
        representative,
        city,
        title="Smart bus stops",
        answers={str(what.pk): "Shelters with live arrival times", str(served.pk): "12,000"},
    )
    Application.objects.filter(pk=application.pk).update(
        submitted_at=datetime.datetime(2026, 5, 29, 14, 59, tzinfo=UTC)
    )
    _scored_round(make_round, staff, award, {application: 8})
    services.decide(
        actor=staff,
        applications=[application],
        outcome=Outcome.WINNER,
        level=award.levels.get(name="Silver"),
    )

    response = staff_client.get(url("export", award, "csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{award.slug}-applications.csv"' in response["Content-Disposition"]
    header, row = list(csv.reader(io.StringIO(response.content.decode())))
    record = dict(zip(header, row, strict=True))
    assert record == {
        "Code": application.code,
        "Title": "Smart bus stops",
        "Organisation": "Seoul",
        "Person": str(representative),
        "E-mail": "rep@example.org",
        "Country": "South Korea",
        "Category": "Mobility",
        "Status": "Submitted",
        "Submitted (Asia/Seoul)": "2026-05-29 23:59",
        "What did you build?": "Shelters with live arrival times",
        "Citizens served": "12000",
        "Decision": "Winner",
        "Level": "Silver",
        "Round 1: reviews": "1",
        "Round 1: mean": "8.0",
        "Round 1: score": "8.0",
        "Round 1: rank": "1",
    }


def test_the_xlsx_export_has_the_same_table(staff_client, award, representative, city):
    what = award.questions.order_by("position").first()
    apply(award, representative, city, title="Smart bus stops", answers={str(what.pk): "Shelters"})

    response = staff_client.get(url("export", award, "xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, row = [[cell.value for cell in r] for r in sheet.iter_rows()]
    record = dict(zip(header, row, strict=True))
    assert record["What did you build?"] == "Shelters"
    assert record["Organisation"] == "Seoul"
    assert record["Citizens served"] is None


def test_exports_neutralise_formulas(staff_client, award, representative, city):
    what = award.questions.order_by("position").first()
    apply(
        award,
        representative,
        city,
        title='=HYPERLINK("http://evil.example")',
        answers={str(what.pk): "+cmd|' /C calc'!A0"},
    )

    rows = list(csv.reader(io.StringIO(texts(staff_client.get(url("export", award, "csv"))))))
    record = dict(zip(*rows, strict=True))
    assert record["Title"] == '\'=HYPERLINK("http://evil.example")'
    assert record["What did you build?"] == "'+cmd|' /C calc'!A0"

    response = staff_client.get(url("export", award, "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header, row = [[cell for cell in r] for r in sheet.iter_rows()]
    title = row[[c.value for c in header].index("Title")]
    assert title.data_type == "s"
    assert title.value == '\'=HYPERLINK("http://evil.example")'


def test_an_unknown_export_format_is_not_found(staff_client, award):
    assert staff_client.get(url("export", award, "pdf")).status_code == 404
    assert staff_client.get(url("export", award, "json")).status_code == 404


def test_the_history_has_the_call_and_its_applications_newest_first(
    staff_client, award, seoul_application
):
    other = Call.objects.create(
        kind=CallKind.OTHER,
        title="Unrelated",
        slug="unrelated",
        year=2030,
        organiser="x",
        opens_at=timezone.now(),
        deadline=timezone.now() + datetime.timedelta(days=1),
    )
    services.call_close(actor=None, call=other)

    response = staff_client.get(url("history", award))

    entries = list(response.context["entries"])
    actions = [e.action for e in entries]
    assert actions[0] == "application.submitted"
    assert actions[-1] == "call.created"
    assert {"call.opened", "call.question_added", "application.started"} <= set(actions)
    assert all(e.object_repr != "Unrelated" for e in entries)
    assert [e.created_at for e in entries] == sorted((e.created_at for e in entries), reverse=True)
    question = Question.objects.filter(call=award).first()
    assert question.label in texts(response)
