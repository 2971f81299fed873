"""What meetings show of people, challenges and solutions: only published challenges and
solutions of one of the two sides are attached, and one that is later unpublished is no longer
named on pages, in e-mails or in the calendar file; refusals name nobody."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from icalendar import Calendar

from activator.matching import services
from activator.matching import services_meetings as meetings
from activator.matching.enums import PublicationStatus
from activator.matching.models import MeetingRequest
from tests.factories import OrganisationFactory, UserFactory
from tests.matching.test_meetings_services import add_slots, fair_event, register

CHALLENGE = "Flooded underpasses"
SOLUTION = "Underpass flood sensors"


@pytest.fixture
def event(db):
    return fair_event()


@pytest.fixture
def city_side(event, representative):
    register(event, representative)
    return representative


@pytest.fixture
def provider_side(event, provider_rep):
    register(event, provider_rep)
    return provider_rep


@pytest.fixture
def challenge(make_challenge):
    return make_challenge(title=CHALLENGE)


@pytest.fixture
def solution(make_solution):
    return make_solution(name=SOLUTION)


# --- What may be attached ------------------------------------------------------------------------


def test_a_draft_challenge_is_not_attached(event, city_side, provider_side, make_challenge):
    draft = make_challenge(title="Secret plans", publish=False)
    with pytest.raises(ValidationError) as refused:
        meetings.meeting_request(
            actor=city_side, event=event, recipient=provider_side, challenge=draft
        )
    assert "challenge" in refused.value.message_dict
    assert not MeetingRequest.objects.exists() and mail.outbox == []


def test_a_draft_solution_is_not_attached(event, city_side, provider_side, make_solution):
    draft = make_solution(name="Unreleased gadget", publish=False)
    with pytest.raises(ValidationError):
        meetings.meeting_request(
            actor=provider_side, event=event, recipient=city_side, solution=draft
        )
    assert not MeetingRequest.objects.exists() and mail.outbox == []


@pytest.mark.parametrize("status", [PublicationStatus.CLOSED, PublicationStatus.DRAFT])
def test_an_unpublished_challenge_of_ones_own_is_refused(
    event, city_side, provider_side, challenge, status
):
    services.challenge_set_status(actor=city_side, challenge=challenge, status=status)
    with pytest.raises(ValidationError):
        meetings.meeting_request(
            actor=city_side, event=event, recipient=provider_side, challenge=challenge
        )
    assert not MeetingRequest.objects.exists()


def test_published_subjects_of_either_side_are_attached(
    event, city_side, provider_side, challenge, solution
):
    # The city asks about its challenge and the provider's solution.
    meeting = meetings.meeting_request(
        actor=city_side,
        event=event,
        recipient=provider_side,
        challenge=challenge,
        solution=solution,
    )
    assert (meeting.challenge, meeting.solution) == (challenge, solution)
    meetings.meeting_cancel(actor=city_side, meeting=meeting)
    # The provider asks about the city's challenge and its own solution.
    meeting = meetings.meeting_request(
        actor=provider_side,
        event=event,
        recipient=city_side,
        challenge=challenge,
        solution=solution,
    )
    assert (meeting.challenge, meeting.solution) == (challenge, solution)


def test_a_third_partys_published_challenge_is_not_attached(
    event, provider_side, other_city, other_representative, make_challenge
):
    theirs = make_challenge(title="Abuja buses", city_org=other_city, actor=other_representative)
    someone = UserFactory(full_name="Someone Else")
    register(event, someone)
    with pytest.raises(ValidationError):
        meetings.meeting_request(
            actor=provider_side, event=event, recipient=someone, challenge=theirs
        )
    assert not MeetingRequest.objects.exists()


def test_the_page_refuses_a_draft_challenge_and_sends_nothing(
    client, event, city_side, provider_side, make_challenge
):
    draft = make_challenge(title="Secret plans", publish=False)
    client.force_login(city_side)
    response = client.post(
        reverse("matching:meeting_request"),
        {"event": event.pk, "recipient": provider_side.pk, "challenge": draft.pk},
    )
    assert response.status_code == 302
    assert not MeetingRequest.objects.exists() and mail.outbox == []


def test_the_request_box_leaves_out_a_draft_challenge(
    client, event, city_side, provider_side, solution, make_challenge
):
    draft = make_challenge(title="Secret plans", publish=False)
    client.force_login(city_side)
    page = client.get(
        reverse("matching:solution", args=[solution.slug]), {"challenge": draft.slug}
    ).content.decode()
    assert reverse("matching:meeting_request") in page
    assert f'name="challenge" value="{draft.pk}"' not in page
    assert f'name="solution" value="{solution.pk}"' in page


# --- What is shown once a subject is unpublished -------------------------------------------------


def test_an_unpublished_challenge_is_no_longer_named(
    client, event, city_side, provider_side, challenge, solution, django_capture_on_commit_callbacks
):
    add_slots(event, 1)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = meetings.meeting_request(
            actor=city_side,
            event=event,
            recipient=provider_side,
            challenge=challenge,
            solution=solution,
        )
    assert CHALLENGE in mail.outbox[-1].body
    client.force_login(provider_side)
    event_page = reverse("matching:event_meetings", args=[event.slug])
    assert CHALLENGE in client.get(event_page).content.decode()

    services.challenge_set_status(
        actor=city_side, challenge=challenge, status=PublicationStatus.DRAFT
    )
    received = client.get(event_page).content.decode()
    assert CHALLENGE not in received and SOLUTION in received
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        meetings.meeting_respond(actor=provider_side, meeting=meeting, accept=True)
    assert mail.outbox and all(CHALLENGE not in m.body for m in mail.outbox)
    assert SOLUTION in mail.outbox[-1].body
    for address in (event_page, reverse("matching:my_meetings")):
        text = client.get(address).content.decode()
        assert CHALLENGE not in text and SOLUTION in text, address
    ics = Calendar.from_ical(client.get(reverse("matching:my_meetings_ics")).content)
    (vevent,) = ics.walk("VEVENT")
    assert CHALLENGE not in str(vevent["description"])
    assert SOLUTION in str(vevent["description"])


def test_a_closed_solution_is_no_longer_named_in_the_calendar(
    client, event, city_side, provider_side, solution
):
    add_slots(event, 1)
    meeting = meetings.meeting_request(
        actor=city_side, event=event, recipient=provider_side, solution=solution
    )
    meetings.meeting_respond(actor=provider_side, meeting=meeting, accept=True)
    client.force_login(city_side)

    def described() -> str:
        response = client.get(reverse("matching:my_meetings_ics"))
        (vevent,) = Calendar.from_ical(response.content).walk("VEVENT")
        return str(vevent["description"])

    assert SOLUTION in described()
    services.solution_set_status(
        actor=provider_side, solution=solution, status=PublicationStatus.CLOSED
    )
    assert SOLUTION not in described()
    assert SOLUTION not in client.get(reverse("matching:my_meetings")).content.decode()


# --- Refusals and search name nobody -------------------------------------------------------------


def test_asking_someone_not_registered_does_not_name_them(event, city_side):
    stranger = UserFactory(full_name="Hidden Person", email="hidden@example.org")
    with pytest.raises(ValidationError) as refused:
        meetings.meeting_request(actor=city_side, event=event, recipient=stranger)
    said = " ".join(refused.value.messages)
    assert "Hidden Person" not in said and "hidden@example.org" not in said
    assert "confirmed registration" in said


def test_the_page_refusal_does_not_name_them(client, event, city_side):
    stranger = UserFactory(full_name="Hidden Person", email="hidden@example.org")
    client.force_login(city_side)
    response = client.post(
        reverse("matching:meeting_request"),
        {"event": event.pk, "recipient": stranger.pk},
        headers={"HX-Request": "true"},
    )
    text = response.content.decode()
    assert "confirmed registration" in text
    assert "Hidden Person" not in text and "hidden@example.org" not in text


def test_participant_search_does_not_match_e_mail(client, event, city_side):
    company = OrganisationFactory(name="Data Alliance")
    register(
        event,
        UserFactory(full_name="Zoe Provider", email="zoe.private@example.org"),
        organisation=company,
    )
    client.force_login(city_side)
    page = reverse("matching:event_meetings", args=[event.slug])

    def found(q: str) -> list[str]:
        response = client.get(page, {"q": q})
        return [str(registration.person) for registration, _ in response.context["participants"]]

    assert found("Zoe") == ["Zoe Provider"]
    assert found("alliance") == ["Zoe Provider"]
    assert found("zoe.private") == []
    assert found("example.org") == []
