"""Moderation fixtures: a moderator (in the Moderators group), an admin, the content they act on,
and helpers for acting through HTTP."""

import pytest
from django.test import Client

from nlmg.moderation.models import ModerationEvent
from tests.factories import (
    edit_article,
    make_article,
    make_board_thread,
    make_thread_reply,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The spoiler catalogue is cached; each test starts from the database."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin(admin_user):
    """A superuser (staff): the only role that may ban or use the Django admin."""
    return admin_user


@pytest.fixture
def client_for():
    """``client_for(user)``: a fresh client logged in as ``user`` (anonymous for None)."""

    def make(user=None, **defaults):
        client = Client(**defaults)
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def superuser_client(client_for, admin):
    return client_for(admin)


@pytest.fixture
def thread(member):
    """A thread by the member, with a reply by the member and a reply to that by another."""
    return make_board_thread(author=member, title="The gallery at Hailsham")


@pytest.fixture
def reply(thread, member):
    return make_thread_reply(thread, author=member, body="Madame never explained the gallery.\n")


@pytest.fixture
def nested_reply(thread, reply, other_member):
    return make_thread_reply(
        thread, author=other_member, parent=reply, body="Miss Emily explains it later.\n"
    )


@pytest.fixture
def article(db, member, other_member):
    """An article with two revisions: the first by the member, the second by another member."""
    article = make_article(
        title="Hailsham", author=member, body="Hailsham is a school in East Sussex.\n"
    )
    edit_article(
        article,
        author=other_member,
        body="Hailsham is a school in East Sussex.\n\nVandalism here.\n",
        summary="Added a line",
    )
    article.refresh_from_db()
    return article


@pytest.fixture
def content_type_of():
    """``content_type_of(obj)``: the ContentType primary key the queue forms post."""
    from django.contrib.contenttypes.models import ContentType

    return lambda obj: ContentType.objects.get_for_model(obj).pk


@pytest.fixture
def act(content_type_of):
    """``act(client, target, action, reason=..., days=...)``: POST /moderation/act/."""

    def post(client, target, action, *, reason="", days=None, follow=False, **extra):
        data = {
            "content_type": content_type_of(target),
            "object_id": target.pk,
            "action": action,
            "reason": reason,
            **extra,
        }
        if days is not None:
            data["days"] = days
        return client.post("/moderation/act/", data, follow=follow)

    return post


@pytest.fixture
def flag(client_for):
    """``flag(user, key, target, reason="spam", note="")``: POST /moderation/flag/."""

    def post(user, key, target, *, reason="spam", note=""):
        return client_for(user).post(
            f"/moderation/flag/?{key}={target.pk}", {"reason": reason, "note": note}
        )

    return post


@pytest.fixture
def last_event():
    def latest(**filters):
        return ModerationEvent.objects.filter(**filters).order_by("-pk").first()

    return latest
