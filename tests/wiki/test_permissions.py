"""Who may write to the wiki: the permission ladder on every write URL, and protection."""

import pytest
from django.test import Client

from tests.factories import edit_article, make_article
from wiki.models import Article

pytestmark = pytest.mark.django_db

PROTECTED_REFUSAL = "This article is protected: only moderators can edit it."


@pytest.fixture
def article(db):
    article = make_article(title="Hailsham", body="Alpha one.\n\nBravo two.\n")
    edit_article(article, body="Alpha one.\n\nBravo changed.\n")
    article.refresh_from_db()
    return article


def edit_data(article, **changes):
    revision = article.current_revision
    data = {
        "title": revision.title,
        "kind": revision.kind_key,
        "lead": revision.lead,
        "body": revision.body,
        "tags": revision.tags,
        "scope": revision.scope,
        "summary": "Ladder edit",
        "base_revision": str(revision.pk),
        "save": "1",
    }
    data.update(changes)
    return data


NEW_ARTICLE = {
    "title": "Norfolk",
    "kind": "place",
    "lead": "Norfolk is a county in the east of England.",
    "body": "A long drive from the Cottages.\n",
    "save": "1",
}

# (method, url, data): every URL that writes, with what a member would send.
WRITE_REQUESTS = {
    "create-form": ("get", "/wiki/new/", None),
    "create": ("post", "/wiki/new/", "new"),
    "edit-form": ("get", "/wiki/hailsham/edit/", None),
    "edit": ("post", "/wiki/hailsham/edit/", "edit"),
    "undo": ("post", "/wiki/hailsham/revisions/2/undo/", {}),
    "revert": ("post", "/wiki/hailsham/revisions/1/revert/", {}),
    "protect": ("post", "/wiki/hailsham/protect/", {"protect": "1"}),
}


def send(client, article, name):
    method, url, data = WRITE_REQUESTS[name]
    if data == "new":
        data = NEW_ARTICLE
    elif data == "edit":
        article.refresh_from_db()
        data = edit_data(article, body="Alpha one.\n\nBravo changed.\n\nCharlie added.\n")
    return getattr(client, method)(url, data) if data is not None else client.get(url)


@pytest.mark.parametrize("name", list(WRITE_REQUESTS))
def test_anonymous_reader_is_sent_to_log_in_on_every_write_url(client, article, name):
    response = send(client, article, name)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    article.refresh_from_db()
    assert article.revision_count == 2
    assert article.is_protected is False
    assert Article.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("create-form", 200),
        ("create", 302),
        ("edit-form", 200),
        ("edit", 302),
        ("undo", 302),
        ("revert", 302),
    ],
)
def test_member_may_create_edit_undo_and_revert(member_client, article, name, status):
    before = Article.objects.count(), article.revision_count

    response = send(member_client, article, name)

    assert response.status_code == status
    article.refresh_from_db()
    if name == "create":
        assert Article.objects.count() == before[0] + 1
    elif response.request["REQUEST_METHOD"] == "POST":
        assert article.revision_count == before[1] + 1


def test_member_is_refused_protecting_an_article_with_403(member_client, article):
    response = send(member_client, article, "protect")

    assert response.status_code == 403
    assert "Only moderators can protect articles." in response.content.decode()
    article.refresh_from_db()
    assert article.is_protected is False


@pytest.mark.parametrize("name", list(WRITE_REQUESTS))
def test_staff_superuser_may_use_every_write_url(staff_client, article, name):
    response = send(staff_client, article, name)

    assert response.status_code in (200, 302)
    assert not response.headers.get("Location", "").startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["undo", "revert"])
def test_undo_and_revert_refuse_get(member_client, article, name):
    _, url, _ = WRITE_REQUESTS[name]

    assert member_client.get(url).status_code == 405


def test_moderator_protects_an_article(moderator_client, article):
    response = moderator_client.post("/wiki/hailsham/protect/", {"protect": "1"}, follow=True)

    assert response.status_code == 200
    assert "Article protected." in response.content.decode()
    article.refresh_from_db()
    assert article.is_protected is True


def test_moderator_unprotects_an_article(moderator_client, article):
    Article.objects.filter(pk=article.pk).update(is_protected=True)

    response = moderator_client.post("/wiki/hailsham/protect/", {"protect": "0"}, follow=True)

    assert "Article unprotected." in response.content.decode()
    article.refresh_from_db()
    assert article.is_protected is False


def test_protect_button_is_shown_to_moderators_only(client, member_client, moderator_client):
    make_article(title="Hailsham")

    assert "Protect this article" in moderator_client.get("/wiki/hailsham/").content.decode()
    assert "Protect this article" not in member_client.get("/wiki/hailsham/").content.decode()
    assert "Protect this article" not in client.get("/wiki/hailsham/").content.decode()


@pytest.mark.parametrize("name", ["edit-form", "edit", "undo", "revert"])
def test_member_is_refused_with_403_on_a_protected_article(member_client, article, name):
    Article.objects.filter(pk=article.pk).update(is_protected=True)

    response = send(member_client, article, name)

    assert response.status_code == 403
    assert PROTECTED_REFUSAL in response.content.decode()
    article.refresh_from_db()
    assert article.revision_count == 2


def test_moderator_may_edit_a_protected_article(moderator_client, moderator, article):
    Article.objects.filter(pk=article.pk).update(is_protected=True)
    article.refresh_from_db()

    assert moderator_client.get("/wiki/hailsham/edit/").status_code == 200
    response = moderator_client.post(
        "/wiki/hailsham/edit/", edit_data(article, body="Moderated text.\n")
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.revision_count == 3
    assert article.current_revision.body == "Moderated text.\n"
    assert article.current_revision.author == moderator


def test_member_without_permission_cannot_edit_protected_article_even_after_login(
    member, password, article
):
    Article.objects.filter(pk=article.pk).update(is_protected=True)
    client = Client()
    client.post("/accounts/login/", {"username": member.username, "password": password})

    assert client.get("/wiki/hailsham/edit/").status_code == 403
