"""A deleted article is gone for readers everywhere: its history, revisions, diffs and "What
links here" answer as the article does (the deleted page, 404), while moderators who may
delete and restore articles still read them."""

import pytest
from django.contrib.auth.models import Group

from tests.factories import edit_article, make_article, make_user
from wiki.models import Article

pytestmark = pytest.mark.django_db

SECRET = "The pond hides a sentence only the article held."


@pytest.fixture
def deleting_moderator(db):
    user = make_user(username="lucy")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def deleted(deleting_moderator, client):
    article = make_article(title="Hailsham", body=f"{SECRET}\n")
    edit_article(article, body=f"{SECRET}\n\nA second paragraph.\n", summary="More")
    make_article(title="Norfolk", body="Norfolk links to [[Hailsham]].\n")
    client.force_login(deleting_moderator)
    response = client.post("/wiki/hailsham/delete/", {"delete": "1", "reason": "Spam."})
    assert response.status_code == 302
    client.logout()
    article = Article.objects.get(pk=article.pk)
    assert article.is_deleted is True
    return article


def pages(article):
    first, second = article.revisions.order_by("number")
    return [
        "/wiki/hailsham/",
        "/wiki/hailsham/history/",
        "/wiki/hailsham/revisions/1/",
        "/wiki/hailsham/revisions/2/",
        f"/wiki/hailsham/diff/?from={first.pk}&to={second.pk}",
        "/wiki/hailsham/links/",
    ]


@pytest.mark.parametrize("who", ["anonymous", "member", "moderator without delete"])
def test_no_page_of_a_deleted_article_shows_its_text_to_readers(client, deleted, who):
    if who == "member":
        client.force_login(make_user(username="kathy"))
    elif who == "moderator without delete":
        from tests.factories import grant_perms

        client.force_login(grant_perms(make_user(username="emily"), "wiki.protect_article"))
    for url in pages(deleted):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 404, url
        assert "This article was deleted" in page, url
        assert SECRET not in page and "second paragraph" not in page, url
        assert "Norfolk" not in page, url  # nor what links to it


def test_moderators_who_may_delete_still_read_a_deleted_articles_history(
    client, deleted, deleting_moderator
):
    client.force_login(deleting_moderator)
    for url in pages(deleted)[1:]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert SECRET in client.get("/wiki/hailsham/revisions/1/").content.decode()
    assert "Norfolk" in client.get("/wiki/hailsham/links/").content.decode()
    restore = client.get("/wiki/hailsham/")
    assert restore.status_code == 404 and "Restore" in restore.content.decode()
