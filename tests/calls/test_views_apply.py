"""Applying: starting a draft, filling in the call's form, submitting, withdrawing, following it."""

import datetime
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from activator.calls import services, services_review
from activator.calls.enums import ApplicationStatus, CallKind, Outcome, QuestionKind
from activator.calls.models import Application, ApplicationFile, Question
from activator.core.models import AuditEntry
from tests.calls.conftest import answer_all

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% a plan\n"


def text_of(response) -> str:
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(content))


def url(name, application, *args):
    return reverse(f"calls:{name}", args=[application.pk, *args])


def follow(client, response) -> str:
    """The text of the page a redirect leads to, with the messages it carries."""
    assert response.status_code == 302, response.status_code
    return text_of(client.get(response.url))


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "public"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def draft(award, representative, city):
    return services.application_start(
        actor=representative,
        call=award,
        organisation=city,
        title="Smart bus stops",
        category=award.categories.get(name="Mobility"),
    )


@pytest.fixture
def youth(make_call):
    return make_call(
        title="Young Leaders",
        kind=CallKind.YOUTH_PROGRAMME,
        applicant_types=["individual"],
        members_only=False,
        max_age=30,
        categories=[],
    )


def question(call, staff, kind, label, **fields):
    return services.part_save(
        actor=staff,
        call=call,
        item=Question(kind=kind, label=label, required=fields.pop("required", False), **fields),
    )


def long_text(call) -> Question:
    return call.questions.get(kind=QuestionKind.LONG_TEXT)


def number(call) -> Question:
    return call.questions.get(kind=QuestionKind.NUMBER)


# Starting an application


def test_apply_needs_a_login(client, award):
    response = client.get(reverse("calls:apply", args=[award.slug]))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_apply_starts_a_draft_and_leads_to_its_form(client, award, representative, city):
    client.force_login(representative)
    page = client.get(reverse("calls:apply", args=[award.slug]))
    assert "Seoul" in text_of(page) and "Mobility" in text_of(page)
    safe_city = award.categories.get(name="Safe City")
    response = client.post(
        reverse("calls:apply", args=[award.slug]),
        {"applicant": str(city.pk), "category": safe_city.pk, "title": "Smart CCTV"},
    )
    application = Application.objects.get()
    assert response.status_code == 302
    assert response.url == url("application_edit", application)
    assert (application.organisation, application.category, application.title) == (
        city,
        safe_city,
        "Smart CCTV",
    )
    assert (application.applicant, application.status) == (representative, "draft")


def test_apply_shows_why_someone_may_not_and_stores_nothing(
    client, make_call, asia, other_representative, other_city
):
    call = make_call(title="Asia Awards", regions=[asia])
    client.force_login(other_representative)
    response = client.post(
        reverse("calls:apply", args=[call.slug]),
        {
            "applicant": str(other_city.pk),
            "category": call.categories.first().pk,
            "title": "Smart water",
        },
    )
    assert response.status_code == 400
    assert "This call is open to applicants from Asia-Pacific." in text_of(response)
    assert not Application.objects.exists()


def test_apply_refuses_an_organisation_the_person_does_not_represent(
    client, award, other_representative, city
):
    client.force_login(other_representative)
    response = client.post(
        reverse("calls:apply", args=[award.slug]),
        {"applicant": str(city.pk), "category": award.categories.first().pk, "title": "Ours"},
    )
    assert response.status_code == 400
    assert "applicant" in response.context["form"].errors
    assert not Application.objects.exists()


def test_apply_after_the_deadline_is_refused_with_the_deadline(
    client, make_call, representative, city
):
    now = timezone.now()
    call = make_call(
        title="Late Awards",
        opens_at=now - datetime.timedelta(days=30),
        deadline=now - datetime.timedelta(hours=1),
    )
    client.force_login(representative)
    page = client.get(reverse("calls:apply", args=[call.slug]))
    assert "This call is not taking applications." in follow(client, page)
    response = client.post(
        reverse("calls:apply", args=[call.slug]),
        {"applicant": str(city.pk), "category": call.categories.first().pk, "title": "Late"},
    )
    assert response.status_code == 400
    deadline = call.local(call.deadline)
    assert (
        f"The deadline was {deadline:%Y-%m-%d %H:%M} (Asia/Seoul); "
        "applications are no longer accepted." in text_of(response)
    )
    assert not Application.objects.exists()


def test_an_individual_gives_a_birth_date_and_a_country(client, youth, citizen, asia):
    client.force_login(citizen)
    apply_url = reverse("calls:apply", args=[youth.slug])
    missing = client.post(apply_url, {"applicant": "myself", "title": "Green roofs"})
    assert missing.status_code == 400
    errors = missing.context["form"].errors
    assert "birth_date" in errors and "country" in errors
    too_old = client.post(
        apply_url,
        {
            "applicant": "myself",
            "title": "Green roofs",
            "birth_date": "1960-01-01",
            "country": "KR",
        },
    )
    assert too_old.status_code == 400
    assert "Applicants must be under 30 on the deadline" in text_of(too_old)
    assert not Application.objects.exists()
    birth_date = timezone.localdate() - datetime.timedelta(days=365 * 20)
    response = client.post(
        apply_url,
        {
            "applicant": "myself",
            "title": "Green roofs",
            "birth_date": birth_date.isoformat(),
            "country": "KR",
        },
    )
    application = Application.objects.get()
    assert response.url == url("application_edit", application)
    assert (application.organisation, application.birth_date, application.country.code) == (
        None,
        birth_date,
        "KR",
    )


# Filling in the form


def test_edit_shows_the_form_with_saved_answers_and_what_is_missing(client, draft, representative):
    services.application_save(
        actor=representative, application=draft, answers={str(number(draft.call).pk): "1200"}
    )
    client.force_login(representative)
    page = client.get(url("application_edit", draft))
    assert page.status_code == 200
    content = page.content.decode()
    field = number(draft.call).field_name
    assert f'name="{field}"' in content and 'value="1200"' in content
    text = text_of(page)
    assert "1 required answer is still missing before you can submit: What did you build?" in text
    deadline = draft.call.local(draft.call.deadline)
    assert f"{deadline.day} {deadline:%B %Y, %H:%M} (Asia/Seoul)" in text
    assert "left" in text


def test_save_stores_the_answers_and_shows_them(client, draft, representative):
    call = draft.call
    client.force_login(representative)
    response = client.post(
        url("application_edit", draft),
        {
            "save": "1",
            "title": "Smarter bus stops",
            "category": draft.category_id,
            long_text(call).field_name: "Shelters that show arrivals.",
            number(call).field_name: "5000",
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "Smarter bus stops"
    assert draft.answers == {
        str(long_text(call).pk): "Shelters that show arrivals.",
        str(number(call).pk): "5000",
    }
    assert draft.status == ApplicationStatus.DRAFT
    page = follow(client, response)
    assert "Your answers are saved." in page and "Shelters that show arrivals." in page
    assert "Every required question is answered." in page


def test_htmx_save_answers_with_a_small_status(client, draft, representative):
    call = draft.call
    client.force_login(representative)
    response = client.post(
        url("application_edit", draft),
        {"title": draft.title, "category": draft.category_id, number(call).field_name: "42"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith('<p id="save-status"')
    assert "<html" not in content
    saved_at = timezone.localtime(timezone.now(), draft.call.zone)
    assert f"Saved at {saved_at:%H:%M}" in content or "Saved at" in content
    assert 'id="missing-answers" class="call-missing" hx-swap-oob="true"' in content
    draft.refresh_from_db()
    assert draft.answers == {str(number(call).pk): "42"}


def test_bad_answers_are_shown_at_the_field_and_nothing_is_stored(client, draft, representative):
    call = draft.call
    client.force_login(representative)
    response = client.post(
        url("application_edit", draft),
        {
            "title": draft.title,
            "category": draft.category_id,
            long_text(call).field_name: "Kept?",
            number(call).field_name: "many",
        },
    )
    assert response.status_code == 400
    assert number(call).field_name in response.context["form"].errors
    assert "Enter a number." in text_of(response)
    draft.refresh_from_db()
    assert draft.answers == {}
    htmx = client.post(
        url("application_edit", draft),
        {"title": "", number(call).field_name: "7"},
        headers={"HX-Request": "true"},
    )
    assert "Not saved:" in text_of(htmx)
    draft.refresh_from_db()
    assert draft.answers == {} and draft.title == "Smart bus stops"


def test_every_kind_of_question_round_trips(
    client, award, staff, representative, city, other_city, make_project
):
    choice = question(award, staff, QuestionKind.CHOICE, "Stage", choices=["Pilot", "Scale"])
    start = question(award, staff, QuestionKind.DATE, "Started on")
    project_question = question(award, staff, QuestionKind.PROJECT, "Which project?")
    short = question(award, staff, QuestionKind.SHORT_TEXT, "Motto", max_length=20)
    ours = make_project(city, title="Bus stop pilot")
    theirs = make_project(other_city, title="Not ours")
    application = services.application_start(
        actor=representative,
        call=award,
        organisation=city,
        title="Smart bus stops",
        category=award.categories.first(),
    )
    client.force_login(representative)
    page = client.get(url("application_edit", application)).content.decode()
    assert "Bus stop pilot" in page and "Not ours" not in page
    data = {
        "title": application.title,
        "category": application.category_id,
        choice.field_name: "Scale",
        start.field_name: "2024-03-01",
        project_question.field_name: ours.pk,
        short.field_name: "Ride on time",
    }
    assert client.post(url("application_edit", application), data).status_code == 302
    application.refresh_from_db()
    assert application.answers[str(choice.pk)] == "Scale"
    assert application.answers[str(start.pk)] == "2024-03-01"
    assert application.answers[str(project_question.pk)] == ours.pk
    assert application.answers[str(short.pk)] == "Ride on time"
    status = text_of(client.get(url("application", application)))
    assert "Bus stop pilot" in status and "Scale" in status and "2024-03-01" in status
    refused = client.post(
        url("application_edit", application), {**data, project_question.field_name: theirs.pk}
    )
    assert refused.status_code == 400
    too_long = client.post(
        url("application_edit", application), {**data, short.field_name: "x" * 21}
    )
    assert too_long.status_code == 400
    application.refresh_from_db()
    assert application.answers[str(short.pk)] == "Ride on time"


def test_editing_is_refused_to_others(
    client, draft, contact, other_representative, staff, representative
):
    edit = url("application_edit", draft)
    assert client.get(edit).status_code == 302  # to the login page
    client.force_login(other_representative)
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"title": "Taken"}).status_code == 404
    client.force_login(contact)
    assert client.get(edit).status_code == 403
    client.force_login(staff)
    assert client.post(edit, {"title": "Taken"}).status_code == 403
    draft.refresh_from_db()
    assert draft.title == "Smart bus stops"


def test_editing_after_the_deadline_leads_to_the_status_page(
    client, make_call, representative, city
):
    now = timezone.now()
    call = make_call(
        title="Closed Awards",
        opens_at=now - datetime.timedelta(days=30),
        deadline=now - datetime.timedelta(hours=1),
    )
    application = services.application_start(
        actor=representative,
        call=call,
        organisation=city,
        title="Too late",
        category=call.categories.first(),
        now=now - datetime.timedelta(days=2),
    )
    client.force_login(representative)
    response = client.post(url("application_edit", application), {"title": "Changed"})
    assert response.url == url("application", application)
    assert "The time to change this application has passed." in follow(client, response)
    application.refresh_from_db()
    assert application.title == "Too late"


# Submitting


def test_submit_refuses_an_incomplete_application_and_keeps_the_draft(
    client, draft, representative
):
    client.force_login(representative)
    response = client.post(url("application_submit", draft))
    assert response.url == url("application_edit", draft)
    assert "Answer every required question first: What did you build?" in follow(client, response)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT and draft.submitted_at is None


def test_save_and_submit_from_the_form(
    client, draft, representative, mailoutbox, django_capture_on_commit_callbacks
):
    call = draft.call
    client.force_login(representative)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("application_submit", draft),
            {
                "save": "1",
                "title": draft.title,
                "category": draft.category_id,
                long_text(call).field_name: "Shelters that show arrivals.",
            },
        )
    assert response.url == url("application", draft)
    page = follow(client, response)
    assert "Your application was submitted." in page
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
    submitted_at = call.local(draft.submitted_at)
    assert f"{submitted_at.day} {submitted_at:%B %Y, %H:%M} (Asia/Seoul)" in page
    assert "Shelters that show arrivals." in page
    assert [m.to for m in mailoutbox] == [[representative.email]]


def test_a_late_submission_is_refused_with_the_deadline_and_stays_a_draft(
    client, make_call, representative, city
):
    now = timezone.now()
    call = make_call(
        title="Closed Awards",
        opens_at=now - datetime.timedelta(days=30),
        deadline=now - datetime.timedelta(minutes=5),
    )
    before = now - datetime.timedelta(days=1)
    application = services.application_start(
        actor=representative,
        call=call,
        organisation=city,
        title="Almost",
        category=call.categories.first(),
        now=before,
    )
    services.application_save(
        actor=representative, application=application, answers=answer_all(call), now=before
    )
    client.force_login(representative)
    response = client.post(url("application_submit", application))
    assert response.url == url("application", application)
    page = follow(client, response)
    deadline = call.local(call.deadline)
    assert f"The deadline was {deadline:%Y-%m-%d %H:%M} (Asia/Seoul)" in page
    assert "This draft was not submitted in time." in page
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and application.submitted_at is None


def test_submit_is_refused_to_a_contact(client, draft, representative, contact):
    services.application_save(
        actor=representative, application=draft, answers=answer_all(draft.call)
    )
    client.force_login(contact)
    assert client.post(url("application_submit", draft)).status_code == 403
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


# The status page, withdrawing, files


def test_status_page_is_for_the_applicant_the_organisation_and_managers(
    client, draft, representative, contact, other_representative, staff, citizen
):
    status = url("application", draft)
    client.force_login(other_representative)
    assert client.get(status).status_code == 404
    client.force_login(citizen)
    assert client.get(status).status_code == 404
    client.force_login(contact)
    page = client.get(status)
    assert page.status_code == 200 and "Smart bus stops" in text_of(page)
    assert url("application_edit", draft) not in page.content.decode()
    client.force_login(representative)
    page = client.get(status)
    assert url("application_edit", draft) in page.content.decode()
    assert "History" not in text_of(page)
    client.force_login(staff)
    page = text_of(client.get(status))
    assert "History" in page and "application.started" in page


def test_managers_see_the_reviews_totals(
    client, draft, representative, staff, reviewer, make_round
):
    services.application_save(
        actor=representative, application=draft, answers=answer_all(draft.call)
    )
    services.application_submit(actor=representative, application=draft)
    review_round = make_round(draft.call, reviewers=[reviewer])
    services_review.round_start(actor=staff, review_round=review_round)
    services_review.assign(
        actor=staff, review_round=review_round, application=draft, reviewer=reviewer
    )
    review = draft.reviews.get()
    criteria = list(review_round.criteria.all())
    services_review.review_submit(
        actor=reviewer, review=review, scores={criteria[0].pk: 8, criteria[1].pk: 5}
    )
    client.force_login(staff)
    page = text_of(client.get(url("application", draft)))
    assert "Reviews" in page and "7.00" in page
    client.force_login(representative)
    assert "7.00" not in text_of(client.get(url("application", draft)))


def test_a_decision_with_its_level_shows_on_the_status_page(client, draft, representative, staff):
    services.application_save(
        actor=representative, application=draft, answers=answer_all(draft.call)
    )
    services.application_submit(actor=representative, application=draft)
    gold = draft.call.levels.get(name="Gold")
    services.decide(actor=staff, applications=[draft], outcome=Outcome.WINNER, level=gold)
    client.force_login(representative)
    page = client.get(url("application", draft))
    assert "Decision Winner · Gold" in text_of(page)
    assert url("application_withdraw", draft) not in page.content.decode()
    refused = client.post(url("application_withdraw", draft))
    assert "A decided application cannot be withdrawn." in follow(client, refused)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED


def test_requested_revisions_show_their_due_date_and_an_edit_link(
    client, draft, representative, staff
):
    services.application_save(
        actor=representative, application=draft, answers=answer_all(draft.call)
    )
    services.application_submit(actor=representative, application=draft)
    due = timezone.now() + datetime.timedelta(days=7)
    services.decide(
        actor=staff,
        applications=[draft],
        outcome=Outcome.REVISIONS_REQUESTED,
        note="Add a budget.",
        revision_due=due,
    )
    client.force_login(representative)
    page = client.get(url("application", draft))
    text = text_of(page)
    local_due = draft.call.local(due)
    assert f"Revisions due {local_due.day} {local_due:%B %Y, %H:%M} (Asia/Seoul)" in text
    assert "Add a budget." in text
    assert url("application_edit", draft) in page.content.decode()


def test_withdraw_asks_first_then_withdraws(client, draft, representative, other_representative):
    client.force_login(other_representative)
    assert client.post(url("application_withdraw", draft)).status_code == 404
    client.force_login(representative)
    confirm = client.get(url("application_withdraw", draft))
    assert "Withdraw this application?" in text_of(confirm)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT
    response = client.post(url("application_withdraw", draft))
    assert "Your application was withdrawn." in follow(client, response)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.WITHDRAWN
    assert AuditEntry.objects.filter(action="application.withdrawn").count() == 1
    edit = client.get(url("application_edit", draft))
    assert "withdrawn; it can no longer be changed" in follow(client, edit)


@pytest.fixture
def with_file(award, staff, draft, representative):
    plan = question(award, staff, QuestionKind.FILE, "Plan")
    services.application_save(
        actor=representative,
        application=draft,
        files={str(plan.pk): SimpleUploadedFile("Seoul-plan.pdf", PDF)},
    )
    return draft, plan, draft.files.get()


def test_a_file_uploaded_with_the_form_is_stored_and_downloads_under_its_name(
    client, draft, award, staff, representative
):
    plan = question(award, staff, QuestionKind.FILE, "Plan")
    client.force_login(representative)
    response = client.post(
        url("application_edit", draft),
        {
            "title": draft.title,
            "category": draft.category_id,
            plan.field_name: SimpleUploadedFile("Seoul-plan.pdf", PDF),
        },
    )
    assert response.status_code == 302
    item = ApplicationFile.objects.get(application=draft, question=plan)
    assert item.name == "Seoul-plan.pdf"
    page = client.get(url("application", draft)).content.decode()
    assert url("application_file", draft, item.pk) in page
    download = client.get(url("application_file", draft, item.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert 'filename="Seoul-plan.pdf"' in download["Content-Disposition"]
    refused = client.post(
        url("application_edit", draft),
        {
            "title": draft.title,
            "category": draft.category_id,
            plan.field_name: SimpleUploadedFile("plan.pdf", b"MZ\x90\x00"),
        },
    )
    assert refused.status_code == 400
    assert ApplicationFile.objects.get(application=draft, question=plan).name == "Seoul-plan.pdf"


def test_file_download_is_refused_to_outsiders(client, with_file, other_representative, reviewer):
    application, _plan, item = with_file
    download = url("application_file", application, item.pk)
    assert client.get(download).status_code == 302  # to the login page
    client.force_login(other_representative)
    assert client.get(download).status_code == 404
    client.force_login(reviewer)  # a reviewer without a review of it
    assert client.get(download).status_code == 404


def _reviewed_by(application, reviewer, staff, representative, make_round):
    services.application_save(
        actor=representative, application=application, answers=answer_all(application.call)
    )
    services.application_submit(actor=representative, application=application)
    review_round = make_round(application.call, reviewers=[reviewer])
    services_review.round_start(actor=staff, review_round=review_round)
    services_review.assign(
        actor=staff, review_round=review_round, application=application, reviewer=reviewer
    )


def test_a_reviewer_of_an_anonymous_call_gets_the_file_under_the_code(
    client, with_file, reviewer, staff, representative, make_round
):
    application, plan, item = with_file
    services.call_update(actor=staff, call=application.call, anonymous_review=True)
    _reviewed_by(application, reviewer, staff, representative, make_round)
    client.force_login(reviewer)
    download = client.get(url("application_file", application, item.pk))
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    assert f'filename="{application.code}-{plan.pk}.pdf"' in disposition
    assert "Seoul" not in disposition
    client.force_login(staff)
    staff_download = client.get(url("application_file", application, item.pk))
    assert 'filename="Seoul-plan.pdf"' in staff_download["Content-Disposition"]


def test_a_reviewer_of_an_open_call_gets_the_file_under_its_name(
    client, with_file, reviewer, staff, representative, make_round
):
    application, _plan, item = with_file
    _reviewed_by(application, reviewer, staff, representative, make_round)
    client.force_login(reviewer)
    download = client.get(url("application_file", application, item.pk))
    assert 'filename="Seoul-plan.pdf"' in download["Content-Disposition"]


def test_a_file_of_another_application_is_not_reachable_through_this_one(
    client, with_file, award, other_representative, other_city
):
    _application, _plan, item = with_file
    theirs = services.application_start(
        actor=other_representative,
        call=award,
        organisation=other_city,
        title="Theirs",
        category=award.categories.first(),
    )
    client.force_login(other_representative)
    assert client.get(url("application_file", theirs, item.pk)).status_code == 404


# My applications


def test_my_applications_lists_mine_and_my_organisation_s(
    client, draft, contact, other_representative, award, other_city
):
    services.application_start(
        actor=other_representative,
        call=award,
        organisation=other_city,
        title="Street cameras",
        category=award.categories.first(),
    )
    client.force_login(contact)
    page = text_of(client.get(reverse("calls:my_applications")))
    assert "Smart bus stops" in page and "Smart Sustainable City Awards" in page
    assert "Mobility" in page and "Draft" in page
    assert "Street cameras" not in page


def test_my_applications_empty_state_points_to_open_calls(client, citizen):
    client.force_login(citizen)
    page = client.get(reverse("calls:my_applications"))
    assert "You have not applied to any call yet." in text_of(page)
    assert reverse("calls:list") + "?stage=open" in page.content.decode()


def test_htmx_upload_refreshes_the_file_field(client, draft, award, staff, representative):
    plan = question(award, staff, QuestionKind.FILE, "Plan")
    client.force_login(representative)
    response = client.post(
        url("application_edit", draft),
        {
            "title": draft.title,
            "category": draft.category_id,
            plan.field_name: SimpleUploadedFile("Seoul-plan.pdf", PDF),
        },
        headers={"HX-Request": "true"},
    )
    content = response.content.decode()
    item = ApplicationFile.objects.get(application=draft, question=plan)
    assert f'id="field-{plan.field_name}" hx-swap-oob="true"' in content
    assert url("application_file", draft, item.pk) in content
    assert "Seoul-plan.pdf" in content
