"""Atom feeds, the sitemap, and the meta and OpenGraph descriptions of article pages."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import edit_article, make_article
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
