"""Browser tests: Playwright (Python, sync API) driving Debian's chromium, headless, against
pytest-django's live server on the test database.

The live server runs in a thread of this process with DEBUG off and the test settings
(tests/conftest.py's plain StaticFilesStorage); pytest-django serves static files through
django.contrib.staticfiles' handler. The tests are transactional, so the data the migrations
create (works, boards, the Moderators group) is restored for each test by serialized rollback.

Without /usr/bin/chromium or the playwright package, every test here is skipped with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .support import AXE_JS, DESKTOP, launch_browser, skip_reason, sync_playwright

HERE = Path(__file__).resolve().parent


# CI (.ci/run) sets this: there a browser test that cannot run fails instead of being skipped.
REQUIRED = os.environ.get("NLMG_REQUIRE_BROWSER_TESTS", "") not in ("", "0")


def pytest_collection_modifyitems(config, items):
    reason = skip_reason()
    if reason is None or REQUIRED:
        return
    marker = pytest.mark.skip(reason=f"browser tests skipped: {reason}")
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(marker)


@pytest.fixture(scope="package")
def browser(django_db_setup, django_db_blocker):
    """One chromium for the tests of this folder, stopped when they are done.

    Playwright's sync API keeps an asyncio loop running in this thread while the browser is up.
    Two consequences for Django, handled here:
    - Django refuses ORM calls "from an async context"; the tests call the ORM between browser
      steps, never from a coroutine, so DJANGO_ALLOW_ASYNC_UNSAFE lifts that check, and only
      while the browser is up;
    - database connections are kept per async context, so the tests get a fresh connection
      object that lacks the snapshot of the migrations' data which serialized rollback
      restores; it is handed over from the connection that took it.
    """
    from django.db import connections

    reason = skip_reason()
    if reason is not None:  # only when REQUIRED; otherwise the tests were skipped
        pytest.fail(f"the browser tests cannot run: {reason}")
    snapshots = {}
    with django_db_blocker.unblock():
        for connection in connections.all():
            snapshot = getattr(connection, "_test_serialized_contents", None)
            if snapshot is None:
                snapshot = connection.creation.serialize_db_to_string()
            snapshots[connection.alias] = snapshot
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, snapshot in snapshots.items():
                connections[alias]._test_serialized_contents = snapshot
            browser = launch_browser(playwright)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def base_url(live_server, django_db_serialized_rollback):
    """The live server's address. Requesting it makes the test transactional with the
    migrations' data restored first."""
    return live_server.url


@pytest.fixture
def relaxed_guards(settings):
    """Nobody counts as a new member (no posting rate limit, links allowed)."""
    settings.NLMG_TRUSTED_AFTER_HOURS = 0
    settings.NLMG_TRUSTED_AFTER_POSTS = 0
    settings.NLMG_NEW_MEMBER_WRITES_PER_MINUTE = 1000
    settings.NLMG_NEW_MEMBERS_MAY_LINK = True
    return settings


class PageProblems:
    """Console errors, uncaught exceptions and CSP violations seen by a page."""

    def __init__(self):
        self.errors: list[str] = []

    def watch(self, page):
        page.on(
            "console",
            lambda msg: (
                self.errors.append(f"console.{msg.type}: {msg.text}")
                if msg.type == "error"
                or "Content Security Policy" in msg.text
                or "Content-Security-Policy" in msg.text
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        return page

    def csp_or_js(self) -> list[str]:
        """The problems that are not a failed resource load (e.g. an expected 403 or 404)."""
        return [e for e in self.errors if "Failed to load resource" not in e]


@pytest.fixture
def new_context(browser, base_url):
    """A factory of fresh browser contexts (each its own cookie jar: one person each)."""
    contexts = []

    def make(*, viewport=None, color_scheme="light", **options):
        context = browser.new_context(
            base_url=base_url,
            viewport=viewport or DESKTOP,
            color_scheme=color_scheme,
            reduced_motion="reduce",
            **options,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def problems():
    return PageProblems()


@pytest.fixture
def page(new_context, problems):
    """A page in a fresh context, with its console errors and CSP violations recorded."""
    return problems.watch(new_context().new_page())


@pytest.fixture
def axe_available():
    if not AXE_JS.exists():
        message = f"{AXE_JS} is missing: run `npm ci` (make test does) to install axe-core"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
