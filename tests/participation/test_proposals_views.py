"""The proposal pages: posting, the page with its supports box, the city's answer and the project
it became, withdrawing, editing, and the support button with and without htmx."""

import pytest
from django.urls import reverse
from django.utils import timezone

from activator.participation.enums import AnswerStatus, Moderation, PhaseKind
from activator.participation.models import Proposal, Support
from activator.participation.services_proposals import proposal_answer, proposal_link_project
from activator.projects.enums import MilestoneStatus, Stage, Visibility
from activator.projects.models import Milestone, Project
from tests.participation.test_proposals_services import XSS, make_proposal, set_phase

pytestmark = pytest.mark.django_db


def url(name: str, proposal: Proposal) -> str:
    process = proposal.process
    return reverse(f"participation:{name}", args=[process.space.slug, process.slug, proposal.pk])


def new_url(process) -> str:
    return reverse("participation:proposal_new", args=[process.space.slug, process.slug])


# --- Posting ----------------------------------------------------------------------------------


def test_a_participant_posts_a_proposal(client, process, participant, mobility):
    client.force_login(participant)
    assert client.get(new_url(process)).status_code == 200
    response = client.post(
        new_url(process),
        {
            "title": "Bike lanes",
            "body": XSS,
            "category": mobility.pk,
            "address": "Jong-ro",
            "latitude": "37.5703",
            "longitude": "126.983",
        },
    )
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Bike lanes" in page and "Jong-ro" in page and "Mobility" in page
    assert "<script>alert" not in page and "onerror" not in page and "javascript:" not in page
    assert "https://www.openstreetmap.org/?mlat=37.570300&amp;mlon=126.983000" in page


def test_outsiders_are_told_to_join_and_cannot_post(client, process, outsider):
    client.force_login(outsider)
    page = client.get(new_url(process)).content.decode()
    assert "Only verified participants" in page
    assert client.post(new_url(process), {"title": "T", "body": "B"}).status_code == 403
    assert not Proposal.objects.exists()


def test_the_form_says_when_the_phase_is_over(client, process, participant):
    set_phase(process, PhaseKind.VOTING)
    client.force_login(participant)
    page = client.get(new_url(process)).content.decode()
    assert "only during its proposals phase" in page
    response = client.post(new_url(process), {"title": "Late", "body": "Text"})
    assert response.status_code == 200 and not Proposal.objects.exists()
    assert "proposals phase" in response.content.decode()


def test_the_rate_limit_is_a_form_error(client, process, participant, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "proposal": (1, 3600)}
    client.force_login(participant)
    client.post(new_url(process), {"title": "One", "body": "Text"})
    response = client.post(new_url(process), {"title": "Two", "body": "Text"})
    assert response.status_code == 200
    assert "posting too often" in response.content.decode()
    assert list(Proposal.objects.values_list("title", flat=True)) == ["One"]


def test_anonymous_people_are_sent_to_log_in(client, process):
    response = client.get(new_url(process))
    assert response.status_code == 302 and "/login" in response["Location"]


# --- The page ---------------------------------------------------------------------------------


def test_the_page_shows_the_proposal(client, process, participant, mobility):
    proposal = make_proposal(
        process, participant, title="Shade", body=XSS, category=mobility, supports_count=1
    )
    response = client.get(proposal.get_absolute_url())
    text = response.content.decode()
    assert response.status_code == 200
    assert "Shade" in text and participant.full_name in text and "Mobility" in text
    assert "1 of 3 supports" in text and "<script>alert" not in text
    assert "The city has not answered yet." in text
    assert "Log in to support" in text


def test_an_unknown_or_foreign_proposal_is_404(client, process, participant, space, representative):
    from activator.participation.services_processes import process_create

    other = process_create(representative, space, title="Other", status="published")
    proposal = make_proposal(process, participant)
    wrong = reverse("participation:proposal", args=["seoul", other.slug, proposal.pk])
    assert client.get(wrong).status_code == 404
    huge = reverse("participation:proposal", args=["seoul", process.slug, 10**30])
    assert client.get(huge).status_code == 404


def test_answer_project_and_progress_on_the_page(
    client, process, participant, representative, city, make_project
):
    proposal = make_proposal(process, participant, title="Trees")
    proposal_answer(
        representative, proposal, answer=AnswerStatus.ACCEPTED, text="<p>We <b>plant</b>.</p>"
    )
    project = make_project(city, title="Ten thousand trees")
    Milestone.objects.create(project=project, title="Order", status=MilestoneStatus.DONE)
    Milestone.objects.create(project=project, title="Plant", status=MilestoneStatus.IN_PROGRESS)
    proposal_link_project(representative, proposal, project)
    text = client.get(proposal.get_absolute_url()).content.decode()
    assert "Accepted" in text and "<b>plant</b>" in text
    assert "Ten thousand trees" in text and "Idea" in text
    assert "1 of 2 done" in text and 'max="2" value="1"' in text
    # The project is visible to its organisation only: no link for the public.
    assert project.get_absolute_url() not in text
    client.force_login(representative)
    assert project.get_absolute_url() in client.get(proposal.get_absolute_url()).content.decode()


def test_a_public_project_is_linked_for_everyone(
    client, process, participant, representative, city, make_project
):
    proposal = make_proposal(process, participant, title="Trees")
    proposal_answer(representative, proposal, answer=AnswerStatus.ACCEPTED, text="")
    project = make_project(city, title="Open trees", visibility=Visibility.PUBLIC)
    proposal_link_project(representative, proposal, project)
    assert project.get_absolute_url() in client.get(proposal.get_absolute_url()).content.decode()


def test_a_hidden_proposal_shows_only_its_title_to_others(
    client, process, participant, neighbour, representative
):
    proposal = make_proposal(
        process,
        participant,
        title="Reported",
        body="<p>Secret words</p>",
        moderation=Moderation.HIDDEN,
        hidden_reason="Insults",
    )
    for person in (None, neighbour):
        if person:
            client.force_login(person)
        text = client.get(proposal.get_absolute_url()).content.decode()
        assert "Reported" in text and "Secret words" not in text
    for person in (participant, representative):
        client.force_login(person)
        assert "Secret words" in client.get(proposal.get_absolute_url()).content.decode()


def test_a_withdrawn_proposal_stays_readable_marked(client, process, participant):
    proposal = make_proposal(process, participant, title="Gone", withdrawn_at=timezone.now())
    text = client.get(proposal.get_absolute_url()).content.decode()
    assert "Gone" in text and "withdrew this proposal" in text
    assert "takes no more supports" in text


# --- Supports ---------------------------------------------------------------------------------


def test_support_without_javascript(client, process, participant, neighbour):
    proposal = make_proposal(process, participant)
    client.force_login(neighbour)
    response = client.post(url("proposal_support", proposal), {"action": "support"})
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    proposal.refresh_from_db()
    assert proposal.supports_count == 1
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "You support this proposal." in page and "1 of 3 supports" in page
    client.post(url("proposal_support", proposal), {"action": "support"})
    proposal.refresh_from_db()
    assert proposal.supports_count == 1
    client.post(url("proposal_support", proposal), {"action": "unsupport"})
    proposal.refresh_from_db()
    assert proposal.supports_count == 0 and not Support.objects.exists()


def test_support_with_htmx_swaps_the_box(client, process, participant, neighbour):
    proposal = make_proposal(process, participant)
    client.force_login(neighbour)
    response = client.post(
        url("proposal_support", proposal), {"next": "/participate/"}, HTTP_HX_REQUEST="true"
    )
    text = response.content.decode()
    assert response.status_code == 200 and "<html" not in text
    assert f'id="support-{proposal.pk}"' in text and "1 of 3 supports" in text
    assert "Take back my support" in text
    # Without an action, the button toggles.
    text = client.post(url("proposal_support", proposal), HTTP_HX_REQUEST="true").content.decode()
    assert "0 of 3 supports" in text


def test_supporting_refused_says_why(client, process, participant, outsider):
    proposal = make_proposal(process, participant)
    client.force_login(outsider)
    response = client.post(url("proposal_support", proposal), HTTP_HX_REQUEST="true")
    assert "Only verified participants" in response.content.decode()
    response = client.post(url("proposal_support", proposal), follow=True)
    assert "Only verified participants" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.supports_count == 0


def test_support_needs_a_post(client, process, participant, neighbour):
    proposal = make_proposal(process, participant)
    client.force_login(neighbour)
    assert client.get(url("proposal_support", proposal)).status_code == 405


def test_support_ignores_a_foreign_next(client, process, participant, neighbour):
    proposal = make_proposal(process, participant)
    client.force_login(neighbour)
    response = client.post(url("proposal_support", proposal), {"next": "https://evil.example/"})
    assert response["Location"] == proposal.get_absolute_url()


# --- Editing and withdrawing ------------------------------------------------------------------


def test_the_author_edits_then_supports_lock_it(client, process, participant, neighbour):
    proposal = make_proposal(process, participant)
    client.force_login(participant)
    response = client.post(url("proposal_edit", proposal), {"title": "Better title", "body": "New"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Better title"
    Support.objects.create(proposal=proposal, user=neighbour)
    Proposal.objects.filter(pk=proposal.pk).update(supports_count=1)
    response = client.post(url("proposal_edit", proposal), {"title": "Sneaky", "body": "New"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.title == "Better title"
    client.force_login(neighbour)
    assert client.get(url("proposal_edit", proposal)).status_code == 403


def test_the_author_withdraws(client, process, participant, neighbour):
    proposal = make_proposal(process, participant)
    client.force_login(neighbour)
    assert client.post(url("proposal_withdraw", proposal)).status_code == 403
    client.force_login(participant)
    assert "cannot be undone" in client.get(url("proposal_withdraw", proposal)).content.decode()
    client.post(url("proposal_withdraw", proposal))
    proposal.refresh_from_db()
    assert proposal.withdrawn_at is not None


# --- Answer and project pages -----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["citizen", "other_representative"], indirect=True)
def test_others_may_not_answer_or_link(client, process, neighbour, persona):
    proposal = make_proposal(process, neighbour)
    client.force_login(persona)
    assert client.post(url("proposal_answer", proposal), {"answer": "accepted"}).status_code == 403
    assert client.post(url("proposal_project", proposal), {"action": "create"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.answer == "" and proposal.project is None


@pytest.mark.parametrize("persona", ["representative", "regional_officer", "staff"], indirect=True)
def test_the_city_answers_and_makes_a_project(client, process, participant, persona):
    proposal = make_proposal(process, participant)
    client.force_login(persona)
    response = client.post(
        url("proposal_answer", proposal), {"answer": "rejected", "answer_text": ""}
    )
    assert response.status_code == 200 and "Say why" in response.content.decode()
    client.post(url("proposal_answer", proposal), {"answer": "accepted", "answer_text": "Yes"})
    page = client.get(url("proposal_project", proposal)).content.decode()
    assert "title, its stage and how many of its milestones are done" in page
    response = client.post(url("proposal_project", proposal), {"action": "create", "stage": "idea"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.answer == "accepted" and proposal.project.stage == Stage.IDEA


def test_linking_an_existing_project_and_unlinking(
    client, process, participant, representative, city, make_project
):
    proposal = make_proposal(process, participant)
    proposal_answer(representative, proposal, answer=AnswerStatus.ACCEPTED, text="")
    project = make_project(city, title="Existing")
    client.force_login(representative)
    client.post(url("proposal_project", proposal), {"action": "link", "project": project.pk})
    proposal.refresh_from_db()
    assert proposal.project == project
    client.post(url("proposal_project", proposal), {"action": "unlink"})
    proposal.refresh_from_db()
    assert proposal.project is None and Project.objects.filter(pk=project.pk).exists()


def test_the_project_page_explains_when_not_accepted(client, process, participant, representative):
    proposal = make_proposal(process, participant)
    client.force_login(representative)
    page = client.get(url("proposal_project", proposal)).content.decode()
    assert "Only an accepted proposal becomes a project" in page


def test_coordinates_in_links_are_not_localised(client, process, participant):
    from decimal import Decimal

    proposal = make_proposal(
        process, participant, latitude=Decimal("37.570300"), longitude=Decimal("126.983000")
    )
    text = client.get(proposal.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "mlat=37.570300&amp;mlon=126.983000" in text
    assert "37,570300" in text  # shown the Spanish way
