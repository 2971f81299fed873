"""The member directory's filters, with htmx and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organisations(asia, africa):
    for name in ["Seoul", "Busan", "Incheon"]:
        OrganisationFactory(name=name, country="KR", region=asia)
    for name in ["Abuja", "Lagos"]:
        OrganisationFactory(name=name, country="NG", region=africa)


def names(page):
    return page.locator("#results tbody tr td:first-child")


def count(page):
    return page.locator("#results .results-meta strong")


def test_directory_filters_update_without_reload(live_server, page, new_context, organisations):
    page.goto("/members/")
    expect(count(page)).to_have_text("5 organisations")
    expect(names(page)).to_have_text(["Abuja", "Busan", "Incheon", "Lagos", "Seoul"])
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("group", name="Region").get_by_label("Africa").check()
    expect(count(page)).to_have_text("2 organisations")
    expect(names(page)).to_have_text(["Abuja", "Lagos"])
    expect(page).to_have_url(re.compile(r"/members/\?(.*&)?region=africa(&|$)"))

    page.get_by_label("Search", exact=True).fill("lag")
    expect(count(page)).to_have_text("1 organisation")
    expect(names(page)).to_have_text(["Lagos"])
    expect(page).to_have_url(re.compile(r"[?&]q=lag(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]region=africa(&|$)"))

    # htmx swapped the results: the page itself was never reloaded.
    assert page.evaluate("window.stillTheSamePage") is True

    # Without JavaScript the same form works as a plain GET.
    no_js = new_context(java_script_enabled=False).new_page()
    no_js.goto("/members/")
    expect(count(no_js)).to_have_text("5 organisations")
    no_js.get_by_role("group", name="Region").get_by_label("Africa").check()
    no_js.get_by_role("button", name="Apply filters").click()
    expect(no_js).to_have_url(re.compile(r"/members/\?(.*&)?region=africa(&|$)"))
    expect(count(no_js)).to_have_text("2 organisations")
    expect(names(no_js)).to_have_text(["Abuja", "Lagos"])
    expect(no_js.get_by_role("group", name="Region").get_by_label("Africa")).to_be_checked()
