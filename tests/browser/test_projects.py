"""A member's project from a template to a catalog case study, as the city's official sees it."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from activator.core.models import Sector
from activator.members.seed import Tally
from activator.projects.models import Project
from activator.projects.seed import KINDS, load_taxonomies, load_templates
from activator.projects.services import project_create, project_publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seeded_catalog(other_city, staff):
    """The seed's taxonomies and templates, and one published parking case in another city."""
    tally = Tally(KINDS)
    load_taxonomies(tally)
    load_templates(tally)
    other = project_create(
        actor=staff,
        organisation=other_city,
        title="Abuja parking sensors",
        summary="Parking sensors in the central business district.",
        sectors=Sector.objects.filter(slug="traffic-management"),
    )
    return project_publish(actor=staff, project=other)


def test_member_starts_from_template_publishes_and_finds_it_in_the_catalog(
    live_server, page, representative, seeded_catalog, log_in
):
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "rep@example.org")

    # Start a project from the smart parking template.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.get_by_role("link", name="New project").first.click()
    page.get_by_role("link", name="Use Smart parking").click()
    page.get_by_label("Title").fill("Gangnam smart parking")
    page.get_by_label("Summary").fill("Sensors guide drivers to free spaces in Gangnam.")
    page.get_by_label(re.compile(r"^Start:?$")).fill("2026-01-15")
    page.get_by_role("button", name="Create project").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Gangnam smart parking")
    milestones = page.locator("#milestones")
    expect(milestones).to_contain_text("Parking survey and baseline data")
    expect(milestones).to_contain_text("Evaluation report")

    # Add a partner that is not a member.
    partners = page.locator("#partners")
    partners.get_by_text("Add a partner").click()
    partners.get_by_label("Name").fill("ParkSense Ltd")
    partners.get_by_label("Role").select_option(label="Solution provider")
    partners.get_by_label("Stakeholder type").select_option(label="Private Sector")
    partners.get_by_role("button", name="Add partner").click()
    expect(page.locator("#partners")).to_contain_text("ParkSense Ltd")
    expect(page.locator("#partners")).to_contain_text("Solution provider")

    # Record what the first KPI measured today.
    kpis = page.locator("#kpis")
    kpis.get_by_text("Record a value Average time to find a parking space").click()
    value_form = kpis.locator("details[open]").filter(has=page.get_by_label("Value"))
    value_form.get_by_label("Value").fill("7.5")
    value_form.get_by_role("button", name="Record value").click()
    expect(page.locator("#kpis")).to_contain_text("7.5")

    # Publish it in the catalog.
    page.get_by_role("button", name="Publish in the catalog").click()
    expect(page.get_by_role("button", name="Take out of the catalog")).to_be_visible()
    project = Project.objects.get(title="Gangnam smart parking")
    assert project.is_published
    assert project.partners.filter(name="ParkSense Ltd", role="solution_provider").exists()
    assert [str(v.value) for v in project.kpis.first().values.all()] == ["7.5000"]
    assert project.kpis.first().values.get().measured_on == timezone.localdate()

    # Find it through a facet: both parking cases are in Traffic Management.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    page.get_by_label(re.compile(r"^Traffic Management \(2\)")).check()
    expect(page).to_have_url(re.compile(r"sector=traffic-management"))
    cards = page.locator(".catalog-card")
    expect(cards).to_have_count(2)

    # Compare the two side by side.
    page.get_by_label("Compare Gangnam smart parking").check()
    page.get_by_label("Compare Abuja parking sensors").check()
    page.get_by_role("button", name="Compare selected").click()
    expect(page).to_have_url(re.compile(r"/catalog/compare/\?"))
    table = page.locator("table")
    expect(table).to_contain_text("Gangnam smart parking")
    expect(table).to_contain_text("Abuja parking sensors")
    expect(table).to_contain_text("Seoul")
    expect(table).to_contain_text("Abuja")

    # Find it by words: only it matches, with the word marked.
    page.go_back()
    page.get_by_role("searchbox").fill("gangnam")
    expect(cards).to_have_count(1)
    expect(cards.first.locator("mark").first).to_have_text(re.compile("Gangnam", re.I))
    cards.first.get_by_role("link", name=re.compile("Gangnam smart parking")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gangnam smart parking")
    expect(page.get_by_text("ParkSense Ltd")).to_be_visible()
