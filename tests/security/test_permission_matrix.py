"""The site's permission matrix: every write URL of the URLconf, tried by every role.

Roles: an anonymous reader, the member who wrote the content acted on ("member"), another
member, a suspended member, a moderator (the Moderators group) and an admin (a superuser).
Outcomes:

- ``OK``: 2xx or 3xx (not to the log-in page), and the effect happened;
- ``NOOP``: 2xx or 3xx, and nothing changed (e.g. acknowledging someone else's warning);
- ``LOGIN``: anonymous readers are sent to the log-in page, nothing changed;
- ``NO``: 403, nothing changed.

``test_every_write_url_is_in_the_matrix`` lists the URLconf, so a new write URL cannot be
added without a row here.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from discussions.models import Follow, Like, Notification, Post, Thread
from discussions.services import pin_thread
from nlmg.moderation.models import Flag, ModerationEvent, Warning
from tests.factories import (
    edit_article,
    make_article,
    make_board_thread,
    make_thread_reply,
    make_user,
)
from tests.security.conftest import logged_in
from wiki.models import Article

pytestmark = pytest.mark.django_db

User = get_user_model()
ROLES = ["anonymous", "member", "other", "suspended", "moderator", "admin"]
OK, NOOP, LOGIN, NO = "ok", "noop", "login", "403"
NEW_PASSWORD = "norfolk-lost-corner-77"


def expect(anonymous=LOGIN, member=OK, other=OK, suspended=NO, moderator=OK, admin=OK):
    return dict(anonymous=anonymous, member=member, other=other, suspended=suspended,
                moderator=moderator, admin=admin)  # fmt: skip


CONTRIBUTORS = expect()  # every member who may write, whatever their role
AUTHOR_ONLY = expect(other=NO, moderator=NO, admin=NO)
MODERATORS = expect(member=NO, other=NO)
ANY_MEMBER = expect(suspended=OK)  # reading-like actions a suspension does not stop


def tiny_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


# name: (url name, method, url, data, probe(world, user) -> state, expected outcome per role)
MATRIX = {
    "wiki create": (
        "wiki:article-create", "post", "/wiki/new/",
        {"title": "Norfolk", "kind": "place", "lead": "A county.", "body": "The lost corner.",
         "save": "1"},
        lambda w, u: Article.objects.filter(title="Norfolk").exists(),
        CONTRIBUTORS,
    ),
    "wiki edit": (
        "wiki:article-edit", "post", "/wiki/hailsham/edit/",
        {"title": "Hailsham", "kind": "place", "lead": "A school.", "body": "Edited.",
         "save": "1"},
        lambda w, u: w["article"].revisions.count(),
        CONTRIBUTORS,
    ),
    "wiki undo": (
        "wiki:revision-undo", "post", "/wiki/hailsham/revisions/2/undo/", {},
        lambda w, u: w["article"].revisions.count(),
        CONTRIBUTORS,
    ),
    "wiki revert": (
        "wiki:revision-revert", "post", "/wiki/hailsham/revisions/1/revert/", {},
        lambda w, u: w["article"].revisions.count(),
        CONTRIBUTORS,
    ),
    "wiki protect": (
        "wiki:article-protect", "post", "/wiki/hailsham/protect/", {"protect": "1"},
        lambda w, u: Article.objects.get(pk=w["article"].pk).is_protected,
        MODERATORS,
    ),
    "wiki feature": (
        "wiki:article-feature", "post", "/wiki/hailsham/feature/", {"feature": "1"},
        lambda w, u: Article.objects.get(pk=w["article"].pk).is_featured,
        MODERATORS,
    ),
    "wiki delete": (
        "wiki:article-delete", "post", "/wiki/hailsham/delete/", {"delete": "1"},
        lambda w, u: Article.objects.get(pk=w["article"].pk).is_deleted,
        MODERATORS,
    ),
    "thread new": (
        "discussions:thread-create", "post", "/discussions/new/",
        {"board": "the-novel", "title": "Matrix thread", "body": "Hello."},
        lambda w, u: Thread.objects.filter(title="Matrix thread").exists(),
        CONTRIBUTORS,
    ),
    "reply": (
        "discussions:reply", "post", "/discussions/t/{thread}/reply/", {"body": "A reply."},
        lambda w, u: Post.objects.filter(body="A reply.").count(),
        CONTRIBUTORS,
    ),
    "post edit": (
        "discussions:post-edit", "post", "/discussions/post/{post}/edit/", {"body": "Edited."},
        lambda w, u: Post.objects.get(pk=w["post"].pk).body,
        AUTHOR_ONLY,
    ),
    "post delete": (
        "discussions:post-delete", "post", "/discussions/post/{post}/delete/", {},
        lambda w, u: Post.objects.get(pk=w["post"].pk).is_deleted,
        AUTHOR_ONLY,
    ),
    "post like": (
        "discussions:post-like", "post", "/discussions/post/{post}/like/", {"like": "1"},
        lambda w, u: Like.objects.filter(post=w["post"]).count(),
        expect(member=NO),  # not one's own post
    ),
    "thread follow": (
        "discussions:thread-follow", "post", "/discussions/t/{thread}/follow/", {"follow": "1"},
        lambda w, u: Follow.objects.filter(thread=w["thread"], user=u).exists(),
        CONTRIBUTORS,
    ),
    "thread unfollow": (
        "discussions:thread-follow", "post", "/discussions/t/{thread}/follow/", {"follow": "0"},
        lambda w, u: Follow.objects.filter(thread=w["thread"], user=u).exists(),
        ANY_MEMBER,  # a suspended member may always stop notifications
    ),
    "thread moderate": (
        "discussions:thread-moderate", "post", "/discussions/t/{thread}/moderate/",
        {"action": "lock", "reason": "Matrix."},
        lambda w, u: Thread.objects.get(pk=w["thread"].pk).is_locked,
        MODERATORS,
    ),
    "post moderate": (
        "discussions:post-moderate", "post", "/discussions/post/{post}/moderate/",
        {"action": "hide", "reason": "Matrix."},
        lambda w, u: Post.objects.get(pk=w["post"].pk).is_hidden,
        MODERATORS,
    ),
    "notifications read": (
        "notifications-read", "post", "/notifications/read/", {},
        lambda w, u: Notification.objects.filter(recipient=u, is_read=False).count(),
        ANY_MEMBER,
    ),
    "flag": (
        "moderation:flag", "post", "/moderation/flag/?post={post}", {"reason": "spam"},
        lambda w, u: Flag.objects.filter(reporter=u).count(),
        CONTRIBUTORS,
    ),
    "moderation act": (
        "moderation:act", "post", "/moderation/act/",
        {"content_type": "{post_type}", "object_id": "{post}", "action": "hide",
         "reason": "Matrix."},
        lambda w, u: Post.objects.get(pk=w["post"].pk).is_hidden,
        MODERATORS,
    ),
    "moderation member": (
        "moderation:member", "post", "/moderation/members/{target}/",
        {"reason": "Matrix.", "days": "2"},
        lambda w, u: User.objects.get(pk=w["target"].pk).suspended_until is not None,
        MODERATORS,
    ),
    "warning acknowledgement": (
        "moderation:warning-ack", "post", "/moderation/warnings/{warning}/ack/", {},
        lambda w, u: Warning.objects.get(pk=w["warning"].pk).is_acknowledged,
        expect(other=NOOP, suspended=NOOP, moderator=NOOP, admin=NOOP),  # only one's own
    ),
    "moderation undo": (
        "moderation:undo", "post", "/moderation/log/{pin_event}/undo/", {"reason": "undo"},
        lambda w, u: Thread.objects.get(pk=w["thread"].pk).is_pinned,
        MODERATORS,
    ),
    "editor preview": (
        "markdownx_markdownify", "post", "/markdownx/markdownify/", {"content": "*Hailsham*"},
        None,
        ANY_MEMBER,  # reads only; a suspended member may still see what a text looks like
    ),
    "editor wrap": (
        "editor-wrap", "post", "/markdownx/wrap/",
        {"content": "Miss Emily lives in Littlehampton.", "term": "Littlehampton",
         "scope": "novel:22"},
        None,
        ANY_MEMBER,  # returns a text, saves nothing
    ),
    "editor upload": (
        "markdownx_upload", "post", "/markdownx/upload/", {"image": "png"},
        lambda w, u: sum(1 for _ in w["media"].rglob("*.png")),
        CONTRIBUTORS,
    ),
    "progress": (
        "spoilers:progress", "post", "/progress/", {"everything": "1", "next": "/"},
        None,
        expect(anonymous=OK, suspended=OK),  # everyone's own reading progress
    ),
    "profile edit": (
        "accounts:edit-profile", "post", "/accounts/profile/",
        {"display_name": "Changed", "bio": "Changed."},
        lambda w, u: u and User.objects.get(pk=u.pk).display_name,
        CONTRIBUTORS,  # public text: a suspension stops it too
    ),
    "password change": (
        "accounts:password-change", "post", "/accounts/password/change/",
        {"old_password": "{password}", "new_password1": NEW_PASSWORD,
         "new_password2": NEW_PASSWORD},
        lambda w, u: u and User.objects.get(pk=u.pk).check_password(NEW_PASSWORD),
        ANY_MEMBER,  # one's own account stays one's own
    ),
    "logout": (
        "accounts:logout", "post", "/accounts/logout/", {},
        None,
        expect(anonymous=NOOP, suspended=OK),
    ),
}  # fmt: skip

# Write URLs deliberately left out: sign-up, log-in and password reset are for anonymous
# readers (tested in test_csrf_and_redirects.py and tests/accounts); the admin is Django's own.
NOT_IN_MATRIX = {
    "accounts:signup", "accounts:login", "accounts:password-reset",
    "accounts:password-reset-confirm",
}  # fmt: skip
READ_ONLY = {
    "home", "healthz", "search", "search-suggest", "django.contrib.sitemaps.views.sitemap",
    "notifications", "accounts:profile", "accounts:password-change-done",
    "accounts:password-reset-done", "accounts:password-reset-complete", "wiki:index",
    "wiki:recent", "wiki:recent-feed", "wiki:kind", "wiki:tag", "wiki:article",
    "wiki:article-history", "wiki:article-diff", "wiki:article-links", "wiki:article-feed",
    "wiki:revision", "discussions:index", "discussions:thread", "discussions:subtree",
    "discussions:post", "discussions:post-history", "discussions:board", "moderation:queue",
    "moderation:log", "bench-ceiling", "spoilers:spoiler", "media",
}  # fmt: skip


def url_names(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from url_names(entry, f"{prefix}{entry.namespace}:" if entry.namespace else "")
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def test_every_write_url_is_in_the_matrix():
    names = set(url_names())
    covered = {row[0] for row in MATRIX.values()}
    assert names - covered - NOT_IN_MATRIX - READ_ONLY == set()
    assert covered <= names


@pytest.fixture
def world(member, other_member, suspended_member, moderator, admin_user, password, settings,
          tmp_path):  # fmt: skip
    """Content by "member" (a reply, a warning) in a thread started by someone else, an
    article with two revisions, a member to suspend, unread notifications for everyone."""
    settings.MEDIA_ROOT = tmp_path / "media"
    starter = make_user(username="starter")
    target = make_user(username="target")
    article = make_article(title="Hailsham", author=starter)
    edit_article(article, author=starter, body="Hailsham has a pond.\n")
    thread = make_board_thread(author=starter, title="The Sales")
    post = make_thread_reply(thread, author=member, body="I bought a tape.\n")
    users = {
        "anonymous": None,
        "member": member,
        "other": other_member,
        "suspended": suspended_member,
        "moderator": moderator,
        "admin": admin_user,
    }
    for user in users.values():
        if user is not None:
            Follow.objects.get_or_create(thread=thread, user=user)
            Notification.objects.create(
                recipient=user, kind="reply_thread", actor_name="starter", thread=thread, post=post
            )
    Follow.objects.filter(thread=thread).exclude(user__in=[suspended_member]).delete()
    pin_thread(target=thread, moderator=moderator, reason="for the undo row")
    return {
        "users": users,
        "article": article,
        "thread": thread,
        "post": post,
        "target": target,
        "warning": Warning.objects.create(user=member, by_name="lucy", reason="Be kind."),
        "media": tmp_path / "media",
        "ids": {
            "thread": thread.pk,
            "post": post.pk,
            "post_type": ContentType.objects.get_for_model(Post).pk,
            "pin_event": ModerationEvent.objects.get(action="pin").pk,
            "target": target.username,
            "password": password,
        },
    }


def cases():
    for name in MATRIX:
        for role in ROLES:
            yield pytest.param(name, role, id=f"{name}-{role}")


@pytest.mark.parametrize(("name", "role"), list(cases()))
def test_permission_matrix(world, name, role):
    _, method, url, data, probe, outcomes = MATRIX[name]
    expected = outcomes[role]
    user = world["users"][role]
    client = logged_in(user)
    ids = {**world["ids"], "warning": world["warning"].pk}
    url = url.format(**ids)
    data = {k: v.format(**ids) for k, v in data.items()}
    if data.get("image") == "png":
        data["image"] = SimpleUploadedFile("tiny.png", tiny_png(), content_type="image/png")
    if name == "thread unfollow" and user is not None:
        Follow.objects.get_or_create(thread=world["thread"], user=user)
    before = probe(world, user) if probe else None

    response = getattr(client, method)(url, data)

    after = probe(world, user) if probe else None
    status, location = response.status_code, response.get("Location", "")
    if expected == LOGIN:
        assert status == 302 and location.startswith("/accounts/login/?next="), (status, location)
        assert after == before
    elif expected == NO:
        assert status == 403, status
        assert after == before
    else:
        assert 200 <= status < 400, (status, response.content.decode()[:500])
        assert not location.startswith("/accounts/login/")
        if expected == NOOP:
            assert after == before
        elif probe is not None:
            assert after != before, (before, after)
        elif name == "logout":
            assert "_auth_user_id" not in client.session
        elif name == "progress":
            assert status == 302
            if user is not None:
                user.refresh_from_db()
                assert user.reading_progress
        elif name == "editor preview":
            assert "<em>Hailsham</em>" in response.content.decode()


def test_a_suspension_that_has_ended_refuses_nothing(member, db):
    """The suspended role is suspended until a time to come; once past, all is allowed."""
    member.suspended_until = timezone.now() - timedelta(minutes=1)
    member.save(update_fields=["suspended_until"])
    thread = make_board_thread(author=make_user(username="starter"))
    response = logged_in(member).post(f"/discussions/t/{thread.pk}/reply/", {"body": "Back."})
    assert response.status_code == 302
    assert Post.objects.filter(body="Back.").exists()


def test_a_banned_member_is_refused_like_a_suspended_one(member, db):
    member.is_banned = True
    member.save(update_fields=["is_banned"])
    thread = make_board_thread(author=make_user(username="starter"))
    client = logged_in(member)
    for url, data in (
        (f"/discussions/t/{thread.pk}/reply/", {"body": "Back."}),
        ("/discussions/new/", {"board": "the-novel", "title": "T", "body": "B"}),
        ("/accounts/profile/", {"display_name": "X"}),
        ("/wiki/new/", {"title": "X", "kind": "place", "lead": "L", "body": "B", "save": "1"}),
    ):
        assert client.post(url, data).status_code == 403, url
