"""/api/v1/events and /registrations: the calendar's filters, who sees what, registering."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activator.accounts.enums import AffiliationRole
from activator.accounts.services import api_token_create
from activator.events import services, services_registration
from activator.events.enums import (
    Audience,
    EventStatus,
    EventType,
    QuestionKind,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import Question, Registration, Room, Session, Speaker
from tests.factories import AffiliationFactory, UserFactory

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/events"
REGISTRATIONS = "/api/v1/registrations"
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def bearer(user):
    _token, secret = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def get(client, url, data=None, user=None):
    return client.get(url, data or {}, **(bearer(user) if user is not None else {}))


def post(client, url, data=None, user=None):
    headers = bearer(user) if user is not None else {}
    return client.post(url, data or {}, content_type="application/json", **headers)


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["title"] for item in response.json()["items"]]


def locs(response) -> list[list]:
    return [item["loc"] for item in response.json()["detail"]]


@pytest.fixture
def indexed(make_event):
    """`make_event` with the columns the service derives (region, search text) filled in."""

    def make(**fields):
        event = make_event(**fields)
        services.derive(event)
        event.save()
        return event

    return make


@pytest.fixture
def calendar(indexed, asia, africa, regional_officer):
    """A training in Seoul, a members-only forum in Abuja last year, a planned 2031
    conference, a draft of the East Asia office and one of the Secretariat."""
    now = timezone.now()
    last_year = now - datetime.timedelta(days=365)
    return {
        "training": indexed(title="Smart City Training", office=regional_officer.regional_office),
        "forum": indexed(
            title="Africa Smart Cities Forum",
            type=EventType.FORUM_WORKSHOP,
            audience=Audience.MEMBERS,
            city="Abuja",
            country="NG",
            starts_at=last_year,
            ends_at=last_year + datetime.timedelta(hours=6),
            registration=RegistrationMode.NONE,
        ),
        "planned": indexed(
            title="Smart City Expo Mérida",
            type=EventType.CONFERENCE_EXPO,
            starts_at=None,
            year=2031,
            month=None,
            date_note="Q4",
            city="Mérida",
            country="MX",
            time_zone="America/Mexico_City",
            registration=RegistrationMode.INTEREST,
        ),
        "office_draft": indexed(
            title="Draft workshop of the office",
            status=EventStatus.DRAFT,
            office=regional_officer.regional_office,
        ),
        "draft": indexed(title="Draft of the Secretariat", status=EventStatus.DRAFT),
    }


# --- The list -----------------------------------------------------------------------------------


def test_drafts_appear_only_to_the_staff_who_manage_them(
    client, calendar, staff, regional_officer, representative
):
    public = {"Smart City Training", "Africa Smart Cities Forum", "Smart City Expo Mérida"}
    assert set(titles(get(client, EVENTS))) == public
    assert set(titles(get(client, EVENTS, user=representative))) == public
    assert set(titles(get(client, EVENTS, user=regional_officer))) == public | {
        "Draft workshop of the office"
    }
    assert set(titles(get(client, EVENTS, user=staff))) == public | {
        "Draft workshop of the office",
        "Draft of the Secretariat",
    }
    draft = calendar["draft"]
    assert get(client, f"{EVENTS}/{draft.pk}", user=regional_officer).status_code == 404
    assert get(client, f"{EVENTS}/{draft.pk}/agenda").status_code == 404
    assert get(client, f"{EVENTS}/{draft.pk}", user=staff).json()["status"] == "draft"


def test_the_calendar_filters(client, calendar):
    assert titles(get(client, EVENTS, {"type": "forum_workshop"})) == ["Africa Smart Cities Forum"]
    both = client.get(EVENTS, {"type": ["forum_workshop", "conference_expo"]})
    assert set(titles(both)) == {"Africa Smart Cities Forum", "Smart City Expo Mérida"}
    assert titles(get(client, EVENTS, {"year": 2031})) == ["Smart City Expo Mérida"]
    assert titles(get(client, EVENTS, {"region": "africa"})) == ["Africa Smart Cities Forum"]
    assert titles(get(client, EVENTS, {"audience": "members"})) == ["Africa Smart Cities Forum"]
    # Words match without accents or case.
    assert titles(get(client, EVENTS, {"q": "MERIDA expo"})) == ["Smart City Expo Mérida"]
    assert titles(get(client, EVENTS, {"upcoming": "true"})) == [
        "Smart City Training",
        "Smart City Expo Mérida",
    ]
    assert titles(get(client, EVENTS, {"upcoming": "false"})) == ["Africa Smart Cities Forum"]


def test_bad_filters_answer_422_with_the_parameter(client, calendar):
    for params, where in [
        ({"type": "party"}, "type"),
        ({"year": "soon"}, "year"),
        ({"year": 20190}, "year"),
        ({"region": "atlantis"}, "region"),
        ({"audience": "everyone"}, "audience"),
        ({"page_size": 201}, "page_size"),
        ({"page": 0}, "page"),
    ]:
        response = get(client, EVENTS, params)
        assert response.status_code == 422, params
        assert any(where in loc for loc in locs(response)), (params, locs(response))


def test_pagination_answers_count_and_items(client, indexed):
    for n in range(7):
        indexed(title=f"Webinar {n}", type=EventType.WEBINAR)
    body = get(client, EVENTS, {"page_size": 3, "page": 3}).json()
    assert body["count"] == 7 and len(body["items"]) == 1
    assert len(get(client, EVENTS, {"page_size": 200}).json()["items"]) == 7


def test_list_queries_do_not_grow_with_events(client, indexed, asia):
    indexed(title="First")
    with CaptureQueriesContext(connection) as few:
        assert get(client, EVENTS).status_code == 200
    for n in range(10):
        indexed(title=f"More {n}", organiser=None)
    with CaptureQueriesContext(connection) as many:
        assert len(get(client, EVENTS).json()["items"]) == 11
    assert len(many) == len(few)


def test_statistics_count_published_events_by_year_and_type(client, indexed):
    indexed(title="A", starts_at=None, year=2019, registration=RegistrationMode.NONE)
    indexed(title="B", type=EventType.SITE_VISIT, starts_at=None, year=2019)
    indexed(title="C", starts_at=None, year=2019, status=EventStatus.DRAFT)
    body = get(client, f"{EVENTS}/statistics", {"year": 2019}).json()
    assert [row["year"] for row in body] == [2019]
    counts = {row["type"]: row["count"] for row in body[0]["types"]}
    assert counts["training"] == 1 and counts["site_visit"] == 1 and body[0]["total"] == 2
    assert len(counts) == len(EventType.values)
    assert get(client, f"{EVENTS}/statistics", {"year": "x"}).status_code == 422


# --- One event ----------------------------------------------------------------------------------


def test_detail_gives_times_on_the_events_clock(client, calendar):
    training = calendar["training"]
    body = get(client, f"{EVENTS}/{training.pk}").json()
    start = training.starts_at.astimezone(SEOUL)
    assert body["time_zone"] == "Asia/Seoul"
    assert body["starts_at"] == start.isoformat()
    assert body["starts_at"].endswith("+09:00")
    assert body["start_date"] == body["end_date"] == start.date().isoformat()
    assert (body["year"], body["month"]) == (start.year, start.month)
    assert body["capacity"] == 20 and body["seats_left"] == 20
    assert body["registration"] == "open" and body["region"]["slug"] == "asia-pacific"
    assert body["registration_closed_reason"] == "Sign in to register."
    planned = get(client, f"{EVENTS}/{calendar['planned'].pk}").json()
    assert (planned["dated"], planned["starts_at"], planned["start_date"]) == (False, None, None)
    assert (planned["year"], planned["month"], planned["date_note"]) == (2031, None, "Q4")
    assert get(client, f"{EVENTS}/99999999").status_code == 404
    assert get(client, f"{EVENTS}/{2**63}").status_code == 404


def test_the_online_link_only_for_those_who_may_join(client, indexed, representative, staff):
    event = indexed(online_url="https://meet.example.org/room")
    url = f"{EVENTS}/{event.pk}"
    assert get(client, url).json()["online_url"] is None
    assert get(client, url, user=representative).json()["online_url"] is None
    assert get(client, url, user=staff).json()["online_url"] == "https://meet.example.org/room"
    post(client, f"{url}/registrations", user=representative)
    assert get(client, url, user=representative).json()["online_url"] == (
        "https://meet.example.org/room"
    )


def test_agenda_lists_rooms_speakers_and_sessions(client, training):
    room = Room.objects.create(event=training, name="Hall A")
    speaker = Speaker.objects.create(event=training, name="Ji-won Park")
    session = Session.objects.create(
        event=training,
        title="Opening",
        starts_at=training.starts_at,
        ends_at=training.starts_at + datetime.timedelta(hours=1),
        room=room,
    )
    session.speakers.add(speaker)
    body = get(client, f"{EVENTS}/{training.pk}/agenda").json()
    assert body["time_zone"] == "Asia/Seoul"
    assert [r["name"] for r in body["rooms"]] == ["Hall A"]
    assert [s["name"] for s in body["speakers"]] == ["Ji-won Park"]
    (only,) = body["sessions"]
    assert only["room_id"] == room.pk and only["speaker_ids"] == [speaker.pk]
    assert only["starts_at"] == training.starts_at.astimezone(SEOUL).isoformat()


# --- Registering --------------------------------------------------------------------------------


@pytest.fixture
def form(training):
    """The training's form: a required job title and a choice of topic."""
    title = Question.objects.create(
        event=training, kind=QuestionKind.SHORT_TEXT, label="Job title", required=True
    )
    topic = Question.objects.create(
        event=training, kind=QuestionKind.CHOICE, label="Topic", choices=["Data", "Mobility"]
    )
    return {"title": str(title.pk), "topic": str(topic.pk)}


def test_registering_needs_a_login(client, training):
    response = post(client, f"{EVENTS}/{training.pk}/registrations")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_register_with_answers_and_organisation(client, training, form, representative, city):
    answers = {form["title"]: "Smart city officer", form["topic"]: "Data"}
    response = post(
        client,
        f"{EVENTS}/{training.pk}/registrations",
        {"organisation_id": city.pk, "answers": answers},
        user=representative,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "confirmed" and body["organisation"] == {
        "id": city.pk,
        "name": "Seoul",
    }
    assert body["answers"] == answers and body["event"]["id"] == training.pk
    training.refresh_from_db()
    assert training.seats_taken == 1
    again = post(
        client, f"{EVENTS}/{training.pk}/registrations", {"answers": answers}, user=representative
    )
    assert again.status_code == 409 and "already registered" in again.json()["detail"]


def test_wrong_answers_and_organisations_answer_422(
    client, training, form, representative, other_city
):
    url = f"{EVENTS}/{training.pk}/registrations"
    missing = post(client, url, {"answers": {form["topic"]: "Cooking"}}, user=representative)
    assert missing.status_code == 422
    assert sorted(locs(missing)) == [
        ["body", "answers", form["title"]],
        ["body", "answers", form["topic"]],
    ]
    not_theirs = post(
        client,
        url,
        {"organisation_id": other_city.pk, "answers": {form["title"]: "Officer"}},
        user=representative,
    )
    assert not_theirs.status_code == 422 and locs(not_theirs) == [["body", "organisation_id"]]
    bad_shape = post(client, url, {"answers": {"title": "x"}}, user=representative)
    assert bad_shape.status_code == 422
    assert not Registration.objects.exists()


def test_who_may_not_take_part_answers_403(client, indexed, citizen, representative):
    members_only = indexed(audience=Audience.MEMBERS)
    url = f"{EVENTS}/{members_only.pk}/registrations"
    refused = post(client, url, user=citizen)
    assert refused.status_code == 403
    assert "member organisations" in refused.json()["detail"]
    assert post(client, url, user=representative).status_code == 201


def test_closed_registration_and_drafts(client, indexed, citizen):
    closed = indexed(registration_closes_at=timezone.now() - datetime.timedelta(hours=1))
    response = post(client, f"{EVENTS}/{closed.pk}/registrations", user=citizen)
    assert response.status_code == 409 and "closed" in response.json()["detail"].lower()
    draft = indexed(status=EventStatus.DRAFT)
    assert post(client, f"{EVENTS}/{draft.pk}/registrations", user=citizen).status_code == 404
    none = indexed(registration=RegistrationMode.NONE)
    assert post(client, f"{EVENTS}/{none.pk}/registrations", user=citizen).status_code == 409


def test_a_full_event_puts_people_on_the_waiting_list(client, indexed, citizen, representative):
    event = indexed(capacity=1)
    url = f"{EVENTS}/{event.pk}/registrations"
    first = post(client, url, user=citizen).json()
    second = post(client, url, user=representative)
    assert second.status_code == 201
    assert (first["status"], second.json()["status"]) == ("confirmed", "waitlisted")
    assert second.json()["queued_at"] is not None
    assert get(client, f"{EVENTS}/{event.pk}").json()["seats_left"] == 0
    # The seat freed by a cancellation goes to the waiting list.
    cancelled = post(client, f"{REGISTRATIONS}/{first['id']}/cancel", user=citizen)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    promoted = get(client, f"{REGISTRATIONS}/{second.json()['id']}", user=representative)
    assert promoted.json()["status"] == "confirmed"


def test_interest_and_invitation_modes(client, indexed, citizen):
    planned = indexed(starts_at=None, year=2031, registration=RegistrationMode.INTEREST)
    interest = post(client, f"{EVENTS}/{planned.pk}/registrations", user=citizen)
    assert interest.status_code == 201 and interest.json()["status"] == "interested"
    invitation = indexed(audience=Audience.INVITATION)
    pending = post(client, f"{EVENTS}/{invitation.pk}/registrations", user=citizen)
    assert pending.status_code == 201 and pending.json()["status"] == "pending"


# --- Who sees which registrations ---------------------------------------------------------------


@pytest.fixture
def registered(training, citizen, representative, other_representative):
    """Three people registered for the training."""
    found = {}
    for user in (citizen, representative, other_representative):
        found[user.email] = services_registration.register(actor=user, event=training)
    return found


def test_people_see_their_own_registrations_and_staff_all(
    client, registered, training, make_event, citizen, representative, staff
):
    other = make_event(title="Other event")
    services_registration.register(actor=citizen, event=other)
    own = get(client, REGISTRATIONS, user=representative).json()
    assert own["count"] == 1 and own["items"][0]["person"]["email"] == "rep@example.org"
    assert get(client, REGISTRATIONS, user=citizen).json()["count"] == 2
    assert get(client, REGISTRATIONS, user=staff).json()["count"] == 4
    by_event = get(client, REGISTRATIONS, {"event": other.pk}, user=staff).json()
    assert [item["event"]["id"] for item in by_event["items"]] == [other.pk]
    assert get(client, REGISTRATIONS, {"mine": "true"}, user=staff).json()["count"] == 0
    assert get(client, REGISTRATIONS, {"status": "confirmed"}, user=staff).json()["count"] == 4
    assert get(client, REGISTRATIONS).status_code == 401

    on_event = f"{EVENTS}/{training.pk}/registrations"
    assert get(client, on_event, user=staff).json()["count"] == 3
    mine = get(client, on_event, user=representative).json()
    assert [item["person"]["email"] for item in mine["items"]] == ["rep@example.org"]


def test_regional_staff_see_the_registrations_of_their_offices_events(
    client, make_event, regional_officer, citizen
):
    ours = make_event(title="Ours", office=regional_officer.regional_office)
    theirs = make_event(title="Theirs")
    services_registration.register(actor=citizen, event=ours)
    services_registration.register(actor=citizen, event=theirs)
    body = get(client, REGISTRATIONS, user=regional_officer).json()
    assert [item["event"]["title"] for item in body["items"]] == ["Ours"]
    assert (
        get(client, f"{EVENTS}/{theirs.pk}/registrations", user=regional_officer).json()["count"]
        == 0
    )


def test_another_persons_registration_is_not_found(client, registered, citizen, staff):
    theirs = registered["rep@example.org"]
    assert get(client, f"{REGISTRATIONS}/{theirs.pk}", user=citizen).status_code == 404
    assert post(client, f"{REGISTRATIONS}/{theirs.pk}/cancel", user=citizen).status_code == 404
    assert get(client, f"{REGISTRATIONS}/{theirs.pk}", user=staff).status_code == 200
    assert get(client, f"{REGISTRATIONS}/{2**63}", user=staff).status_code == 404
    assert Registration.objects.get(pk=theirs.pk).status == RegistrationStatus.CONFIRMED


def test_cancel_with_a_reason_and_again(client, registered, citizen):
    mine = registered["citizen@example.org"]
    url = f"{REGISTRATIONS}/{mine.pk}/cancel"
    first = post(client, url, {"reason": "Travel plans changed"}, user=citizen)
    assert first.status_code == 200 and first.json()["status"] == "cancelled"
    assert first.json()["note"] == "Travel plans changed"
    assert post(client, url, user=citizen).json()["status"] == "cancelled"


def test_check_in_is_for_the_events_managers(client, make_event, citizen, staff):
    soon = timezone.now() + datetime.timedelta(hours=2)
    event = make_event(starts_at=soon, ends_at=soon + datetime.timedelta(hours=3))
    registration = services_registration.register(actor=citizen, event=event)
    url = f"{REGISTRATIONS}/{registration.pk}/check-in"
    refused = post(client, url, user=citizen)
    assert refused.status_code == 403 and isinstance(refused.json()["detail"], str)
    done = post(client, url, user=staff)
    assert done.status_code == 200 and done.json()["checked_in_at"] is not None
    # A checked-in attendance cannot be cancelled: the state of things, 409.
    conflict = post(client, f"{REGISTRATIONS}/{registration.pk}/cancel", user=citizen)
    assert conflict.status_code == 409


def test_check_in_outside_its_window_or_unconfirmed_answers_409(
    client, make_event, citizen, representative, staff
):
    later = make_event(capacity=1)
    confirmed = services_registration.register(actor=citizen, event=later)
    waiting = services_registration.register(actor=representative, event=later)
    too_early = post(client, f"{REGISTRATIONS}/{confirmed.pk}/check-in", user=staff)
    assert too_early.status_code == 409 and "opens" in too_early.json()["detail"]
    not_seated = post(client, f"{REGISTRATIONS}/{waiting.pk}/check-in", user=staff)
    assert not_seated.status_code == 409


def test_a_person_affiliated_as_contact_may_attend_for_their_organisation(client, training, city):
    contact = AffiliationFactory(organisation=city, role=AffiliationRole.CONTACT).user
    stranger = UserFactory()
    url = f"{EVENTS}/{training.pk}/registrations"
    ok = post(client, url, {"organisation_id": city.pk}, user=contact)
    assert ok.status_code == 201
    refused = post(client, url, {"organisation_id": city.pk}, user=stranger)
    assert refused.status_code == 422


def test_openapi_schema_lists_the_events_paths(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/events",
        "/api/v1/events/statistics",
        "/api/v1/events/{event_id}",
        "/api/v1/events/{event_id}/agenda",
        "/api/v1/events/{event_id}/registrations",
        "/api/v1/registrations",
        "/api/v1/registrations/{registration_id}",
        "/api/v1/registrations/{registration_id}/cancel",
        "/api/v1/registrations/{registration_id}/check-in",
    } <= set(schema["paths"])
    starts = schema["components"]["schemas"]["EventOut"]["properties"]["starts_at"]
    assert "offset" in starts["description"]
    parameters = schema["paths"]["/api/v1/events"]["get"]["parameters"]
    assert {"type", "year", "region", "audience", "q", "upcoming", "page", "page_size"} <= {
        parameter["name"] for parameter in parameters
    }
