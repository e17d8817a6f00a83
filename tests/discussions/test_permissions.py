"""The permission ladder on every discussion write: anonymous, member, author, suspended
member and moderator."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from discussions.models import Follow, Like, Post, Thread
from nlmg.moderation.models import ModerationEvent
from tests.discussions.conftest import logged_in
from tests.factories import make_post

pytestmark = pytest.mark.django_db

NEW_THREAD = {
    "board": "the-novel",
    "title": "A thread from the ladder",
    "body": "Climbing the ladder.",
}

# name: (url template, data); {thread} and {post} are filled in per test.
WRITES = {
    "new-thread": ("/discussions/new/", NEW_THREAD),
    "reply": ("/discussions/t/{thread}/reply/", {"body": "A reply from the ladder."}),
    "edit": ("/discussions/post/{post}/edit/", {"body": "Edited on the ladder."}),
    "delete": ("/discussions/post/{post}/delete/", {}),
    "like": ("/discussions/post/{post}/like/", {"like": "1"}),
    "follow": ("/discussions/t/{thread}/follow/", {"follow": "1"}),
    "moderate-thread": ("/discussions/t/{thread}/moderate/", {"action": "lock"}),
    "moderate-post": (
        "/discussions/post/{post}/moderate/",
        {"action": "set_scope", "value": "novel:12"},
    ),
}
FORMS = {
    "new-thread-form": "/discussions/new/",
    "reply-form": "/discussions/t/{thread}/reply/",
    "edit-form": "/discussions/post/{post}/edit/",
}

ALLOWED, FORBIDDEN = 302, 403
SIDE_EFFECTS = {"reply": {"follow"}}  # replying follows the thread
LADDER = {
    # role: the writes it may do; every other write is 403.
    "member": {"new-thread", "reply", "like", "follow"},
    "author": {"new-thread", "reply", "edit", "delete", "follow"},
    "moderator": {"new-thread", "reply", "like", "follow", "moderate-thread", "moderate-post"},
}


@pytest.fixture
def scene(thread, other_member):
    """A thread and a reply in it, both by ``other_member`` (the "author" role)."""
    Thread.objects.filter(pk=thread.pk).update(author=other_member)
    post = make_post(thread=thread, author=other_member, body="The ladder's first rung.")
    Follow.objects.filter(user=other_member).delete()
    return thread, post


def send(client, name, thread, post):
    url, data = WRITES[name]
    return client.post(url.format(thread=thread.pk, post=post.pk), data)


def snapshot(thread, post, user):
    """Everything a write in WRITES could change."""
    thread.refresh_from_db()
    post.refresh_from_db()
    return {
        "new-thread": Thread.objects.filter(title=NEW_THREAD["title"]).exists(),
        "reply": Post.objects.filter(body="A reply from the ladder.").exists(),
        "edit": post.body == "Edited on the ladder.",
        "delete": post.is_deleted,
        "like": post.like_count == 1 and Like.objects.filter(post=post, user=user).exists(),
        "follow": Follow.objects.filter(thread=thread, user=user).exists(),
        "moderate-thread": thread.is_locked
        and ModerationEvent.objects.filter(
            action="lock", content_type=ContentType.objects.get_for_model(Thread)
        ).exists(),
        "moderate-post": post.scope == "novel:12"
        and ModerationEvent.objects.filter(
            action="set_scope", content_type=ContentType.objects.get_for_model(Post)
        ).exists(),
    }


def client_for(role, request):
    user = {
        "member": "member",
        "author": "other_member",
        "moderator": "moderator",
        "suspended": "suspended_member",
    }[role]
    user = request.getfixturevalue(user)
    return logged_in(user), user


@pytest.mark.parametrize("name", list(WRITES))
def test_anonymous_reader_is_sent_to_log_in_and_nothing_changes(client, scene, member, name):
    thread, post = scene
    before = snapshot(thread, post, member)

    response = send(client, name, thread, post)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/discussions/")
    assert snapshot(thread, post, member) == before


@pytest.mark.parametrize("name", list(FORMS))
def test_anonymous_reader_is_sent_to_log_in_from_every_form(client, scene, name):
    thread, post = scene

    response = client.get(FORMS[name].format(thread=thread.pk, post=post.pk))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/discussions/")


@pytest.mark.parametrize("role", list(LADDER))
@pytest.mark.parametrize("name", list(WRITES))
def test_each_role_may_do_exactly_its_writes(request, scene, role, name):
    thread, post = scene
    client, user = client_for(role, request)
    before = snapshot(thread, post, user)
    allowed = name in LADDER[role]

    response = send(client, name, thread, post)

    assert response.status_code == (ALLOWED if allowed else FORBIDDEN)
    after = snapshot(thread, post, user)
    if allowed:
        changes = {name, *SIDE_EFFECTS.get(name, ())}
        assert after[name] is True
        assert {k: v for k, v in after.items() if k not in changes} == {
            k: v for k, v in before.items() if k not in changes
        }
    else:
        assert after == before


@pytest.mark.parametrize(
    ("role", "allowed"), [("member", False), ("author", True), ("moderator", False)]
)
def test_only_the_author_opens_the_edit_form(request, scene, role, allowed):
    thread, post = scene
    client, _ = client_for(role, request)

    response = client.get(f"/discussions/post/{post.pk}/edit/")

    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert "You can edit only your own posts." in response.content.decode()


def test_another_member_is_told_they_can_delete_only_their_own_posts(other_client, member, thread):
    post = make_post(thread=thread, author=member, body="Mine.")

    response = other_client.post(f"/discussions/post/{post.pk}/delete/")

    assert response.status_code == 403
    assert "You can delete only your own posts." in response.content.decode()


def test_plain_member_is_told_only_moderators_may_moderate(other_client, thread):
    response = other_client.post(f"/discussions/t/{thread.pk}/moderate/", {"action": "pin"})

    assert response.status_code == 403
    assert "Only moderators can do that." in response.content.decode()


def suspension_words(user):
    until = timezone.localtime(user.suspended_until).strftime("%d %B %Y, %H:%M")
    return [f"suspended from posting and editing until {until}", "Shouting in the pavilion."]


@pytest.fixture
def suspended_scene(thread, suspended_member):
    """A thread and a reply by a member suspended since they wrote it."""
    post = make_post(thread=thread, author=suspended_member, body="Written before.")
    Follow.objects.filter(user=suspended_member).delete()
    return thread, post


@pytest.mark.parametrize("name", ["new-thread", "reply", "edit", "delete", "like", "follow"])
def test_suspended_member_is_refused_with_the_reason_and_the_end_of_the_suspension(
    suspended_client, suspended_member, suspended_scene, name
):
    thread, post = suspended_scene
    target = post if name != "like" else make_post(thread=thread, body="Likeable.")
    before = snapshot(thread, target, suspended_member)

    response = send(suspended_client, name, thread, target)

    assert response.status_code == 403
    for words in suspension_words(suspended_member):
        assert words in response.content.decode()
    assert snapshot(thread, target, suspended_member) == before


@pytest.mark.parametrize("name", list(FORMS))
def test_suspended_member_is_refused_every_form_with_the_reason(
    suspended_client, suspended_member, suspended_scene, name
):
    thread, post = suspended_scene

    response = suspended_client.get(FORMS[name].format(thread=thread.pk, post=post.pk))

    assert response.status_code == 403
    for words in suspension_words(suspended_member):
        assert words in response.content.decode()


@pytest.mark.parametrize("name", ["moderate-thread", "moderate-post"])
def test_suspended_member_may_not_moderate(
    suspended_client, suspended_member, suspended_scene, name
):
    thread, post = suspended_scene
    before = snapshot(thread, post, suspended_member)

    response = send(suspended_client, name, thread, post)

    assert response.status_code == 403
    assert snapshot(thread, post, suspended_member) == before


def test_suspended_member_may_still_unfollow_a_thread(suspended_client, suspended_member, thread):
    Follow.objects.create(thread=thread, user=suspended_member)

    response = suspended_client.post(f"/discussions/t/{thread.pk}/follow/", {"follow": "0"})

    assert response.status_code == 302
    assert Follow.objects.filter(user=suspended_member).exists() is False


def test_suspension_that_has_ended_no_longer_refuses(suspended_client, suspended_member, thread):
    suspended_member.suspended_until = timezone.now() - timezone.timedelta(minutes=1)
    suspended_member.save(update_fields=["suspended_until"])

    response = suspended_client.post(f"/discussions/t/{thread.pk}/reply/", {"body": "I'm back."})

    assert response.status_code == 302


def test_moderators_are_the_moderators_group(moderator):
    assert moderator.groups.get().name == "Moderators"
    assert moderator.has_perm("moderation.moderate") is True
