"""Proposals: who posts them and when, clean input, rate limits, supports and their counter, the
threshold, the city's answer and the project an accepted proposal becomes."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from activator.core.models import AuditEntry
from activator.core.ratelimit import RateLimited
from activator.participation.enums import (
    AnswerStatus,
    Moderation,
    ParticipantStatus,
    PhaseKind,
    Plan,
    ProcessStatus,
)
from activator.participation.models import (
    Category,
    Follow,
    Notification,
    Phase,
    Process,
    Proposal,
    Support,
)
from activator.participation.services_notify import follow
from activator.participation.services_proposals import (
    THRESHOLD_ACTION,
    proposal_answer,
    proposal_create,
    proposal_create_project,
    proposal_link_project,
    proposal_support,
    proposal_unlink_project,
    proposal_unsupport,
    proposal_update,
    proposal_withdraw,
)
from activator.projects.enums import MilestoneStatus, Stage
from activator.projects.models import Milestone, Project
from tests.factories import UserFactory
from tests.participation.conftest import join, make_phases

pytestmark = pytest.mark.django_db

XSS = (
    '<p>Trees <script>alert("x")</script><img src=x onerror=alert(1)>'
    '<a href="javascript:alert(1)">here</a></p>'
)


def make_proposal(process, author, **fields) -> Proposal:
    """A proposal stored directly (no phase or rate rules), for reading tests."""
    fields.setdefault("title", "More trees on Jong-ro")
    fields.setdefault("body", "<p>Shade for pedestrians.</p>")
    return Proposal.objects.create(process=process, author=author, **fields)


def supporters(space, n: int) -> list:
    people = []
    for _i in range(n):
        person = UserFactory()
        join(space, person)
        people.append(person)
    return people


def set_phase(process, running: str) -> None:
    Phase.objects.filter(process=process).delete()
    make_phases(process, running)
    # Forget the phases read earlier.
    if hasattr(process, "_prefetched_objects_cache"):
        process._prefetched_objects_cache.clear()


# --- Posting ----------------------------------------------------------------------------------


def test_a_verified_participant_posts_a_proposal(process, participant, mobility):
    proposal = proposal_create(
        participant,
        process,
        title="  A bike lane   on Jong-ro ",
        body="Protected from cars.",
        category=mobility,
        address="Jong-ro 1",
        latitude="37.5703",
        longitude=126.9830,
    )
    assert proposal.title == "A bike lane on Jong-ro"
    assert proposal.body == "<p>Protected from cars.</p>"
    assert proposal.category == mobility
    assert proposal.latitude == Decimal("37.570300") and proposal.longitude == Decimal("126.983000")
    assert proposal.supports_count == 0 and proposal.withdrawn_at is None


def test_the_body_is_sanitised_when_saved(process, participant):
    proposal = proposal_create(participant, process, title="Trees", body=XSS)
    stored = Proposal.objects.get(pk=proposal.pk).body
    assert "<script" not in stored and "onerror" not in stored and "javascript:" not in stored
    assert "Trees" in stored


@pytest.mark.parametrize("persona", ["outsider", None], indirect=True)
def test_people_who_have_not_joined_cannot_post(process, persona):
    from django.contrib.auth.models import AnonymousUser

    user = persona or AnonymousUser()
    with pytest.raises(PermissionDenied):
        proposal_create(user, process, title="Mine", body="Text")
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "status", [ParticipantStatus.PENDING, ParticipantStatus.REJECTED, ParticipantStatus.BLOCKED]
)
def test_participants_not_verified_cannot_post(process, space, status):
    person = UserFactory()
    join(space, person, status=status)
    with pytest.raises(PermissionDenied):
        proposal_create(person, process, title="Mine", body="Text")
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    "running", [PhaseKind.INFORMATION, PhaseKind.DEBATE, PhaseKind.VOTING, PhaseKind.RESULTS]
)
def test_proposals_only_in_the_proposals_phase(process, participant, running):
    set_phase(process, running)
    with pytest.raises(ValidationError) as error:
        proposal_create(participant, process, title="Late", body="Text")
    assert "proposals phase" in error.value.messages[0]
    assert not Proposal.objects.exists()


def test_no_proposals_in_a_draft_process(process, participant):
    Process.objects.filter(pk=process.pk).update(status=ProcessStatus.DRAFT)
    process.refresh_from_db()
    with pytest.raises(ValidationError):
        proposal_create(participant, process, title="Early", body="Text")


def test_no_proposals_in_a_closed_space(process, space, participant):
    space.is_open = False
    space.save()
    with pytest.raises(ValidationError):
        proposal_create(participant, process, title="Closed", body="Text")


def test_a_category_of_another_space_is_refused(process, participant, free_space):
    foreign = Category.objects.create(space=free_space, name="Roads")
    with pytest.raises(ValidationError) as error:
        proposal_create(participant, process, title="Roads", body="Text", category=foreign)
    assert "category" in error.value.message_dict
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("latitude", "longitude", "field"),
    [
        ("37.5", None, "longitude"),
        (None, "126.9", "latitude"),
        ("91", "126.9", "latitude"),
        ("37.5", "-180.5", "longitude"),
        ("north", "126.9", "latitude"),
        ("NaN", "126.9", "latitude"),
    ],
)
def test_coordinates_both_or_neither_and_in_range(process, participant, latitude, longitude, field):
    with pytest.raises(ValidationError) as error:
        proposal_create(
            participant, process, title="Here", body="Text", latitude=latitude, longitude=longitude
        )
    assert field in error.value.message_dict


@pytest.mark.parametrize(
    ("title", "body", "field"),
    [("", "Text", "title"), ("x" * 151, "Text", "title"), ("Title", "<p> </p>", "body")],
)
def test_title_and_body_are_required(process, participant, title, body, field):
    with pytest.raises(ValidationError) as error:
        proposal_create(participant, process, title=title, body=body)
    assert field in error.value.message_dict


def test_the_rate_limit_refuses_one_too_many(process, participant, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "proposal": (2, 3600)}
    proposal_create(participant, process, title="One", body="Text")
    proposal_create(participant, process, title="Two", body="Text")
    with pytest.raises(RateLimited) as error:
        proposal_create(participant, process, title="Three", body="Text")
    assert error.value.retry_after > 0
    assert Proposal.objects.count() == 2


def test_the_author_follows_and_the_process_followers_are_told(process, participant, neighbour):
    follow(neighbour, process)
    proposal = proposal_create(participant, process, title="Benches", body="Text")
    assert Follow.objects.filter(user=participant, object_id=proposal.pk).exists()
    told = Notification.objects.get(verb="proposal.created")
    assert told.user == neighbour and "Benches" in told.text
    assert told.url == proposal.get_absolute_url()
    assert not Notification.objects.filter(user=participant).exists()


# --- Editing and withdrawing ------------------------------------------------------------------


def test_the_author_edits_while_nobody_supports(process, participant, parks):
    proposal = make_proposal(process, participant)
    proposal_update(participant, proposal, title="Even more trees", body=XSS, category=parks)
    proposal.refresh_from_db()
    assert proposal.title == "Even more trees" and proposal.category == parks
    assert "<script" not in proposal.body


def test_nobody_else_edits(process, participant, neighbour, representative):
    proposal = make_proposal(process, participant)
    for person in (neighbour, representative):
        with pytest.raises(PermissionDenied):
            proposal_update(person, proposal, title="Mine now")
    proposal.refresh_from_db()
    assert proposal.title == "More trees on Jong-ro"


def test_no_edit_once_supported(process, participant, neighbour):
    proposal = make_proposal(process, participant)
    proposal_support(neighbour, proposal)
    with pytest.raises(ValidationError):
        proposal_update(participant, proposal, title="Changed after support")
    proposal.refresh_from_db()
    assert proposal.title == "More trees on Jong-ro"


def test_no_edit_after_the_proposals_phase(process, participant):
    proposal = make_proposal(process, participant)
    set_phase(process, PhaseKind.DEBATE)
    with pytest.raises(ValidationError):
        proposal_update(participant, proposal, title="Too late")


def test_withdrawing_keeps_the_proposal_and_stops_supports(process, participant, neighbour):
    proposal = make_proposal(process, participant)
    with pytest.raises(PermissionDenied):
        proposal_withdraw(neighbour, proposal)
    proposal_withdraw(participant, proposal)
    proposal.refresh_from_db()
    assert proposal.withdrawn_at is not None
    with pytest.raises(ValidationError):
        proposal_support(neighbour, proposal)
    with pytest.raises(ValidationError):
        proposal_withdraw(participant, proposal)
    assert Support.objects.count() == 0


# --- Supports ---------------------------------------------------------------------------------


def test_one_support_per_person_and_an_exact_counter(process, participant, neighbour):
    proposal = make_proposal(process, participant)
    assert proposal_support(neighbour, proposal) is True
    assert proposal_support(neighbour, proposal) is False  # double support: nothing changes
    assert proposal_support(participant, proposal) is True  # one's own proposal too
    proposal.refresh_from_db()
    assert proposal.supports_count == 2 == Support.objects.filter(proposal=proposal).count()
    assert proposal_unsupport(neighbour, proposal) is True
    assert proposal_unsupport(neighbour, proposal) is False
    proposal.refresh_from_db()
    assert proposal.supports_count == 1 == Support.objects.filter(proposal=proposal).count()


@pytest.mark.parametrize("persona", ["outsider", "representative"], indirect=True)
def test_only_participants_support(process, participant, persona):
    proposal = make_proposal(process, participant)
    with pytest.raises(PermissionDenied):
        proposal_support(persona, proposal)
    proposal.refresh_from_db()
    assert proposal.supports_count == 0 and not Support.objects.exists()


def test_a_pending_participant_cannot_support(process, space, participant):
    proposal = make_proposal(process, participant)
    person = UserFactory()
    join(space, person, status=ParticipantStatus.PENDING)
    with pytest.raises(PermissionDenied):
        proposal_support(person, proposal)


@pytest.mark.parametrize(
    ("running", "allowed"),
    [
        (PhaseKind.INFORMATION, False),
        (PhaseKind.PROPOSALS, True),
        (PhaseKind.DEBATE, False),
        (PhaseKind.VOTING, True),
        (PhaseKind.RESULTS, False),
    ],
)
def test_supports_in_the_proposals_and_voting_phases(
    process, participant, neighbour, running, allowed
):
    proposal = make_proposal(process, participant)
    set_phase(process, running)
    if allowed:
        assert proposal_support(neighbour, proposal)
    else:
        with pytest.raises(ValidationError):
            proposal_support(neighbour, proposal)
        assert not Support.objects.exists()


def test_a_hidden_proposal_takes_no_support(process, participant, neighbour):
    proposal = make_proposal(process, participant, moderation=Moderation.HIDDEN)
    with pytest.raises(ValidationError):
        proposal_support(neighbour, proposal)
    assert not Support.objects.exists()


def test_the_threshold_is_announced_once(process, space, participant, representative):
    proposal = make_proposal(process, participant)
    people = supporters(space, 4)
    for person in people[:3]:
        proposal_support(person, proposal)
    reached = Notification.objects.filter(verb="proposal.threshold")
    assert {n.user for n in reached} == {participant, representative}
    # Falling below and reaching it again, or going beyond, tells nobody again.
    proposal_unsupport(people[0], proposal)
    proposal_support(people[0], proposal)
    proposal_support(people[3], proposal)
    assert reached.count() == 2
    assert AuditEntry.objects.filter(action=THRESHOLD_ACTION).count() == 1
    proposal.refresh_from_db()
    assert proposal.supports_count == 4


def test_threshold_notifications_are_emailed_or_kept(
    process, space, participant, representative, django_capture_on_commit_callbacks
):
    proposal = make_proposal(process, participant)
    with django_capture_on_commit_callbacks(execute=True):
        for person in supporters(space, 3):
            proposal_support(person, proposal)
    assert Notification.objects.filter(verb="proposal.threshold", user=representative).exists()


# --- The city's answer ------------------------------------------------------------------------


ALLOWED = ["representative", "regional_officer", "staff"]
REFUSED = ["citizen", "other_representative", "contact"]


@pytest.mark.parametrize("persona", ALLOWED, indirect=True)
def test_the_city_answers(process, participant, persona):
    proposal = make_proposal(process, participant)
    proposal_answer(persona, proposal, answer=AnswerStatus.EVALUATING, text="We look into it.")
    proposal.refresh_from_db()
    assert proposal.answer == AnswerStatus.EVALUATING and proposal.answered_by == persona


@pytest.mark.parametrize("persona", REFUSED, indirect=True)
def test_others_cannot_answer(process, neighbour, persona):
    proposal = make_proposal(process, neighbour)
    with pytest.raises(PermissionDenied):
        proposal_answer(persona, proposal, answer=AnswerStatus.ACCEPTED, text="Yes")
    proposal.refresh_from_db()
    assert proposal.answer == AnswerStatus.NONE


def test_a_rejection_says_why(process, participant, representative):
    proposal = make_proposal(process, participant)
    with pytest.raises(ValidationError) as error:
        proposal_answer(representative, proposal, answer=AnswerStatus.REJECTED, text="<p> </p>")
    assert "answer_text" in error.value.message_dict
    with pytest.raises(ValidationError):
        proposal_answer(representative, proposal, answer="maybe", text="")
    proposal.refresh_from_db()
    assert proposal.answer == AnswerStatus.NONE


def test_answers_are_audited_sanitised_and_told(process, participant, neighbour, representative):
    proposal = make_proposal(process, participant)
    follow(neighbour, proposal)
    proposal_answer(representative, proposal, answer=AnswerStatus.EVALUATING, text="Looking.")
    proposal_answer(representative, proposal, answer=AnswerStatus.ACCEPTED, text=XSS)
    proposal.refresh_from_db()
    assert "<script" not in proposal.answer_text
    entries = AuditEntry.objects.filter(action="participation.proposal_answered").order_by("id")
    assert entries.count() == 2
    assert entries[1].changes["answer"] == ["evaluating", "accepted"]
    told = Notification.objects.filter(verb="proposal.answered")
    assert {n.user for n in told} == {participant, neighbour} and told.count() == 4
    # The same answer again changes nothing and tells nobody.
    proposal_answer(representative, proposal, answer=AnswerStatus.ACCEPTED, text=XSS)
    assert entries.count() == 2 and told.count() == 4


# --- The project ------------------------------------------------------------------------------


@pytest.fixture
def accepted(process, participant, representative):
    proposal = make_proposal(process, participant)
    proposal_answer(representative, proposal, answer=AnswerStatus.ACCEPTED, text="Yes.")
    proposal.refresh_from_db()
    return proposal


@pytest.mark.parametrize("persona", ALLOWED, indirect=True)
def test_the_city_links_an_accepted_proposal_to_its_project(
    accepted, city, make_project, persona, neighbour
):
    follow(neighbour, accepted)
    project = make_project(city, title="Jong-ro trees")
    proposal_link_project(persona, accepted, project)
    accepted.refresh_from_db()
    assert accepted.project == project
    entry = AuditEntry.objects.get(action="participation.proposal_project_linked")
    assert entry.changes == {"project": [None, "Jong-ro trees"]}
    assert Notification.objects.filter(verb="proposal.project", user=neighbour).exists()


@pytest.mark.parametrize("persona", REFUSED, indirect=True)
def test_others_cannot_link(accepted, city, make_project, persona):
    project = make_project(city)
    with pytest.raises(PermissionDenied):
        proposal_link_project(persona, accepted, project)
    accepted.refresh_from_db()
    assert accepted.project is None


def test_only_accepted_proposals_become_projects(
    process, participant, representative, city, make_project
):
    proposal = make_proposal(process, participant)
    project = make_project(city)
    with pytest.raises(ValidationError):
        proposal_link_project(representative, proposal, project)
    proposal_answer(representative, proposal, answer=AnswerStatus.EVALUATING, text="")
    with pytest.raises(ValidationError):
        proposal_link_project(representative, proposal, project)
    assert not Proposal.objects.filter(project__isnull=False).exists()


def test_only_the_citys_own_projects(accepted, other_city, make_project, staff):
    foreign = make_project(other_city, title="Abuja buses")
    with pytest.raises(ValidationError) as error:
        proposal_link_project(staff, accepted, foreign)
    assert "project" in error.value.message_dict


def test_accountability_needs_the_premium_plan(accepted, space, city, make_project, representative):
    space.plan = Plan.PLUS
    space.save()
    with pytest.raises(PermissionDenied):
        proposal_link_project(representative, accepted, make_project(city))


def test_a_project_made_from_the_proposal(accepted, representative, city):
    project = proposal_create_project(representative, accepted, stage=Stage.PROPOSAL)
    accepted.refresh_from_db()
    assert accepted.project == project
    assert project.organisation == city and project.title == accepted.title
    assert project.stage == Stage.PROPOSAL and project.summary == "Shade for pedestrians."
    with pytest.raises(ValidationError):
        proposal_create_project(representative, accepted, stage=Stage.OPERATION)
    assert Project.objects.count() == 1


def test_unlinking_is_audited_and_the_answer_stays_while_linked(
    accepted, representative, city, make_project
):
    project = make_project(city)
    proposal_link_project(representative, accepted, project)
    with pytest.raises(ValidationError):
        proposal_answer(representative, accepted, answer=AnswerStatus.REJECTED, text="No")
    proposal_unlink_project(representative, accepted)
    accepted.refresh_from_db()
    assert accepted.project is None and Project.objects.filter(pk=project.pk).exists()
    assert AuditEntry.objects.filter(action="participation.proposal_project_unlinked").exists()


def test_milestones_count_for_the_accountability_view(accepted, representative, city, make_project):
    from activator.participation.selectors import proposal_detail

    project = make_project(city)
    Milestone.objects.create(project=project, title="Plant", status=MilestoneStatus.DONE)
    Milestone.objects.create(project=project, title="Water", status=MilestoneStatus.PLANNED)
    proposal_link_project(representative, accepted, project)
    shown = proposal_detail(accepted.pk).project
    assert (shown.milestones_done, shown.milestones_total) == (1, 2)


def test_withdrawn_proposals_are_not_told_to_followers(
    process, participant, neighbour, representative
):
    proposal = make_proposal(process, participant, withdrawn_at=timezone.now())
    follow(neighbour, proposal)
    proposal_answer(representative, proposal, answer=AnswerStatus.EVALUATING, text="")
    assert not Notification.objects.filter(user=neighbour).exists()
    assert Notification.objects.filter(user=participant, verb="proposal.answered").exists()


def test_support_dates(process, participant, neighbour):
    proposal = make_proposal(process, participant)
    proposal_support(neighbour, proposal)
    support = Support.objects.get()
    assert abs(support.created_at - timezone.now()) < datetime.timedelta(minutes=1)
