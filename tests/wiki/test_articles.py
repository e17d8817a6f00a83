"""Creating, editing, reading and renaming articles through the site, as members do."""

import pytest

from tests.factories import edit_article, make_article
from wiki.models import Article, ArticleLink, Revision

pytestmark = pytest.mark.django_db


def new_article_data(**overrides):
    data = {
        "title": "The Cottages",
        "kind": "place",
        "lead": "The Cottages are a cluster of farm buildings where the students go after school.",
        "body": "The students live here for a while.\n\nThey read and argue.\n",
        "tags": "cottages, places",
        "scope": "",
        "summary": "New article",
        "infobox_location": "The countryside",
        "save": "1",
    }
    data.update(overrides)
    return data


def test_red_link_opens_the_creation_form_with_the_title_filled_in(member_client, form_values):
    response = member_client.get("/wiki/new/", {"title": "The Cottages"})

    assert response.status_code == 200
    assert form_values(response)["title"] == "The Cottages"


def test_creating_an_article_from_the_form_saves_its_first_revision(member_client, member):
    response = member_client.post("/wiki/new/?title=The+Cottages", new_article_data())

    assert response.status_code == 302
    assert response["Location"] == "/wiki/the-cottages/"
    article = Article.objects.get(slug="the-cottages")
    assert article.title == "The Cottages"
    assert article.kind.key == "place"
    assert article.revision_count == 1
    revision = article.current_revision
    assert revision.number == 1
    assert revision.action == Revision.Action.CREATE
    assert revision.author == member
    assert revision.infobox == {"location": "The countryside"}
    assert sorted(t.name for t in article.tags.all()) == ["cottages", "places"]
    page = member_client.get(response["Location"]).content.decode()
    assert "They read and argue." in page
    assert "Saved. Thank you for your edit." in page


def test_red_link_to_an_existing_title_goes_to_the_article(member_client):
    make_article(title="Hailsham")

    response = member_client.get("/wiki/new/", {"title": "hailsham"})

    assert response.status_code == 302
    assert response["Location"] == "/wiki/hailsham/"


def test_creating_an_article_with_a_title_in_use_is_refused(member_client):
    make_article(title="The Cottages")

    response = member_client.post("/wiki/new/", new_article_data(title="the cottages"))

    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert Article.objects.count() == 1


def test_viewing_an_article_shows_lead_body_infobox_and_tags(client):
    make_article(
        title="Hailsham",
        lead="Hailsham is a boarding school in the English countryside.",
        body="## Grounds\n\nThere is a pond, a pavilion and a sports field.\n",
        infobox={"place_kind": "Boarding school"},
        tags="hailsham, school",
    )

    response = client.get("/wiki/hailsham/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Hailsham is a boarding school in the English countryside." in html
    assert '<h2 id="h-grounds">Grounds</h2>' in html
    assert "<dt>Kind of place</dt><dd>Boarding school</dd>" in html
    assert 'href="/wiki/tag/school/"' in html


def test_unknown_article_is_404(client):
    assert client.get("/wiki/no-such-article/").status_code == 404


def test_editing_an_article_adds_a_revision_and_keeps_the_old_one(
    member_client, member, form_values
):
    article = make_article(title="Hailsham", body="The school has a pond.\n")
    data = form_values(member_client.get("/wiki/hailsham/edit/"))
    assert data["base_revision"] == str(article.current_revision_id)

    data["body"] = "The school has a pond and a pavilion.\n"
    data["summary"] = "Add the pavilion"
    response = member_client.post("/wiki/hailsham/edit/", {**data, "save": "1"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.revision_count == 2
    assert article.current_revision.body == "The school has a pond and a pavilion.\n"
    assert article.current_revision.parent.body == "The school has a pond.\n"
    assert article.current_revision.summary == "Add the pavilion"
    assert article.current_revision.author == member
    assert "a pond and a pavilion" in member_client.get("/wiki/hailsham/").content.decode()


def test_history_lists_every_revision_newest_first(client, member, other_member):
    article = make_article(title="Hailsham", author=member, summary="Start the article")
    edit_article(article, author=other_member, body="More text.\n", summary="Add more text")

    response = client.get("/wiki/hailsham/history/")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Add more text") < html.index("Start the article")
    rows = [(r["revision"].number, r["revision"].author_name) for r in response.context["rows"]]
    assert rows == [(2, "ruth"), (1, "kathy")]
    assert 'href="/wiki/hailsham/revisions/2/"' in html
    assert 'href="/members/ruth/"' in html


def test_an_old_revision_is_viewable_with_its_own_text(client):
    article = make_article(title="Hailsham", body="The first wording.\n")
    edit_article(article, body="The second wording.\n")

    response = client.get("/wiki/hailsham/revisions/1/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "The first wording." in html
    assert "The second wording." not in html
    assert "This is an old revision" in html


def test_diff_marks_changed_words_with_ins_and_del(client):
    article = make_article(title="Hailsham", body="The pond is small and quiet.\n\nUnchanged.\n")
    first = article.current_revision
    second = edit_article(article, body="The pond is large and quiet.\n\nUnchanged.\n")

    response = client.get("/wiki/hailsham/diff/", {"from": first.pk, "to": second.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<del>small</del>" in html
    assert "<ins>large</ins>" in html
    assert "<del>The pond" not in html  # word-level, not the whole line


def test_diff_without_two_revisions_asks_for_them(client):
    make_article(title="Hailsham")

    response = client.get("/wiki/hailsham/diff/")

    assert response.status_code == 400
    assert "Choose two revisions to compare." in response.content.decode()


def test_undo_takes_back_one_revision_and_keeps_later_edits(member_client):
    article = make_article(title="Hailsham", body="Alpha one.\n\nBravo two.\n\nCharlie three.\n")
    edit_article(article, body="Alpha ONE.\n\nBravo two.\n\nCharlie three.\n", summary="first")
    edit_article(article, body="Alpha ONE.\n\nBravo two.\n\nCharlie THREE.\n", summary="second")

    response = member_client.post("/wiki/hailsham/revisions/2/undo/", follow=True)

    assert response.status_code == 200
    assert "Revision 2 was undone; the undo is a new revision." in response.content.decode()
    article.refresh_from_db()
    assert article.revision_count == 4
    assert article.current_revision.action == Revision.Action.UNDO
    assert article.current_revision.body == "Alpha one.\n\nBravo two.\n\nCharlie THREE.\n"
    assert Revision.objects.filter(article=article).count() == 4


def test_undo_is_refused_with_a_message_when_later_edits_overlap(member_client):
    article = make_article(title="Hailsham", body="Alpha one.\n\nBravo two.\n")
    edit_article(article, body="Alpha changed.\n\nBravo two.\n")
    edit_article(article, body="Alpha changed again.\n\nBravo two.\n")

    response = member_client.post("/wiki/hailsham/revisions/2/undo/", follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Revision 2 cannot be undone automatically" in html
    assert response.redirect_chain[-1][0].startswith("/wiki/hailsham/diff/?from=")
    article.refresh_from_db()
    assert article.revision_count == 3
    assert article.current_revision.body == "Alpha changed again.\n\nBravo two.\n"


def test_undo_of_the_first_revision_is_refused(member_client):
    article = make_article(title="Hailsham")

    response = member_client.post("/wiki/hailsham/revisions/1/undo/", follow=True)

    assert "the first revision cannot be undone" in response.content.decode()
    article.refresh_from_db()
    assert article.revision_count == 1


def test_revert_to_an_earlier_revision_adds_a_new_revision_and_loses_nothing(member_client, member):
    article = make_article(title="Hailsham", body="Version one.\n")
    edit_article(article, body="Version two.\n")
    edit_article(article, body="Version three.\n", lead="A changed lead.")

    response = member_client.post("/wiki/hailsham/revisions/1/revert/", follow=True)

    assert response.status_code == 200
    assert "Reverted to revision 1" in response.content.decode()
    article.refresh_from_db()
    assert article.revision_count == 4
    current = article.current_revision
    assert current.action == Revision.Action.REVERT
    assert current.author == member
    assert current.content() == Revision.objects.get(article=article, number=1).content()
    bodies = list(Revision.objects.filter(article=article).order_by("number").values_list("body"))
    assert bodies == [("Version one.\n",), ("Version two.\n",), ("Version three.\n",)] + [
        ("Version one.\n",)
    ]


def test_renaming_redirects_the_old_address_permanently(member_client, form_values):
    make_article(title="The Cottages")
    data = form_values(member_client.get("/wiki/the-cottages/edit/"))
    data["title"] = "The Cottages (farm)"

    response = member_client.post("/wiki/the-cottages/edit/", {**data, "save": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/wiki/the-cottages-farm/"
    old = member_client.get("/wiki/the-cottages/")
    assert old.status_code == 301
    assert old["Location"] == "/wiki/the-cottages-farm/"
    history = member_client.get("/wiki/the-cottages/history/?page=1")
    assert history.status_code == 301
    assert history["Location"] == "/wiki/the-cottages-farm/history/?page=1"


def test_renamed_article_is_still_reached_by_links_with_its_old_title(client, member_client):
    cottages = make_article(title="The Cottages")
    edit_article(cottages, title="The Cottages (farm)")

    make_article(title="Kathy H.", kind="character", body="She moves to [[The Cottages]].\n")

    html = client.get("/wiki/kathy-h/").content.decode()
    assert 'href="/wiki/the-cottages-farm/"' in html
    assert "redlink" not in html
    link = ArticleLink.objects.get(source__title="Kathy H.")
    assert link.target == cottages


def test_renaming_keeps_links_written_before_the_rename_blue(client):
    cottages = make_article(title="The Cottages")
    make_article(title="Kathy H.", kind="character", body="She moves to [[The Cottages]].\n")

    edit_article(cottages, title="The Cottages (farm)")

    html = client.get("/wiki/kathy-h/").content.decode()
    assert 'class="wikilink" href="/wiki/the-cottages-farm/"' in html
    assert "redlink" not in html


def test_changing_the_kind_shows_the_new_infobox_fields_then_saves(member_client, form_values):
    article = make_article(title="Keffers", kind="place")
    form = form_values(member_client.get("/wiki/keffers/edit/"))
    form["kind"] = "character"

    preview = member_client.post("/wiki/keffers/edit/", {**form, "save": "1"})

    assert preview.status_code == 200
    assert 'name="infobox_film_actor"' in preview.content.decode()
    article.refresh_from_db()
    assert article.revision_count == 1
    form = form_values(preview)
    form["infobox_role"] = "The old man who runs the Cottages"

    response = member_client.post("/wiki/keffers/edit/", {**form, "save": "1"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.kind.key == "character"
    assert article.revision_count == 2
    assert article.current_revision.infobox == {"role": "The old man who runs the Cottages"}


def test_renaming_back_to_the_old_title_gives_the_article_its_old_address(client):
    cottages = make_article(title="The Cottages")
    edit_article(cottages, title="The Cottages (farm)")

    edit_article(cottages, title="The Cottages")

    assert client.get("/wiki/the-cottages/").status_code == 200
    old = client.get("/wiki/the-cottages-farm/")
    assert old.status_code == 301
    assert old["Location"] == "/wiki/the-cottages/"


def test_a_title_that_is_a_reserved_word_gets_its_own_address(member_client):
    response = member_client.post(
        "/wiki/new/",
        {
            "title": "Recent",
            "kind": "concept",
            "lead": "A word the wiki also uses for its changes page.",
            "body": "Text.\n",
            "save": "1",
        },
    )

    assert response["Location"] == "/wiki/recent-article/"
    assert member_client.get("/wiki/recent-article/").status_code == 200
    assert member_client.get("/wiki/recent/").context["rows"]


def test_recent_changes_filter_by_kind_author_and_minor_edits(client, member, other_member):
    hailsham = make_article(title="Hailsham", author=member)
    make_article(title="Kathy H.", kind="character", author=other_member)
    revision = edit_article(hailsham, author=other_member, body="Typo fixed.\n")
    revision.is_minor = True
    revision.save(update_fields=["is_minor"])

    def changes(**params):
        rows = client.get("/wiki/recent/", params).context["rows"]
        return [(r["revision"].title, r["revision"].number) for r in rows]

    assert changes() == [("Hailsham", 2), ("Kathy H.", 1), ("Hailsham", 1)]
    assert changes(kind="character") == [("Kathy H.", 1)]
    assert changes(author="KATHY") == [("Hailsham", 1)]
    assert changes(hide_minor="1") == [("Kathy H.", 1), ("Hailsham", 1)]


def test_tag_index_lists_the_articles_with_that_tag(client):
    make_article(title="Hailsham", tags="school, places")
    make_article(title="Norfolk", tags="places")
    make_article(title="Kathy H.", kind="character", tags="narrator")

    response = client.get("/wiki/tag/places/")

    assert response.status_code == 200
    assert [r["article"].title for r in response.context["rows"]] == ["Hailsham", "Norfolk"]


@pytest.mark.parametrize("bad", ["99999999999999999999999", "-1", "0"])
def test_diff_of_revisions_that_cannot_exist_is_404(client, bad):
    article = make_article(title="Hailsham")

    response = client.get("/wiki/hailsham/diff/", {"from": bad, "to": article.current_revision.pk})

    assert response.status_code == 404
