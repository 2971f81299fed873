"""The calendar's pages: the list with its filters and tabs, the month grid, one event, its
documents, and who sees drafts."""

import datetime
import html
import re
import zoneinfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from activator.events import selectors, services
from activator.events.enums import (
    Audience,
    DocumentAccess,
    EventStatus,
    EventType,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import Document, Event, Registration
from tests.factories import RegionalOfficeFactory

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")
MONTH = reverse("events:calendar")
UTC = datetime.UTC
SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces collapsed."""
    content = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(content))


def titles(response) -> list[str]:
    return [event.title for event in response.context["events"]]


@pytest.fixture
def event(make_event):
    """`make_event` with the derived columns (search text, region) filled as the services do."""

    def make(**fields):
        made = make_event(**fields)
        services.derive(made)
        made.save()
        return made

    return make


@pytest.fixture
def calendar(event, asia, africa):
    """A handful of events: upcoming and past, in two regions, of several types and audiences."""
    now = timezone.now()
    return {
        "training": event(title="Smart Mobility Training"),
        "webinar": event(
            title="Open Data Webinar",
            type=EventType.WEBINAR,
            audience=Audience.MEMBERS,
            starts_at=now + datetime.timedelta(days=10),
            ends_at=now + datetime.timedelta(days=10, hours=2),
            city="",
            venue="",
            country="",
            online_url="https://meet.example.org/open-data",
        ),
        "abuja": event(
            title="Africa Smart Cities Forum",
            summary="Digital government in São Tomé and Abuja.",
            type=EventType.FORUM_WORKSHOP,
            starts_at=now - datetime.timedelta(days=400),
            ends_at=now - datetime.timedelta(days=399),
            time_zone="Africa/Lagos",
            city="Abuja",
            country="NG",
            venue="",
        ),
        "planned": event(
            title="Smart Sustainable Cities Expo",
            type=EventType.CONFERENCE_EXPO,
            starts_at=None,
            year=now.year + 2,
            month=9,
        ),
        "draft": event(title="Secret Planning Workshop", status=EventStatus.DRAFT),
    }


# --- Who sees what --------------------------------------------------------------------------


def test_drafts_are_hidden_from_the_public_and_shown_to_managers(
    client, calendar, citizen, staff, regional_officer
):
    draft = calendar["draft"]
    response = client.get(LIST)
    assert draft.title not in titles(response)
    assert client.get(draft.get_absolute_url()).status_code == 404

    client.force_login(citizen)
    assert draft.title not in titles(client.get(LIST))
    assert client.get(draft.get_absolute_url()).status_code == 404

    # A regional officer sees the drafts of their own office only.
    client.force_login(regional_officer)
    assert client.get(draft.get_absolute_url()).status_code == 404
    Event.objects.filter(pk=draft.pk).update(office=regional_officer.regional_office)
    assert draft.title in titles(client.get(LIST))
    assert client.get(draft.get_absolute_url()).status_code == 200

    client.force_login(staff)
    response = client.get(LIST)
    assert draft.title in titles(response)
    page = client.get(draft.get_absolute_url())
    assert page.status_code == 200
    assert "only its organisers see it" in text_of(page)


def test_cancelled_events_stay_listed_and_say_so(client, calendar):
    training = calendar["training"]
    Event.objects.filter(pk=training.pk).update(status=EventStatus.CANCELLED)
    assert training.title in titles(client.get(LIST))
    assert "This event is cancelled." in text_of(client.get(training.get_absolute_url()))


# --- Filters ----------------------------------------------------------------------------------


def test_the_list_shows_upcoming_events_soonest_first_and_past_ones_on_their_tab(client, calendar):
    upcoming = titles(client.get(LIST))
    assert upcoming == [
        "Open Data Webinar",
        "Smart Mobility Training",
        "Smart Sustainable Cities Expo",
    ]
    assert titles(client.get(LIST, {"when": "past"})) == ["Africa Smart Cities Forum"]
    assert len(titles(client.get(LIST, {"when": "all"}))) == 4


def test_filter_by_type_one_or_several(client, calendar):
    assert titles(client.get(LIST, {"type": "webinar"})) == ["Open Data Webinar"]
    both = titles(client.get(LIST, {"type": ["webinar", "training"], "when": "all"}))
    assert both == ["Open Data Webinar", "Smart Mobility Training"]


def test_filter_by_region_slug(client, calendar):
    # The region follows the country: KR is in Asia-Pacific, NG in Africa.
    assert titles(client.get(LIST, {"region": "africa", "when": "all"})) == [
        "Africa Smart Cities Forum"
    ]
    assert titles(client.get(LIST, {"region": "asia-pacific"})) == [
        "Smart Mobility Training",
        "Smart Sustainable Cities Expo",
    ]
    response = client.get(LIST, {"region": "atlantis"})
    assert response.status_code == 200
    assert titles(response) == []
    assert "Some filters are not valid." in text_of(response)


def test_filter_by_year(client, calendar):
    planned = calendar["planned"]
    abuja = calendar["abuja"]
    assert titles(client.get(LIST, {"year": planned.year, "when": "all"})) == [planned.title]
    assert titles(client.get(LIST, {"year": abuja.year, "when": "all"})) == [abuja.title]


def test_filter_by_audience(client, calendar):
    assert titles(client.get(LIST, {"audience": "members"})) == ["Open Data Webinar"]


def test_search_needs_every_word_and_ignores_accents_and_case(client, calendar):
    assert titles(client.get(LIST, {"q": "SAO tome", "when": "all"})) == [
        "Africa Smart Cities Forum"
    ]
    assert titles(client.get(LIST, {"q": "smart training"})) == ["Smart Mobility Training"]
    assert titles(client.get(LIST, {"q": "smart nowhere", "when": "all"})) == []
    # The organiser, the city and the type's name are searched too.
    assert titles(client.get(LIST, {"q": "webinar"})) == ["Open Data Webinar"]


def test_active_filters_show_as_chips_that_remove_themselves(client, calendar):
    response = client.get(LIST, {"type": ["webinar", "training"], "q": "data"})
    chips = {chip.label: chip.remove_url for chip in response.context["chips"]}
    assert set(chips) == {"“data”", "Webinar", "Training"}
    assert "type=webinar" not in chips["Webinar"]
    assert "type=training" in chips["Webinar"]
    assert "q=" not in chips["“data”"]


def test_the_subscribe_link_carries_the_filters(client, calendar):
    response = client.get(LIST, {"type": "training", "region": "asia-pacific", "when": "past"})
    feed_url = response.context["feed_url"]
    assert feed_url.startswith("http://testserver/events/feed.ics?")
    assert "type=training" in feed_url and "region=asia-pacific" in feed_url
    assert "when" not in feed_url
    assert response.context["webcal_url"].startswith("webcal://testserver/events/feed.ics?")
    assert "webcal://testserver/events/feed.ics?" in response.content.decode()


def test_cards_give_the_date_on_the_event_clock_and_the_seats_left(client, calendar):
    training = calendar["training"]
    Event.objects.filter(pk=training.pk).update(seats_taken=19)
    text = text_of(client.get(LIST))
    day = training.local_start
    assert f"{day.day} {day:%b} {day.year}, 09:00–17:00 KST" in text
    assert "1 seat left" in text
    assert "Online" in text  # the webinar
    assert "Members only" in text
    next_year = calendar["planned"].year
    assert f"September {next_year} (date to be announced)" in text


def test_a_date_note_is_shown_as_announced(client, event):
    event(title="Feasibility Study", starts_at=None, year=2030, month=None, date_note="Q4")
    assert "2030 (Q4)" in text_of(client.get(LIST))


def test_the_list_pages_by_25(client, event):
    for n in range(30):
        event(title=f"Workshop {n:02d}")
    first = client.get(LIST)
    assert len(first.context["events"]) == 25
    assert len(client.get(LIST, {"page": 2}).context["events"]) == 5


def test_htmx_gets_only_the_results(client, calendar):
    response = client.get(LIST, {"type": "webinar"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert content.startswith('<div id="results"')
    assert "Open Data Webinar" in content
    assert "<html" not in content


# --- The month --------------------------------------------------------------------------------


def test_month_grid_puts_a_multi_day_event_on_each_of_its_days(event):
    # 30 March to 2 April 2027 in Seoul: four squares, across the change of month.
    start = datetime.datetime(2027, 3, 30, 9, 0, tzinfo=SEOUL)
    conference = event(
        title="Seoul Smart City Summit",
        starts_at=start,
        ends_at=start + datetime.timedelta(days=3, hours=8),
    )
    events = selectors.events_in_month(Event.objects.all(), 2027, 3)
    grid = selectors.month_grid(2027, 3, events, today=datetime.date(2027, 3, 1))
    days = {day.date: day for week in grid.weeks for day in week}
    for n in (30, 31):
        assert conference in days[datetime.date(2027, 3, n)].events
    assert conference not in days[datetime.date(2027, 3, 29)].events
    # The grid runs to the Sunday after the 31st, so April's first days show it too.
    assert conference in days[datetime.date(2027, 4, 1)].events
    assert not days[datetime.date(2027, 4, 1)].in_month
    assert all(len(week) == 7 for week in grid.weeks)
    assert grid.weeks[0][0].date.weekday() == 0


def test_month_days_are_the_event_own_days(event):
    # 23:30 on 31 May in Los Angeles is 1 June in UTC: the event is on the 31 May square.
    zone = zoneinfo.ZoneInfo("America/Los_Angeles")
    late = event(
        title="Evening Webinar",
        starts_at=datetime.datetime(2027, 5, 31, 23, 30, tzinfo=zone),
        ends_at=datetime.datetime(2027, 6, 1, 0, 30, tzinfo=zone),
        time_zone="America/Los_Angeles",
    )
    may = selectors.month_grid(2027, 5, selectors.events_in_month(Event.objects.all(), 2027, 5))
    days = {day.date: day for week in may.weeks for day in week}
    assert late in days[datetime.date(2027, 5, 31)].events
    assert late in days[datetime.date(2027, 6, 1)].events  # it ends after midnight there
    june = selectors.events_in_month(Event.objects.all(), 2027, 7)
    assert late not in list(june)


def test_all_day_events_end_on_their_last_day(event):
    first = datetime.datetime(2027, 6, 7, 0, 0, tzinfo=SEOUL)
    days_event = event(
        title="Site Visits",
        all_day=True,
        starts_at=first,
        ends_at=first + datetime.timedelta(days=2),
    )
    grid = selectors.month_grid(2027, 6, [days_event])
    days = {day.date: day for week in grid.weeks for day in week}
    assert days_event in days[datetime.date(2027, 6, 7)].events
    assert days_event in days[datetime.date(2027, 6, 8)].events
    assert days_event not in days[datetime.date(2027, 6, 9)].events


def test_month_page_lists_planned_events_of_the_month(client, event):
    start = datetime.datetime(2027, 9, 14, 9, 0, tzinfo=SEOUL)
    event(title="Dated Forum", starts_at=start, ends_at=start + datetime.timedelta(hours=8))
    event(title="Planned Expo", starts_at=None, year=2027, month=9)
    event(title="Planned Next Month", starts_at=None, year=2027, month=10)
    event(title="Year Only", starts_at=None, year=2027, month=None)
    response = client.get(MONTH, {"month": "2027-09"})
    assert response.status_code == 200
    grid = response.context["grid"]
    assert [e.title for e in grid.undated] == ["Planned Expo"]
    dated = {e.title for week in grid.weeks for day in week for e in day.events}
    assert dated == {"Dated Forum"}
    text = text_of(response)
    assert "Events in September 2027" in text
    assert "Also in September 2027, date to be announced" in text
    assert "?month=2027-08" in response.context["previous_url"]
    assert "?month=2027-10" in response.context["next_url"]


def test_month_page_keeps_the_filters_and_hides_drafts(client, event):
    start = datetime.datetime(2027, 9, 14, 9, 0, tzinfo=SEOUL)
    event(title="Training Day", starts_at=start, ends_at=start + datetime.timedelta(hours=8))
    event(
        title="Webinar Day",
        type=EventType.WEBINAR,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    event(
        title="Draft Day",
        status=EventStatus.DRAFT,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    response = client.get(MONTH, {"month": "2027-09", "type": "webinar"})
    dated = {e.title for week in response.context["grid"].weeks for day in week for e in day.events}
    assert dated == {"Webinar Day"}
    assert "type=webinar" in response.context["next_url"]
    everything = client.get(MONTH, {"month": "2027-09"})
    shown = {e.title for week in everything.context["grid"].weeks for d in week for e in d.events}
    assert shown == {"Training Day", "Webinar Day"}


def test_a_bad_month_shows_this_month_and_says_why(client, db):
    response = client.get(MONTH, {"month": "2027-13"})
    assert response.status_code == 400
    today = timezone.localdate()
    assert (response.context["grid"].year, response.context["grid"].month) == (
        today.year,
        today.month,
    )
    assert "The month is written YYYY-MM" in text_of(response)


@pytest.mark.parametrize("page", ["list", "month"])
def test_query_count_is_bounded_with_30_events(
    client, event, staff, page, django_assert_max_num_queries
):
    start = datetime.datetime(2027, 9, 1, 9, 0, tzinfo=SEOUL)
    now = timezone.now()
    for n in range(30):
        starts = (start if page == "month" else now) + datetime.timedelta(days=n % 28, hours=1)
        event(
            title=f"Event {n}",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(days=n % 3, hours=2),
            time_zone=["Asia/Seoul", "Europe/Madrid", "America/Mexico_City"][n % 3],
        )
    client.force_login(staff)
    url, params = (LIST, {}) if page == "list" else (MONTH, {"month": "2027-09"})
    with django_assert_max_num_queries(8):
        response = client.get(url, params)
    assert response.status_code == 200
    if page == "list":
        assert len(response.context["events"]) == 25


# --- One event --------------------------------------------------------------------------------


def test_detail_gives_every_fact_on_the_event_clock(client, event, city, other_city):
    start = datetime.datetime(2027, 3, 14, 9, 0, tzinfo=SEOUL)
    forum = event(
        title="Smart Seoul Forum",
        description="Two days of talks.",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=8),
        organiser=city,
        organiser_name="Seoul Digital Foundation",
        languages=["en", "ko"],
        online_url="https://meet.example.org/forum",
    )
    forum.partners.set([other_city])
    response = client.get(forum.get_absolute_url())
    text = text_of(response)
    assert "14 Mar 2027, 09:00–17:00 KST" in text
    assert "Asia/Seoul, UTC+09:00" in text
    assert "Seoul Global Center, Seoul, South Korea" in text
    assert "Seoul Digital Foundation" in text and "Abuja" in text
    assert "English, Korean" in text
    assert "Two days of talks." in text
    # The link to join online is for participants only.
    assert "https://meet.example.org/forum" not in response.content.decode()
    assert reverse("events:ics", args=[forum.slug]) in response.content.decode()


def test_the_online_link_shows_to_confirmed_participants(client, event, citizen):
    webinar = event(title="Online Webinar", online_url="https://meet.example.org/w")
    Registration.objects.create(event=webinar, person=citizen, status=RegistrationStatus.CONFIRMED)
    client.force_login(citizen)
    assert "https://meet.example.org/w" in client.get(webinar.get_absolute_url()).content.decode()


def test_managers_get_their_links_on_the_event_page(client, event, staff, citizen):
    training = event(title="Managed Training")
    client.force_login(citizen)
    assert (
        reverse("events:edit", args=[training.slug])
        not in client.get(training.get_absolute_url()).content.decode()
    )
    client.force_login(staff)
    content = client.get(training.get_absolute_url()).content.decode()
    for name in ("edit", "registrations", "check_in", "agenda_edit", "documents", "photos"):
        assert reverse(f"events:{name}", args=[training.slug]) in content


def test_past_events_show_their_report(client, event):
    now = timezone.now()
    done = event(
        title="Past Workshop",
        starts_at=now - datetime.timedelta(days=20),
        ends_at=now - datetime.timedelta(days=19),
        report="Forty officials from twelve cities took part.",
    )
    text = text_of(client.get(done.get_absolute_url()))
    assert "Past event" in text
    assert "Forty officials from twelve cities took part." in text


def test_planned_event_page_has_no_calendar_file(client, event):
    planned = event(title="Planned Forum", starts_at=None, year=2030, month=9)
    response = client.get(planned.get_absolute_url())
    assert "September 2030 (date to be announced)" in text_of(response)
    assert client.get(reverse("events:ics", args=[planned.slug])).status_code == 404


# --- Documents ----------------------------------------------------------------------------------


@pytest.fixture
def documents(event, staff, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    training = event(title="Documented Training")

    def add(access):
        return services.document_add(
            actor=staff,
            event=training,
            title=f"{access} notes",
            file=ContentFile(b"%PDF-1.4 notes", name=f"{access}.pdf"),
            access=access,
        )

    return training, {access: add(access) for access in DocumentAccess.values}


def _download(client, document):
    return client.get(reverse("events:document", args=[document.pk]))


def test_documents_follow_their_access(client, documents, citizen, staff):
    training, docs = documents
    public, participants, staff_only = (
        docs[DocumentAccess.PUBLIC],
        docs[DocumentAccess.PARTICIPANTS],
        docs[DocumentAccess.STAFF],
    )
    # Anyone: the public document only, listed and downloadable.
    response = _download(client, public)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Cache-Control"] == "private, no-store"
    assert _download(client, participants).status_code == 404
    assert _download(client, staff_only).status_code == 404
    page = client.get(training.get_absolute_url()).content.decode()
    assert "public notes" in page and "participants notes" not in page

    # A person registered but not confirmed is not a participant yet.
    registration = Registration.objects.create(
        event=training, person=citizen, status=RegistrationStatus.WAITLISTED
    )
    client.force_login(citizen)
    assert _download(client, participants).status_code == 404
    Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.CONFIRMED)
    assert _download(client, participants).status_code == 200
    assert _download(client, staff_only).status_code == 404
    assert "participants notes" in client.get(training.get_absolute_url()).content.decode()

    client.force_login(staff)
    assert _download(client, staff_only).status_code == 200


def test_documents_of_drafts_are_not_found(client, documents, citizen):
    training, docs = documents
    Event.objects.filter(pk=training.pk).update(status=EventStatus.DRAFT)
    client.force_login(citizen)
    assert _download(client, docs[DocumentAccess.PUBLIC]).status_code == 404
    assert client.get(reverse("events:document", args=[99999])).status_code == 404


def test_a_document_whose_file_is_gone_is_not_found(client, documents):
    _training, docs = documents
    document = docs[DocumentAccess.PUBLIC]
    document.file.storage.delete(document.file.name)
    assert _download(client, document).status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()


def test_registration_mode_none_events_show_no_seats(client, event):
    event(title="Open Forum", registration=RegistrationMode.NONE, capacity=None)
    assert "seat" not in text_of(client.get(LIST)).lower().replace("seats left", "")


def test_the_events_link_is_in_the_navigation(client, db, citizen):
    content = client.get(LIST).content.decode()
    assert f'href="{LIST}" aria-current="page"' in content
    client.force_login(citizen)
    assert reverse("events:mine") in client.get(LIST).content.decode()


def test_regional_events_do_not_leak_to_other_offices(client, event, regional_officer):
    other_office = RegionalOfficeFactory(name="Africa Office")
    draft = event(title="Other Office Draft", status=EventStatus.DRAFT, office=other_office)
    client.force_login(regional_officer)
    assert draft.title not in titles(client.get(LIST, {"when": "all"}))
