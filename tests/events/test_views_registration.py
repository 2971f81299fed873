"""The registration pages as each person sees them: the form, cancelling, "My events", and the
staff pages (questions, the registrations table, check-in, certificates)."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from activator.events import services_registration
from activator.events.enums import (
    Audience,
    EventStatus,
    EventType,
    QuestionKind,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import Question, Registration
from tests.factories import AffiliationFactory, RegionalOfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

CONFIRMED = RegistrationStatus.CONFIRMED


def url(name: str, *args) -> str:
    return reverse(f"events:{name}", args=args)


@pytest.fixture
def with_questions(training):
    """The training asks for a role (required, a choice) and dietary needs (optional)."""
    role = Question.objects.create(
        event=training,
        kind=QuestionKind.CHOICE,
        label="Your role",
        required=True,
        choices=["Mayor", "Officer", "Researcher"],
        position=1,
    )
    diet = Question.objects.create(
        event=training, kind=QuestionKind.SHORT_TEXT, label="Dietary needs", position=2
    )
    return training, role, diet


def register(event, person, **kwargs):
    return services_registration.register(actor=person, event=event, **kwargs)


def move_to_today(event):
    """The event starts in two hours: check-in is open."""
    start = timezone.now() + datetime.timedelta(hours=2)
    event.starts_at, event.ends_at = start, start + datetime.timedelta(hours=8)
    event.save()


# --- Anonymous visitors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,method",
    [
        ("register", "get"),
        ("register", "post"),
        ("cancel", "get"),
        ("cancel", "post"),
        ("questions", "get"),
        ("registrations", "get"),
        ("check_in", "get"),
        ("certificates_issue", "post"),
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, training, name, method):
    response = getattr(client, method)(url(name, training.slug))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_my_events_needs_an_account(client):
    response = client.get(url("mine"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_draft_event_has_no_registration_page(client, make_event, citizen):
    event = make_event(status=EventStatus.DRAFT)
    client.force_login(citizen)
    assert client.get(url("register", event.slug)).status_code == 404


# --- The registration form ----------------------------------------------------------------------


def test_the_form_offers_the_persons_organisations_and_asks_the_questions(
    client, with_questions, representative
):
    training, _role, _diet = with_questions
    client.force_login(representative)
    response = client.get(url("register", training.slug))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Seoul" in page
    assert "On my own" in page
    assert "Your role" in page and "Researcher" in page
    assert "Dietary needs" in page
    assert "20 seats left of 20." in page


def test_a_missing_required_answer_is_shown_and_nothing_is_saved(
    client, with_questions, representative, city, django_capture_on_commit_callbacks
):
    training, _role, diet = with_questions
    client.force_login(representative)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("register", training.slug),
            {"organisation": str(city.pk), diet.field_name: "Vegetarian"},
        )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The registration was not saved" in page
    assert "This field is required." in page
    assert not Registration.objects.exists()
    assert mail.outbox == []
    training.refresh_from_db()
    assert training.seats_taken == 0


def test_an_answer_outside_the_choices_is_refused(client, with_questions, representative, city):
    training, role, _diet = with_questions
    client.force_login(representative)
    response = client.post(
        url("register", training.slug),
        {"organisation": str(city.pk), role.field_name: "Astronaut"},
    )
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert not Registration.objects.exists()


def test_an_organisation_the_person_does_not_belong_to_is_refused(
    client, with_questions, representative, other_city
):
    training, role, _diet = with_questions
    client.force_login(representative)
    response = client.post(
        url("register", training.slug),
        {"organisation": str(other_city.pk), role.field_name: "Mayor"},
    )
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_registering_confirms_the_seat_mails_and_links_the_calendar(
    client, with_questions, representative, city, django_capture_on_commit_callbacks
):
    training, role, diet = with_questions
    client.force_login(representative)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("register", training.slug),
            {"organisation": str(city.pk), role.field_name: "Officer", diet.field_name: ""},
            follow=True,
        )
    assert response.redirect_chain == [(url("register", training.slug), 302)]
    page = response.content.decode()
    assert "You are registered: your seat is confirmed." in page
    assert "Your registration is confirmed." in page
    assert url("ics", training.slug) in page
    assert "Officer" in page
    registration = Registration.objects.get()
    assert registration.status == CONFIRMED
    assert registration.organisation == city
    assert registration.answers == {str(role.pk): "Officer"}
    assert [m.subject for m in mail.outbox] == [f"Registration confirmed: {training.title}"]
    assert mail.outbox[0].to == [representative.email]


def test_a_full_event_puts_the_person_on_the_waiting_list_with_their_position(
    client, make_event, citizen
):
    event = make_event(capacity=1)
    register(event, UserFactory())
    register(event, UserFactory())
    client.force_login(citizen)
    response = client.post(url("register", event.slug), {"organisation": "own"}, follow=True)
    page = response.content.decode()
    assert "you are on the waiting list, number 2." in page
    assert Registration.objects.get(person=citizen).status == RegistrationStatus.WAITLISTED


def test_a_planned_event_takes_expressions_of_interest(client, make_event, citizen):
    event = make_event(registration=RegistrationMode.INTEREST, starts_at=None, year=2030)
    client.force_login(citizen)
    page = client.get(url("register", event.slug)).content.decode()
    assert "Express interest in" in page
    response = client.post(url("register", event.slug), {"organisation": "own"}, follow=True)
    assert "Your interest is noted." in response.content.decode()
    assert Registration.objects.get().status == RegistrationStatus.INTERESTED


def test_an_invitation_only_event_takes_requests(client, make_event, citizen):
    event = make_event(audience=Audience.INVITATION)
    client.force_login(citizen)
    response = client.post(url("register", event.slug), {"organisation": "own"}, follow=True)
    assert "awaiting approval" in response.content.decode()
    assert Registration.objects.get().status == RegistrationStatus.PENDING


def test_a_refused_registration_shows_the_reason_and_saves_nothing(client, make_event, citizen):
    event = make_event(audience=Audience.MEMBERS)
    client.force_login(citizen)
    response = client.get(url("register", event.slug))
    assert "This event is for people of the network" in response.content.decode()
    response = client.post(url("register", event.slug), {"organisation": "own"}, follow=True)
    assert "This event is for people of the network" in response.content.decode()
    assert not Registration.objects.exists()


def test_a_closed_registration_says_when_it_closed(client, make_event, citizen):
    event = make_event(registration_closes_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(citizen)
    page = client.get(url("register", event.slug)).content.decode()
    assert "Registration closed on" in page
    assert '<form method="post" action="' + url("register", event.slug) not in page


def test_registering_twice_is_refused(client, training, citizen):
    register(training, citizen)
    client.force_login(citizen)
    response = client.post(url("register", training.slug), {"organisation": "own"}, follow=True)
    assert "You are already registered" in response.content.decode()
    assert Registration.objects.count() == 1


# --- Cancelling ---------------------------------------------------------------------------------


def test_cancelling_asks_first_then_frees_the_seat_for_the_queue(
    client, make_event, citizen, django_capture_on_commit_callbacks
):
    event = make_event(capacity=1)
    mine = register(event, citizen)
    waiting = register(event, UserFactory())
    client.force_login(citizen)
    page = client.get(url("cancel", event.slug)).content.decode()
    assert "Your seat goes to the first person on the waiting list." in page
    assert Registration.objects.get(pk=mine.pk).status == CONFIRMED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("cancel", event.slug))
    assert response.status_code == 302
    mine.refresh_from_db()
    waiting.refresh_from_db()
    assert mine.status == RegistrationStatus.CANCELLED
    assert waiting.status == CONFIRMED


def test_cancel_acts_only_on_the_persons_own_registration(client, training, citizen):
    other = register(training, UserFactory())
    client.force_login(citizen)
    assert client.get(url("cancel", training.slug)).status_code == 404
    assert client.post(url("cancel", training.slug)).status_code == 404
    other.refresh_from_db()
    assert other.status == CONFIRMED


# --- My events ----------------------------------------------------------------------------------


def test_my_events_lists_upcoming_and_past_with_queue_and_certificate(
    client, make_event, citizen, staff, django_assert_max_num_queries
):
    upcoming = make_event(title="Upcoming training", capacity=1)
    register(upcoming, UserFactory())
    register(upcoming, citizen)
    past = make_event(title="Past training")
    attended = register(past, citizen)
    move_to_today(past)
    services_registration.check_in(actor=staff, registration=attended)
    attended = services_registration.issue_certificate(actor=staff, registration=attended)
    start = timezone.now() - datetime.timedelta(days=3)
    past.starts_at, past.ends_at = start, start + datetime.timedelta(hours=8)
    past.save()
    someone_elses = make_event(title="Somebody else's event")
    register(someone_elses, UserFactory())

    for n in range(8):  # more events with a queue: the page asks no more of the database
        full = make_event(title=f"Full training {n}", capacity=1)
        register(full, UserFactory())
        register(full, UserFactory())
        register(full, citizen)
    client.force_login(citizen)
    with django_assert_max_num_queries(6):
        page = client.get(url("mine")).content.decode()
    assert page.count("number 2 in the queue") == 8
    upcoming_part, past_part = page.split('id="past-heading"')
    assert "Upcoming training" in upcoming_part and "number 1 in the queue" in upcoming_part
    assert "Past training" in past_part
    assert url("certificate", attended.certificate_code) in past_part
    assert "Somebody else" not in page


# --- The box on the event page ------------------------------------------------------------------


def _box(event, user) -> str:
    request = RequestFactory().get(event.get_absolute_url())
    request.user = user
    template = Template('{% include "events/_registration_box.html" %}')
    return template.render(Context({"event": event, "request": request, "user": user}))


def test_the_box_tells_a_visitor_to_log_in(make_event):
    from django.contrib.auth.models import AnonymousUser

    event = make_event()
    html = _box(event, AnonymousUser())
    assert "Log in to register" in html
    assert "20 seats left of 20." in html
    closed = make_event(registration_closes_at=timezone.now() - datetime.timedelta(hours=1))
    html = _box(closed, AnonymousUser())
    assert "Registration closed on" in html
    assert "Log in to register" not in html


def test_the_box_shows_the_registration_and_the_way_to_cancel(training, citizen):
    register(training, citizen)
    html = _box(training, citizen)
    assert "Your registration is confirmed." in html
    assert url("cancel", training.slug) in html
    assert url("ics", training.slug) in html


def test_the_box_says_why_one_cannot_register_and_links_the_agenda(make_event, citizen, staff):
    from activator.events.models import Session

    event = make_event(audience=Audience.MEMBERS)
    html = _box(event, citizen)
    assert "This event is for people of the network" in html
    assert url("register", event.slug) not in html
    assert url("agenda", event.slug) not in html
    Session.objects.create(
        event=event, title="Opening", starts_at=event.starts_at, ends_at=event.ends_at
    )
    assert url("agenda", event.slug) in _box(event, citizen)


def test_an_event_without_registration_or_agenda_has_no_box(make_event, citizen):
    event = make_event(registration=RegistrationMode.NONE)
    assert _box(event, citizen).strip() == ""


# --- Staff: who may run registration ------------------------------------------------------------


@pytest.fixture
def office_training(make_event, regional_officer):
    """A training run by the East Asia office."""
    return make_event(office=regional_officer.regional_office)


@pytest.mark.parametrize("name", ["registrations", "check_in", "questions"])
def test_staff_pages_answer_managers_and_refuse_the_others(
    client, office_training, staff, regional_officer, representative, name
):
    other_officer = UserFactory(
        platform_role="regional_staff", regional_office=RegionalOfficeFactory(name="Africa Office")
    )
    for person, status in [
        (staff, 200),
        (regional_officer, 200),
        (other_officer, 403),
        (representative, 403),
    ]:
        client.force_login(person)
        assert client.get(url(name, office_training.slug)).status_code == status, person


def test_a_regional_officer_of_another_office_cannot_act_on_a_registration(
    client, training, regional_officer, citizen
):
    registration = register(training, citizen)
    client.force_login(regional_officer)
    response = client.post(url("registration_action", training.slug, registration.pk, "cancel"))
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == CONFIRMED


# --- Staff: the registrations table -------------------------------------------------------------


def test_the_table_counts_per_status_filters_and_shows_answers(
    client, make_event, staff, django_assert_max_num_queries
):
    event = make_event(capacity=40)
    question = Question.objects.create(
        event=event, kind=QuestionKind.YES_NO, label="Need a visa letter?", position=1
    )
    people = UserFactory.create_batch(50)
    for person in people[:40]:
        register(event, person, answers={str(question.pk): "yes"})
    for person in people[40:]:
        register(event, person)
    client.force_login(staff)
    with django_assert_max_num_queries(10):
        response = client.get(url("registrations", event.slug))
    page = response.content.decode()
    assert "Confirmed: 40" in page
    assert "On the waiting list: 10" in page
    assert "All: 50" in page
    assert "number 10 in the queue" in page
    assert "Need a visa letter?" in page
    assert page.count('class="events-registration-row"') == 50

    response = client.get(url("registrations", event.slug), {"status": "waitlisted"})
    assert response.content.decode().count('class="events-registration-row"') == 10
    response = client.get(url("registrations", event.slug), {"q": people[0].email})
    assert response.content.decode().count('class="events-registration-row"') == 1


def test_the_csv_export_has_every_answer_and_no_formula(client, training, staff):
    question = Question.objects.create(
        event=training, kind=QuestionKind.SHORT_TEXT, label="Remarks", position=1
    )
    sneaky = UserFactory(full_name='=HYPERLINK("http://evil")', email="sneaky@example.org")
    register(training, sneaky, answers={str(question.pk): "+1 555"})
    client.force_login(staff)
    response = client.get(url("registrations", training.slug), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Name", "E-mail", "Attending for", "Status"]
    assert rows[0][-1] == "Remarks"
    assert rows[1][0] == '\'=HYPERLINK("http://evil")'
    assert rows[1][1] == "sneaky@example.org"
    assert rows[1][3] == "Confirmed"
    assert rows[1][-1] == "'+1 555"


def test_staff_approve_a_request_and_htmx_gets_the_row_back(
    client, make_event, staff, citizen, django_capture_on_commit_callbacks
):
    event = make_event(audience=Audience.INVITATION)
    registration = register(event, citizen)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("registration_action", event.slug, registration.pk, "approve"),
            HTTP_HX_REQUEST="true",
        )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<tr id="registration-')
    assert "Confirmed" in html
    assert 'hx-swap-oob="true"' in html
    registration.refresh_from_db()
    assert registration.status == CONFIRMED
    assert any("approved" in m.subject.lower() for m in mail.outbox)


def test_staff_decline_without_javascript_goes_back_to_the_table(client, make_event, staff):
    event = make_event(audience=Audience.INVITATION)
    registration = register(event, UserFactory())
    client.force_login(staff)
    response = client.post(
        url("registration_action", event.slug, registration.pk, "decline"), follow=True
    )
    assert response.redirect_chain[-1][0] == url("registrations", event.slug)
    assert "is declined" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.DECLINED


def test_a_refused_action_says_why_and_changes_nothing(client, training, staff, citizen):
    registration = register(training, citizen)  # 30 days ahead: check-in is not open
    client.force_login(staff)
    response = client.post(
        url("registration_action", training.slug, registration.pk, "check_in"),
        HTTP_HX_REQUEST="true",
    )
    assert "Check-in opens on" in response.content.decode()
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_actions_only_on_the_events_own_registrations(client, make_event, staff, citizen):
    first, second = make_event(), make_event()
    registration = register(first, citizen)
    client.force_login(staff)
    action = url("registration_action", second.slug, registration.pk, "cancel")
    assert client.post(action).status_code == 404
    assert client.get(action).status_code == 405
    unknown = url("registration_action", first.slug, registration.pk, "delete")
    assert client.post(unknown).status_code == 404
    registration.refresh_from_db()
    assert registration.status == CONFIRMED


# --- Staff: check-in and certificates -----------------------------------------------------------


def test_check_in_finds_people_and_checks_them_in_live(client, training, staff):
    move_to_today(training)
    ana = UserFactory(full_name="Ana Kim", email="ana@example.org")
    bo = UserFactory(full_name="Bo Park", email="bo@example.org")
    first = register(training, ana)
    register(training, bo)
    client.force_login(staff)
    page = client.get(url("check_in", training.slug), {"q": "kim"}).content.decode()
    assert "Ana Kim" in page and "Bo Park" not in page
    assert "0 of 2 confirmed participants checked in." in page
    response = client.get(
        url("check_in", training.slug),
        {"q": "bo@"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="check-in-results",
    )
    html = response.content.decode()
    assert html.startswith('<div id="check-in-results">')
    assert "Bo Park" in html and "Ana Kim" not in html

    response = client.post(
        url("registration_action", training.slug, first.pk, "check_in"),
        {"view": "check_in"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Checked in" in html
    assert "1 of 2 confirmed participants checked in." in html
    assert "Undo check-in" in html
    first.refresh_from_db()
    assert first.checked_in_at is not None and first.checked_in_by == staff


def test_check_in_works_without_javascript(client, training, staff):
    move_to_today(training)
    registration = register(training, UserFactory(full_name="Ana Kim"))
    client.force_login(staff)
    back = url("check_in", training.slug) + "?q=ana"
    response = client.post(
        url("registration_action", training.slug, registration.pk, "check_in"),
        {"next": back, "view": "check_in"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == back
    page = response.content.decode()
    assert "Ana Kim is checked in." in page
    assert "1 of 1 confirmed participant checked in." in page
    response = client.post(
        url("registration_action", training.slug, registration.pk, "undo_check_in"),
        {"next": "https://elsewhere.example/"},
    )
    assert response["Location"] == url("registrations", training.slug)
    registration.refresh_from_db()
    assert registration.checked_in_at is None


def test_certificates_go_to_every_attendee(
    client, training, staff, django_capture_on_commit_callbacks
):
    move_to_today(training)
    came, absent = UserFactory(), UserFactory()
    services_registration.check_in(actor=staff, registration=register(training, came))
    register(training, absent)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("certificates_issue", training.slug), follow=True)
    assert "1 certificate issued" in response.content.decode()
    assert Registration.objects.get(person=came).certificate_code
    assert Registration.objects.get(person=absent).certificate_code is None
    response = client.post(url("certificates_issue", training.slug), follow=True)
    assert "Every participant who checked in has a certificate." in response.content.decode()


def test_certificates_are_for_trainings_only(client, make_event, staff):
    event = make_event(type=EventType.WEBINAR)
    client.force_login(staff)
    response = client.post(url("certificates_issue", event.slug), follow=True)
    assert "trainings only" in response.content.decode()


def test_staff_issue_one_certificate_from_the_table(client, training, staff):
    move_to_today(training)
    registration = register(training, UserFactory())
    services_registration.check_in(actor=staff, registration=registration)
    client.force_login(staff)
    response = client.post(
        url("registration_action", training.slug, registration.pk, "issue_certificate"),
        HTTP_HX_REQUEST="true",
    )
    registration.refresh_from_db()
    assert registration.certificate_code
    assert url("certificate", registration.certificate_code) in response.content.decode()


# --- Staff: the questions -----------------------------------------------------------------------


def test_staff_add_edit_reorder_and_remove_questions(client, training, staff):
    client.force_login(staff)
    page = url("questions", training.slug)
    response = client.post(
        page,
        {
            "question-new-label": "Your role",
            "question-new-kind": QuestionKind.CHOICE,
            "question-new-choices": "Mayor",
            "question-new-position": "1",
        },
    )
    assert response.status_code == 400
    assert "at least two choices" in response.content.decode()
    assert not Question.objects.exists()

    client.post(
        page,
        {
            "question-new-label": "Your role",
            "question-new-kind": QuestionKind.CHOICE,
            "question-new-choices": "Mayor\nOfficer",
            "question-new-required": "on",
            "question-new-position": "1",
        },
    )
    client.post(
        page,
        {
            "question-new-label": "Dietary needs",
            "question-new-kind": QuestionKind.SHORT_TEXT,
            "question-new-position": "2",
        },
    )
    role, diet = Question.objects.order_by("position")
    assert role.choices == ["Mayor", "Officer"] and role.required

    response = client.post(
        page,
        {
            "pk": role.pk,
            f"question-{role.pk}-label": "Your role in the city",
            f"question-{role.pk}-kind": QuestionKind.CHOICE,
            f"question-{role.pk}-choices": "Mayor\nOfficer\nResearcher",
            f"question-{role.pk}-position": "1",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "“Your role in the city” saved." in response.content.decode()
    role.refresh_from_db()
    assert role.choices == ["Mayor", "Officer", "Researcher"] and not role.required

    client.post(page, {"pk": diet.pk, "move": "up"})
    assert list(training.questions.values_list("label", flat=True)) == [
        "Dietary needs",
        "Your role in the city",
    ]
    client.post(page, {"pk": diet.pk, "remove": "1"})
    assert list(training.questions.values_list("label", flat=True)) == ["Your role in the city"]


def test_questions_of_another_event_cannot_be_changed(client, make_event, staff):
    first, second = make_event(), make_event()
    question = Question.objects.create(event=first, kind=QuestionKind.SHORT_TEXT, label="Q")
    client.force_login(staff)
    response = client.post(url("questions", second.slug), {"pk": question.pk, "remove": "1"})
    assert response.status_code == 404
    assert Question.objects.filter(pk=question.pk).exists()


def test_a_contact_of_a_city_attends_for_it(client, training, city):
    person = UserFactory()
    AffiliationFactory(user=person, organisation=city)
    client.force_login(person)
    response = client.post(url("register", training.slug), {"organisation": str(city.pk)})
    assert response.status_code == 302
    assert Registration.objects.get().organisation == city
