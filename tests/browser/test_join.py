"""From the public join form to a member in the directory, as the people involved see it."""

import re
from pathlib import Path

import pytest
from django.utils.formats import date_format
from playwright.sync_api import expect

from activator.members.enums import MembershipEventKind
from activator.members.models import MembershipApplication, MembershipEvent, Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots for a person to look at after a run; the tests do not compare them.
SCREENSHOTS = Path("/tmp")  # noqa: S108
REQUIRED = ["Organisation name", "Type", "Country", "Your name", "Your e-mail"]


def test_join_approve_appears_in_directory(
    live_server, page, new_context, staff, asia, log_in, log_out
):
    # A newcomer sends an expression of interest.
    page.goto("/members/join/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the network")
    page.get_by_label("Organisation name").fill("Testopolis")
    page.get_by_label("Type").select_option(label="Local government")
    page.get_by_label("Country").select_option(label="South Korea")
    page.get_by_label("Your name").fill("Min-jun Park")
    page.get_by_label("Your e-mail").fill("minjun.park@testopolis.example")
    page.get_by_role("button", name="Send expression of interest").click()

    expect(page).to_have_url(re.compile(r"/members/join/thanks/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your interest")

    # The Secretariat reviews it from the Staff pages and approves a full membership.
    staff_page = new_context().new_page()
    log_in(staff_page, "staff@example.org")
    staff_page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Membership applications")
    staff_page.get_by_role("link", name="Testopolis", exact=True).click()

    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Testopolis")
    expect(staff_page.locator(".facts")).to_contain_text("South Korea")
    approve_form = staff_page.locator("form").filter(
        has=staff_page.get_by_role("heading", name="Approve", exact=True)
    )
    approve_form.get_by_label("Membership category").select_option(label="Full member")
    approve_form.get_by_role("button", name="Approve membership").click()

    # The member's profile shows the two steps of the membership, in order.
    expect(staff_page).to_have_url(re.compile(r"/members/testopolis/$"))
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Testopolis")
    expect(staff_page.get_by_role("status")).to_contain_text("Testopolis is now a member.")
    expect(staff_page.locator(".profile-head p")).to_have_text(
        "Local government · South Korea · Asia-Pacific · New"
    )
    facts = staff_page.locator(".facts")
    expect(facts.locator("dt")).to_have_text(["Membership", "Member since", "Paid through"])
    expect(facts.locator("dd").first).to_have_text("Full member")

    organisation = Organisation.objects.select_related("membership").get(name="Testopolis")
    events = {
        event.kind: date_format(event.date)
        for event in MembershipEvent.objects.filter(organisation=organisation)
    }
    paid_through = date_format(organisation.membership.paid_through)
    history = staff_page.locator("#membership-history > li")
    expect(history).to_have_text(
        [
            re.compile(
                rf"^\s*{events[MembershipEventKind.APPLIED]} — Applied \(Associate member\)"
                r"\s+Expression of interest from Min-jun Park\s*$"
            ),
            re.compile(
                rf"^\s*{events[MembershipEventKind.APPROVED]} — Approved \(Full member\)"
                rf"\s+· paid through {paid_through}\s+by {re.escape(str(staff))}\s*$"
            ),
        ]
    )
    staff_page.screenshot(path=SCREENSHOTS / "profile.png", full_page=True)

    # Once logged out, anyone finds the new member in the public directory.
    log_out(staff_page)
    staff_page.goto("/members/")
    staff_page.get_by_label("Search", exact=True).fill("Testopolis")
    expect(staff_page).to_have_url(re.compile(r"[?&]q=Testopolis(&|$)"))
    expect(staff_page.locator(".results-meta")).to_contain_text("1 organisation")
    rows = staff_page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("cell")).to_have_text(
        ["Testopolis", "Local government", "South Korea", "Asia-Pacific", "—", "New"]
    )
    staff_page.screenshot(path=SCREENSHOTS / "directory.png", full_page=True)


def test_invalid_join_shows_errors_next_to_fields(live_server, page):
    page.goto("/members/join/")
    page.get_by_role("button", name="Send expression of interest").click()

    expect(page).to_have_url(re.compile(r"/members/join/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Join the network")
    for label in REQUIRED:
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description("This field is required.")
        error = page.locator(".field", has=field).get_by_text("This field is required.")
        expect(error).to_be_visible()
    for label in ["City", "Website", "Your position"]:
        expect(page.get_by_label(label)).not_to_have_attribute("aria-invalid", "true")

    assert not MembershipApplication.objects.exists()
