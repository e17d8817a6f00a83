"""Whole pages for anonymous readers: cached, shared, invalidated by any content write, never
for readers with a session (progress set or logged in)."""

import pytest

from wiki.services import save_revision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NLMG_ANONYMOUS_CACHE_SECONDS = 60


def make_article(author, body="Plain text."):
    return save_revision(
        article=None,
        author=author,
        content={
            "title": "Norfolk",
            "kind": "place",
            "lead": "England's lost corner.",
            "body": body,
        },
    ).article


def test_anonymous_page_is_cached_and_public(client, member):
    article = make_article(member)
    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "public" in second["Cache-Control"] and "max-age=60" in second["Cache-Control"]
    assert "Cookie" in second["Vary"]
    assert "csrfmiddlewaretoken" not in second.content.decode()


def test_an_edit_makes_the_cached_page_stale(client, member):
    article = make_article(member)
    client.get(article.get_absolute_url())
    save_revision(
        article=article,
        author=member,
        content={**article.current_revision.content(), "body": "The tape was found here."},
    )
    response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "The tape was found here." in response.content.decode()


def test_reader_with_progress_gets_a_private_uncached_page(client, member):
    article = make_article(member, body=">![novel:15] They find the tape!<")
    client.get(article.get_absolute_url())
    client.post("/progress/", {"novel": "23", "film": "0", "drama": "0"})
    response = client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert 'class="spoiler-reached"' in response.content.decode()


def test_member_pages_are_never_cached(client, member):
    article = make_article(member)
    client.force_login(member)
    client.get(article.get_absolute_url())
    response = client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert member.username in response.content.decode()


def test_progress_picker_refuses_cross_site_posts(client):
    response = client.post("/progress/", {"everything": "1"}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    response = client.post("/progress/", {"everything": "1"}, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    response = client.post(
        "/progress/", {"everything": "1"}, HTTP_ORIGIN="http://testserver", follow=True
    )
    assert response.status_code == 200
    assert "Finished everything" in response.content.decode()


def test_article_content_is_shared_by_readers_at_the_same_progress_and_refreshed_on_edit(
    client, member, other_member, settings
):
    settings.NLMG_FRAGMENT_CACHE_SECONDS = 300
    article = make_article(
        member, body="Ruth waits. >![novel:19 film:completion] Ruth completes.!<"
    )
    client.force_login(member)
    first = client.get(article.get_absolute_url()).content.decode()
    assert '<details class="spoiler' in first

    other = client.__class__()
    other.force_login(other_member)
    assert '<details class="spoiler' in other.get(article.get_absolute_url()).content.decode()

    other.post("/progress/", {"everything": "1"})
    reached = other.get(article.get_absolute_url()).content.decode()
    assert '<details class="spoiler' not in reached
    assert "Ruth completes." in reached

    save_revision(
        article=article,
        author=member,
        content={**article.current_revision.content(), "body": "Ruth waits by the boat."},
    )
    assert "Ruth waits by the boat." in client.get(article.get_absolute_url()).content.decode()
