"""An award from the open call to the public results, as the city, the juror and staff see it."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from activator.calls import services
from activator.calls.enums import CallKind, QuestionKind
from activator.calls.models import Application, DecisionLevel, Question

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Smart bus stops"


@pytest.fixture
def open_award(staff):
    """An open, anonymously reviewed award with two categories, a short form and three levels."""
    now = timezone.now()
    call = services.call_create(
        actor=staff,
        categories=["Smart Mobility", "Safe City"],
        kind=CallKind.AWARD,
        title="Smart Sustainable City Awards",
        year=now.year,
        summary="Cities show the smart city services that changed daily life.",
        organiser="Secretariat",
        time_zone="Asia/Seoul",
        opens_at=now - datetime.timedelta(days=10),
        deadline=now + datetime.timedelta(days=20),
        applicant_types=["local_government"],
        anonymous_review=True,
    )
    for position, (kind, label, required) in enumerate(
        [
            (QuestionKind.LONG_TEXT, "What did you build?", True),
            (QuestionKind.NUMBER, "Citizens served", False),
        ]
    ):
        question = Question(kind=kind, label=label, required=required, position=position)
        services.part_save(actor=staff, call=call, item=question)
    for position, name in enumerate(["Gold", "Silver", "Special Mention"]):
        level = DecisionLevel(name=name, position=position)
        services.part_save(actor=staff, call=call, item=level)
    return services.call_open(actor=staff, call=call)


def _person(new_context) -> Page:
    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def test_city_applies_juror_scores_staff_awards_gold_and_the_public_sees_it(
    live_server, new_context, log_in, open_award, representative, reviewer, staff
):
    call = open_award

    # The city's representative finds the award, sees it may apply, and starts an application.
    city = _person(new_context)
    log_in(city, "rep@example.org")
    city.get_by_role("navigation", name="Main").get_by_role("link", name="Calls").click()
    city.get_by_role("link", name=call.title).click()
    expect(city.get_by_role("heading", level=1)).to_have_text(call.title)
    expect(city.locator(".call-option-ok")).to_contain_text("Seoul: you may apply")
    city.get_by_role("link", name="Apply", exact=True).click()
    expect(city.get_by_label("Seoul")).to_be_checked()
    city.get_by_label("Category").select_option(label="Smart Mobility")
    city.get_by_label("Title of the application").fill(TITLE)
    city.get_by_role("button", name="Start the application").click()
    expect(city.get_by_role("heading", level=1)).to_have_text(TITLE)

    # Answers save as they are typed; then the application is submitted.
    city.get_by_label("What did you build?").fill("Bus stops that show when the next bus comes.")
    city.get_by_label("Citizens served").fill("120000")
    city.get_by_label("Citizens served").blur()
    expect(city.locator("#save-status")).to_contain_text("Saved at")
    expect(city.locator("#missing-answers")).to_contain_text("Every required question is answered")
    city.get_by_role("button", name="Save and submit").click()
    expect(city.get_by_role("status").first).to_contain_text("Your application was submitted")
    expect(city.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(city.locator(".call-status")).to_contain_text("Submitted")
    expect(city.locator(".call-answers")).to_contain_text("120000")
    application = Application.objects.get(title=TITLE)
    assert application.status == "submitted"
    assert application.organisation.name == "Seoul"

    # Staff sets up a review round with a rubric and the juror, starts it and assigns.
    office = _person(new_context)
    log_in(office, "staff@example.org")
    office.goto(f"/calls/{call.slug}/manage/")
    office.get_by_role("link", name="New review round").click()
    office.get_by_label("Name").fill("Jury")
    office.get_by_label("Reviewers per application").fill("1")
    office.get_by_role("button", name="Create round").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("Jury")
    rubric = office.locator("#rubric")
    for name, weight in [("Impact", "2"), ("Innovation", "1")]:
        rubric.get_by_text("Add a criterion").click()
        rubric.get_by_label("Criterion").fill(name)
        rubric.get_by_label("Weight").fill(weight)
        rubric.get_by_role("button", name="Add criterion").click()
        expect(office.locator("#rubric table")).to_contain_text(name)
    pool = office.locator("#pool")
    pool.get_by_label("E-mail address").fill("reviewer@example.org")
    pool.get_by_role("button", name="Add to the pool").click()
    expect(office.locator("#pool table")).to_contain_text("reviewer@example.org")
    office.get_by_role("button", name="Start the round").click()
    expect(office.get_by_role("status")).to_contain_text("The round has started with 1 application")
    manual = office.locator("form").filter(has_text="Assign by hand")
    manual.get_by_label("Application").select_option(label=f"{application.code} · {TITLE}")
    manual.get_by_label("Reviewer").select_option(
        label=f"{reviewer.full_name} <{reviewer.email}>" if reviewer.full_name else reviewer.email
    )
    manual.get_by_role("button", name="Assign").click()
    expect(office.get_by_role("status")).to_contain_text(f"{application.code} was given to")

    # The juror scores it, without learning which city applied.
    juror = _person(new_context)
    log_in(juror, "reviewer@example.org")
    juror.get_by_role("link", name="My reviews").click()
    expect(juror.get_by_text("1 review to do.")).to_be_visible()
    expect(juror.locator("main")).not_to_contain_text("Seoul")
    juror.get_by_role("link", name=re.compile(TITLE)).click()
    expect(juror.locator("#application")).to_contain_text("Bus stops that show")
    expect(juror.locator("main")).not_to_contain_text("Seoul")
    expect(juror.locator("main")).not_to_contain_text("rep@example.org")
    juror.get_by_label("Impact").fill("9")
    juror.get_by_label("Innovation").fill("6")
    juror.get_by_label("Comment").fill("Clear benefit for daily commuters.")
    juror.get_by_role("button", name="Submit review").click()
    expect(juror.get_by_role("status")).to_contain_text(f"Your review of {application.code}")
    expect(juror.locator("#score")).to_contain_text("your weighted score is 8.00")

    # Staff sees the ranking, awards Gold and publishes the results.
    office.reload()
    ranking = office.locator("#ranking")
    expect(ranking.locator("tbody tr")).to_have_count(1)
    expect(ranking.locator("tbody tr")).to_contain_text(TITLE)
    expect(ranking.locator("tbody tr")).to_contain_text("8.00")
    ranking.get_by_role("link", name="Decide on applications").click()
    expect(office.get_by_role("heading", name="Decisions", exact=True)).to_be_visible()
    office.get_by_label(application.code).check()
    office.get_by_label(re.compile(r"^Decision\b")).select_option(label="Winner")
    office.get_by_label("Level", exact=True).select_option(label="Gold")
    office.get_by_role("button", name="Apply to the ticked applications").click()
    expect(office.get_by_role("status")).to_contain_text("1 application decided: Winner")
    expect(office.locator(".call-decisions tbody tr")).to_contain_text("Winner · Gold")
    office.get_by_role("button", name="Publish the results").click()
    expect(office.get_by_role("status")).to_contain_text("The results are on the public results")

    # A visitor without an account reads the results: the city and its title under its category.
    visitor = _person(new_context)
    visitor.goto("/calls/")
    visitor.get_by_role("link", name=call.title).click()
    visitor.get_by_role("link", name="See the results").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(f"Results: {call.title}")
    category = visitor.locator("section").filter(
        has=visitor.get_by_role("heading", name="Smart Mobility")
    )
    winner = category.get_by_role("listitem")
    expect(winner).to_have_count(1)
    expect(winner).to_contain_text("Gold")
    expect(winner).to_contain_text("Seoul")
    expect(winner).to_contain_text(TITLE)
