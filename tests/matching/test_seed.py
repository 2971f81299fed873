"""The Solution Finder's demo: technologies, solutions, challenges and the matchmaking day, once."""

import csv
import datetime
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from activator.accounts.models import Affiliation, User
from activator.core.models import AuditEntry, SearchEntry
from activator.core.search import WORD
from activator.events.enums import RegistrationStatus
from activator.events.models import Event, Registration
from activator.events.seed import MATCHMAKING_SLUG, load_events_seed
from activator.matching import ranking
from activator.matching.enums import PublicationStatus
from activator.matching.models import (
    Challenge,
    Deployment,
    MatchmakingSetup,
    MeetingSlot,
    Solution,
    SolutionDomain,
)
from activator.matching.seed import (
    CHALLENGE_NOTE,
    SEED_DIR,
    SOLUTION_NOTE,
    load_matching_seed,
)
from activator.matching.services import CHALLENGE_KIND, SOLUTION_KIND
from activator.members.enums import OrganisationType
from activator.members.seed import load_seed
from activator.projects.seed import load_project_seed

SEEDED_MODELS = [
    SolutionDomain,
    Solution,
    Deployment,
    Challenge,
    MatchmakingSetup,
    MeetingSlot,
    Registration,
    SearchEntry,
    AuditEntry,
]


def entries(name: str) -> list[dict]:
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_once(django_db_setup, django_db_blocker):
    """Everything the demo needs, with the demo people, loaded once for the module (dated from
    today, so the matchmaking day is ahead and takes registrations).

    It stays in an open transaction that is rolled back after the module's last test; each test
    runs in a savepoint inside it.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        load_seed(renew_demo=True, demo_users=True, demo_password="demo-password-for-tests")
        load_project_seed()
        load_events_seed()
        counts = load_matching_seed()
    yield counts
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def seeded(seed_once, db):
    return seed_once


def created(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if not k.endswith("_existing") and v}


def test_the_first_load_creates_the_demo(seeded):
    assert created(seeded) == {
        "technologies": 23,
        "solutions": 25,
        "deployments": 3,
        "challenges": 9,
        "matchmaking_setups": 1,
        "meeting_slots": 9,
        "matchmaking_registrations": 2,
    }


def test_loading_again_creates_and_changes_nothing(seeded):
    def state():
        return {
            "counts": {model.__name__: model.objects.count() for model in SEEDED_MODELS},
            "solutions": list(Solution.objects.order_by("pk").values_list("pk", "updated_at")),
            "challenges": list(Challenge.objects.order_by("pk").values_list("pk", "updated_at")),
        }

    before = state()
    again = load_matching_seed(today=timezone.localdate() + datetime.timedelta(days=30))
    assert state() == before
    assert created(again) == {}
    assert again["solutions_existing"] == 25 and again["challenges_existing"] == 9
    assert again["meeting_slots_existing"] == 9 and again["deployments_existing"] == 3
    assert again["matchmaking_registrations_existing"] == 2


def test_the_23_technologies_in_the_documents_order(seeded):
    with (SEED_DIR / "technologies.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = list(SolutionDomain.objects.order_by("position").values_list("name", flat=True))
    assert names == [row["name"] for row in rows]
    assert len(names) == 23
    assert names[:3] == ["Big Data", "Blockchain Technology", "Data Visualization"]
    assert names[-1] == "Telecommunications"


def test_every_demo_solution_is_published_with_its_vector_and_search_entry(seeded):
    solutions = list(Solution.objects.prefetch_related("technologies"))
    assert len(solutions) == 25
    entries_ = set(
        SearchEntry.objects.filter(kind=SOLUTION_KIND).values_list("object_id", flat=True)
    )
    for solution in solutions:
        assert solution.status == PublicationStatus.PUBLISHED and solution.published_at
        assert solution.vector is not None and solution.vector.shape == (160,)
        assert solution.search_text
        assert str(solution.pk) in {str(pk) for pk in entries_}
        assert solution.description.endswith(SOLUTION_NOTE)
        assert solution.technologies.all()
        assert solution.provider.type != OrganisationType.LOCAL_GOVERNMENT
    providers = {s.provider.name for s in solutions}
    assert {"Data Alliance", "Qlue", "ICONLOOP", "WeavAir", "FIWARE Foundation"} <= providers


def test_challenges_of_member_cities_in_every_region_and_one_draft(seeded):
    challenges = list(Challenge.objects.select_related("city__region"))
    assert len(challenges) == 9
    published = [c for c in challenges if c.status == PublicationStatus.PUBLISHED]
    assert len(published) == 8
    draft = next(c for c in challenges if c.status == PublicationStatus.DRAFT)
    assert draft.city.name == "Seoul"
    assert not SearchEntry.objects.filter(kind=CHALLENGE_KIND, object_id=draft.pk).exists()
    assert SearchEntry.objects.filter(kind=CHALLENGE_KIND).count() == 8
    assert {c.city.region.slug for c in published} == {
        "asia-pacific",
        "africa",
        "europe",
        "americas",
        "middle-east",
    }
    today = timezone.localdate()
    for challenge in challenges:
        assert challenge.city.type == OrganisationType.LOCAL_GOVERNMENT
        assert challenge.vector is not None
        assert challenge.description.endswith(CHALLENGE_NOTE)
        assert challenge.budget_min < challenge.budget_max
        assert challenge.start_by > today and challenge.start_by.day == 1
        assert challenge.duration_months


def test_deployments_link_published_case_studies(seeded):
    linked = {
        (d.solution.name, d.project.title)
        for d in Deployment.objects.select_related("solution", "project")
    }
    assert linked == {
        ("Urban Data Hub", "Big Data Campus"),
        ("Citizen Reporting App and City Dashboard", "Qlue Smart City Participation System"),
        (
            "Blockchain Digital Credentials",
            "WeGO-ICONLOOP Joint Feasibility Study & Pilot Project",
        ),
    }
    assert all(d.project.published_at for d in Deployment.objects.all())


def test_the_demo_provider_keeps_data_alliances_solutions(seeded):
    provider = User.objects.get(email="provider@demo.activator")
    assert provider.full_name == "Demo Solution Provider"
    company = Affiliation.objects.get(user=provider).organisation
    assert (company.name, company.country.code, company.type) == (
        "Data Alliance",
        "KR",
        OrganisationType.CORPORATION,
    )
    theirs = Solution.objects.filter(provider=company)
    assert theirs.count() == 3
    assert set(theirs.values_list("contact", flat=True)) == {provider.pk}
    assert provider.has_perm("matching.change_solution", theirs.first())
    others = Solution.objects.exclude(provider=company)
    assert not others.filter(contact__isnull=False).exists()


def test_the_matchmaking_day_gets_tables_slots_and_its_demo_participants(seeded):
    event = Event.objects.get(slug=MATCHMAKING_SLUG)
    setup = event.matchmaking_setup
    assert (setup.tables, setup.place) == (12, "Meeting hall, Seoul Global Center")
    day = event.local_start.date()
    assert setup.requests_close_at == datetime.datetime.combine(
        day - datetime.timedelta(days=1), datetime.time(18), event.zone
    )
    slots = [
        (s.starts_at.astimezone(event.zone), s.ends_at.astimezone(event.zone))
        for s in MeetingSlot.objects.filter(event=event)
    ]
    assert len(slots) == 9
    assert slots[0][0] == datetime.datetime.combine(day, datetime.time(14), event.zone)
    assert slots[-1][1] == datetime.datetime.combine(day, datetime.time(17), event.zone)
    assert all(end - start == datetime.timedelta(minutes=20) for start, end in slots)
    registered = dict(
        Registration.objects.filter(event=event).values_list("person__email", "status")
    )
    assert registered == {
        "seoul@demo.activator": RegistrationStatus.CONFIRMED,
        "provider@demo.activator": RegistrationStatus.CONFIRMED,
    }


def test_kampalas_challenge_finds_parking_by_meaning_alone(seeded):
    """Kampala's challenge shares no word (but small ones) with the parking solution."""
    challenge = Challenge.objects.get(city__name="Kampala")
    parking = Solution.objects.get(provider__name="Winnertech")
    assert not set(ranking.query_words(challenge.search_text)) & set(
        ranking.query_words(parking.search_text)
    )
    best = ranking.solutions_for_challenge(challenge, limit=3)[0]
    assert best.solution == parking
    assert best.reasons[0].code == "meaning"
    assert "words" not in {reason.code for reason in best.reasons}


@pytest.mark.parametrize(
    ("city", "provider"),
    [
        ("Seoul", "WeavAir"),
        ("Ulaanbaatar", "Data Alliance"),
        ("Jakarta", "Geomexsoft"),
        ("Dakar", "Manageon"),
        ("Bucharest", "Interinnov S.A.S"),
        ("Muscat", "Haezoom"),
    ],
)
def test_each_challenge_has_a_fitting_best_match(seeded, city, provider):
    challenge = Challenge.objects.get(city__name=city, status=PublicationStatus.PUBLISHED)
    best = ranking.solutions_for_challenge(challenge, limit=1)[0]
    assert best.solution.provider.name == provider
    assert best.reasons


def test_the_api_lists_the_published_challenges_with_meaningful_matches(seeded, client):
    listed = client.get("/api/v1/challenges").json()
    assert listed["count"] == 8
    first = listed["items"][0]
    assert first["title"] == entries("challenges.json")[0]["title"]
    matches = client.get(f"/api/v1/challenges/{first['id']}/matches").json()["items"]
    assert matches[0]["solution"]["name"] == "Indoor Air Quality Monitoring"
    assert matches[0]["score"] >= matches[1]["score"]
    assert {"meaning", "sectors"} <= {reason["code"] for reason in matches[0]["reasons"]}


def test_a_contact_is_given_once_the_demo_provider_exists(seeded):
    solution = Solution.objects.get(name="Urban Data Hub")
    Solution.objects.filter(provider=solution.provider).update(contact=None)
    load_matching_seed()
    solution.refresh_from_db()
    assert solution.contact.email == "provider@demo.activator"


def test_the_command_loads_the_demo_once_and_names_it(seeded, settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo_data", "--with-demo-users", stdout=out)
    output = out.getvalue()
    assert "Solution technologies: 0 created, 23 existing" in output
    assert "Demo solutions: 0 created, 25 existing" in output
    assert "Solution deployments: 0 created, 3 existing" in output
    assert "Demo challenges: 0 created, 9 existing" in output
    assert "Matchmaking set-ups: 0 created, 1 existing" in output
    assert "Meeting slots: 0 created, 9 existing" in output
    assert "Demo people registered for the matchmaking day: 0 created, 2 existing" in output
    assert "provider@demo.activator  (Demo Solution Provider)" in output
    assert Solution.objects.count() == 25


def test_the_demo_notes_never_make_a_match(seeded):
    """Each side's note says the text is illustrative in words the other side never uses."""
    solution_words = {w for s in Solution.objects.all() for w in WORD.findall(s.search_text)}
    challenge_words = {w for c in Challenge.objects.all() for w in WORD.findall(c.search_text)}
    assert not set(ranking.query_words(CHALLENGE_NOTE)) & solution_words
    assert not set(ranking.query_words(SOLUTION_NOTE)) & challenge_words
