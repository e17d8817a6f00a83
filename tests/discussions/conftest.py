"""Discussion fixtures: members in each role, a thread, reading progress, and reading pages."""

import html
import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from discussions.models import Board
from tests.factories import make_thread

NOVEL_BOARD = "the-novel"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The spoiler catalogue and lint glossary are cached; each test starts from the database."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _trusted_members(settings):
    """Members count as trusted at once; tests of the new-member limits turn them back on.

    Every request renders its page: the anonymous whole-page cache (tested on its own) would
    otherwise answer repeated requests without rendering or querying anything.
    """
    settings.NLMG_TRUSTED_AFTER_HOURS = 0
    settings.NLMG_TRUSTED_AFTER_POSTS = 0
    settings.NLMG_EMAIL_NOTIFICATIONS = False
    settings.NLMG_ANONYMOUS_CACHE_SECONDS = 0


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def board(db):
    return Board.objects.get(slug=NOVEL_BOARD)


@pytest.fixture
def author_client(member):
    """The client of ``member``, who started ``thread``."""
    return logged_in(member)


@pytest.fixture
def other_client(other_member):
    return logged_in(other_member)


@pytest.fixture
def suspended_client(suspended_member):
    return logged_in(suspended_member)


@pytest.fixture
def thread(member, board):
    return make_thread(
        board=board,
        author=member,
        title="The gallery at Hailsham",
        body="Why did Madame take the best pictures away?",
    )


@pytest.fixture
def reply_url():
    return lambda thread: f"/discussions/t/{thread.pk}/reply/"


class _TextOutsideDetails(HTMLParser):
    """A page's text, leaving out every collapsed spoiler (``<details class="spoiler">``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # per open <details>: is it a spoiler?
        self.skip = 0
        self.parts = []

    @property
    def hidden(self):
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.stack.append("spoiler" in (dict(attrs).get("class") or "").split())
        if tag in ("script", "style", "textarea"):
            self.skip += 1
        if not self.hidden:
            self.parts.extend(v for k, v in attrs if k in ("title", "content", "value") and v)

    def handle_endtag(self, tag):
        if tag == "details" and self.stack:
            self.stack.pop()
        if tag in ("script", "style", "textarea") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.hidden and not self.skip:
            self.parts.append(data)


@pytest.fixture
def text_outside_spoilers():
    """``text_outside_spoilers(response)``: what a reader sees without opening a spoiler."""

    def read(response):
        parser = _TextOutsideDetails()
        parser.feed(response.content.decode())
        parser.close()
        return " ".join(" ".join(parser.parts).split())

    return read


@pytest.fixture
def textarea():
    """``textarea(response, "body")``: the text a browser would show in that field."""

    def read(response, name="body"):
        page = response.content.decode()
        m = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL)
        assert m, f"no textarea named {name!r} on the page"
        text = html.unescape(m.group(1))
        return text[1:] if text.startswith("\n") else text

    return read


class _PostNesting(HTMLParser):
    """For each ``<article id="post-N">``: the <details> and <li> elements enclosing it."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
            "track", "wbr"}  # fmt: skip

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.found = {}
        self.order = []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        self.stack.append((tag, attrs))
        if tag == "article" and (attrs.get("id") or "").startswith("post-"):
            pk = int(attrs["id"].removeprefix("post-"))
            self.order.append(pk)
            self.found[pk] = {
                "replies": sum(
                    1 for t, a in self.stack if t == "details" and a.get("class") == "replies"
                ),
                "open": all(
                    "open" in a
                    for t, a in self.stack
                    if t == "details" and a.get("class") == "replies"
                ),
            }

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()


@pytest.fixture
def post_nesting():
    """``post_nesting(response)``: ({post pk: {"replies": levels, "open": bool}}, page order).

    Fails when the page's elements are not properly nested.
    """

    def read(response):
        parser = _PostNesting()
        parser.feed(response.content.decode())
        parser.close()
        return parser.found, parser.order

    return read
