"""iCalendar: one file per event and the subscribable feed parse back with the same times, in UTC
and on the event's own clock, and the feed honours the list's filters."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from activator.events import ical, services
from activator.events.enums import Audience, EventStatus, EventType
from activator.events.models import Event, Room, Session, Speaker

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
MEXICO = zoneinfo.ZoneInfo("America/Mexico_City")
MADRID = zoneinfo.ZoneInfo("Europe/Madrid")
FEED = reverse("events:feed")


@pytest.fixture
def event(make_event):
    def make(**fields):
        made = make_event(**fields)
        services.derive(made)
        made.save()
        return made

    return make


def parsed(payload: bytes) -> dict[str, object]:
    """The VEVENTs of a calendar by UID."""
    calendar = Calendar.from_ical(payload)
    return {str(component["UID"]): component for component in calendar.walk("VEVENT")}


def uid(event) -> str:
    return f"event-{event.pk}@testserver"


def test_an_event_in_mexico_city_parses_back_in_utc_and_its_own_zone(client, event):
    start = datetime.datetime(2027, 3, 9, 10, 0, tzinfo=MEXICO)  # 16:00 UTC (no DST since 2022)
    expo = event(
        title="Smart City Expo LATAM",
        summary="The Latin American smart city expo.",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=7, minutes=30),
        time_zone="America/Mexico_City",
        venue="Centro Expositor",
        city="Puebla",
        country="MX",
        type=EventType.CONFERENCE_EXPO,
    )
    response = client.get(reverse("events:ics", args=[expo.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="{expo.slug}.ics"' in response["Content-Disposition"]
    payload = response.content
    assert b"DTSTART;TZID=America/Mexico_City:20270309T100000" in payload
    calendar = Calendar.from_ical(payload)
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/Mexico_City"]
    assert str(calendar["X-WR-CALNAME"]) == expo.title
    assert str(calendar["PRODID"]) == ical.PRODID
    component = parsed(payload)[uid(expo)]
    dtstart, dtend = component.decoded("DTSTART"), component.decoded("DTEND")
    assert dtstart.astimezone(UTC) == datetime.datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
    assert dtstart.astimezone(MEXICO).replace(tzinfo=None) == datetime.datetime(2027, 3, 9, 10, 0)
    assert dtend.astimezone(UTC) == expo.ends_at
    assert dtend.astimezone(MEXICO).hour == 17 and dtend.astimezone(MEXICO).minute == 30
    assert str(component["SUMMARY"]) == "Smart City Expo LATAM"
    assert str(component["LOCATION"]) == "Centro Expositor, Puebla, Mexico"
    assert str(component["URL"]) == f"http://testserver{expo.get_absolute_url()}"
    description = str(component["DESCRIPTION"])
    assert description.startswith("The Latin American smart city expo.")
    assert description.endswith(f"http://testserver{expo.get_absolute_url()}")
    assert str(component["STATUS"]) == "CONFIRMED"
    assert [str(c) for c in component.categories] == ["Conference or expo"]
    assert component.decoded("DTSTAMP").tzinfo is not None


def test_an_event_across_the_dst_change_keeps_both_offsets(client, event):
    # Madrid leaves summer time at 03:00 on 31 October 2027: CEST (UTC+2) to CET (UTC+1).
    start = datetime.datetime(2027, 10, 30, 9, 0, tzinfo=MADRID)
    end = datetime.datetime(2027, 11, 1, 18, 0, tzinfo=MADRID)
    summit = event(
        title="Smart City Expo World Congress",
        starts_at=start,
        ends_at=end,
        time_zone="Europe/Madrid",
        city="Barcelona",
        country="ES",
        venue="Fira Gran Via",
    )
    payload = client.get(reverse("events:ics", args=[summit.slug])).content
    assert b"DTSTART;TZID=Europe/Madrid:20271030T090000" in payload
    assert b"DTEND;TZID=Europe/Madrid:20271101T180000" in payload
    component = parsed(payload)[uid(summit)]
    dtstart, dtend = component.decoded("DTSTART"), component.decoded("DTEND")
    assert dtstart.astimezone(UTC) == datetime.datetime(2027, 10, 30, 7, 0, tzinfo=UTC)
    assert dtend.astimezone(UTC) == datetime.datetime(2027, 11, 1, 17, 0, tzinfo=UTC)
    assert dtstart.astimezone(MADRID).utcoffset() == datetime.timedelta(hours=2)
    assert dtend.astimezone(MADRID).utcoffset() == datetime.timedelta(hours=1)
    assert dtstart.astimezone(MADRID).replace(tzinfo=None) == datetime.datetime(2027, 10, 30, 9)
    # The VTIMEZONE shipped with it has both the summer and the winter rule.
    timezone_component = Calendar.from_ical(payload).walk("VTIMEZONE")[0]
    kinds = {sub.name for sub in timezone_component.subcomponents}
    assert kinds == {"STANDARD", "DAYLIGHT"}


def test_whole_day_events_are_dates_with_an_exclusive_end(event, settings):
    settings.SITE_URL = "https://activator.example"
    first = datetime.datetime(2027, 6, 7, 0, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Seoul"))
    visits = event(
        title="Site Visits", all_day=True, starts_at=first, ends_at=first + datetime.timedelta(2)
    )
    payload = ical.calendar_for([visits], "Test")
    assert b"DTSTART;VALUE=DATE:20270607" in payload
    assert b"DTEND;VALUE=DATE:20270609" in payload
    component = parsed(payload)[f"event-{visits.pk}@activator.example"]
    assert component.decoded("DTSTART") == datetime.date(2027, 6, 7)
    assert component.decoded("DTEND") == datetime.date(2027, 6, 9)


def test_online_events_and_cancelled_ones(event):
    webinar = event(
        title="Webinar",
        city="",
        venue="",
        country="",
        online_url="https://meet.example.org/x",
        status=EventStatus.CANCELLED,
    )
    component = parsed(ical.calendar_for([webinar], "Test", base_url="https://wego.example"))[
        f"event-{webinar.pk}@wego.example"
    ]
    assert str(component["LOCATION"]) == "Online"
    assert str(component["STATUS"]) == "CANCELLED"
    assert str(component["URL"]) == f"https://wego.example{webinar.get_absolute_url()}"


def test_the_feed_has_published_and_cancelled_dated_events_only(client, event, staff):
    published = event(title="Published Training")
    cancelled = event(title="Cancelled Training", status=EventStatus.CANCELLED)
    draft = event(title="Draft Training", status=EventStatus.DRAFT)
    planned = event(title="Planned Training", starts_at=None, year=2030, month=5)
    client.force_login(staff)  # even the staff who see drafts get none in a feed
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    components = parsed(response.content)
    assert set(components) == {uid(published), uid(cancelled)}
    assert str(components[uid(cancelled)]["STATUS"]) == "CANCELLED"
    assert uid(draft) not in components and uid(planned) not in components
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == "WeGO Activator events"


def test_the_feed_honours_the_filters(client, event, asia, africa):
    training = event(title="Seoul Training")
    webinar = event(title="Members Webinar", type=EventType.WEBINAR, audience=Audience.MEMBERS)
    forum = event(
        title="Abuja Forum",
        type=EventType.FORUM_WORKSHOP,
        time_zone="Africa/Lagos",
        city="Abuja",
        country="NG",
    )
    old = event(
        title="Old Seoul Training",
        starts_at=datetime.datetime(2019, 5, 2, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Seoul")),
        ends_at=datetime.datetime(2019, 5, 2, 17, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Seoul")),
    )

    def feed(**params):
        return set(parsed(client.get(FEED, params).content))

    assert feed() == {uid(training), uid(webinar), uid(forum), uid(old)}
    assert feed(type="training") == {uid(training), uid(old)}
    assert feed(type=["webinar", "forum_workshop"]) == {uid(webinar), uid(forum)}
    assert feed(region="africa") == {uid(forum)}
    assert feed(year=2019) == {uid(old)}
    assert feed(audience="members") == {uid(webinar)}
    assert feed(q="abuja") == {uid(forum)}
    assert feed(q="seoul training", type="training", year=2019) == {uid(old)}
    assert client.get(FEED, {"region": "atlantis"}).status_code == 400


def test_a_draft_file_is_not_found_for_the_public(client, event, staff):
    draft = event(title="Draft", status=EventStatus.DRAFT)
    url = reverse("events:ics", args=[draft.slug])
    assert client.get(url).status_code == 404
    client.force_login(staff)
    component = parsed(client.get(url).content)[uid(draft)]
    assert str(component["STATUS"]) == "TENTATIVE"


def test_session_component_is_on_the_event_clock(event, settings):
    settings.SITE_URL = "https://activator.example"
    summit = event(title="Summit", time_zone="Europe/Madrid", city="Barcelona", country="ES")
    room = Room.objects.create(event=summit, name="Hall A")
    speaker = Speaker.objects.create(event=summit, name="Ana García")
    start = datetime.datetime(2027, 10, 30, 11, 0, tzinfo=MADRID)
    session = Session.objects.create(
        event=summit,
        title="Opening",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        room=room,
    )
    session.speakers.set([speaker])
    calendar = ical.new_calendar("Agenda")
    calendar.add_component(ical.session_component(session))
    payload = ical.finish(calendar)
    assert b"DTSTART;TZID=Europe/Madrid:20271030T110000" in payload
    component = Calendar.from_ical(payload).walk("VEVENT")[0]
    assert str(component["UID"]) == f"session-{session.pk}@activator.example"
    assert component.decoded("DTSTART").astimezone(UTC) == start.astimezone(UTC)
    assert str(component["LOCATION"]).startswith("Hall A, ")
    assert "Ana García" in str(component["DESCRIPTION"])


def test_ics_of_an_event_keeps_its_uid_stable(client, event):
    training = event(title="Stable")
    first = parsed(client.get(reverse("events:ics", args=[training.slug])).content)
    Event.objects.filter(pk=training.pk).update(title="Renamed", updated_at=timezone.now())
    second = parsed(client.get(reverse("events:ics", args=[training.slug])).content)
    assert set(first) == set(second) == {uid(training)}
    assert str(second[uid(training)]["SUMMARY"]) == "Renamed"


def test_the_feed_is_rebuilt_when_an_event_changes_and_answers_304_otherwise(client, event, staff):
    training = event(title="Cached Training")
    first = client.get(FEED)
    etag = first["ETag"]
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 304
    services.event_update(actor=staff, event=training, title="Renamed Training")
    second = client.get(FEED, headers={"If-None-Match": etag})
    assert second.status_code == 200
    assert second["ETag"] != etag
    assert str(parsed(second.content)[uid(training)]["SUMMARY"]) == "Renamed Training"
    services.event_set_status(actor=staff, event=training, status=EventStatus.DRAFT)
    assert parsed(client.get(FEED).content) == {}
