"""The demo events: the network's 2010–2023 activities, its General Assemblies, and three upcoming
events dated from the day the demo data is loaded.

`fixtures/events.csv` holds the activities the network's documents list (the shared seed data's
events.csv in our own shape, with the General Assemblies of general_assemblies.csv merged in).
Three judgement calls make the 2019 counts by type those of the 2019 annual report's
infographic (activity_stats_2019.csv: 15 conferences and expos, 7 forums and workshops,
1 feasibility study, 2 training programmes, 2 startup accelerators, 5 site visits): the
WeGO-NIA-WB Joint Workshop is a forum or workshop, Heroes Meet In Maratea a startup
accelerator, and the five site visits the report counts without naming are added, each with
where it comes from in its `source_note`. Where a document gives a city but no country, the
country is the city's; every event is on its city's clock (Seoul's, the Secretariat's, when
it is online or the place is unknown). A day given makes an all-day event; otherwise the event
is planned for its year, or its month, with the printed qualifier ("TBD", "Year-round", "Q4")
in `date_note`. All are published, take no registration, and are public, except the
governance meetings, which are for members. `fixtures/meetings.csv` gives the General
Assemblies (number and theme) and the EXCOM meetings among them.

The demo: a hybrid training in Seoul about five weeks ahead, open for registration with two
questions and an agenda; a members-only matchmaking event about eight weeks ahead; next year's
EXCOM meeting, planned for a month, taking expressions of interest, with its agenda and a draft
resolution. The Secretariat runs them.

Loading is idempotent: an event is looked up by its address and left alone when it exists.
"""

import csv
import datetime
import zoneinfo
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from activator.core.audit import audit_record
from activator.events import services, services_agenda, services_governance
from activator.events.enums import (
    Audience,
    EventStatus,
    EventType,
    GoverningBody,
    MajorityRule,
    MotionKind,
    QuestionKind,
    RegistrationMode,
)
from activator.events.models import (
    Event,
    Meeting,
    Question,
    Room,
    Session,
    Speaker,
)
from activator.members.models import Organisation, RegionalOffice
from activator.members.seed import Tally

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EVENTS_FILE = FIXTURES / "events.csv"
MEETINGS_FILE = FIXTURES / "meetings.csv"
KINDS = ["events", "meetings"]

# The Secretariat's clock: online events and those whose place is not known are on it.
DEFAULT_ZONE = "Asia/Seoul"
ONLINE = "Online"
# Each city's clock. Mexico's cities keep Mexico City's (the same offset all year).
CITY_ZONES = {
    "Abu Dhabi": "Asia/Dubai",
    "Bangkok": "Asia/Bangkok",
    "Barcelona": "Europe/Madrid",
    "Busan": "Asia/Seoul",
    "Cannes": "Europe/Paris",
    "Chengdu": "Asia/Shanghai",
    "Dakar": "Africa/Dakar",
    "Dubai": "Asia/Dubai",
    "Geneva": "Europe/Zurich",
    "Goyang": "Asia/Seoul",
    "Hanoi": "Asia/Ho_Chi_Minh",
    "Hong Kong": "Asia/Hong_Kong",
    "Jakarta": "Asia/Jakarta",
    "Jeju": "Asia/Seoul",
    "Kuala Lumpur": "Asia/Kuala_Lumpur",
    "Kyoto": "Asia/Tokyo",
    "Makati": "Asia/Manila",
    "Makati City": "Asia/Manila",
    "Malaga": "Europe/Madrid",
    "Manila": "Asia/Manila",
    "Maratea": "Europe/Rome",
    "Medellin": "America/Bogota",
    "Mérida": "America/Mexico_City",
    "New Delhi": "Asia/Kolkata",
    "Puebla": "America/Mexico_City",
    "Riyadh": "Asia/Riyadh",
    "Rome": "Europe/Rome",
    "Seongnam City": "Asia/Seoul",
    "Seoul": "Asia/Seoul",
    "Shanghai": "Asia/Shanghai",
    "Singapore": "Asia/Singapore",
    "Taipei": "Asia/Taipei",
    "Ulyanovsk Region": "Europe/Ulyanovsk",
    "Washington DC": "America/New_York",
}
# The regional offices an organiser's printed name may point to; otherwise the Secretariat.
OFFICE_MENTIONS = {
    "East Asia Regional Office": "East Asia Regional Office",
    "Africa Regional Office": "Africa Regional Office",
    "Latin America Regional Office": "Latin America Regional Office",
}


def event_slug(title: str, year: int | None) -> str:
    """The address a seeded event has: its title, and its year unless the title has it."""
    text = title if year is None or str(year) in title else f"{title} {year}"
    return slugify(text)[: services.SLUG_LENGTH].strip("-")


def city_zone(city: str) -> str:
    return CITY_ZONES.get(city, DEFAULT_ZONE)


def _whole_days(
    first: datetime.date, last: datetime.date, zone_name: str
) -> tuple[datetime.datetime, datetime.datetime]:
    """Local midnight of the first day, and local midnight after the last one."""
    zone = zoneinfo.ZoneInfo(zone_name)
    starts = datetime.datetime.combine(first, datetime.time(0), zone)
    ends = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(0), zone)
    return starts, ends


def _offices() -> dict[str, RegionalOffice]:
    return {office.name: office for office in RegionalOffice.objects.all()}


def _secretariat() -> RegionalOffice | None:
    return RegionalOffice.objects.filter(is_secretariat=True).first()


def _office_for(organiser_name: str, offices: dict[str, RegionalOffice]) -> Any:
    for mention, name in OFFICE_MENTIONS.items():
        if mention in organiser_name and name in offices:
            return offices[name]
    return next((office for office in offices.values() if office.is_secretariat), None)


def member_named(name: str) -> Organisation | None:
    """The one organisation of the directory called `name` (or so aliased), if exactly one."""
    found = list(
        Organisation.objects.filter(Q(name__iexact=name) | Q(aliases__name__iexact=name))
        .distinct()
        .order_by("pk")[:2]
    )
    return found[0] if len(found) == 1 else None


def _partners(organiser_name: str) -> list[Organisation]:
    """The directory's organisations among the printed organisers ("Seoul (president city)")."""
    partners: list[Organisation] = []
    for part in organiser_name.split(";"):
        name = part.split("(")[0].strip()
        organisation = member_named(name) if name else None
        if organisation is not None and organisation not in partners:
            partners.append(organisation)
    return partners


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def history_fields(row: dict[str, str], offices: dict[str, RegionalOffice]) -> dict[str, Any]:
    """An events.csv row as the event's fields."""
    year = int(row["year"]) if row["year"] else None
    online = row["online"] == "1"
    city = row["city"] or (ONLINE if online else "")
    zone = city_zone(city)
    fields: dict[str, Any] = {
        "title": row["title"],
        "summary": row["description"],
        "type": row["type"],
        "audience": Audience.MEMBERS
        if row["type"] == EventType.GOVERNANCE_MEETING
        else Audience.PUBLIC,
        "organiser_name": row["organiser_name"],
        "office": _office_for(row["organiser_name"], offices),
        "time_zone": zone,
        "year": year,
        "month": int(row["month"]) if row["month"] else None,
        "date_note": row["date_note"],
        "venue": row["venue"],
        "city": city,
        "country": row["country_code"],
        "registration": RegistrationMode.NONE,
        "source_note": row["source_note"],
    }
    if row["date_start"]:
        first = datetime.date.fromisoformat(row["date_start"])
        last = datetime.date.fromisoformat(row["date_end"]) if row["date_end"] else first
        fields["starts_at"], fields["ends_at"] = _whole_days(first, last, zone)
        fields["all_day"] = True
    return fields


def _create_published(slug: str, fields: dict[str, Any], partners: list[Organisation]) -> Event:
    if fields["year"] is None and fields.get("starts_at") is None:
        # Known only from an undated document: listed with its date to be announced. The
        # service asks staff for at least a year, which the documents do not give.
        event = Event(slug=slug, status=EventStatus.PUBLISHED, **fields)
        services.derive(event, partner_names=[p.name for p in partners])
        event.full_clean(exclude=["partners"])
        event.save()
        event.partners.set(partners)
        audit_record(actor=None, action="event.created", target=event, note="seed")
        return event
    return services.event_create(
        actor=None, slug=slug, status=EventStatus.PUBLISHED, partners=partners, **fields
    )


def load_history(tally: Tally) -> dict[tuple[str, int | None], Event]:
    """The activities of events.csv; returns them by (title, year)."""
    offices = _offices()
    loaded: dict[tuple[str, int | None], Event] = {}
    for row in read_rows(EVENTS_FILE):
        fields = history_fields(row, offices)
        slug = event_slug(fields["title"], fields["year"])
        event = Event.objects.filter(slug=slug).first()
        created = event is None
        if created:
            event = _create_published(slug, fields, _partners(row["organiser_name"]))
        tally.add("events", event, created)
        loaded[(row["title"], fields["year"])] = event
    return loaded


def load_meetings(tally: Tally, events: dict[tuple[str, int | None], Event]) -> None:
    """General Assemblies and EXCOM meetings: the governance side of their events."""
    for row in read_rows(MEETINGS_FILE):
        event = events[(row["title"], int(row["year"]))]
        meeting = Meeting.objects.filter(event=event).first()
        created = meeting is None
        if created:
            meeting = services_governance.meeting_save(
                actor=None,
                event=event,
                body=row["body"],
                number=int(row["number"]) if row["number"] else None,
                theme=row["theme"],
            )
        tally.add("meetings", meeting, created)


# --- The demo: upcoming events dated from the day the data is loaded ------------------------

TRAINING_SLUG = "wego-shrdc-smart-city-training"
MATCHMAKING_SLUG = "solutions-meet-cities"
EXCOM_SLUG = "wego-excom-meeting"
SEOUL = "Asia/Seoul"

TRAINING_QUESTIONS = [
    {
        "kind": QuestionKind.SHORT_TEXT,
        "label": "Position / job title",
        "help_text": "As it should appear on your certificate of attendance.",
        "required": True,
        "choices": [],
    },
    {
        "kind": QuestionKind.CHOICE,
        "label": "Which topic interests you most?",
        "help_text": "",
        "required": False,
        "choices": [
            "Smart mobility and traffic",
            "Digital government services",
            "Urban data and platforms",
            "Citizen participation",
        ],
    },
]
TRAINING_ROOMS = ["Lecture Hall", "Workshop Room"]
TRAINING_SPEAKERS = [
    ("Ji-won Park", "Director, Smart City Policy", "Seoul Metropolitan Government"),
    ("Maria Santos", "Urban Data Lead", "WeGO Secretariat"),
    ("Daniel Mwangi", "Digital Services Adviser", "WeGO Africa Regional Office"),
]
# (day, start, end, room, speakers by position in TRAINING_SPEAKERS, title)
TRAINING_SESSIONS = [
    (0, "09:30", "12:00", 0, [0], "Opening: Seoul's smart city policies"),
    (0, "13:30", "16:30", 1, [1], "Urban data platforms in practice"),
    (1, "09:30", "12:00", 0, [0, 2], "Smart mobility and traffic management"),
    (1, "13:30", "16:30", 1, [2], "Designing digital services with citizens"),
    (2, "09:30", "12:00", 0, [1], "Study visit: Seoul's Smart City Center"),
    (2, "13:30", "16:00", 1, [0, 1, 2], "Action plans for your city, and closing"),
]
EXCOM_ITEMS = [
    ("Report of the Secretary General on the year's activities", "Secretary General"),
    ("Admission of new members", "Secretariat"),
    ("Activity plan and budget for the coming year", "Secretariat"),
]


def _at(day: datetime.date, clock: str, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.fromisoformat(clock), zone)


def load_training(today: datetime.date, office: Any) -> tuple[Event, bool]:
    """A hybrid training in Seoul about five weeks ahead, open for registration now."""
    existing = Event.objects.filter(slug=TRAINING_SLUG).first()
    if existing is not None:
        return existing, False
    zone = zoneinfo.ZoneInfo(SEOUL)
    first = today + datetime.timedelta(days=35)
    starts, ends = _at(first, "09:00", zone), _at(first + datetime.timedelta(days=2), "17:00", zone)
    seoul = member_named("Seoul")
    event = services.event_create(
        actor=None,
        slug=TRAINING_SLUG,
        status=EventStatus.PUBLISHED,
        title=f"WeGO-SHRDC Smart City Training {first.year}",
        summary=(
            "Three days on Seoul's smart city practices and policies for officials of member "
            "cities, in Seoul and online: lectures, case studies and a study visit."
        ),
        description=(
            "The annual training of WeGO and the Seoul Human Resource Development Center "
            "(SHRDC). Officials attend in Seoul or follow the sessions online; a certificate of "
            "attendance is issued to those who take part.\n\n"
            "Demo data: dated from the day the demo was loaded."
        ),
        type=EventType.TRAINING,
        audience=Audience.PUBLIC,
        organiser=seoul,
        organiser_name="WeGO Secretariat; Seoul Human Resource Development Center (SHRDC)",
        office=office,
        starts_at=starts,
        ends_at=ends,
        all_day=False,
        time_zone=SEOUL,
        venue="Seoul Human Resource Development Center",
        city="Seoul",
        country="KR",
        online_url="https://online.example.org/wego-shrdc-training",
        languages=["en"],
        registration=RegistrationMode.OPEN,
        registration_opens_at=datetime.datetime.combine(today, datetime.time(0), zone),
        registration_closes_at=starts - datetime.timedelta(days=7),
        capacity=30,
        source_note="Demo data, after the WeGO-SHRDC Training Program of the 2023 calendar (001)",
    )
    for position, spec in enumerate(TRAINING_QUESTIONS, start=1):
        question = Question(event=event, position=position, **spec)
        question.full_clean()
        question.save()
    rooms = [
        services_agenda.room_save(
            actor=None, event=event, room=Room(name=name, capacity=30, position=position)
        )
        for position, name in enumerate(TRAINING_ROOMS)
    ]
    speakers = [
        services_agenda.speaker_save(
            actor=None,
            event=event,
            speaker=Speaker(name=name, position=role, affiliation=affiliation),
        )
        for name, role, affiliation in TRAINING_SPEAKERS
    ]
    for day, start, end, room, who, title in TRAINING_SESSIONS:
        on = first + datetime.timedelta(days=day)
        services_agenda.session_save(
            actor=None,
            event=event,
            session=Session(
                title=title,
                starts_at=_at(on, start, zone),
                ends_at=_at(on, end, zone),
                room=rooms[room],
            ),
            speakers=[speakers[i] for i in who],
        )
    return event, True


def load_matchmaking(today: datetime.date, office: Any) -> tuple[Event, bool]:
    """A members-only matchmaking day in Seoul about eight weeks ahead."""
    existing = Event.objects.filter(slug=MATCHMAKING_SLUG).first()
    if existing is not None:
        return existing, False
    zone = zoneinfo.ZoneInfo(SEOUL)
    day = today + datetime.timedelta(days=56)
    starts = _at(day, "10:00", zone)
    event = services.event_create(
        actor=None,
        slug=MATCHMAKING_SLUG,
        status=EventStatus.PUBLISHED,
        title=f"Solutions Meet Cities {day.year}",
        summary=(
            "WeGO's matchmaking day: member cities meet solution providers one to one about "
            "the challenges they have posted."
        ),
        description=(
            "Registered participants can ask each other for one-to-one meetings.\n\n"
            "Demo data: dated from the day the demo was loaded."
        ),
        type=EventType.NETWORKING,
        audience=Audience.MEMBERS,
        organiser_name="WeGO Secretariat",
        office=office,
        starts_at=starts,
        ends_at=_at(day, "18:00", zone),
        time_zone=SEOUL,
        venue="Seoul Global Center",
        city="Seoul",
        country="KR",
        languages=["en", "ko"],
        registration=RegistrationMode.OPEN,
        registration_opens_at=datetime.datetime.combine(today, datetime.time(0), zone),
        registration_closes_at=starts - datetime.timedelta(days=3),
        capacity=120,
        matchmaking=True,
        source_note="Demo data, after Solutions Meet Cities of the 2023 calendar (001)",
    )
    return event, True


def load_excom(today: datetime.date, office: Any) -> tuple[Event, bool, Meeting | None]:
    """Next year's EXCOM meeting: planned for September, taking expressions of interest."""
    existing = Event.objects.filter(slug=EXCOM_SLUG).first()
    if existing is not None:
        return existing, False, Meeting.objects.filter(event=existing).first()
    year = today.year + 1
    event = services.event_create(
        actor=None,
        slug=EXCOM_SLUG,
        status=EventStatus.PUBLISHED,
        title=f"WeGO EXCOM Meeting {year}",
        summary=(
            "The yearly meeting of WeGO's main decision-making body: the Secretariat's report, "
            "new members, and the plan and budget for the coming year."
        ),
        description=(
            "Representatives of member organisations can say now that they plan to attend; "
            "the day and the venue will follow.\n\nDemo data: planned from the day the demo "
            "was loaded."
        ),
        type=EventType.GOVERNANCE_MEETING,
        audience=Audience.MEMBERS,
        organiser_name="WeGO",
        office=office,
        time_zone=SEOUL,
        year=year,
        month=9,
        city="Seoul",
        country="KR",
        languages=["en"],
        registration=RegistrationMode.INTEREST,
        source_note="Demo data, after the WeGO EXCOM Meeting of the 2023 calendar (001)",
    )
    meeting = services_governance.meeting_save(
        actor=None,
        event=event,
        body=GoverningBody.EXECUTIVE_COMMITTEE,
        quorum_percent=50,
        majority=MajorityRule.SIMPLE,
    )
    items = [
        services_governance.agenda_item_save(
            actor=None, meeting=meeting, position=position, title=title, presenter=presenter
        )
        for position, (title, presenter) in enumerate(EXCOM_ITEMS, start=1)
    ]
    services_governance.motion_save(
        actor=None,
        meeting=meeting,
        agenda_item=items[-1],
        kind=MotionKind.RESOLUTION,
        title=f"Approval of the activity plan and budget for {year + 1}",
        text=(
            "The Executive Committee approves the activity plan and the budget for "
            f"{year + 1} as presented by the Secretariat."
        ),
    )
    return event, True, meeting


@transaction.atomic
def load_events_seed(today: datetime.date | None = None) -> dict[str, int]:
    """Load the activities, the governance meetings and the demo events; returns the counts."""
    today = today or timezone.localdate()
    tally = Tally(KINDS)
    history = load_history(tally)
    load_meetings(tally, history)
    office = _secretariat()
    for load in (load_training, load_matchmaking):
        event, created = load(today, office)
        tally.add("events", event, created)
    event, created, meeting = load_excom(today, office)
    tally.add("events", event, created)
    if meeting is not None:
        tally.add("meetings", meeting, created)
    return tally.counts
