"""Real-browser tests: Playwright (sync API) driving the system's Chromium against pytest-django's live server.

Nothing is downloaded at test time: Chromium is Debian's (``/usr/bin/chromium``, or ``CHROMIUM_PATH``),
never Playwright's own browser build, and axe-core comes inside the axe-playwright-python package.
Every request a page makes to another host is aborted and recorded, so a page that reaches for a
CDN fails its test. Screenshots of each journey's main steps go to
``artifacts/screenshots/<journey>/<NN>-<step>.png`` under the project root (CI keeps that folder).

Select the suite with ``pytest -m browser``; leave it out with ``-m "not browser"``.
"""

import os

import pytest
from django.conf import settings

from tests.e2e.helpers import Keyboard, Screenshots, new_page

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told it is safe (the tests touch the ORM only between browser steps).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_missing_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -r requirements-dev.txt)"
    if not (os.path.isfile(CHROMIUM_PATH) and os.access(CHROMIUM_PATH, os.X_OK)):
        return (
            f"Chromium not found at {CHROMIUM_PATH}: install it with .ci/install-browser.sh "
            "or set CHROMIUM_PATH to a Chromium executable"
        )
    return None


@pytest.fixture(scope="session")
def browser():
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context, page = new_page(browser, live_server)
    yield page
    context.close()


@pytest.fixture
def screenshots():
    """``shots = screenshots("public")`` then ``shots(page, "home")`` → artifacts/screenshots/public/01-home.png."""
    return Screenshots


@pytest.fixture
def keyboard():
    """``keys = keyboard(page)``; see ``tests.e2e.helpers.Keyboard``."""
    return Keyboard


@pytest.fixture
def login_as(live_server, client):
    """Give a page the session of ``user`` without the login form (for scans of staff pages)."""

    def login(page, user):
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session.value, "url": live_server.url}]
        )

    return login
