"""A resident takes part in the city's space, as a citizen would.

She creates an account from the space page, joins, and posts a proposal; a neighbour supports
it; the city answers "accepted" and follows it as one of its projects, whose progress then shows on
the proposal for everyone.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activator.participation.enums import ParticipantStatus, PhaseKind, Plan, ProcessStatus
from activator.participation.models import (
    Category,
    Participant,
    Phase,
    Process,
    Proposal,
    Space,
)
from activator.projects.enums import MilestoneStatus
from activator.projects.models import Milestone
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Shade over the crossing at Gwanghwamun"


@pytest.fixture
def seoul_space(city, representative, make_project):
    space = Space.objects.create(
        organisation=city, slug="seoul", title="Seoul Participates", plan=Plan.PREMIUM
    )
    Category.objects.create(space=space, name="Streets")
    process = Process.objects.create(
        space=space,
        slug="budget-2027",
        title="Participatory budget 2027",
        status=ProcessStatus.PUBLISHED,
        support_threshold=2,
    )
    today = timezone.localdate()
    Phase.objects.create(
        process=process,
        kind=PhaseKind.PROPOSALS,
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=20),
    )
    project = make_project(city, title="Shade canopies at crossings")
    Milestone.objects.create(project=project, title="Design", status=MilestoneStatus.DONE)
    Milestone.objects.create(project=project, title="Build", position=1)
    neighbour = UserFactory(email="neighbour@example.org", full_name="Min-ji Park")
    Participant.objects.create(
        space=space, user=neighbour, status=ParticipantStatus.VERIFIED, verified_by="open"
    )
    return space


def test_resident_joins_proposes_a_neighbour_supports_and_the_city_follows_it_as_a_project(
    live_server, new_context, log_in, seoul_space
):
    resident = new_context().new_page()
    resident.goto("/participate/")
    resident.get_by_role("link", name="Seoul Participates").first.click()
    resident.get_by_role("link", name="Log in to join").click()
    resident.get_by_role("link", name="Create an account").click()
    resident.get_by_label("E-mail address").fill("ha-eun@example.org")
    resident.get_by_label("Full name").fill("Ha-eun Lee")
    resident.get_by_label("Choose a password").fill("a long walk in the park")
    resident.get_by_label("Repeat the password").fill("a long walk in the park")
    resident.get_by_role("button", name="Create the account").click()

    # Back on the space page, logged in: one click joins an open space.
    expect(resident.get_by_role("heading", level=1)).to_contain_text("Seoul Participates")
    resident.get_by_role("button", name="Join").click()
    participant = Participant.objects.get(user__email="ha-eun@example.org")
    assert participant.status == ParticipantStatus.VERIFIED

    resident.get_by_role("link", name="Participatory budget 2027").first.click()
    resident.get_by_role("link", name="Make a proposal").click()
    resident.get_by_label("Title").fill(TITLE)
    resident.get_by_label("Your proposal").fill(
        "Pedestrians wait in full sun.\n\nCanopies would help.<script>alert(1)</script>"
    )
    resident.get_by_label("Category").select_option(label="Streets")
    resident.get_by_label("Place").fill("Gwanghwamun crossing")
    resident.get_by_role("button", name="Publish the proposal").click()
    expect(resident.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(resident.locator(".participation-rich").first).to_contain_text("Canopies would help.")
    proposal = Proposal.objects.get(title=TITLE)
    assert "<script" not in proposal.body and proposal.author.email == "ha-eun@example.org"

    # A neighbour supports it.
    neighbour = new_context().new_page()
    log_in(neighbour, "neighbour@example.org")
    neighbour.goto(proposal.get_absolute_url())
    neighbour.get_by_role("button", name="Support").click()
    expect(neighbour.get_by_role("button", name="Take back my support")).to_be_visible()
    proposal.refresh_from_db()
    assert proposal.supports_count == 1

    # The city answers and follows it as one of its projects.
    city = new_context().new_page()
    log_in(city, "rep@example.org")
    city.goto(proposal.get_absolute_url())
    city.get_by_role("link", name="Answer this proposal").click()
    city.get_by_label("Accepted").check()
    city.get_by_label("What the city says").fill("We will build it next spring.")
    city.get_by_role("button", name="Save the answer").click()
    expect(city.locator(".participation-answer")).to_contain_text("Accepted")
    city.get_by_role("link", name="Follow it as a project").click()
    city.locator("select[name=project]").select_option(label="Shade canopies at crossings")
    city.get_by_role("button", name="Link this project").click()
    expect(city.locator(".participation-accountability")).to_contain_text("1 of 2 done")

    # The resident sees the answer and the project's progress on her proposal.
    resident.reload()
    answer = resident.locator(".participation-answer")
    expect(answer).to_contain_text("Accepted")
    expect(answer).to_contain_text("We will build it next spring.")
    progress = resident.locator(".participation-accountability")
    expect(progress).to_contain_text("Shade canopies at crossings")
    expect(progress).to_contain_text("1 of 2 done")
    proposal.refresh_from_db()
    assert proposal.answer == "accepted" and proposal.project.title == "Shade canopies at crossings"
