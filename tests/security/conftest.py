"""Security fixtures: members of every role, trusted at once (so the new-member limits do not
turn hostile input away before it reaches the pages), and page checks."""

import pytest
from django.test import Client

from tests.security.html_checks import feed_problems, page_problems


@pytest.fixture(autouse=True)
def _trusted_members(settings):
    """Members count as trusted at once and may link; the write limits are tested elsewhere.
    Every request renders its page (no anonymous whole-page cache)."""
    settings.NLMG_TRUSTED_AFTER_HOURS = 0
    settings.NLMG_TRUSTED_AFTER_POSTS = 0
    settings.NLMG_NEW_MEMBER_WRITES_PER_MINUTE = 10_000
    settings.NLMG_EMAIL_NOTIFICATIONS = False
    settings.NLMG_ANONYMOUS_CACHE_SECONDS = 0
    # Every test client loads the middleware afresh, and WhiteNoise would scan every static
    # file each time (most of these tests' run time); in autorefresh mode it looks a file up
    # only when one is asked for.
    settings.WHITENOISE_AUTOREFRESH = True


def logged_in(user, **defaults):
    client = Client(**defaults)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def member_client(member):
    return logged_in(member)


@pytest.fixture
def assert_safe():
    """``assert_safe(client, url)``: GET the page (or feed) and fail on anything executable.

    Returns the response. Answers other than 200 must still be pages of the site (never a
    500); ``allow`` lists the statuses a page may have.
    """

    def check(client, url, *, allow=(200,)):
        response = client.get(url)
        assert response.status_code in allow, (url, response.status_code)
        assert_response_safe(response, url)
        return response

    return check


def assert_response_safe(response, label=""):
    """Fail when the response (an HTML page or an Atom feed) has anything executable."""
    assert response.status_code != 500, label
    content_type = response.get("Content-Type", "")
    body = response.content
    if "atom" in content_type or "xml" in content_type:
        found = feed_problems(body)
    elif "html" in content_type:
        found = page_problems(body.decode())
    else:
        found = []
    assert found == [], (label, found)
