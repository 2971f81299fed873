"""The participation demo: Seoul's and Mexico City's spaces, loaded once, with the invariants the
services keep."""

import datetime
import itertools

import pytest
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from activator.accounts.models import User
from activator.core.models import AuditEntry
from activator.core.richtext import clean_html
from activator.members.seed import load_seed
from activator.open311.models import Jurisdiction
from activator.open311.seed import load_open311_seed
from activator.participation import seed as participation_seed
from activator.participation.enums import (
    AnswerStatus,
    ParticipantStatus,
    PhaseKind,
    Plan,
    ProcessStatus,
)
from activator.participation.models import (
    Category,
    Comment,
    Debate,
    Participant,
    Phase,
    Process,
    Proposal,
    Question,
    Space,
    Support,
    Survey,
)
from activator.participation.seed import load_participation_seed, phase_dates
from activator.projects.enums import MilestoneStatus
from activator.projects.models import Milestone, Project
from activator.projects.seed import load_project_seed

SEEDED_MODELS = [
    Space,
    Participant,
    Category,
    Process,
    Phase,
    Proposal,
    Support,
    Debate,
    Comment,
    Survey,
    Question,
    Project,
    Milestone,
    User,
    AuditEntry,
]


@pytest.fixture(scope="module")
def seed_once(django_db_setup, django_db_blocker):
    """The members (with the demo people), projects, Open311 and participation seeds, loaded once
    for the module in an open transaction rolled back after its last test."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        load_seed(renew_demo=True, demo_users=True, demo_password="demo-password-for-tests")
        load_project_seed()
        load_open311_seed()
        counts = load_participation_seed(demo_users=True)
    yield counts
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def seeded(seed_once, db):
    return seed_once


@pytest.fixture
def seoul_process(seeded):
    return Process.objects.prefetch_related("phases").get(space__slug="seoul", slug="budget-2027")


def created(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if not k.endswith("_existing") and v}


def state() -> dict:
    return {
        "counts": {model.__name__: model.objects.count() for model in SEEDED_MODELS},
        "proposals": list(
            Proposal.objects.order_by("pk").values_list(
                "pk", "supports_count", "comments_count", "answer", "project", "updated_at"
            )
        ),
        "phases": list(Phase.objects.order_by("pk").values_list("pk", "starts_on", "ends_on")),
    }


def test_the_first_load_creates_the_demo(seeded):
    assert created(seeded) == {
        "participation_spaces": 2,
        "participation_residents": 10,
        "participants": 10,
        "participation_categories": 7,
        "participation_processes": 2,
        "participation_phases": 8,
        "proposals": 12,
        "proposal_supports": 37,
        "proposal_projects": 1,
        "debates": 1,
        "participation_comments": 10,
        "surveys": 1,
        "survey_questions": 3,
    }


def test_loading_again_creates_and_changes_nothing(seeded):
    before = state()
    again = load_participation_seed(
        today=timezone.localdate() + datetime.timedelta(days=30), demo_users=True
    )
    assert state() == before
    assert created(again) == {}
    existing = {k.removesuffix("_existing"): v for k, v in again.items() if k.endswith("_existing")}
    assert existing == created(seeded)


def test_the_counters_equal_the_rows(seeded):
    for proposal in Proposal.objects.all():
        assert proposal.supports_count == proposal.supports.count(), proposal.title
        assert proposal.comments_count == proposal.comments.count(), proposal.title
    for debate in Debate.objects.all():
        assert debate.comments_count == debate.comments.count()
    assert Proposal.objects.filter(supports_count__gt=0).count() == 11


def test_replies_are_one_level_deeper_than_their_parent(seeded):
    comments = list(Comment.objects.select_related("parent"))
    for comment in comments:
        if comment.parent is None:
            assert comment.depth == 0
        else:
            assert comment.depth == comment.parent.depth + 1
            assert comment.target == comment.parent.target
            assert comment.created_at > comment.parent.created_at
    debate = Debate.objects.get()
    assert debate.comments.count() == 5
    assert max(c.depth for c in debate.comments.all()) == 2


def test_rich_text_is_stored_clean(seeded):
    texts = [
        *Space.objects.values_list("description", flat=True),
        *Process.objects.values_list("description", flat=True),
        *Proposal.objects.values_list("body", flat=True),
        *Proposal.objects.exclude(answer_text="").values_list("answer_text", flat=True),
        *Debate.objects.values_list("body", flat=True),
        *Comment.objects.values_list("body", flat=True),
        *Survey.objects.values_list("description", flat=True),
    ]
    assert texts
    for text in texts:
        assert text.startswith("<p>") and clean_html(text) == text


def test_seoul_space_is_premium_with_its_budget_in_the_proposals_phase(seeded, seoul_process):
    space = seoul_process.space
    assert space.plan == Plan.PREMIUM and space.is_open
    assert space.organisation.name == "Seoul"
    assert Jurisdiction.objects.get(jurisdiction_id="seoul.kr").organisation == space.organisation
    assert "invented for illustration" in space.description
    assert seoul_process.title == "Seoul participatory budget 2027"
    assert seoul_process.status == ProcessStatus.PUBLISHED
    assert seoul_process.phase_on().kind == PhaseKind.PROPOSALS
    phases = list(seoul_process.phases.all())
    assert [p.kind for p in phases] == list(PhaseKind.values)
    for earlier, later in itertools.pairwise(phases):
        assert later.starts_on == earlier.ends_on + datetime.timedelta(days=1)
    assert space.categories.count() == 5
    assert seoul_process.proposals.count() == 12
    assert set(seoul_process.proposals.values_list("category__name", flat=True)) == set(
        space.categories.values_list("name", flat=True)
    )
    assert seoul_process.debates.count() == 1
    survey = seoul_process.surveys.get()
    assert survey.is_open_on() and survey.questions.count() == 3
    assert sorted(survey.questions.values_list("kind", flat=True)) == [
        "choice",
        "multiple",
        "text",
    ]


def test_every_author_and_supporter_is_a_verified_participant(seeded):
    for proposal in Proposal.objects.select_related("process__space"):
        space = proposal.process.space
        people = {proposal.author_id, *proposal.supports.values_list("user_id", flat=True)}
        verified = set(
            space.participants.filter(status=ParticipantStatus.VERIFIED).values_list(
                "user_id", flat=True
            )
        )
        assert people <= verified


def test_demo_residents_cannot_log_in(seeded):
    residents = User.objects.filter(email__endswith="@residents.demo.activator")
    assert residents.count() == 10
    assert not any(person.has_usable_password() for person in residents)


def test_three_answers_and_the_accepted_one_became_a_project(seeded, seoul_process):
    answered = {p.answer: p for p in seoul_process.proposals.exclude(answer=AnswerStatus.NONE)}
    assert set(answered) == {AnswerStatus.ACCEPTED, AnswerStatus.EVALUATING, AnswerStatus.REJECTED}
    representative = User.objects.get(email="seoul@demo.activator")
    for proposal in answered.values():
        assert proposal.answer_text and proposal.answered_at
        assert proposal.answered_by == representative
        assert AuditEntry.objects.filter(
            action="participation.proposal_answered", object_id=str(proposal.pk)
        ).exists()
    accepted = answered[AnswerStatus.ACCEPTED]
    project = accepted.project
    assert project.organisation == seoul_process.space.organisation
    statuses = list(project.milestones.values_list("status", flat=True))
    assert statuses.count(MilestoneStatus.DONE) == 2 and len(statuses) == 5
    assert answered[AnswerStatus.EVALUATING].project is None
    assert "Rejected" in answered[AnswerStatus.REJECTED].answer_text
    assert (
        Proposal.objects.exclude(answer=AnswerStatus.ACCEPTED)
        .filter(project__isnull=False)[:1]
        .count()
        == 0
    )


def test_a_free_space_in_another_region_in_its_information_phase(seeded):
    space = Space.objects.get(organisation__name="Mexico City")
    assert space.plan == Plan.FREE
    assert space.organisation.region != Space.objects.get(slug="seoul").organisation.region
    process = space.processes.prefetch_related("phases").get()
    assert process.status == ProcessStatus.PUBLISHED
    assert process.phase_on().kind == PhaseKind.INFORMATION
    assert not process.proposals.exists()


def test_the_phases_follow_the_day_of_loading():
    phases = [
        {"kind": "information", "days": 14},
        {"kind": "proposals", "days": 42},
        {"kind": "results", "days": 30},
    ]
    today = datetime.date(2027, 3, 1)
    dates = phase_dates(phases, "proposals", 12, today)
    assert dates == [
        (datetime.date(2027, 2, 3), datetime.date(2027, 2, 16)),
        (datetime.date(2027, 2, 17), datetime.date(2027, 3, 30)),
        (datetime.date(2027, 3, 31), datetime.date(2027, 4, 29)),
    ]
    with pytest.raises(ValueError, match="would not include"):
        phase_dates(phases, "information", 14, today)


def test_a_missing_city_is_skipped(seeded, monkeypatch):
    monkeypatch.setattr(participation_seed, "find_organisation", lambda name, country: None)
    before = state()
    counts = load_participation_seed(demo_users=True)
    assert not any(counts.values())
    assert state() == before


def test_without_the_demo_people_only_the_spaces_and_processes(seeded):
    """What residents wrote comes with the demo people only; then a load with them adds it."""
    Space.objects.all().delete()
    User.objects.filter(email__endswith="@residents.demo.activator").delete()
    Project.objects.filter(title="Shade canopies at pedestrian crossings").delete()
    people = User.objects.count()

    counts = load_participation_seed()
    assert created(counts) == {
        "participation_spaces": 2,
        "participation_categories": 7,
        "participation_processes": 2,
        "participation_phases": 8,
        "surveys": 1,
        "survey_questions": 3,
    }
    assert User.objects.count() == people
    assert not Proposal.objects.exists() and not Participant.objects.exists()
    process = Process.objects.prefetch_related("phases").get(slug="budget-2027")
    assert process.phase_on().kind == PhaseKind.PROPOSALS

    later = load_participation_seed(demo_users=True)
    assert later["participation_spaces_existing"] == 2 and later["proposals"] == 12
    assert later["participation_residents"] == 10 and later["proposal_supports"] == 37


def test_the_space_page_shows_the_demo(seeded, client):
    try:
        url = reverse("participation:space", args=["seoul"])
    except NoReverseMatch:
        pytest.skip("The space page is not there yet.")
    page = client.get(url)
    assert page.status_code == 200
    assert "Seoul Participates" in page.content.decode()


def test_the_process_page_lists_the_demo_proposals(seeded, client):
    try:
        url = reverse("participation:process", args=["seoul", "budget-2027"])
    except NoReverseMatch:
        pytest.skip("The process page is not there yet.")
    page = client.get(url, {"sort": "supports"})
    assert page.status_code == 200
    assert "Shade canopies at busy pedestrian crossings" in page.content.decode()
