"""Agendas: rooms, speakers and sessions on the event's clock, the public programme, the staff
page that builds it, and personal agendas with their calendar file."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from icalendar import Calendar

from activator.events import services_agenda, services_registration
from activator.events.enums import Audience, EventStatus, RegistrationMode
from activator.events.models import Room, Session, Speaker
from tests.factories import RegionalOfficeFactory, UserFactory

pytestmark = pytest.mark.django_db

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def url(name: str, *args) -> str:
    return reverse(f"events:{name}", args=args)


@pytest.fixture
def three_days(make_event):
    """A training on 14–16 March 2038, 09:00 to 17:00 each day in Seoul."""
    return make_event(
        starts_at=datetime.datetime(2038, 3, 14, 9, 0, tzinfo=SEOUL),
        ends_at=datetime.datetime(2038, 3, 16, 17, 0, tzinfo=SEOUL),
    )


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2038, 3, day, hour, minute, tzinfo=SEOUL)


@pytest.fixture
def hall(three_days, staff):
    return services_agenda.room_save(actor=staff, event=three_days, room=Room(name="Main hall"))


def session(event, actor, *, title="Opening", start, end, room=None, speakers=None):
    return services_agenda.session_save(
        actor=actor,
        event=event,
        session=Session(title=title, starts_at=start, ends_at=end, room=room),
        speakers=speakers,
    )


# --- Sessions: validation -------------------------------------------------------------------------


def test_two_sessions_in_one_room_may_not_overlap(three_days, staff, hall):
    session(three_days, staff, start=at(14, 9), end=at(14, 10), room=hall)
    with pytest.raises(ValidationError) as refused:
        session(three_days, staff, title="Clash", start=at(14, 9, 30), end=at(14, 11), room=hall)
    assert "Main hall is taken then by “Opening” (09:00–10:00, Asia/Seoul)." in str(
        refused.value.message_dict["room"]
    )
    assert not Session.objects.filter(title="Clash").exists()
    # Back to back is fine, and so is the same time in another room or in none.
    session(three_days, staff, title="Next", start=at(14, 10), end=at(14, 11), room=hall)
    other = services_agenda.room_save(actor=staff, event=three_days, room=Room(name="Room B"))
    session(three_days, staff, title="Parallel", start=at(14, 9, 30), end=at(14, 11), room=other)
    session(three_days, staff, title="Lunch", start=at(14, 9, 30), end=at(14, 11))
    assert three_days.sessions.count() == 4


def test_a_session_moved_onto_another_is_refused_but_may_change_in_place(three_days, staff, hall):
    first = session(three_days, staff, start=at(14, 9), end=at(14, 10), room=hall)
    second = session(three_days, staff, title="Second", start=at(14, 11), end=at(14, 12), room=hall)
    first.ends_at = at(14, 10, 30)
    services_agenda.session_save(actor=staff, event=three_days, session=first)
    second.starts_at = at(14, 10)
    with pytest.raises(ValidationError):
        services_agenda.session_save(actor=staff, event=three_days, session=second)
    second.refresh_from_db()
    assert second.starts_at == at(14, 11)


@pytest.mark.parametrize(
    "start,end,field",
    [
        (at(13, 16), at(13, 17), "starts_at"),  # the day before
        (at(16, 16), at(17, 9), "ends_at"),  # into the day after
        (at(14, 10), at(14, 9), "ends_at"),  # ends before it starts
        (at(14, 10), at(14, 10), "ends_at"),  # ends as it starts
    ],
)
def test_a_session_stays_within_the_events_days_and_ends_after_it_starts(
    three_days, staff, start, end, field
):
    with pytest.raises(ValidationError) as refused:
        session(three_days, staff, start=start, end=end)
    assert field in refused.value.message_dict
    assert not Session.objects.exists()


def test_the_days_are_the_events_own(three_days, staff):
    # 23:00 UTC on 15 March is 08:00 on 16 March in Seoul, the last day: accepted.
    start = datetime.datetime(2038, 3, 15, 23, 0, tzinfo=datetime.UTC)
    session(three_days, staff, start=start, end=start + datetime.timedelta(hours=1))
    # An evening session on the last day, after the event's hours, still belongs to it.
    session(three_days, staff, title="Dinner", start=at(16, 19), end=at(16, 23, 59))
    assert three_days.sessions.count() == 2


def test_rooms_and_speakers_of_another_event_are_refused(three_days, make_event, staff):
    other = make_event()
    room = services_agenda.room_save(actor=staff, event=other, room=Room(name="Elsewhere"))
    speaker = services_agenda.speaker_save(actor=staff, event=other, speaker=Speaker(name="X"))
    with pytest.raises(ValidationError) as refused:
        session(three_days, staff, start=at(14, 9), end=at(14, 10), room=room, speakers=[speaker])
    assert set(refused.value.message_dict) == {"room", "speakers"}


def test_a_planned_event_gets_no_sessions_until_it_has_days(make_event, staff):
    planned = make_event(starts_at=None, year=2028)
    with pytest.raises(ValidationError) as refused:
        session(planned, staff, start=at(14, 9), end=at(14, 10))
    assert "no dates yet" in str(refused.value)


def test_a_room_name_is_used_once_per_event(three_days, staff, hall):
    with pytest.raises(ValidationError):
        services_agenda.room_save(actor=staff, event=three_days, room=Room(name="Main hall"))


def test_removing_a_room_keeps_its_sessions(three_days, staff, hall):
    kept = session(three_days, staff, start=at(14, 9), end=at(14, 10), room=hall)
    services_agenda.room_delete(actor=staff, room=hall)
    kept.refresh_from_db()
    assert kept.room is None


# --- Personal agendas ---------------------------------------------------------------------------


def test_only_confirmed_participants_keep_an_agenda_of_an_event_with_registration(
    three_days, staff, citizen
):
    opening = session(three_days, staff, start=at(14, 9), end=at(14, 10))
    with pytest.raises(PermissionDenied):
        services_agenda.session_pick(actor=citizen, session=opening)
    services_registration.register(actor=citizen, event=three_days)
    citizen = type(citizen).objects.get(pk=citizen.pk)  # a fresh request's user
    assert services_agenda.session_pick(actor=citizen, session=opening) is True
    assert list(opening.attendees.all()) == [citizen]
    assert services_agenda.session_pick(actor=citizen, session=opening) is False
    assert not opening.attendees.exists()


def test_cancelling_a_registration_clears_the_persons_agenda_of_that_event(
    three_days, staff, citizen
):
    opening = session(three_days, staff, start=at(14, 9), end=at(14, 10))
    registration = services_registration.register(actor=citizen, event=three_days)
    citizen = type(citizen).objects.get(pk=citizen.pk)
    services_agenda.session_pick(actor=citizen, session=opening)
    services_registration.cancel(actor=citizen, registration=registration)
    assert not opening.attendees.exists()


def test_anyone_logged_in_keeps_an_agenda_of_a_public_event_without_registration(
    make_event, staff, citizen
):
    event = make_event(registration=RegistrationMode.NONE, capacity=None)
    start = event.starts_at
    talk = session(event, staff, start=start, end=start + datetime.timedelta(hours=1))
    assert services_agenda.session_pick(actor=citizen, session=talk) is True
    members_only = make_event(registration=RegistrationMode.NONE, audience=Audience.MEMBERS)
    talk = session(members_only, staff, start=members_only.starts_at, end=members_only.ends_at)
    with pytest.raises(PermissionDenied):
        services_agenda.session_pick(actor=citizen, session=talk)


# --- The public agenda ----------------------------------------------------------------------------


@pytest.fixture
def programme(three_days, staff, hall):
    """Twenty sessions over the three days in two rooms, each with two speakers."""
    side = services_agenda.room_save(actor=staff, event=three_days, room=Room(name="Side room"))
    speakers = [
        services_agenda.speaker_save(
            actor=staff, event=three_days, speaker=Speaker(name=f"Speaker {n}", affiliation="Seoul")
        )
        for n in range(4)
    ]
    sessions = []
    for n in range(20):
        day, slot = 14 + n // 7, n % 7
        sessions.append(
            session(
                three_days,
                staff,
                title=f"Session {n:02d}",
                start=at(day, 9 + slot),
                end=at(day, 10 + slot),
                room=hall if n % 2 else side,
                speakers=speakers[n % 3 : n % 3 + 2],
            )
        )
    return three_days, sessions


def test_the_agenda_is_public_grouped_by_day_on_the_events_clock(
    client, programme, django_assert_max_num_queries
):
    event, _sessions = programme
    with django_assert_max_num_queries(6):
        response = client.get(url("agenda", event.slug))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sunday 14 March 2038" in page
    assert "Tuesday 16 March 2038" in page
    assert "09:00</time>–<time" in page and "KST" in page
    assert page.count('id="session-') == 20
    assert "Speaker 1" in page and "Side room" in page
    assert "Add to my agenda" not in page  # only for those who may keep one


def test_the_agenda_of_a_draft_is_hidden(client, make_event, citizen):
    draft = make_event(status=EventStatus.DRAFT)
    client.force_login(citizen)
    assert client.get(url("agenda", draft.slug)).status_code == 404


def test_a_participant_stars_sessions_with_and_without_javascript(
    client, programme, citizen, django_assert_max_num_queries
):
    event, sessions = programme
    services_registration.register(actor=citizen, event=event)
    client.force_login(citizen)
    with django_assert_max_num_queries(10):
        page = client.get(url("agenda", event.slug)).content.decode()
    assert page.count("Add to my agenda") == 20

    response = client.post(url("session_pick", sessions[0].pk), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.startswith('<form method="post"')
    assert "On my agenda" in html and 'aria-pressed="true"' in html
    back = url("agenda", event.slug)
    response = client.post(url("session_pick", sessions[1].pk), {"next": back}, follow=True)
    assert response.redirect_chain[-1][0] == back
    assert "“Session 01” is on your agenda." in response.content.decode()
    assert set(citizen.agenda_sessions.all()) == {sessions[0], sessions[1]}
    page = client.get(url("agenda", event.slug)).content.decode()
    assert page.count("On my agenda") == 2


def test_someone_not_registered_may_not_star(client, programme, citizen):
    _event, sessions = programme
    client.force_login(citizen)
    assert client.post(url("session_pick", sessions[0].pk)).status_code == 403
    client.logout()
    response = client.post(url("session_pick", sessions[0].pk))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not sessions[0].attendees.exists()


def test_my_events_shows_my_agenda_by_day_and_its_calendar_file(client, programme, citizen):
    event, sessions = programme
    services_registration.register(actor=citizen, event=event)
    citizen = type(citizen).objects.get(pk=citizen.pk)
    for picked in (sessions[0], sessions[8], sessions[19]):
        services_agenda.session_pick(actor=citizen, session=picked)
    client.force_login(citizen)
    page = client.get(url("mine")).content.decode()
    agenda = page.split('id="agenda"')[1]
    assert "Sunday 14 March 2038" in agenda and "Monday 15 March 2038" in agenda
    assert "Session 00" in agenda and "Session 08" in agenda and "Session 19" in agenda
    assert "Session 01" not in agenda
    assert url("my_agenda_ics") in agenda


def test_the_personal_agenda_file_parses_with_the_right_times(client, programme, citizen):
    event, sessions = programme
    services_registration.register(actor=citizen, event=event)
    citizen = type(citizen).objects.get(pk=citizen.pk)
    services_agenda.session_pick(actor=citizen, session=sessions[8])
    services_agenda.session_pick(actor=citizen, session=sessions[0])
    other = UserFactory()
    services_registration.register(actor=other, event=event)
    services_agenda.session_pick(actor=type(other).objects.get(pk=other.pk), session=sessions[3])

    assert client.get(url("my_agenda_ics")).status_code == 302  # log in first
    client.force_login(citizen)
    response = client.get(url("my_agenda_ics"))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [
        f"Session 00 · {event.title}",
        f"Session 08 · {event.title}",
    ]
    start = events[1].decoded("DTSTART")
    assert start == at(15, 10) == sessions[8].starts_at
    assert start.tzinfo.key == "Asia/Seoul"
    assert start.astimezone(datetime.UTC) == datetime.datetime(
        2038, 3, 15, 1, 0, tzinfo=datetime.UTC
    )
    assert events[1].decoded("DTEND") == at(15, 11)
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Seoul"


# --- Building the agenda (staff) ------------------------------------------------------------------


def test_staff_build_the_agenda_on_the_events_clock(client, three_days, staff):
    client.force_login(staff)
    page = url("agenda_edit", three_days.slug)
    assert client.get(page).status_code == 200
    response = client.post(
        page, {"part": "room", "room-new-name": "Main hall", "room-new-position": "0"}
    )
    assert response.status_code == 302
    hall = Room.objects.get()
    client.post(
        page, {"part": "speaker", "speaker-new-name": "Dr Lee", "speaker-new-affiliation": "SNU"}
    )
    lee = Speaker.objects.get()
    response = client.post(
        page,
        {
            "part": "session",
            "session-new-title": "Opening",
            "session-new-day": "2038-03-14",
            "session-new-starts_at": "09:00",
            "session-new-ends_at": "10:00",
            "session-new-room": hall.pk,
            "session-new-speakers": [lee.pk],
        },
    )
    assert response.status_code == 302
    opening = Session.objects.get()
    assert opening.starts_at == at(14, 9)
    assert list(opening.speakers.all()) == [lee]

    # An overlapping session in the same room is refused, with the reason by the room.
    response = client.post(
        page,
        {
            "part": "session",
            "session-new-title": "Clash",
            "session-new-day": "2038-03-14",
            "session-new-starts_at": "09:30",
            "session-new-ends_at": "10:30",
            "session-new-room": hall.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Main hall is taken then by “Opening”" in response.content.decode()
    assert Session.objects.count() == 1

    # A day outside the event is refused.
    response = client.post(
        page,
        {
            "part": "session",
            "session-new-title": "Too late",
            "session-new-day": "2038-03-17",
            "session-new-starts_at": "09:00",
            "session-new-ends_at": "10:00",
        },
    )
    assert response.status_code == 400
    assert "The session ends after the event" in response.content.decode()

    # The session moves to the afternoon; then it is removed.
    response = client.post(
        page,
        {
            "part": "session",
            "pk": opening.pk,
            f"session-{opening.pk}-title": "Opening",
            f"session-{opening.pk}-day": "2038-03-14",
            f"session-{opening.pk}-starts_at": "14:00",
            f"session-{opening.pk}-ends_at": "15:00",
            f"session-{opening.pk}-room": hall.pk,
        },
    )
    assert response.status_code == 302
    opening.refresh_from_db()
    assert opening.starts_at == at(14, 14)
    assert not opening.speakers.exists()
    client.post(page, {"part": "session", "pk": opening.pk, "remove": "1"})
    assert not Session.objects.exists()


def test_only_the_events_managers_build_its_agenda(
    client, make_event, staff, regional_officer, representative
):
    event = make_event(office=regional_officer.regional_office)
    other_officer = UserFactory(
        platform_role="regional_staff", regional_office=RegionalOfficeFactory(name="Africa Office")
    )
    page = url("agenda_edit", event.slug)
    for person, status in [
        (staff, 200),
        (regional_officer, 200),
        (other_officer, 403),
        (representative, 403),
    ]:
        client.force_login(person)
        assert client.get(page).status_code == status
    client.force_login(other_officer)
    response = client.post(page, {"part": "room", "room-new-name": "Sneaky"})
    assert response.status_code == 403
    assert not Room.objects.exists()
    client.logout()
    assert client.get(page).status_code == 302
