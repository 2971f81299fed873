"""Solution Finder pages: what it is, the staff queue and one request, for every kind of visitor."""

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activator.calls import services as calls_services
from activator.calls.enums import ApplicationStatus
from activator.calls.models import Application
from activator.matching import services_finder as finder
from activator.matching.enums import FinderOutcome, FinderStage
from activator.matching.models import FinderMessage, FinderPartner, FinderRequest
from activator.projects.models import Project
from tests.factories import AffiliationFactory, MembershipFactory
from tests.matching.test_finder_services import complete_answers, load_finder_call, submit_request

HOME = reverse("matching:finder")
QUEUE = reverse("matching:requests")


def text_of(response) -> str:
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(content))


def follow(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return text_of(client.get(response.url))


def page_of(request: FinderRequest) -> str:
    return reverse("matching:request", args=[request.pk])


@pytest.fixture
def finder_call(db):
    return load_finder_call()


@pytest.fixture
def finder_request(finder_call, representative, city):
    return submit_request(finder_call, representative, city)


@pytest.fixture
def abuja_request(finder_call, other_representative, other_city):
    return submit_request(finder_call, other_representative, other_city, title="Abuja buses")


# --- The Solution Finder page -----------------------------------------------------------------


def test_the_page_explains_the_steps_and_benefits_and_links_the_open_call(client, finder_call):
    response = client.get(HOME)
    assert response.status_code == 200
    page = text_of(response)
    assert "WeGO reviews the request and gives preliminary feedback." in page
    assert "Matchmaking with strategic partners" in page
    assert "Sharing smart city plans with the network" in page
    assert reverse("calls:apply", args=[finder_call.slug]) in response.content.decode()
    assert "Your city's requests" not in page and "Requests to handle" not in page


def test_without_an_open_call_the_page_says_so(client, db):
    page = text_of(client.get(HOME))
    assert "not taking requests at the moment" in page


def test_the_city_sees_its_requests_and_their_stage(
    client, finder_request, abuja_request, staff, contact
):
    finder.request_review_start(actor=staff, request=finder_request)
    client.force_login(contact)
    page = text_of(client.get(HOME))
    assert "Flood warnings for underpasses" in page and "Under review" in page
    assert "Abuja buses" not in page


def test_staff_get_a_link_to_the_queue(client, staff, finder_call):
    client.force_login(staff)
    assert QUEUE in client.get(HOME).content.decode()


# --- Asking about a challenge -----------------------------------------------------------------


def test_asking_about_a_challenge_starts_a_prefilled_draft(
    client, finder_call, make_challenge, representative, city, staff
):
    challenge = make_challenge()
    client.force_login(representative)
    page = text_of(client.get(HOME, {"challenge": challenge.slug}))
    assert "Ask the Secretariat" in page
    response = client.post(HOME, {"challenge": challenge.slug})
    application = Application.objects.get()
    assert response.url == reverse("calls:application_edit", args=[application.pk])
    assert application.status == ApplicationStatus.DRAFT and application.organisation == city
    assert application.finder_request.challenge == challenge
    edit = text_of(client.get(response.url))
    assert challenge.description in edit
    # The draft is listed on the city's page, with the way to finish it.
    assert "Draft: not sent yet" in text_of(client.get(HOME))
    # Staff do not see a draft.
    client.force_login(staff)
    assert challenge.title not in text_of(client.get(QUEUE))
    assert client.get(page_of(application.finder_request)).status_code == 404


def test_only_the_citys_people_may_ask_about_its_challenge(
    client, finder_call, make_challenge, other_representative, citizen
):
    challenge = make_challenge()
    for person in (other_representative, citizen):
        client.force_login(person)
        page = text_of(client.get(HOME, {"challenge": challenge.slug}))
        assert "Only the city's people may ask" in page
        assert client.post(HOME, {"challenge": challenge.slug}).status_code == 403
    client.logout()
    response = client.post(HOME, {"challenge": challenge.slug})
    assert response.status_code == 302 and "login" in response.url
    assert not Application.objects.exists()


def test_an_unknown_or_draft_challenge_is_not_found(
    client, finder_call, make_challenge, other_representative
):
    draft = make_challenge(publish=False)
    client.force_login(other_representative)
    assert client.get(HOME, {"challenge": draft.slug}).status_code == 404
    assert client.get(HOME, {"challenge": "nothing-here"}).status_code == 404


# --- The queue --------------------------------------------------------------------------------


def test_the_queue_is_for_staff_only(client, finder_request, representative, citizen):
    response = client.get(QUEUE)
    assert response.status_code == 302 and "login" in response.url
    for person in (representative, citizen):
        client.force_login(person)
        assert client.get(QUEUE).status_code == 403


def test_the_secretariat_sees_every_region_and_regional_staff_their_own(
    client, finder_request, abuja_request, staff, regional_officer
):
    client.force_login(staff)
    page = text_of(client.get(QUEUE))
    assert "Flood warnings for underpasses" in page and "Abuja buses" in page
    client.force_login(regional_officer)
    page = text_of(client.get(QUEUE))
    assert "Flood warnings for underpasses" in page and "Abuja buses" not in page
    assert client.get(page_of(abuja_request)).status_code == 404


def test_the_queue_filters_by_stage_region_and_handler(
    client, finder_request, abuja_request, staff, africa
):
    finder.request_review_start(actor=staff, request=finder_request)
    client.force_login(staff)
    page = text_of(client.get(QUEUE, {"stage": FinderStage.SUBMITTED}))
    assert "Abuja buses" in page and "Flood warnings" not in page
    page = text_of(client.get(QUEUE, {"region": africa.pk}))
    assert "Abuja buses" in page and "Flood warnings" not in page
    page = text_of(client.get(QUEUE, {"mine": "on"}))
    assert "Flood warnings" in page and "Abuja buses" not in page
    assert "No request matches" in text_of(client.get(QUEUE, {"stage": FinderStage.CLOSED}))
    assert "Some filters are not valid" in text_of(client.get(QUEUE, {"stage": "nonsense"}))


def test_closed_requests_leave_the_default_queue(client, finder_request, staff):
    finder.request_close(actor=staff, request=finder_request, outcome=FinderOutcome.WITHDRAWN)
    client.force_login(staff)
    assert "Flood warnings" not in text_of(client.get(QUEUE))
    assert "Flood warnings" in text_of(client.get(QUEUE, {"stage": "all"}))


def test_the_queue_query_count_does_not_grow_with_the_requests(
    client, finder_call, staff, asia, django_assert_max_num_queries
):
    def one_more(i):
        city = MembershipFactory(organisation__name=f"City {i}", organisation__region=asia)
        person = AffiliationFactory(organisation=city.organisation, user__password=None).user
        request = submit_request(finder_call, person, city.organisation, title=f"Request {i}")
        finder.request_review_start(actor=staff, request=request)
        finder.message_post(actor=staff, request=request, body="Hello")

    one_more(0)
    client.force_login(staff)
    with CaptureQueriesContext(connection) as one:
        assert client.get(QUEUE).status_code == 200
    for i in range(1, 8):
        one_more(i)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = text_of(client.get(QUEUE))
    assert "Request 7" in page and "Request 0" in page


# --- One request ------------------------------------------------------------------------------


def test_who_sees_a_request(
    client, finder_request, representative, contact, other_representative, citizen, staff
):
    address = page_of(finder_request)
    response = client.get(address)
    assert response.status_code == 302 and "login" in response.url
    for person in (other_representative, citizen):
        client.force_login(person)
        assert client.get(address).status_code == 404
    for person in (representative, contact, staff):
        client.force_login(person)
        page = text_of(client.get(address))
        assert "Flooded underpasses after heavy rain." in page
    assert "History" in page  # staff only
    client.force_login(contact)
    page = text_of(client.get(address))
    assert "History" not in page and "Take and review it" not in page


def test_the_city_cannot_take_staff_steps(client, finder_request, representative):
    client.force_login(representative)
    address = page_of(finder_request)
    assert client.post(address, {"action": "review"}).status_code == 403
    assert (
        client.post(address, {"action": "feedback", "feedback-feedback": "Mine"}).status_code == 403
    )
    assert (
        client.post(address, {"action": "close", "close-outcome": "withdrawn"}).status_code == 403
    )
    finder_request.refresh_from_db()
    assert finder_request.stage == FinderStage.SUBMITTED and finder_request.feedback == ""


def test_an_unknown_action_is_a_bad_request(client, finder_request, staff):
    client.force_login(staff)
    assert client.post(page_of(finder_request), {"action": "explode"}).status_code == 400


def test_steps_out_of_order_are_refused_on_the_page(client, finder_request, staff, company):
    client.force_login(staff)
    response = client.post(
        page_of(finder_request), {"action": "connect", "partner-organisation": company.pk}
    )
    assert "preliminary feedback before connecting" in follow(client, response)
    response = client.post(page_of(finder_request), {"action": "review"})
    assert response.status_code == 302
    response = client.post(page_of(finder_request), {"action": "review"})
    assert "already under review" in follow(client, response)
    assert not FinderPartner.objects.exists()


def test_a_withdrawn_request_offers_only_closing(client, finder_request, staff, representative):
    finder.request_review_start(actor=staff, request=finder_request)
    calls_services.application_withdraw(
        actor=representative, application=finder_request.application
    )
    client.force_login(staff)
    page = client.get(page_of(finder_request)).content.decode()
    assert 'value="feedback"' not in page and 'value="message"' not in page
    assert 'value="close"' in page
    response = client.post(
        page_of(finder_request), {"action": "feedback", "feedback-feedback": "Late feedback"}
    )
    assert "withdrew this request" in follow(client, response)
    finder_request.refresh_from_db()
    assert finder_request.stage == FinderStage.IN_REVIEW and finder_request.feedback == ""


def test_an_empty_message_is_refused(client, finder_request, representative):
    client.force_login(representative)
    response = client.post(page_of(finder_request), {"action": "message", "message-body": "  "})
    assert response.status_code == 400
    assert not FinderMessage.objects.exists()


def test_suggested_solutions_are_shown_to_staff_for_a_challenge(
    client, finder_call, make_challenge, make_solution, representative, staff
):
    challenge = make_challenge()
    solution = make_solution()
    application = finder.request_start(actor=representative, challenge=challenge)
    from activator.calls import services as calls_services

    calls_services.application_save(
        actor=representative, application=application, answers=complete_answers(finder_call)
    )
    calls_services.application_submit(actor=representative, application=application)
    request = application.finder_request
    finder.request_review_start(actor=staff, request=request)
    finder.feedback_give(actor=staff, request=request, text="Good")
    client.force_login(staff)
    page = text_of(client.get(page_of(request)))
    assert "Solutions that match the city's challenge" in page and solution.name in page
    response = client.post(
        page_of(request),
        {
            "action": "connect",
            "partner-organisation": solution.provider_id,
            "partner-solution": solution.pk,
        },
    )
    assert response.status_code == 302
    assert FinderPartner.objects.get().solution == solution


# --- The whole path through the pages ---------------------------------------------------------


def test_the_whole_path_from_the_form_to_a_project(
    client,
    finder_call,
    representative,
    city,
    staff,
    company,
    provider_rep,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # The city applies through the calls pages.
    client.force_login(representative)
    response = client.post(
        reverse("calls:apply", args=[finder_call.slug]),
        {"applicant": str(city.pk), "title": "Flood warnings"},
    )
    application = Application.objects.get()
    assert response.url == reverse("calls:application_edit", args=[application.pk])
    answers = {f"q{key}": value for key, value in complete_answers(finder_call).items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("calls:application_submit", args=[application.pk]),
            {"save": "1", "title": "Flood warnings", **answers},
        )
    assert response.status_code == 302
    request = FinderRequest.objects.get(application=application)
    assert "Submitted" in text_of(client.get(HOME))

    # Staff find it in the queue and take it.
    client.force_login(staff)
    assert "Flood warnings" in text_of(client.get(QUEUE))
    address = page_of(request)
    assert "Your request" not in follow(client, client.post(address, {"action": "review"}))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            address, {"action": "feedback", "feedback-feedback": "Sensors could help."}
        )
    assert "The feedback is sent to the city." in follow(client, response)
    assert [m.to for m in mailoutbox] == [[representative.email]]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(address, {"action": "message", "message-body": "How many underpasses?"})

    # The city answers in the thread and reads the feedback.
    client.force_login(representative)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(address, {"action": "message", "message-body": "Three."})
    page = follow(client, response)
    assert "Sensors could help." in page and "How many underpasses?" in page and "Three." in page
    assert "Clarifying" in page
    assert mailoutbox[-1].to == [staff.email]

    # Staff connect a partner and close the request as a new project.
    client.force_login(staff)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            address,
            {"action": "connect", "partner-organisation": company.pk, "partner-note": "Sensors"},
        )
    assert response.status_code == 302
    assert sorted(tuple(m.to) for m in mailoutbox) == [
        (provider_rep.email,),
        (representative.email,),
    ]
    response = client.post(
        address, {"action": "close", "close-outcome": FinderOutcome.PROJECT, "close-note": "Go"}
    )
    assert response.status_code == 302
    project = Project.objects.get(organisation=city)
    request.refresh_from_db()
    assert request.project == project and request.stage == FinderStage.CLOSED

    # The city sees the outcome, the partner and the project, also among its projects.
    client.force_login(representative)
    page = text_of(client.get(address))
    assert "Became a project" in page and project.title in page and "Data Alliance" in page
    assert "Post the message" not in page
    assert project.title in text_of(client.get(reverse("projects:list")))
    assert project.title in text_of(client.get(HOME))
