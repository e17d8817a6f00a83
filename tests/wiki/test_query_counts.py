"""Pages cost the same number of queries for a big article as for a small one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import add_backlinks, add_revisions, make_article
from wiki.models import Article, ArticleLink, Revision

pytestmark = pytest.mark.django_db

TAGS = ", ".join(f"theme-{n}" for n in range(1, 31))


def queries_for(client, url):
    client.get(url)  # warm the caches a first request fills (catalogue, lint terms, session)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def reader(client, set_progress):
    """An anonymous reader part-way through the novel (so pages are gated)."""
    set_progress(client, novel=12)
    return client


@pytest.fixture
def small(db, member):
    """An article with 1 revision, 1 backlink and 1 tag."""
    article = make_article(title="Norfolk", author=member, tags="places")
    make_article(title="Ruth C.", kind="character", body="She goes to [[Norfolk]].\n")
    return article


@pytest.fixture
def big(db, member, other_member):
    """An article with 500 revisions, 100 backlinks and 30 tags, kept consistent."""
    article = make_article(
        title="Hailsham",
        author=member,
        tags=TAGS,
        body="## Grounds\n\nA pond.\n\n::: spoiler novel:7\n## The talk\n\nMiss Lucy.\n:::\n",
        infobox={"location": ">![novel:22] Somewhere!< in England"},
    )
    add_revisions(article, 499, author=other_member)
    add_backlinks(article, 100)
    article.refresh_from_db()
    assert article.revision_count == 500
    assert Revision.objects.filter(article=article).count() == 500
    assert article.current_revision.number == 500
    assert article.current_revision.parent.number == 499
    assert ArticleLink.objects.filter(target=article).count() == 100
    assert article.tags.count() == 30
    return article


def test_big_data_builders_keep_the_article_consistent(client, big):
    response = client.get("/wiki/hailsham/")

    assert response.status_code == 200
    assert response.context["revision"].number == 500
    assert "500 revisions" in response.content.decode()
    assert len(response.context["tags"]) == 30
    links = client.get("/wiki/hailsham/links/")
    assert len(links.context["rows"]) == 100
    assert Article.objects.count() == 101


def test_article_view_costs_the_same_queries_for_a_big_article(
    reader, small, big, django_assert_max_num_queries
):
    measured = queries_for(reader, "/wiki/norfolk/")

    reader.get("/wiki/hailsham/")
    with django_assert_max_num_queries(measured):
        response = reader.get("/wiki/hailsham/")

    assert response.status_code == 200


def test_history_costs_the_same_queries_for_500_revisions(
    reader, small, big, django_assert_max_num_queries
):
    measured = queries_for(reader, "/wiki/norfolk/history/")

    reader.get("/wiki/hailsham/history/")
    with django_assert_max_num_queries(measured):
        response = reader.get("/wiki/hailsham/history/?page=3")

    assert response.status_code == 200
    assert len(response.context["rows"]) == 50
    assert response.context["rows"][0]["revision"].number == 400


def test_what_links_here_costs_the_same_queries_for_100_backlinks(
    reader, small, big, django_assert_max_num_queries
):
    measured = queries_for(reader, "/wiki/norfolk/links/")

    reader.get("/wiki/hailsham/links/")
    with django_assert_max_num_queries(measured):
        response = reader.get("/wiki/hailsham/links/")

    assert len(response.context["rows"]) == 100


def test_diff_costs_the_same_queries_for_a_big_article(
    reader, member, small, django_assert_max_num_queries
):
    from tests.factories import edit_article

    edit_article(small, author=member, body="Flat country.\n")
    small_revisions = list(Revision.objects.filter(article=small).order_by("number"))
    measured = queries_for(
        reader,
        f"/wiki/norfolk/diff/?from={small_revisions[0].pk}&to={small_revisions[1].pk}",
    )
    big = make_article(title="Hailsham", tags=TAGS)
    add_revisions(big, 499)
    first, last = Revision.objects.filter(article=big, number__in=[1, 500]).order_by("number")

    url = f"/wiki/hailsham/diff/?from={first.pk}&to={last.pk}"
    reader.get(url)
    with django_assert_max_num_queries(measured):
        response = reader.get(url)

    assert response.status_code == 200


def test_recent_changes_cost_the_same_queries_with_many_edits(
    reader, small, member, other_member, django_assert_max_num_queries
):
    measured = queries_for(reader, "/wiki/recent/")
    article = make_article(title="Hailsham", tags=TAGS)
    add_revisions(article, 499, author=other_member)
    add_backlinks(article, 100)

    reader.get("/wiki/recent/")
    with django_assert_max_num_queries(measured):
        response = reader.get("/wiki/recent/")

    assert len(response.context["rows"]) == 50


def test_recent_changes_feed_costs_the_same_queries_with_many_edits(
    reader, small, other_member, django_assert_max_num_queries
):
    measured = queries_for(reader, "/wiki/feeds/recent/")
    article = make_article(title="Hailsham", tags=TAGS)
    add_revisions(article, 499, author=other_member)

    reader.get("/wiki/feeds/recent/")
    with django_assert_max_num_queries(measured):
        response = reader.get("/wiki/feeds/recent/")

    assert response.status_code == 200


def test_kind_index_costs_the_same_queries_with_many_articles(
    reader, small, django_assert_max_num_queries
):
    measured = queries_for(reader, "/wiki/kind/character/")
    add_backlinks(small, 100)

    reader.get("/wiki/kind/character/")
    with django_assert_max_num_queries(measured):
        response = reader.get("/wiki/kind/character/")

    assert len(response.context["rows"]) == 100
