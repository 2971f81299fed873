"""What every page shares: keyboard access and the language switcher."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_and_focus(live_server, page):
    page.goto("/members/")
    page.keyboard.press("Tab")

    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    expect(focused).to_have_attribute("href", "#main")
    expect(focused).to_be_in_viewport()
    outline = focused.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth]; }"
    )
    assert outline[0] != "none", outline
    assert outline[1] != "0px", outline

    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_language_switcher(live_server, page):
    page.goto("/members/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Language").select_option(label="한국어")

    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page).to_have_url(re.compile(r"/members/$"))
    switcher = page.locator("#language-select")
    expect(switcher).to_have_value("ko")
    expect(switcher.locator("option:checked")).to_have_text("한국어")
