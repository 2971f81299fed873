"""The Solution Finder's demo: the technologies solutions are built on, solutions of the network's
companies, institutions and partners, challenges of member cities, and the one-to-one meetings
of the demo matchmaking day.

`fixtures/seed/technologies.csv` holds the 23 smart city solution domains of the 2021 activities
kickoff slides (003), in their order. `solutions.json` and `challenges.json` are the project's
own demo content: the documents name the companies and the cities but say nothing of what they
offer or need, so every text is illustrative and says so at its end. Three deployments link
solutions to published catalog case studies: Qlue's and ICONLOOP's own cases, and Data Alliance's
data hub at Seoul's Big Data Campus, an illustrative link whose note says so. Solutions and
challenges are made and published through `matching.services`, so each has its embedding and
its search entry. The Kampala challenge shares no word but small ones ("the", "of") with the
parking solution it matches best: it shows matching by meaning. The two notes use no word the
other side's texts use, so that they never make a match.

The demo event "Solutions Meet Cities" gets its matchmaking set-up and twenty-minute meeting
slots from 14:00 to 17:00 on its day, on its own clock. The demo provider person is the contact
of Data Alliance's solutions; when the demo people exist, they and the demo Seoul representative
are registered for the matchmaking day, so that a meeting can be requested straight away.

Loading is idempotent: a technology is looked up by its slug, a solution or a challenge by its
address, and left alone when it exists (except that a demo solution without a contact gets the
demo provider once that person exists); an event that has meeting slots gets no more.
"""

import csv
import datetime
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from activator.accounts.models import User
from activator.core.models import Pillar, Region, Sector
from activator.core.search import normalize
from activator.events.models import Event, Registration
from activator.events.seed import MATCHMAKING_SLUG
from activator.events.services_registration import RegistrationRefused, register
from activator.matching import services
from activator.matching.enums import PublicationStatus
from activator.matching.models import (
    Challenge,
    Deployment,
    MatchmakingSetup,
    MeetingSlot,
    Solution,
    SolutionDomain,
)
from activator.members.models import Organisation
from activator.members.seed import Tally, find_organisation
from activator.projects.models import Project

SEED_DIR = Path(__file__).resolve().parent / "fixtures" / "seed"
KINDS = [
    "technologies",
    "solutions",
    "deployments",
    "challenges",
    "matchmaking_setups",
    "meeting_slots",
    "matchmaking_registrations",
]

SOLUTION_NOTE = "Demonstration entry: illustrative, not written by the provider."
CHALLENGE_NOTE = "Example for the demo, invented: not stated by the city."

# The demo matchmaking day: its tables, where they are, and its meeting slots.
TABLES = 12
PLACE = "Meeting hall, Seoul Global Center"
SLOTS_FROM = datetime.time(14, 0)
SLOTS_UNTIL = datetime.time(17, 0)
SLOT_MINUTES = 20
# Demo people registered for it when they exist: e-mail, and the organisation they attend for.
MATCHMAKING_PEOPLE = [
    ("seoul@demo.activator", ("Seoul", "KR")),
    ("provider@demo.activator", ("Data Alliance", "KR")),
]


def _rows(name: str) -> list[dict[str, str]]:
    with (SEED_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _json(name: str) -> Any:
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


def seed_slug(text: str) -> str:
    """The address the services give a record named `text` when no other has it."""
    return slugify(normalize(text))[:200]


def _person(email: str | None) -> User | None:
    return User.objects.filter(email__iexact=email).first() if email else None


def _organisation(spec: list[str]) -> Organisation:
    name, country = spec
    organisation = find_organisation(name, country)
    if organisation is None:
        raise LookupError(f"The seed names {name} ({country}), which the directory does not hold.")
    return organisation


def _terms(model: Any, slugs: list[str]) -> list[Any]:
    found = list(model.objects.filter(slug__in=slugs))
    if len(found) != len(set(slugs)):
        missing = sorted(set(slugs) - {term.slug for term in found})
        raise LookupError(f"Unknown {model._meta.verbose_name_plural}: {missing}")
    return found


def _in_months(today: datetime.date, months: int) -> datetime.date:
    """The first day of the month `months` after today's."""
    index = today.year * 12 + today.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def load_technologies(tally: Tally) -> None:
    for row in _rows("technologies.csv"):
        term, created = SolutionDomain.objects.get_or_create(
            slug=row["slug"], defaults={"name": row["name"], "position": int(row["position"])}
        )
        tally.add("technologies", term, created)


def _deployments(tally: Tally, solution: Solution, entries: list[dict[str, str]]) -> None:
    for entry in entries:
        project = (
            Project.objects.filter(title=entry["project"], published_at__isnull=False)
            .order_by("pk")
            .first()
        )
        if project is None:
            continue  # the catalog seed was not loaded, or the case was unpublished
        existing = Deployment.objects.filter(solution=solution, project=project).first()
        if existing is not None:
            tally.add("deployments", existing, False)
            continue
        deployment = services.deployment_add(
            actor=None, solution=solution, project=project, note=entry["note"]
        )
        tally.add("deployments", deployment, True)


def load_solution(tally: Tally, entry: dict[str, Any]) -> Solution:
    """One demo solution, published; found again by its address and then left as it is."""
    contact = _person(entry.get("contact"))
    existing = Solution.objects.filter(slug=seed_slug(entry["name"])).first()
    if existing is not None:
        tally.add("solutions", existing, False)
        if existing.contact_id is None and contact is not None:
            services.solution_update(actor=None, solution=existing, contact=contact)
        for deployment in existing.deployments.all():
            tally.add("deployments", deployment, False)
        return existing
    solution = services.solution_create(
        actor=None,
        provider=_organisation(entry["provider"]),
        name=entry["name"],
        summary=entry["summary"],
        description=f"{entry['description']}\n\n{SOLUTION_NOTE}",
        price_band=entry["price_band"],
        contact=contact,
        sectors=_terms(Sector, entry["sectors"]),
        pillars=_terms(Pillar, entry["pillars"]),
        technologies=_terms(SolutionDomain, entry["technologies"]),
        regions=_terms(Region, entry["regions"]),
    )
    services.solution_set_status(
        actor=None,
        solution=solution,
        status=entry.get("status", PublicationStatus.PUBLISHED),
    )
    tally.add("solutions", solution, True)
    _deployments(tally, solution, entry.get("deployments", []))
    return solution


def load_challenge(tally: Tally, entry: dict[str, Any], today: datetime.date) -> Challenge:
    """One demo challenge (published unless the file says otherwise), dated from `today`."""
    existing = Challenge.objects.filter(slug=seed_slug(entry["title"])).first()
    if existing is not None:
        tally.add("challenges", existing, False)
        return existing
    challenge = services.challenge_create(
        actor=None,
        city=_organisation(entry["city"]),
        title=entry["title"],
        description=f"{entry['description']}\n\n{CHALLENGE_NOTE}",
        budget_min=entry.get("budget_min"),
        budget_max=entry.get("budget_max"),
        start_by=_in_months(today, entry["start_in_months"]),
        duration_months=entry.get("duration_months"),
        sectors=_terms(Sector, entry["sectors"]),
        pillars=_terms(Pillar, entry["pillars"]),
    )
    status = entry.get("status", PublicationStatus.PUBLISHED)
    if status != PublicationStatus.DRAFT:
        services.challenge_set_status(actor=None, challenge=challenge, status=status)
    tally.add("challenges", challenge, True)
    return challenge


def load_matchmaking(tally: Tally) -> None:
    """Tables and meeting slots for the demo matchmaking day, and its demo participants."""
    event = Event.objects.filter(slug=MATCHMAKING_SLUG, starts_at__isnull=False).first()
    if event is None:
        return  # the events seed was not loaded
    day = event.local_start.date()
    setup, created = MatchmakingSetup.objects.get_or_create(
        event=event,
        defaults={
            "tables": TABLES,
            "place": PLACE,
            # The evening before, so the schedule is settled when people arrive.
            "requests_close_at": datetime.datetime.combine(
                day - datetime.timedelta(days=1), datetime.time(18), event.zone
            ),
        },
    )
    tally.add("matchmaking_setups", setup, created)
    slots = list(MeetingSlot.objects.filter(event=event))
    for slot in slots:
        tally.add("meeting_slots", slot, False)
    if not slots:
        moment = datetime.datetime.combine(day, SLOTS_FROM, event.zone)
        last = datetime.datetime.combine(day, SLOTS_UNTIL, event.zone)
        step = datetime.timedelta(minutes=SLOT_MINUTES)
        while moment + step <= last:
            slot = MeetingSlot(event=event, starts_at=moment, ends_at=moment + step)
            slot.full_clean()
            slot.save()
            tally.add("meeting_slots", slot, True)
            moment += step
    for email, organisation_spec in MATCHMAKING_PEOPLE:
        person = _person(email)
        if person is None:
            continue
        existing = Registration.objects.filter(event=event, person=person).first()
        if existing is not None:
            tally.add("matchmaking_registrations", existing, False)
            continue
        try:
            registration = register(
                actor=person, event=event, organisation=find_organisation(*organisation_spec)
            )
        except RegistrationRefused:
            continue  # registration is not open today, or the membership has lapsed
        tally.add("matchmaking_registrations", registration, True)


@transaction.atomic
def load_matching_seed(today: datetime.date | None = None) -> dict[str, int]:
    """Load the technologies, the demo solutions and challenges and the matchmaking day.

    Needs the members, projects and events seeds loaded first. Returns, per kind in `KINDS`,
    how many records it created and how many it found already there.
    """
    today = today or timezone.localdate()
    tally = Tally(KINDS)
    load_technologies(tally)
    for entry in _json("solutions.json"):
        load_solution(tally, entry)
    # The file lists the challenges newest first, as the challenge list shows them.
    for entry in reversed(_json("challenges.json")):
        load_challenge(tally, entry, today)
    load_matchmaking(tally)
    return tally.counts
