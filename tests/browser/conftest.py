"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Browsers are not downloaded by Playwright here; the tests use the system Chromium. Without it
they are skipped, unless REQUIRE_BROWSER=1 (as in CI): then a missing browser fails the run, each
test reported as an error at setup with the reason.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
MISSING_CHROMIUM = (
    f"Chromium not found at {CHROMIUM}; install Debian's chromium "
    "or set REQUIRE_BROWSER=1 to fail instead"
)
# Fail fast: a page that works answers in well under a second on the live server.
TIMEOUT_MS = 5_000
expect.set_options(timeout=TIMEOUT_MS)


def _browser_required() -> bool:
    return os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists() or _browser_required():
        return
    skip = pytest.mark.skip(reason=MISSING_CHROMIUM)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    if not CHROMIUM.exists():
        # Only reached with REQUIRE_BROWSER=1; otherwise the tests were skipped at collection.
        pytest.fail(f"Chromium not found at {CHROMIUM} and REQUIRE_BROWSER=1", pytrace=False)
    return {
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {**browser_context_args, "base_url": live_server.url, "locale": "en-GB"}


@pytest.fixture
def new_context(new_context):
    """pytest-playwright's `new_context` (behind `context` and `page` too), with short timeouts."""

    def _new_context(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        return context

    return _new_context


@pytest.fixture
def log_in():
    """Log in through the login page, as a person would."""

    def _log_in(page: Page, email: str, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

    return _log_in


@pytest.fixture
def log_out():
    def _log_out(page: Page) -> None:
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("link", name="Log in")).to_be_visible()

    return _log_out
