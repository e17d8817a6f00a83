"""The page checker itself: it finds what it looks for, and the site's own pages pass it."""

import pytest

from tests.factories import make_article, make_board_thread, make_thread_reply
from tests.security.html_checks import (
    feed_problems,
    fragment_problems,
    is_bad_url,
    page_problems,
)
from tests.security.payloads import FRAGMENTS, PAYLOADS, sample

PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="stylesheet" '
    'href="/static/css/site.css"></head><body>{}'
    '<script src="/static/markdownx/js/markdownx.js"></script></body></html>'
)


def test_the_corpus_is_large_and_has_no_duplicates():
    assert len(PAYLOADS) >= 200
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert len(set(sample(40))) == 40
    assert len(FRAGMENTS) >= 50


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "\x01java\tscr\nipt:x",
        "java\u2028script:x",
        "\x85javascript:x",
        "java\u200bscript:x",
        "\u202ejavascript:x",
        "DATA:text/html,x",
        "vbscript:x",
    ],
)
def test_bad_urls_are_recognised_however_they_are_spelled(url):
    assert is_bad_url(url)


@pytest.mark.parametrize(
    "url", ["/wiki/x/", "https://example.org/javascript:x", "#javascript", "mailto:x@y", ""]
)
def test_good_urls_pass(url):
    assert not is_bad_url(url)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<script>alert(1)</script>", "<script src=''>"),
        ('<script src="https://evil.example/x.js"></script>', "<script src="),
        ('<div class="post__body"><script src="/static/x.js"></script></div>', "user content"),
        ('<img src="x" onerror="alert(1)">', "event handler onerror"),
        ('<a href="&#106;avascript:alert(1)">x</a>', "href='javascript:alert(1)'"),
        ('<a href=" java\tscript:x">x</a>', "href="),
        ('<img srcset="/a.png 1x, javascript:x 2x">', "srcset="),
        ('<svg><a xlink:href="data:x">x</a></svg>', "xlink:href="),
        ('<p style="color:red">x</p>', "style attribute"),
        ("<style>p{}</style>", "<style> element"),
        ('<iframe src="/x"></iframe>', "<iframe> element"),
        ("<object></object>", "<object> element"),
        ("<embed>", "<embed> element"),
        ('<base href="/">', "<base> element"),
        ('<meta http-equiv="refresh" content="0">', "<meta> outside the head"),
        ('<form action="https://evil.example/"></form>', "not one of the site's forms"),
        ('<form action="/no-such-page/"></form>', "not one of the site's forms"),
        ('<div class="article__body"><form action="/search/"></form></div>', "inside user"),
        ('<div class="prose"><input name="x"></div>', "<input> inside user content"),
        ('<button formaction="//evil.example/">x</button>', "formaction="),
    ],
)
def test_the_checker_finds_what_it_looks_for(html, expected):
    found = page_problems(PAGE.format(html))
    assert any(expected in problem for problem in found), found


def test_the_checker_lets_the_sites_own_markup_through():
    html = PAGE.format(
        '<form method="post" action="/accounts/logout/"><input type="hidden" name="x">'
        '<button type="submit">Log out</button></form><form method="post"></form>'
        '<div class="article__body"><p><a href="/wiki/x/" class="wikilink">x</a> '
        '<a href="https://example.org/" rel="nofollow">y</a><img src="/media/a.png" alt="">'
        '<details class="spoiler"><summary>novel</summary>hidden</details></p></div>'
    )
    assert page_problems(html) == []


def test_fragments_and_feeds_are_checked_as_user_content():
    assert fragment_problems('<form action="/search/"></form>') != []
    assert fragment_problems("<p>fine <a href='/x/'>x</a></p>") == []
    feed = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        b'<summary type="html">&lt;img src=x onerror=alert(1)&gt;</summary>'
        b'<link href="javascript:alert(1)"/></entry></feed>'
    )
    found = feed_problems(feed)
    assert any("onerror" in p for p in found) and any("link href" in p for p in found)


@pytest.mark.django_db
def test_every_page_of_the_site_passes_the_checker_with_ordinary_content(
    client, member_client, member, other_member, moderator_client, assert_safe
):
    """No false alarm from the site's own markup: every page that shows user content."""
    article = make_article(title="Hailsham", author=member, infobox={"location": "Sussex"})
    thread = make_board_thread(author=member)
    reply = make_thread_reply(thread, author=other_member)
    from nlmg.moderation.services import flag_content

    flag_content(target=reply, reporter=member, reason="spam", note="Hmm.")
    revision = article.current_revision
    pages = [
        "/",
        "/wiki/",
        "/wiki/hailsham/",
        "/wiki/hailsham/history/",
        f"/wiki/hailsham/diff/?from={revision.pk}&to={revision.pk}",
        "/wiki/hailsham/edit/",
        "/wiki/new/",
        "/wiki/recent/",
        "/wiki/feeds/recent/",
        "/wiki/hailsham/feed/",
        "/search/?q=Hailsham",
        "/discussions/",
        "/discussions/the-novel/",
        thread.get_absolute_url(),
        f"/discussions/t/{thread.pk}/reply/",
        "/discussions/new/",
        "/members/kathy/",
        "/accounts/profile/",
        "/accounts/password/change/",
        f"/moderation/flag/?post={reply.pk}",
        "/progress/",
    ]
    for url in pages:
        assert_safe(member_client, url)
    for url in ("/", "/wiki/hailsham/", "/accounts/login/", "/accounts/signup/"):
        assert_safe(client, url)
    for url in ("/moderation/", "/moderation/log/", "/moderation/members/ruth/"):
        assert_safe(moderator_client, url)
