"""Solution Finder requests: a city's application to the standing call, followed by staff from
review to feedback, clarification, partners connected and a closing that may make a project."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activator.calls import services as calls_services
from activator.calls.enums import ApplicationStatus, CallKind, Outcome, QuestionKind
from activator.calls.seed import SEED_FILE, load_call
from activator.core.audit import audit_for
from activator.matching import services_finder as finder
from activator.matching.enums import FinderOutcome, FinderStage
from activator.matching.models import FinderMessage, FinderPartner, FinderRequest
from activator.projects.enums import PartnerRole
from activator.projects.models import Project

# --- Helpers shared with the page tests ---------------------------------------------------


def load_finder_call():
    """The standing Solution Finder call, loaded from the demo seed as the demo has it."""
    data = json.loads(SEED_FILE.read_text(encoding="utf-8"))
    spec = next(c for c in data["calls"] if c["kind"] == CallKind.SOLUTION_FINDER)
    call, _created = load_call(spec, data, timezone.localdate())
    return call


@pytest.fixture
def finder_call(db):
    return load_finder_call()


def complete_answers(call) -> dict[str, str]:
    """Answers to every required question of the Solution Finder form."""
    answers = {}
    for question in call.questions.all():
        if not question.required:
            continue
        answers[str(question.pk)] = (
            "Flooded underpasses after heavy rain."
            if question.kind == QuestionKind.LONG_TEXT
            else "USD 300,000 from the city budget"
        )
    return answers


def submit_request(call, actor, city, *, title="Flood warnings for underpasses"):
    """Apply and submit through the calls engine, as the city's representative does."""
    application = calls_services.application_start(
        actor=actor, call=call, organisation=city, title=title
    )
    calls_services.application_save(
        actor=actor, application=application, answers=complete_answers(call)
    )
    calls_services.application_submit(actor=actor, application=application)
    return FinderRequest.objects.get(application=application)


@pytest.fixture
def finder_request(finder_call, representative, city):
    return submit_request(finder_call, representative, city)


@pytest.fixture
def reviewed(finder_request, staff):
    return finder.request_review_start(actor=staff, request=finder_request)


@pytest.fixture
def with_feedback(reviewed, staff):
    return finder.feedback_give(
        actor=staff, request=reviewed, text="Promising: sensors and alerts."
    )


# --- Opening a request ------------------------------------------------------------------------


def test_the_seeded_call_is_open_for_requests(finder_call):
    assert finder.open_finder_call() == finder_call
    assert finder_call.is_accepting()
    assert finder.challenge_question(finder_call).label == "Your city's challenge"


def test_submitting_opens_the_request_and_tells_the_secretariat(
    finder_call, representative, city, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit_request(finder_call, representative, city)
    assert request.stage == FinderStage.SUBMITTED and request.handled_by is None
    assert request.application.status == ApplicationStatus.SUBMITTED
    assert audit_for(request).filter(action="finder.request_opened").count() == 1
    to = [m.to for m in mailoutbox]
    assert [finder_call.contact_email] in to and [representative.email] in to
    opened = next(m for m in mailoutbox if m.to == [finder_call.contact_email])
    assert "Seoul" in opened.subject and request.get_absolute_url() in opened.body


def test_a_city_may_send_several_requests(finder_call, representative, city):
    submit_request(finder_call, representative, city, title="Flooding")
    submit_request(finder_call, representative, city, title="Parking")
    assert FinderRequest.objects.filter(application__organisation=city).count() == 2


def test_other_calls_open_no_request(finder_call, representative, city, staff):
    training = calls_services.call_create(
        actor=staff,
        kind=CallKind.TRAINING,
        title="Training",
        year=2026,
        organiser="Secretariat",
        opens_at=finder_call.opens_at,
        deadline=finder_call.deadline,
        applicant_types=["local_government"],
    )
    calls_services.call_open(actor=staff, call=training)
    application = calls_services.application_start(
        actor=representative, call=training, organisation=city, title="Officials"
    )
    calls_services.application_submit(actor=representative, application=application)
    assert not FinderRequest.objects.exists()


def test_opening_twice_changes_nothing(finder_request, representative):
    again = finder.request_opened(actor=representative, application=finder_request.application)
    assert again == finder_request
    assert audit_for(finder_request).filter(action="finder.request_opened").count() == 1


# --- From a challenge -------------------------------------------------------------------------


def test_a_request_started_from_a_challenge_carries_its_text_and_the_challenge(
    finder_call, make_challenge, representative, city
):
    challenge = make_challenge(budget_min=100_000, budget_max=500_000, duration_months=12)
    application = finder.request_start(actor=representative, challenge=challenge)
    assert application.status == ApplicationStatus.DRAFT
    assert application.organisation == city and application.title == challenge.title
    text = application.answers[str(finder.challenge_question(finder_call).pk)]
    assert challenge.description in text
    assert "USD 100,000 – 500,000" in text and "12 months" in text
    request = application.finder_request
    assert request.challenge == challenge
    # Asking again continues the same draft.
    assert finder.request_start(actor=representative, challenge=challenge) == application
    # Staff cannot act on it until it is submitted.
    with pytest.raises(ValidationError):
        finder.message_post(actor=representative, request=request, body="Hello")
    calls_services.application_save(
        actor=representative, application=application, answers=complete_answers(finder_call)
    )
    calls_services.application_submit(actor=representative, application=application)
    request.refresh_from_db()
    assert request.challenge == challenge and request.stage == FinderStage.SUBMITTED
    assert audit_for(request).filter(action="finder.request_opened").exists()


def test_only_the_citys_representative_may_start_a_request(
    finder_call, make_challenge, other_representative
):
    challenge = make_challenge()
    with pytest.raises(ValidationError):
        finder.request_start(actor=other_representative, challenge=challenge)
    assert not FinderRequest.objects.exists()


def test_no_request_starts_when_no_call_is_open(make_challenge, representative):
    with pytest.raises(ValidationError, match="not taking requests"):
        finder.request_start(actor=representative, challenge=make_challenge())


# --- The whole path ---------------------------------------------------------------------------


def test_the_whole_path_to_a_project_with_the_partner_on_it(
    finder_request,
    staff,
    representative,
    city,
    company,
    provider_rep,
    make_solution,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    solution = make_solution()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = finder.request_review_start(actor=staff, request=finder_request)
    assert request.stage == FinderStage.IN_REVIEW and request.handled_by == staff
    assert mailoutbox == []

    with django_capture_on_commit_callbacks(execute=True):
        request = finder.feedback_give(actor=staff, request=request, text="  Worth pursuing.  ")
    assert request.stage == FinderStage.FEEDBACK and request.feedback == "Worth pursuing."
    assert request.feedback_at is not None
    assert [m.to for m in mailoutbox] == [[representative.email]]
    assert "Worth pursuing." in mailoutbox[0].body

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        question = finder.message_post(actor=staff, request=request, body="Which underpasses?")
    request.refresh_from_db()
    assert question.from_staff and request.stage == FinderStage.CLARIFICATION
    assert [m.to for m in mailoutbox] == [[representative.email]]

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = finder.message_post(actor=representative, request=request, body="Three of them.")
    request.refresh_from_db()
    assert not answer.from_staff and request.stage == FinderStage.CLARIFICATION
    assert [m.to for m in mailoutbox] == [[staff.email]]
    assert "Three of them." in mailoutbox[0].body

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        partner = finder.partner_connect(
            actor=staff, request=request, organisation=company, solution=solution, note="Sensors"
        )
    request.refresh_from_db()
    assert request.stage == FinderStage.CONNECTED and partner.connected_by == staff
    recipients = sorted(tuple(m.to) for m in mailoutbox)
    assert recipients == [(provider_rep.email,), (representative.email,)]
    to_partner = next(m for m in mailoutbox if m.to == [provider_rep.email])
    assert "Seoul" in to_partner.subject and representative.email in to_partner.body

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = finder.request_close(
            actor=staff, request=request, outcome=FinderOutcome.PROJECT, note="Good luck"
        )
    assert request.stage == FinderStage.CLOSED and request.closed_at is not None
    project = request.project
    assert project.organisation == city and project.title == "Flood warnings for underpasses"
    assert set(project.partners.values_list("organisation__name", "role")) == {
        ("Seoul", PartnerRole.LEAD_CITY),
        ("Data Alliance", PartnerRole.SOLUTION_PROVIDER),
    }
    application = request.application
    application.refresh_from_db()
    assert application.outcome == Outcome.ACCEPTED and application.decision_note == "Good luck"
    assert any(project.get_absolute_url() in m.body for m in mailoutbox)
    actions = set(audit_for(request).values_list("action", flat=True))
    assert actions >= {
        "finder.request_opened",
        "finder.review_started",
        "finder.feedback_given",
        "finder.message_posted",
        "finder.partner_connected",
        "finder.request_closed",
    }


def test_closing_links_an_existing_project_of_the_city(
    with_feedback, staff, company, make_project, city, other_city
):
    finder.partner_connect(actor=staff, request=with_feedback, organisation=company)
    theirs = make_project(other_city, title="Not ours")
    with pytest.raises(ValidationError):
        finder.request_close(
            actor=staff, request=with_feedback, outcome=FinderOutcome.PROJECT, project=theirs
        )
    ours = make_project(city, title="Flood sensors")
    request = finder.request_close(
        actor=staff, request=with_feedback, outcome=FinderOutcome.PROJECT, project=ours
    )
    assert request.project == ours and Project.objects.filter(organisation=city).count() == 1
    assert ours.partners.filter(organisation=company).exists()


def test_withdrawn_closes_the_application_too(finder_request, staff):
    request = finder.request_close(
        actor=staff, request=finder_request, outcome=FinderOutcome.WITHDRAWN
    )
    request.application.refresh_from_db()
    assert request.application.status == ApplicationStatus.WITHDRAWN
    assert request.outcome == FinderOutcome.WITHDRAWN and request.project is None


def test_no_partner_keeps_the_application_undecided(reviewed, staff):
    request = finder.request_close(
        actor=staff, request=reviewed, outcome=FinderOutcome.NO_PARTNER, note="Nobody fits."
    )
    assert request.stage == FinderStage.CLOSED and request.outcome_note == "Nobody fits."
    assert request.application.outcome == ""


# --- Refusals ---------------------------------------------------------------------------------


def test_steps_come_in_order(finder_request, staff, company):
    with pytest.raises(ValidationError):
        finder.feedback_give(actor=staff, request=finder_request, text="Too early")
    with pytest.raises(ValidationError):
        finder.partner_connect(actor=staff, request=finder_request, organisation=company)
    with pytest.raises(ValidationError):
        finder.request_close(actor=staff, request=finder_request, outcome=FinderOutcome.NO_PARTNER)
    request = finder.request_review_start(actor=staff, request=finder_request)
    with pytest.raises(ValidationError, match="already under review"):
        finder.request_review_start(actor=staff, request=request)
    with pytest.raises(ValidationError):
        finder.partner_connect(actor=staff, request=request, organisation=company)
    with pytest.raises(ValidationError, match="Connect the city"):
        finder.request_close(actor=staff, request=request, outcome=FinderOutcome.PROJECT)
    request.refresh_from_db()
    assert request.stage == FinderStage.IN_REVIEW and request.feedback == ""
    assert not FinderPartner.objects.exists() and not Project.objects.exists()


def test_a_closed_request_takes_nothing_more(reviewed, staff, representative):
    request = finder.request_close(actor=staff, request=reviewed, outcome=FinderOutcome.NO_PARTNER)
    with pytest.raises(ValidationError, match="closed"):
        finder.request_close(actor=staff, request=request, outcome=FinderOutcome.WITHDRAWN)
    with pytest.raises(ValidationError, match="closed"):
        finder.message_post(actor=representative, request=request, body="Still there?")
    with pytest.raises(ValidationError, match="closed"):
        finder.feedback_give(actor=staff, request=request, text="Late")
    request.refresh_from_db()
    assert request.outcome == FinderOutcome.NO_PARTNER and not FinderMessage.objects.exists()


@pytest.mark.parametrize("text", ["", "   ", "x" * (finder.TEXT_MAX + 1)])
def test_empty_or_overlong_texts_are_refused(reviewed, staff, representative, text):
    with pytest.raises(ValidationError):
        finder.feedback_give(actor=staff, request=reviewed, text=text)
    with pytest.raises(ValidationError):
        finder.message_post(actor=representative, request=reviewed, body=text)
    reviewed.refresh_from_db()
    assert reviewed.stage == FinderStage.IN_REVIEW and not FinderMessage.objects.exists()


def test_an_unknown_outcome_is_refused(reviewed, staff):
    with pytest.raises(ValidationError):
        finder.request_close(actor=staff, request=reviewed, outcome="won")
    reviewed.refresh_from_db()
    assert reviewed.stage == FinderStage.IN_REVIEW


def test_partners_are_checked(with_feedback, staff, city, company, other_city, make_solution):
    solution = make_solution()
    with pytest.raises(ValidationError, match="another organisation"):
        finder.partner_connect(
            actor=staff, request=with_feedback, organisation=other_city, solution=solution
        )
    with pytest.raises(ValidationError, match="its own partner"):
        finder.partner_connect(actor=staff, request=with_feedback, organisation=city)
    finder.partner_connect(actor=staff, request=with_feedback, organisation=company)
    with pytest.raises(ValidationError, match="already connected"):
        finder.partner_connect(actor=staff, request=with_feedback, organisation=company)
    assert FinderPartner.objects.count() == 1


def test_the_city_hears_from_the_call_address_while_nobody_handles(
    finder_request, representative, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finder.message_post(actor=representative, request=finder_request, body="A detail")
    assert [m.to for m in mailoutbox] == [[finder_request.application.call.contact_email]]
    finder_request.refresh_from_db()
    assert finder_request.stage == FinderStage.SUBMITTED


def test_a_request_the_city_withdrew_takes_no_step_but_closing_as_withdrawn(
    with_feedback, staff, representative, company
):
    """Once the city takes its application back, staff can only close the request as withdrawn."""
    calls_services.application_withdraw(actor=representative, application=with_feedback.application)
    steps = [
        lambda: finder.feedback_give(actor=staff, request=with_feedback, text="More feedback"),
        lambda: finder.message_post(actor=staff, request=with_feedback, body="Still there?"),
        lambda: finder.message_post(actor=representative, request=with_feedback, body="Hello"),
        lambda: finder.partner_connect(actor=staff, request=with_feedback, organisation=company),
        lambda: finder.request_close(
            actor=staff, request=with_feedback, outcome=FinderOutcome.NO_PARTNER
        ),
    ]
    for step in steps:
        with pytest.raises(ValidationError, match="withdrew"):
            step()
    with_feedback.refresh_from_db()
    assert with_feedback.stage == FinderStage.FEEDBACK
    assert with_feedback.feedback == "Promising: sensors and alerts."
    assert not FinderMessage.objects.exists() and not FinderPartner.objects.exists()
    closed = finder.request_close(
        actor=staff, request=with_feedback, outcome=FinderOutcome.WITHDRAWN
    )
    assert closed.stage == FinderStage.CLOSED and closed.outcome == FinderOutcome.WITHDRAWN
