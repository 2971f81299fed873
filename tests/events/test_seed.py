"""The demo events: the network's activities, its General Assemblies and the upcoming demo."""

import csv
import datetime
import zoneinfo
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from activator.accounts.enums import AffiliationRole
from activator.events import services_registration
from activator.events.enums import (
    Audience,
    EventStatus,
    EventType,
    GoverningBody,
    MajorityRule,
    MotionKind,
    MotionStatus,
    QuestionKind,
    RegistrationMode,
    RegistrationStatus,
)
from activator.events.models import Event, Meeting
from activator.events.seed import (
    EVENTS_FILE,
    EXCOM_SLUG,
    FIXTURES,
    MATCHMAKING_SLUG,
    TRAINING_SLUG,
    event_slug,
    load_events_seed,
)
from activator.events.selectors import activity_statistics
from activator.members.models import Organisation
from activator.members.seed import load_seed
from tests.factories import AffiliationFactory

TODAY = datetime.date(2026, 3, 2)
# activity_stats_2019.csv (the 2019 annual report's "32 Activities in 2019" infographic):
# each metric and the event type it counts.
REPORT_METRICS = {
    "activities_conferences_and_expos": EventType.CONFERENCE_EXPO,
    "activities_forums_and_workshops": EventType.FORUM_WORKSHOP,
    "activities_feasibility_study": EventType.FEASIBILITY_STUDY,
    "activities_training_programs": EventType.TRAINING,
    "activities_startup_accelerators": EventType.STARTUP_ACCELERATOR,
    "activities_site_visits_and_technical_tours": EventType.SITE_VISIT,
}


def rows(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def seeded(db):
    load_seed(today=TODAY, renew_demo=False)
    return load_events_seed(today=TODAY)


def test_the_2019_counts_by_type_are_the_annual_reports(seeded):
    stats = {row["metric"]: row["value"] for row in rows("activity_stats_2019.csv")}
    expected = {kind: int(stats[metric]) for metric, kind in REPORT_METRICS.items()}
    counted = activity_statistics(years=[2019])[2019]
    assert {kind: counted[kind] for kind in expected} == expected
    assert sum(expected.values()) == int(stats["activities_total"]) == 32
    # Outside the report's six categories: regional networks, the EXCOM, networking, other.
    assert counted[EventType.REGIONAL_NETWORK] == 3
    assert counted[EventType.GOVERNANCE_MEETING] == 1


def test_every_activity_is_loaded_in_its_year(seeded):
    assert seeded["events"] == 129 and seeded["events_existing"] == 0
    by_year = Counter(
        Event.objects.filter(status=EventStatus.PUBLISHED).values_list("year", flat=True)
    )
    # The documents' 2019 activities (34) and the five site visits the report counts.
    assert by_year[2019] == 34 + 5
    # events.csv: 2017: 2, 2020: 25, 2021: 26, 2023: 27, undated: 4 (the 4th and 6th General
    # Assemblies are merged into their rows); the 1st to 3rd General Assemblies; the demo.
    assert (by_year[2017], by_year[2020], by_year[2021], by_year[2023]) == (2, 25, 26, 27)
    assert (by_year[2010], by_year[2012], by_year[2014]) == (1, 1, 1)
    assert by_year[None] == 4
    assert by_year[TODAY.year] == 2 and by_year[TODAY.year + 1] == 1
    visits = Event.objects.filter(type=EventType.SITE_VISIT)
    assert visits.count() == 5 and set(visits.values_list("year", flat=True)) == {2019}
    for visit in visits:
        assert "counts five site visits" in visit.source_note
        assert "This one:" in visit.source_note
    workshop = Event.objects.get(slug="wego-nia-wb-joint-workshop-2019")
    assert workshop.type == EventType.FORUM_WORKSHOP and "training" in workshop.source_note
    assert Event.objects.get(slug="wego-excom-2020").year == 2020


def test_history_is_published_public_and_takes_no_registration(seeded):
    history = Event.objects.exclude(slug__in=[TRAINING_SLUG, MATCHMAKING_SLUG, EXCOM_SLUG])
    assert set(history.values_list("status", flat=True)) == {EventStatus.PUBLISHED}
    assert set(history.values_list("registration", flat=True)) == {RegistrationMode.NONE}
    governance = history.filter(type=EventType.GOVERNANCE_MEETING)
    assert set(governance.values_list("audience", flat=True)) == {Audience.MEMBERS}
    assert set(
        history.exclude(type=EventType.GOVERNANCE_MEETING).values_list("audience", flat=True)
    ) == {Audience.PUBLIC}
    # Every fixture row is one event, at the address its title and year give.
    slugs = {
        event_slug(row["title"], int(row["year"]) if row["year"] else None)
        for row in rows(EVENTS_FILE.name)
    }
    assert len(slugs) == len(rows(EVENTS_FILE.name)) == history.count()
    assert set(history.values_list("slug", flat=True)) == slugs


def test_days_are_whole_days_on_the_clock_of_the_city(seeded):
    geneva = zoneinfo.ZoneInfo("Europe/Zurich")
    wsis = Event.objects.get(slug="wsis-forum-2023")
    assert wsis.all_day and wsis.time_zone == "Europe/Zurich"
    assert wsis.starts_at == datetime.datetime(2023, 3, 13, tzinfo=geneva)
    assert wsis.ends_at == datetime.datetime(2023, 3, 18, tzinfo=geneva)
    assert wsis.last_day == datetime.date(2023, 3, 17)
    assert wsis.region.slug == "europe" and wsis.country.code == "CH"
    cop = Event.objects.get(slug="cop-28-2023")
    assert cop.time_zone == "Asia/Dubai" and cop.last_day == cop.local_start.date()
    excom = Event.objects.get(slug="wego-excom-2019")
    assert excom.local_start.isoformat() == "2019-10-14T00:00:00+09:00"
    assert excom.last_day == datetime.date(2019, 10, 16)
    ga = Event.objects.get(slug="5th-wego-general-assembly-2020")
    assert ga.time_zone == "Asia/Manila" and ga.local_start.date() == datetime.date(2020, 9, 6)
    assert ga.last_day == datetime.date(2020, 9, 9)


def test_planned_and_online_events_keep_what_was_announced(seeded):
    diplomacy = Event.objects.get(slug="diplomacy-for-homo-sapiencities-2021")
    assert (diplomacy.month, diplomacy.date_note, diplomacy.starts_at) == (12, "TBD", None)
    assert (diplomacy.city, diplomacy.venue) == ("Seoul", "TBD")
    latam = Event.objects.get(slug="smart-city-expo-latam-congress-2021")
    assert (latam.year, latam.month, latam.date_note) == (2021, None, "Q4")
    implementer = Event.objects.get(slug="wego-project-implementer-2020")
    assert (implementer.month, implementer.date_note, implementer.starts_at) == (
        None,
        "February–December",
        None,
    )
    assert Event.objects.filter(date_note="Year-round").count() == 18
    kickoff = Event.objects.get(slug="wego-briefing-session-2021")
    assert kickoff.is_online and kickoff.time_zone == "Asia/Seoul" and not kickoff.country
    assert kickoff.region is None and kickoff.all_day
    undated = Event.objects.filter(year__isnull=True)
    assert set(undated.values_list("slug", flat=True)) == {
        "un-habitat-iii",
        "asia-pacific-regional-forum-on-smart-cities-and-e-gov",
        "itu-telecom-world-smart-city-leaders-roundtable",
        "smart-city-expo-world-congress",
    }
    assert all(event.month is None and event.starts_at is None for event in undated)
    assert None not in activity_statistics()


def test_general_assemblies_1_to_6_with_their_themes(seeded):
    themes = {int(row["number"]): row["theme"] for row in rows("general_assemblies.csv")}
    assemblies = Meeting.objects.filter(body=GoverningBody.GENERAL_ASSEMBLY).select_related("event")
    assert {m.number for m in assemblies} == {1, 2, 3, 4, 5, 6}
    for meeting in assemblies:
        assert meeting.theme == themes[meeting.number]
        assert meeting.event.type == EventType.GOVERNANCE_MEETING
    assert themes[2] == "Smart Government for All"
    years = Counter(m.event.year for m in assemblies)
    assert max(years.values()) == 1, "no General Assembly twice in a year"
    assert sorted(years) == [2010, 2012, 2014, 2017, 2020, 2021, 2023]
    fifth = [m.event for m in assemblies if m.number == 5]
    # Planned for Makati City in September 2020, listed again for 2021 (date TBD).
    assert sorted((e.year, e.city) for e in fifth) == [(2020, "Makati City"), (2021, "")]
    fourth = assemblies.get(number=4).event
    assert (fourth.city, fourth.year, fourth.slug) == (
        "Ulyanovsk Region",
        2017,
        "4th-wego-general-assembly-2017",
    )
    sixth = assemblies.get(number=6).event
    assert (sixth.slug, sixth.year, sixth.month) == ("wego-general-assembly-6th-2023", 2023, 9)
    assert Event.objects.filter(year=2023, title__icontains="General Assembly").count() == 1
    excoms = Meeting.objects.filter(body=GoverningBody.EXECUTIVE_COMMITTEE)
    assert sorted(excoms.values_list("event__year", flat=True)) == [2019, 2020, 2023, 2027]


def test_the_demo_events_are_dated_from_the_load_day(seeded):
    seoul = zoneinfo.ZoneInfo("Asia/Seoul")
    training = Event.objects.get(slug=TRAINING_SLUG)
    first = TODAY + datetime.timedelta(days=35)
    assert training.title == f"WeGO-SHRDC Smart City Training {first.year}"
    assert training.local_start == datetime.datetime.combine(first, datetime.time(9), seoul)
    assert training.last_day == first + datetime.timedelta(days=2)
    assert training.registration == RegistrationMode.OPEN and training.capacity == 30
    assert training.registration_opens_at.astimezone(seoul).date() == TODAY
    assert training.registration_closes_at == training.starts_at - datetime.timedelta(days=7)
    assert training.is_online and training.city == "Seoul" and training.office.is_secretariat
    assert training.organiser == Organisation.objects.get(name="Seoul")
    kinds = list(training.questions.values_list("kind", flat=True))
    assert kinds == [QuestionKind.SHORT_TEXT, QuestionKind.CHOICE]
    assert (training.rooms.count(), training.speakers.count(), training.sessions.count()) == (
        2,
        3,
        6,
    )
    matchmaking = Event.objects.get(slug=MATCHMAKING_SLUG)
    assert matchmaking.audience == Audience.MEMBERS and matchmaking.matchmaking
    assert matchmaking.local_start.date() == TODAY + datetime.timedelta(days=56)
    excom = Event.objects.get(slug=EXCOM_SLUG)
    assert (excom.year, excom.starts_at, excom.registration, excom.audience) == (
        TODAY.year + 1,
        None,
        RegistrationMode.INTEREST,
        Audience.MEMBERS,
    )
    meeting = excom.meeting
    assert (meeting.quorum_percent, meeting.majority) == (50, MajorityRule.SIMPLE)
    assert meeting.items.count() == 3
    motion = meeting.motions.get()
    assert (motion.kind, motion.status) == (MotionKind.RESOLUTION, MotionStatus.DRAFT)
    assert motion.agenda_item == meeting.items.last()


def test_loading_again_creates_and_changes_nothing(seeded):
    before = list(Event.objects.order_by("pk").values_list("pk", "updated_at"))
    meetings = Meeting.objects.count()
    again = load_events_seed(today=TODAY + datetime.timedelta(days=400))
    assert again["events"] == 0 and again["events_existing"] == 129
    assert again["meetings"] == 0 and again["meetings_existing"] == meetings == 11
    assert list(Event.objects.order_by("pk").values_list("pk", "updated_at")) == before


def test_the_command_loads_events_once(db):
    out = StringIO()
    call_command("load_demo_data", "--today", TODAY.isoformat(), stdout=out)
    assert "Events: 129 created, 0 existing" in out.getvalue()
    call_command("load_demo_data", "--today", TODAY.isoformat(), stdout=out)
    assert "Events: 0 created, 129 existing" in out.getvalue()
    assert "Governance meetings: 0 created, 11 existing" in out.getvalue()
    assert Event.objects.count() == 129


def test_a_member_can_register_for_the_demo_training_today(db):
    load_seed(renew_demo=False)
    load_events_seed()
    person = AffiliationFactory(
        organisation=Organisation.objects.get(name="Seoul"), role=AffiliationRole.CONTACT
    ).user
    training = Event.objects.get(slug=TRAINING_SLUG)
    assert services_registration.registration_open_reason(training, person) is None
    position, topic = training.questions.all()
    registration = services_registration.register(
        actor=person,
        event=training,
        organisation=Organisation.objects.get(name="Seoul"),
        answers={str(position.pk): "Smart city officer", str(topic.pk): topic.choices[0]},
    )
    assert registration.status == RegistrationStatus.CONFIRMED
    training.refresh_from_db()
    assert training.seats_left == 29
    assert training.starts_at > timezone.now()
