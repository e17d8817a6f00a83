"""Wiki links: red links to creation, blue once created, "What links here", missing sections."""

import pytest

from tests.factories import edit_article, make_article
from wiki.models import ArticleLink
from wiki.services import set_deleted

pytestmark = pytest.mark.django_db


def links_here(client, slug):
    response = client.get(f"/wiki/{slug}/links/")
    assert response.status_code == 200
    return [row["article"].title for row in response.context["rows"]], response.content.decode()


def test_link_to_a_missing_article_is_a_red_link_to_its_creation(client):
    make_article(title="Kathy H.", kind="character", body="She drives to [[Norfolk]].\n")

    html = client.get("/wiki/kathy-h/").content.decode()

    assert (
        '<a class="wikilink redlink" href="/wiki/new/?title=Norfolk" '
        'title="Norfolk (no article yet)">Norfolk</a>' in html
    )


def test_following_a_red_link_and_saving_creates_the_article(member_client, form_values):
    make_article(title="Kathy H.", kind="character", body="She drives to [[Norfolk]].\n")
    form = form_values(member_client.get("/wiki/new/?title=Norfolk"))
    form.update(kind="place", lead="Norfolk is a county in the east of England.")
    form["body"] = "The lost corner of England.\n"

    response = member_client.post("/wiki/new/?title=Norfolk", {**form, "save": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/wiki/norfolk/"


def test_creating_the_target_turns_links_in_other_articles_blue(client, member_client):
    make_article(title="Kathy H.", kind="character", body="She drives to [[Norfolk]].\n")
    make_article(title="Ruth C.", kind="character", body="Her possible was seen in [[norfolk]].\n")
    assert ArticleLink.objects.filter(target__isnull=True).count() == 2

    member_client.post(
        "/wiki/new/",
        {
            "title": "Norfolk",
            "kind": "place",
            "lead": "Norfolk is a county in the east of England.",
            "body": "The lost corner of England.\n",
            "save": "1",
        },
    )

    for slug in ("kathy-h", "ruth-c"):
        html = client.get(f"/wiki/{slug}/").content.decode()
        assert 'class="wikilink" href="/wiki/norfolk/"' in html
        assert "redlink" not in html
    assert ArticleLink.objects.filter(target__title="Norfolk").count() == 2


def test_what_links_here_lists_the_articles_linking_to_it(client):
    make_article(title="Norfolk")
    make_article(title="Kathy H.", kind="character", body="She drives to [[Norfolk]].\n")
    make_article(title="Tommy D.", kind="character", body="[[Norfolk|The lost corner]].\n")
    make_article(title="Ruth C.", kind="character", body="No links at all.\n")

    titles, html = links_here(client, "norfolk")

    assert titles == ["Kathy H.", "Tommy D."]
    assert (
        sorted(
            ArticleLink.objects.filter(target__slug="norfolk").values_list(
                "source__title", flat=True
            )
        )
        == titles
    )
    assert 'href="/wiki/kathy-h/"' in html


def test_what_links_here_lists_articles_linking_before_the_target_existed(client):
    make_article(title="Kathy H.", kind="character", body="She drives to [[Norfolk]].\n")
    make_article(title="Norfolk")

    titles, _ = links_here(client, "norfolk")

    assert titles == ["Kathy H."]


def test_what_links_here_drops_an_article_whose_link_is_edited_out(client, member_client):
    make_article(title="Norfolk")
    kathy = make_article(title="Kathy H.", kind="character", body="She drives to [[Norfolk]].\n")
    make_article(title="Tommy D.", kind="character", body="He goes to [[Norfolk]].\n")
    revision = kathy.current_revision

    member_client.post(
        "/wiki/kathy-h/edit/",
        {
            **revision.content(),
            "body": "She drives to the coast.\n",
            "base_revision": revision.pk,
            "save": "1",
        },
    )

    titles, _ = links_here(client, "norfolk")
    assert titles == ["Tommy D."]
    assert not ArticleLink.objects.filter(source=kathy).exists()


def test_what_links_here_drops_a_deleted_article(client):
    make_article(title="Norfolk")
    kathy = make_article(title="Kathy H.", kind="character", body="She drives to [[Norfolk]].\n")
    make_article(title="Tommy D.", kind="character", body="He goes to [[Norfolk]].\n")

    assert set_deleted(article=kathy, deleted=True) is True

    titles, _ = links_here(client, "norfolk")
    assert titles == ["Tommy D."]


def test_what_links_here_lists_a_restored_article_again(client):
    make_article(title="Norfolk")
    kathy = make_article(title="Kathy H.", kind="character", body="She drives to [[Norfolk]].\n")
    set_deleted(article=kathy, deleted=True)

    set_deleted(article=kathy, deleted=False)

    titles, _ = links_here(client, "norfolk")
    assert titles == ["Kathy H."]


def test_deleting_the_target_turns_links_to_it_red(client):
    norfolk = make_article(title="Norfolk")
    make_article(title="Kathy H.", kind="character", body="She drives to [[Norfolk]].\n")

    set_deleted(article=norfolk, deleted=True)

    html = client.get("/wiki/kathy-h/").content.decode()
    assert '<a class="wikilink redlink" href="/wiki/new/?title=Norfolk"' in html
    assert client.get("/wiki/norfolk/").status_code == 404


def test_link_to_a_missing_section_is_reported_in_the_preview(member_client):
    make_article(title="Hailsham", body="## The Sales\n\nMonthly.\n\n## The pond\n\nReeds.\n")
    kathy = make_article(title="Kathy H.", kind="character")
    revision = kathy.current_revision

    response = member_client.post(
        "/wiki/kathy-h/edit/",
        {
            **revision.content(),
            "body": "See [[Hailsham#The Sales]] and [[Hailsham#The Exchanges]].\n",
            "base_revision": revision.pk,
            "preview": "1",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "[[Hailsham#The Exchanges]]: that article has no such section." in html
    assert "[[Hailsham#The Sales]]: that article has no such section." not in html
    assert 'href="/wiki/hailsham/#h-the-sales"' in html


def test_link_to_a_section_points_at_its_anchor(client):
    make_article(title="Hailsham", body="## The Sales\n\nMonthly.\n")
    make_article(title="Kathy H.", kind="character", body="See [[Hailsham#The Sales|the Sales]].\n")

    html = client.get("/wiki/kathy-h/").content.decode()

    assert '<a class="wikilink" href="/wiki/hailsham/#h-the-sales">the Sales</a>' in html
    assert 'id="h-the-sales"' in client.get("/wiki/hailsham/").content.decode()


def test_editing_a_link_back_in_restores_the_backlink(client):
    make_article(title="Norfolk")
    kathy = make_article(title="Kathy H.", kind="character", body="No link yet.\n")

    edit_article(kathy, body="Now she goes to [[Norfolk]].\n")

    titles, _ = links_here(client, "norfolk")
    assert titles == ["Kathy H."]
