"""The diagnostic survey as a city takes it: answer, submit, read the report with its stage."""

import json

import pytest
from playwright.sync_api import expect

from activator.index import services
from activator.index.frameworks import SHIPPED, framework_import
from activator.index.models import CityResult, Indicator

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The level the city gives every question of each pillar, so pillar scores differ.
LEVELS = {"Government": 5, "People": 4, "Economy": 3, "Living": 4, "Mobility": 2, "Environment": 3}


@pytest.fixture
def survey(db):
    return framework_import(json.loads((SHIPPED / "six-pillar-survey.json").read_text()))


@pytest.fixture
def another_city_answered(survey, other_city, staff):
    """A second city in the cohort, so the report has a rank among peers."""
    assessment = services.assessment_start(
        actor=staff, organisation=other_city, version=survey, year=2026
    )
    entries = {i: services.ValueInput(value=2) for i in Indicator.objects.filter(version=survey)}
    assert services.values_save(actor=staff, assessment=assessment, entries=entries) == {}
    services.assessment_submit(actor=staff, assessment=assessment)
    return assessment


def test_city_answers_the_survey_submits_and_reads_its_report(
    live_server, new_context, log_in, survey, another_city_answered, representative, city
):
    page = new_context().new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, "rep@example.org")

    page.goto("/index/")
    page.get_by_role("link", name="Start an assessment").click()
    page.get_by_label("Framework").select_option(label=f"{survey} (24 indicators)")
    page.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Start the assessment").click()

    # The overview lists the six pillars; the first one opens the form.
    page.get_by_role("link", name="Government").first.click()
    for pillar, level in LEVELS.items():
        expect(page.get_by_role("heading", level=1)).to_contain_text(pillar)
        questions = page.locator("fieldset.assess-indicator")
        expect(questions).to_have_count(4)
        for n in range(4):
            questions.nth(n).locator("label.assess-level").nth(level - 1).click()
        # Each answer is saved in the background; let the last save land before leaving, as
        # the in-memory test database serves one request at a time.
        expect(page.locator("#save-status")).to_contain_text("4 of 4 answered")
        last = pillar == "Environment"
        name = "Save and back to the overview" if last else "Save and next section"
        page.get_by_role("button", name=name).click()

    page.get_by_role("button", name="Submit the assessment").click()

    # Submitting computes the index and opens the report.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Seoul: city report")
    result = CityResult.objects.get(organisation=city)
    # Goalposts [1, 5], equal weights: the mean level 3.5 scores 62.5, the integration stage.
    assert result.overall == pytest.approx(62.5)
    assert result.stage == "integration" and result.rank == 1
    expect(page.locator(".index-stage")).to_contain_text("Integration")
    chart = page.locator("svg[role=img]").first
    expect(chart).to_be_visible()
    pillars = page.locator("table").filter(has_text="Mobility").first
    expect(pillars).to_contain_text("100")  # Government, every answer at level 5
    expect(pillars).to_contain_text("25")  # Mobility, every answer at level 2

    # The PDF of the same report downloads.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
