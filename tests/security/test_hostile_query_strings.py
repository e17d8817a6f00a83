"""Hostile query strings and path numbers on every page that reads them: numbers past any
integer (PostgreSQL's bigint), negative and non-numeric numbers, markup in filters. Each page
answers with a page of the site (200, 302, 400, 403, 404 or 405), never a 500 and never anything
executable."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_article, make_post, make_thread
from tests.security.conftest import assert_response_safe, logged_in

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
QUERIES = [
    {"page": HUGE},
    {"page": "-7"},
    {"page": "seven"},
    {"page": "9" * 5000},
    {"from": HUGE, "to": HUGE},
    {"from": "-1", "to": "x"},
    {"parent": HUGE},
    {"quote": HUGE},
    {"post": HUGE},
    {"article": HUGE},
    {"board": HUGE},
    {"kind": HUGE, "author": "<script>alert(1)</script>", "hide_minor": HUGE},
    {"order": HUGE, "sort": "<img src=x onerror=alert(1)>", "read": HUGE, "go": "1", "q": HUGE},
    {"action": HUGE, "actor": '"><script>alert(1)</script>', "model": HUGE},
    {"title": "<svg onload=alert(1)>", "tag": HUGE},
]
ALLOWED = {200, 302, 400, 403, 404, 405}


@pytest.fixture
def site():
    """An article with two revisions, a thread with a reply, and the pages that show them."""
    article = make_article(title="Hailsham", body="The pond.\n")
    thread = make_thread(title="The gallery", body="Why take the pictures?")
    reply = make_post(thread=thread, body="For the gallery.")
    return {
        "pages": [
            "/",
            "/wiki/",
            "/wiki/recent/",
            "/wiki/new/",
            "/wiki/kind/character/",
            "/wiki/tag/hailsham/",
            article.get_absolute_url(),
            article.get_absolute_url() + "history/",
            article.get_absolute_url() + "diff/",
            article.get_absolute_url() + "links/",
            article.get_absolute_url() + "edit/",
            article.get_absolute_url() + "revisions/1/",
            "/search/",
            "/search/suggest/",
            "/discussions/",
            "/discussions/new/",
            "/discussions/the-novel/",
            thread.get_absolute_url(),
            f"/discussions/t/{thread.pk}-{thread.slug}/p/{reply.pk}/",
            f"/discussions/t/{thread.pk}/reply/",
            "/notifications/",
            "/moderation/",
            "/moderation/flag/",
            "/moderation/log/",
            f"/moderation/members/{reply.author.username}/",
            f"/members/{reply.author.username}/",
        ],
        "paths": [
            f"/discussions/t/{HUGE}-x/",
            f"/discussions/t/{thread.pk}-{thread.slug}/p/{HUGE}/",
            f"/discussions/t/{HUGE}/reply/",
            f"{article.get_absolute_url()}revisions/{HUGE}/",
            f"/moderation/warnings/{HUGE}/ack/",
            f"/members/{HUGE}/",
        ],
    }


@pytest.fixture(params=["anonymous", "member", "moderator"])
def client_of(request, member, moderator):
    return {"anonymous": Client(), "member": logged_in(member), "moderator": logged_in(moderator)}[
        request.param
    ]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: ",".join(q)[:40])
def test_pages_take_any_query_string(client_of, site, query):
    for page in site["pages"]:
        response = client_of.get(page, query)

        assert response.status_code in ALLOWED, (page, query, response.status_code)
        assert_response_safe(response, page)


def test_numbers_past_any_integer_in_paths_are_not_found(client_of, site):
    for path in site["paths"]:
        response = client_of.get(path)

        assert response.status_code in {302, 403, 404, 405}, (path, response.status_code)
        assert_response_safe(response, path)
