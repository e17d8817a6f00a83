"""Atom feeds, the sitemap, and the meta and OpenGraph descriptions of article pages."""

import re
import xml.etree.ElementTree as ET

import pytest

from tests.factories import edit_article, make_article
from wiki.models import Article, Revision
from wiki.services import set_deleted

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return feed, [
        {
            "title": e.findtext(f"{ATOM}title"),
            "link": e.find(f"{ATOM}link").get("href"),
            "summary": e.findtext(f"{ATOM}summary") or "",
        }
        for e in feed.findall(f"{ATOM}entry")
    ]


def test_recent_changes_feed_lists_the_latest_edits_site_wide(client, member):
    hailsham = make_article(title="Hailsham", author=member, summary="Start Hailsham")
    make_article(title="Norfolk", author=member, summary="Start Norfolk")
    edit_article(hailsham, author=member, body="The pond.\n", summary="Add the pond")

    feed, items = entries(client.get("/wiki/feeds/recent/"))

    assert feed.findtext(f"{ATOM}title") == "nlmg: recent changes"
    assert [i["title"] for i in items] == [
        "Hailsham: revision 2",
        "Norfolk: revision 1",
        "Hailsham: revision 1",
    ]
    assert items[0]["link"] == "http://testserver/wiki/hailsham/revisions/2/"
    assert items[0]["summary"] == "Edited by kathy. Add the pond"


def test_recent_changes_feed_leaves_out_deleted_articles(client):
    make_article(title="Hailsham")
    norfolk = make_article(title="Norfolk")
    set_deleted(article=norfolk, deleted=True)

    _, items = entries(client.get("/wiki/feeds/recent/"))

    assert [i["title"] for i in items] == ["Hailsham: revision 1"]


def test_article_history_feed_lists_that_articles_revisions(client, member):
    hailsham = make_article(title="Hailsham", author=member, summary="Start")
    make_article(title="Norfolk")
    edit_article(hailsham, author=member, body="The pond.\n", summary="Add the pond")

    feed, items = entries(client.get("/wiki/hailsham/feed/"))

    assert feed.findtext(f"{ATOM}title") == "nlmg: history of Hailsham"
    assert [i["title"] for i in items] == ["Hailsham: revision 2", "Hailsham: revision 1"]
    assert items[1]["summary"] == "Created by kathy. Start"


def test_article_history_feed_of_a_missing_article_is_404(client):
    assert client.get("/wiki/nothing-here/feed/").status_code == 404


def test_article_pages_link_to_their_history_feed(client):
    make_article(title="Hailsham")

    html = client.get("/wiki/hailsham/").content.decode()

    assert 'type="application/atom+xml"' in html
    assert 'href="/wiki/hailsham/feed/"' in html


def test_sitemap_lists_articles_and_leaves_out_scoped_and_deleted_ones(client):
    make_article(title="Hailsham")
    make_article(title="The Morningdale scandal", kind="event", scope="novel:22")
    deleted = make_article(title="Norfolk")
    set_deleted(article=deleted, deleted=True)

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    xml = response.content.decode()
    assert "<loc>http://testserver/wiki/hailsham/</loc>" in xml
    assert "morningdale" not in xml
    assert "norfolk" not in xml


def test_meta_and_opengraph_descriptions_come_from_the_lead(client):
    make_article(
        title="Hailsham",
        lead="Hailsham is a boarding school in the English countryside.",
        body=">![novel:22] It closes in the end.!<\n",
    )

    html = client.get("/wiki/hailsham/").content.decode()

    assert (
        '<meta name="description" content="Hailsham is a boarding school in the English '
        'countryside.">' in html
    )
    assert (
        '<meta property="og:description" content="Hailsham is a boarding school in the English '
        'countryside.">' in html
    )
    assert '<meta property="og:title" content="Hailsham">' in html


def test_meta_description_of_a_long_lead_is_shortened(client):
    lead = "Hailsham is a school. " + "It has a pond and a pavilion. " * 12

    make_article(title="Hailsham", lead=lead.strip())

    html = client.get("/wiki/hailsham/").content.decode()
    description = html.split('<meta name="description" content="', 1)[1].split('"', 1)[0]
    assert description.startswith("Hailsham is a school.")
    assert len(description) <= 200
    assert description.endswith("…")


def test_scoped_article_warning_page_does_not_describe_the_article(client):
    make_article(
        title="The Morningdale scandal",
        kind="event",
        scope="novel:22",
        lead="A scandal about a scientist.",
    )

    html = client.get("/wiki/the-morningdale-scandal/").content.decode()

    assert '<meta name="description" content="An article beyond your reading progress.">' in html
    assert "scientist" not in html
    assert "og:description" not in html


def test_meta_description_is_plain_text_without_markdown(client):
    make_article(title="Hailsham")
    make_article(
        title="Kathy H.",
        kind="character",
        lead="Kathy H. narrates *Never Let Me Go* and grew up at [[Hailsham]].",
    )

    html = client.get("/wiki/kathy-h/").content.decode()

    expected = "Kathy H. narrates Never Let Me Go and grew up at Hailsham."
    assert f'<meta name="description" content="{expected}">' in html
    assert f'<meta property="og:description" content="{expected}">' in html


def test_meta_description_does_not_name_a_linked_article_beyond_progress(client):
    make_article(title="The Morningdale scandal", kind="event", scope="novel:22")
    make_article(
        title="Miss Emily",
        kind="character",
        lead="Miss Emily runs a school and remembers [[The Morningdale scandal]].",
    )

    html = client.get("/wiki/miss-emily/").content.decode()

    assert "orningdale" not in html
    assert '<meta name="description" content="Miss Emily runs a school and remembers' in html


# --- characters XML 1.0 cannot carry ---------------------------------------------------------

C0_C1 = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]]
# Every character no XML 1.0 document may hold (all of C0 but tab, newline and carriage return;
# the two noncharacters at the end of the BMP).
NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FEEDS = ["/wiki/feeds/recent/", "/wiki/hailsham/feed/"]


def assert_feeds_carry_only_xml_characters(client):
    for url in FEEDS:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert not NOT_IN_XML.search(text), url
        assert not re.search(r"&#x?0*(?:[0-8bcefBCEF]|1[0-9a-fA-F]|[12][0-9]|3[01]);", text)
        ET.fromstring(response.content)  # well-formed


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param(lambda c: c, id="raw"),
        pytest.param(lambda c: f"&#{ord(c)};", id="decimal entity"),
        pytest.param(lambda c: f"&#x{ord(c):x};", id="hex entity"),
    ],
)
def test_no_control_character_in_an_edit_summary_breaks_the_feeds(
    member_client, settings, spelling
):
    """An edit summary with "&#1;" or "&#14;" made both feeds answer 500 for everyone
    (UnserializableContentError): each C0 and C1 character, raw or as an entity, in one."""
    settings.NLMG_TRUSTED_AFTER_HOURS = settings.NLMG_TRUSTED_AFTER_POSTS = 0
    article = make_article(title="Hailsham")
    characters = list(C0_C1)
    if spelling(" ") == " ":  # raw: no form field may hold a NUL (it answers 400)
        characters.remove("\x00")
    for start in range(0, len(characters), 16):  # summaries hold 300 characters
        chunk = characters[start : start + 16]
        summary = "Fix " + " ".join(spelling(c) for c in chunk) + " done"
        response = member_client.post(
            "/wiki/hailsham/edit/",
            {"title": "Hailsham", "kind": "place", "lead": "Hailsham is part of the story.",
             "body": f"Edit {start}.\n", "summary": summary,
             "base_revision": Article.objects.get(pk=article.pk).current_revision_id,
             "save": "1"},
        )  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:500]
        assert_feeds_carry_only_xml_characters(member_client)
    _, items = entries(member_client.get("/wiki/hailsham/feed/"))
    assert items[0]["summary"].startswith("Edited by kathy. Fix")
    assert items[0]["summary"].endswith("done")


def test_a_feed_broken_by_a_summary_saved_before_works_again(client):
    """A summary stored with a control character (as earlier versions stored it) no longer
    takes the feeds down: the feed writer drops what XML cannot carry, whatever the field."""
    article = make_article(title="Hailsham")
    Revision.objects.filter(article=article).update(
        summary="Bad \x01 summary \x0e", summary_html="Bad &#1; summary &#14; \x0b"
    )
    Article.objects.filter(pk=article.pk).update(title="Hail\x02sham")

    assert_feeds_carry_only_xml_characters(client)
    _, items = entries(client.get("/wiki/hailsham/feed/"))
    assert items[0]["summary"] == "Created by factory. Bad summary"
    assert items[0]["title"] == "Hailsham: revision 1"
