"""The wiki gated per reader: bodies, infoboxes, contents, scoped articles, diffs, feeds."""

import pytest

from tests.factories import edit_article, make_article

pytestmark = pytest.mark.django_db

BODY = (
    "Hailsham is a school in the countryside.\n"
    "\n"
    "## Grounds\n"
    "\n"
    "There is a pond and a pavilion.\n"
    "\n"
    "::: spoiler novel:7 film:hailsham\n"
    "## What Miss Lucy said\n"
    "\n"
    "In the pavilion Miss Lucy tells the students plainly what lies ahead of them.\n"
    ":::\n"
    "\n"
    "## Later years\n"
    "\n"
    "Old students remember it fondly.\n"
    ">![novel:22 film:completion] Hailsham has closed down by the end.!<\n"
)
EARLY = "Miss Lucy tells the students plainly"
LATE = "Hailsham has closed down by the end."

SCOPED_TITLE = "The Morningdale scandal"
SCOPED_BODY = "A scientist named James Morningdale went too far.\n"


@pytest.fixture
def hailsham(db):
    return make_article(
        title="Hailsham",
        body=BODY,
        infobox={
            "location": "The English countryside",
            "when_it_matters": ">![novel:22 film:completion] Closed in the 1990s!<",
        },
    )


@pytest.fixture
def scoped(db):
    return make_article(
        title=SCOPED_TITLE,
        kind="event",
        scope="novel:22",
        lead="A scandal Miss Emily talks about.",
        body=SCOPED_BODY,
        summary="The Morningdale story",
    )


def test_spoilers_are_withheld_at_progress_zero(client, hailsham):
    html = client.get("/wiki/hailsham/").content.decode()

    assert "There is a pond and a pavilion." in html
    assert EARLY not in html
    assert LATE not in html
    assert '<details class="spoiler' not in html
    assert (
        '<span class="spoiler-withheld__label" id="spoiler-b-1-label">Spoiler: Novel, Part One, '
        "ch. 7 / Film: Hailsham (1978)</span>" in html
    )


def test_spoilers_up_to_the_readers_progress_are_shown(
    client, hailsham, set_progress, text_outside_spoilers
):
    set_progress(client, novel=10)

    visible = text_outside_spoilers(client.get("/wiki/hailsham/").content.decode())

    assert EARLY in visible
    assert LATE not in visible


def test_every_spoiler_is_shown_to_a_reader_who_finished_everything(
    client, hailsham, set_progress, text_outside_spoilers
):
    set_progress(client, everything=True)

    html = client.get("/wiki/hailsham/").content.decode()

    visible = text_outside_spoilers(html)
    assert EARLY in visible
    assert LATE in visible
    assert '<details class="spoiler' not in html


def test_a_spoiler_reached_in_one_work_is_shown(
    client, hailsham, set_progress, text_outside_spoilers
):
    set_progress(client, film="completion")

    visible = text_outside_spoilers(client.get("/wiki/hailsham/").content.decode())

    assert EARLY in visible
    assert LATE in visible


def test_a_members_progress_is_kept_on_their_profile(
    member_client, member, hailsham, set_progress, text_outside_spoilers
):
    set_progress(member_client, novel=8)

    member.refresh_from_db()
    assert member.reading_progress["novel"] == 8
    assert EARLY in text_outside_spoilers(member_client.get("/wiki/hailsham/").content.decode())


def test_infobox_values_are_gated(client, hailsham, set_progress, text_outside_spoilers):
    before = text_outside_spoilers(client.get("/wiki/hailsham/").content.decode())
    set_progress(client, novel=22)
    after = text_outside_spoilers(client.get("/wiki/hailsham/").content.decode())

    assert "The English countryside" in before
    assert "Closed in the 1990s" not in before
    assert "Closed in the 1990s" in after


def test_table_of_contents_omits_headings_inside_hidden_spoilers(client, hailsham):
    response = client.get("/wiki/hailsham/")

    assert [h.text for h in response.context["toc"]] == ["Grounds", "Later years"]
    html = response.content.decode()
    toc = html.split('<nav class="toc"', 1)[1].split("</nav>", 1)[0]
    assert "What Miss Lucy said" not in toc


def test_table_of_contents_lists_headings_of_reached_spoilers(client, hailsham, set_progress):
    set_progress(client, novel=7)

    response = client.get("/wiki/hailsham/")

    assert [h.text for h in response.context["toc"]] == [
        "Grounds",
        "What Miss Lucy said",
        "Later years",
    ]


def test_scoped_article_opens_on_the_beyond_your_progress_page(client, scoped):
    response = client.get("/wiki/the-morningdale-scandal/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>An article beyond your progress</h1>" in html
    assert "Novel, Part Three, ch. 22" in html
    assert '<input type="hidden" name="read" value="1">' in html
    assert "Read on: show me the spoiler" in html
    assert SCOPED_TITLE not in html
    assert "James Morningdale" not in html
    assert "A scandal Miss Emily talks about." not in html


def test_read_on_button_shows_the_scoped_article(client, scoped):
    response = client.get("/wiki/the-morningdale-scandal/", {"read": "1"})

    html = response.content.decode()
    assert "James Morningdale went too far." in html
    assert "You chose to read this article although its subject is beyond your progress." in html


def test_scoped_article_is_shown_once_the_reader_reaches_it(client, scoped, set_progress):
    set_progress(client, novel=22)

    html = client.get("/wiki/the-morningdale-scandal/").content.decode()

    assert "James Morningdale went too far." in html
    assert "beyond your progress" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/wiki/the-morningdale-scandal/history/",
        "/wiki/the-morningdale-scandal/links/",
        "/wiki/the-morningdale-scandal/revisions/1/",
    ],
)
def test_scoped_articles_other_pages_send_an_early_reader_to_the_warning(client, scoped, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == "/wiki/the-morningdale-scandal/"


def test_scoped_article_is_listed_as_beyond_progress_in_its_kind_index(client, scoped):
    make_article(title="The Sales", kind="event")

    html = client.get("/wiki/kind/event/").content.decode()

    assert "An article beyond your progress" in html
    assert "The Sales" in html
    assert "Morningdale" not in html
    assert "morningdale" not in html


def test_scoped_article_is_listed_by_title_in_its_kind_index_once_reached(
    client, scoped, set_progress
):
    set_progress(client, novel=22)

    html = client.get("/wiki/kind/event/").content.decode()

    assert SCOPED_TITLE in html
    assert "An article beyond your progress" not in html


def test_scoped_article_is_counted_not_named_in_the_wiki_index(client, scoped):
    html = client.get("/wiki/").content.decode()

    assert "1 article beyond your progress" in html
    assert "orningdale" not in html


def test_scoped_article_is_listed_as_beyond_progress_in_recent_changes(client, scoped):
    make_article(title="The Sales", kind="event")

    html = client.get("/wiki/recent/").content.decode()

    assert "An article beyond your progress" in html
    assert "The Sales" in html
    assert "orningdale" not in html


def test_scoped_article_is_listed_as_beyond_progress_in_what_links_here(client, scoped):
    make_article(title="Miss Emily", kind="character")
    edit_article(scoped, body=SCOPED_BODY + "\nAs [[Miss Emily]] explains.\n")

    html = client.get("/wiki/miss-emily/links/").content.decode()

    assert "An article beyond your progress" in html
    assert "orningdale" not in html


def test_links_to_a_scoped_article_hide_its_title_and_address(client, scoped):
    make_article(
        title="Miss Emily",
        kind="character",
        body="She mentions [[The Morningdale scandal|the Morningdale business]].\n",
    )

    html = client.get("/wiki/miss-emily/").content.decode()

    assert '<span class="wikilink-hidden">an article beyond your progress</span>' in html
    assert "orningdale" not in html


def test_links_to_a_scoped_article_show_once_the_reader_reaches_it(client, scoped, set_progress):
    make_article(title="Miss Emily", kind="character", body="See [[The Morningdale scandal]].\n")
    set_progress(client, novel=22)

    html = client.get("/wiki/miss-emily/").content.decode()

    assert 'href="/wiki/the-morningdale-scandal/"' in html
    assert ">The Morningdale scandal</a>" in html


def test_diff_masks_lines_inside_hidden_spoilers(client, hailsham):
    first = hailsham.current_revision
    second = edit_article(
        hailsham,
        body=BODY.replace("plainly what lies ahead", "bluntly what lies ahead")
        .replace("closed down by the end", "closed down by 1997")
        .replace("a pond and a pavilion", "a pond, a pavilion"),
    )

    response = client.get("/wiki/hailsham/diff/", {"from": first.pk, "to": second.pk})

    html = response.content.decode()
    assert "<ins>,</ins>" in html
    assert "⟨hidden: spoiler for Novel, Part One, ch. 7 / Film: Hailsham (1978)⟩" in html
    for word in ("plainly", "bluntly", "Miss Lucy tells", "closed down", "1997"):
        assert word not in html
    assert "Closed in the 1990s" not in html


def test_diff_shows_changed_spoiler_lines_to_a_reader_who_reached_them(
    client, hailsham, set_progress
):
    first = hailsham.current_revision
    second = edit_article(
        hailsham, body=BODY.replace("plainly what lies ahead", "bluntly what lies ahead")
    )
    set_progress(client, everything=True)

    html = client.get("/wiki/hailsham/diff/", {"from": first.pk, "to": second.pk}).content.decode()

    assert "<del>plainly</del>" in html
    assert "<ins>bluntly</ins>" in html


def test_old_revision_view_gates_spoilers(client, hailsham, text_outside_spoilers):
    edit_article(hailsham, body="Rewritten.\n")

    visible = text_outside_spoilers(client.get("/wiki/hailsham/revisions/1/").content.decode())

    assert "There is a pond and a pavilion." in visible
    assert EARLY not in visible
    assert LATE not in visible


def test_history_hides_a_spoiler_in_an_edit_summary(client, hailsham, text_outside_spoilers):
    edit_article(
        hailsham, body=BODY + "\nMore.\n", summary="Note >![novel:22] the closure in 1997!<"
    )

    visible = text_outside_spoilers(client.get("/wiki/hailsham/history/").content.decode())

    assert "Note" in visible
    assert "closure in 1997" not in visible


def test_recent_changes_never_show_a_hidden_edit_summary(client, hailsham, text_outside_spoilers):
    edit_article(
        hailsham, body=BODY + "\nMore.\n", summary="Note >![novel:22] the closure in 1997!<"
    )

    visible = text_outside_spoilers(client.get("/wiki/recent/").content.decode())

    assert "Note" in visible
    assert "closure in 1997" not in visible


def test_recent_changes_show_a_reached_edit_summary(
    client, hailsham, set_progress, text_outside_spoilers
):
    edit_article(
        hailsham, body=BODY + "\nMore.\n", summary="Note >![novel:22] the closure in 1997!<"
    )
    set_progress(client, novel=22)

    visible = text_outside_spoilers(client.get("/wiki/recent/").content.decode())

    assert "closure in 1997" in visible


def test_recent_changes_feed_hides_spoiler_summaries_and_scoped_titles(client, hailsham, scoped):
    edit_article(
        hailsham, body=BODY + "\nMore.\n", summary="Note >![novel:22] the closure in 1997!<"
    )

    response = client.get("/wiki/feeds/recent/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    xml = response.content.decode()
    assert "Hailsham: revision 2" in xml
    assert "An article beyond your progress" in xml
    assert "closure in 1997" not in xml
    assert "orningdale" not in xml


def test_recent_changes_feed_shows_everything_to_a_reader_who_finished(
    client, hailsham, scoped, set_progress
):
    edit_article(
        hailsham, body=BODY + "\nMore.\n", summary="Note >![novel:22] the closure in 1997!<"
    )
    set_progress(client, everything=True)

    xml = client.get("/wiki/feeds/recent/").content.decode()

    assert "closure in 1997" in xml
    assert "The Morningdale scandal: revision 1" in xml


def test_history_feed_of_a_scoped_article_hides_its_title_and_revisions(client, scoped):
    response = client.get("/wiki/the-morningdale-scandal/feed/")

    assert response.status_code == 200
    xml = response.content.decode()
    assert "An article beyond your progress" in xml
    assert SCOPED_TITLE not in xml
    assert "<entry>" not in xml
    assert "The Morningdale story" not in xml


def test_diff_of_a_scoped_article_without_revisions_chosen_does_not_name_it(client, scoped):
    response = client.get("/wiki/the-morningdale-scandal/diff/")

    assert SCOPED_TITLE not in response.content.decode()


def test_diff_of_a_scoped_article_sends_an_early_reader_to_the_warning(client, scoped):
    second = edit_article(scoped, body=SCOPED_BODY + "\nMore.\n")

    response = client.get(
        "/wiki/the-morningdale-scandal/diff/",
        {"from": second.parent_id, "to": second.pk},
    )

    assert response.status_code == 302
    assert response["Location"] == "/wiki/the-morningdale-scandal/"
