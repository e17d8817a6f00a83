"""No page sends a spoiler the reader has not reached: every canon article and every starter
thread, read through the HTTP stack at progress 0, at the end of each novel part, film-only
and drama-only (generated documents: test_withholding_generated.py). The raw HTML (text and
attribute values alike, as a browser's find-in-page, a translator or a crawler reads it)
holds no run of words from a spoiler body beyond that progress."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from discussions.canon import load_starter_threads
from discussions.models import Thread
from discussions.tree import scoped_body
from nlmg.spoilers.markup.gating import extract_segments
from nlmg.spoilers.scope import Catalogue
from wiki.models import Article

pytestmark = pytest.mark.django_db

PROGRESSES = {
    "not started": {},
    "end of Part One": {"novel": 9},
    "end of Part Two": {"novel": 17},
    "end of the novel only": {"novel": 23},
    "film: Hailsham only": {"film": "hailsham"},
    "film: the Cottages only": {"film": "cottages"},
    "film only": {"film": "completion"},
    "drama only": {"drama": 10},
}
RUN = 6  # words: a run this long from a withheld spoiler is a leak
WORD = re.compile(r"\w+")


class _AllText(HTMLParser):
    """Every piece of text and every attribute value, as a crawler would read them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.parts.extend(value or "" for _, value in attrs)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.parts.append(data)


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def page_words(html: str) -> str:
    parser = _AllText()
    parser.feed(html)
    parser.close()
    return " " + " ".join(words(" ".join(parser.parts))) + " "


def runs(text: str) -> set[str]:
    tokens = words(text)
    return {" ".join(tokens[i : i + RUN]) for i in range(len(tokens) - RUN + 1)}


def withheld_runs(stored_htmls, progress) -> set[str]:
    """Runs of words from the segments this reader may not see, less any run they may see
    elsewhere in the same texts (a sentence written twice, once outside a spoiler)."""
    catalogue = Catalogue.current()
    hidden, shown = set(), set()
    for html in stored_htmls:
        for segment in extract_segments(html or ""):
            visible = all(catalogue.parse_stored(s).is_reached(progress) for s in segment.scopes)
            (shown if visible else hidden).update(runs(segment.text))
    return hidden - shown


def leaks(html: str, stored_htmls, progress) -> list[str]:
    page = page_words(html)
    return sorted(run for run in withheld_runs(stored_htmls, progress) if f" {run} " in page)


@pytest.fixture(scope="module")
def canon_and_threads(shared_canon, django_db_blocker):
    with django_db_blocker.unblock():
        load_starter_threads()
    return shared_canon


def reader(client, progress, set_progress):
    if progress:
        set_progress(client, **progress)
    else:
        set_progress(client, nothing=True)
    return Catalogue.current().clamp({k: _position(k, v) for k, v in progress.items()})


def _position(work_key, point):
    work = Catalogue.current().works[work_key]
    return point if isinstance(point, int) else work.aliases[point]


@pytest.mark.parametrize("name", list(PROGRESSES))
def test_no_canon_article_sends_a_spoiler_past_the_reader(
    canon_and_threads, db, client, set_progress, name
):
    progress = reader(client, PROGRESSES[name], set_progress)
    articles = Article.objects.live().select_related("current_revision")
    assert articles.count() >= 40
    found = {}
    for article in articles:
        revision = article.current_revision
        stored = [revision.lead_html, revision.body_html, *revision.infobox_html.values()]
        # A reader who opens an article whose subject is beyond them reads it with ?read=1.
        for url in (
            article.get_absolute_url() + "?read=1",
            revision.get_absolute_url() + "?read=1",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            if problems := leaks(response.content.decode(), stored, progress):
                found[url] = problems[:3]
    assert found == {}


@pytest.mark.parametrize("name", list(PROGRESSES))
def test_no_starter_thread_sends_a_spoiler_past_the_reader(
    canon_and_threads, db, client, set_progress, name
):
    progress = reader(client, PROGRESSES[name], set_progress)
    threads = Thread.objects.select_related("board")
    assert threads.count() >= 4
    found = {}
    for thread in threads:
        stored = [
            scoped_body(scoped_body(post.body_html, post.scope), thread.scope)
            for post in thread.posts.all()
        ]
        for url in (thread.get_absolute_url(), thread.board.get_absolute_url(), "/"):
            html = client.get(url).content.decode()
            if problems := leaks(html, stored, progress):
                found[url] = problems[:3]
    assert found == {}
