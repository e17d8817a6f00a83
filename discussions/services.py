"""Writes that span the discussion tables: starting threads, replying, editing, likes."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from nlmg.moderation.models import ModerationEvent
from nlmg.moderation.services import ModerationError, moderator_action
from nlmg.spoilers.markup.wrap import wrap_in_spoiler
from nlmg.spoilers.publishing import (
    ContentError,
    Draft,
    check_title,
    confirm_lint,
    record_lint_report,
)

from . import permissions
from .models import Board, Follow, Like, Post, PostEdit, Thread, path_segment
from .tasks import deliver_notifications

logger = logging.getLogger(__name__)
MAX_POST_CHARS = 50_000


class ThreadLocked(Exception):
    """Replies or edits are refused: the thread is locked or removed, or the post replied to
    is; the message says which."""


def render_post(
    body: str, scope: str, *, lint_acknowledged: bool, thread_scope: str = ""
) -> tuple[str, str, list]:
    """(html, canonical scope, lint warnings) or ContentError listing every problem.

    Everything in a thread carries the thread's scope, so terms it covers are not warned of.
    """
    draft = Draft()
    canonical = draft.scope("scope", scope)
    if not body.strip():
        draft.add_error("body", "write something first.")
    result = draft.render("body", body, max_chars=MAX_POST_CHARS)
    draft.check()
    warnings = draft.lint(within=[canonical, thread_scope])
    confirm_lint(warnings, acknowledged=lint_acknowledged)
    return result.html, canonical, warnings


@transaction.atomic
def start_thread(
    *,
    board: Board,
    author,
    title: str,
    body: str,
    scope: str = "",
    tags: list[str] | None = None,
    articles=(),
    lint_acknowledged: bool = False,
) -> Thread:
    """Create a thread with its opening post; the author follows it."""
    title = " ".join(title.split())
    if not title:
        raise ContentError({"title": ["every thread needs a title."]})
    check_title(title)
    html, canonical, warnings = render_post(body, scope, lint_acknowledged=lint_acknowledged)
    now = timezone.now()
    thread = Thread.objects.create(
        board=board,
        title=title[:200],
        author=author,
        author_name=author.username,
        scope=canonical,
        last_activity_at=now,
    )
    post = Post.objects.create(
        thread=thread,
        path=path_segment(0),
        depth=0,
        is_opening=True,
        author=author,
        author_name=author.username,
        body=body,
        body_html=html,
        scope=canonical,
    )
    Post.objects.filter(pk=post.pk).update(root=post)
    thread.opening_post = post
    thread.save(update_fields=["opening_post", "slug"])
    if tags:
        thread.tags.set(tags)
    if articles:
        thread.articles.set(articles)
    Board.objects.filter(pk=board.pk).update(
        thread_count=F("thread_count") + 1, last_activity_at=now
    )
    # One INSERT ... ON CONFLICT DO NOTHING: an author follows what they reply to.
    Follow.objects.bulk_create([Follow(thread=thread, user=author)], ignore_conflicts=True)
    record_lint_report(post, warnings, author)
    return thread


@transaction.atomic
def reply_to_thread(
    *,
    thread: Thread,
    author,
    body: str,
    parent: Post | None = None,
    scope: str = "",
    lint_acknowledged: bool = False,
) -> Post:
    """Add a reply (to the thread, or to ``parent``) and notify followers.

    Locks the thread row (and the parent post), so concurrent replies get distinct paths and
    exact counters. Raises ThreadLocked for a locked thread, PostError for invalid content.
    """
    html, canonical, warnings = render_post(
        body, scope, lint_acknowledged=lint_acknowledged, thread_scope=thread.scope
    )
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.is_locked:
        raise ThreadLocked("This thread is locked: it takes no new replies.")
    if thread.is_hidden:
        raise ThreadLocked("This thread was removed by a moderator.")
    now = timezone.now()
    if parent is None or parent.is_opening:
        thread.top_level_count = F("top_level_count") + 1
        thread.reply_count = F("reply_count") + 1
        thread.last_activity_at = now
        thread.save(update_fields=["top_level_count", "reply_count", "last_activity_at"])
        thread.refresh_from_db(fields=["top_level_count", "reply_count"])
        path, depth, root_id, parent_id = path_segment(thread.top_level_count), 0, None, None
    else:
        parent = Post.objects.select_for_update().get(pk=parent.pk, thread=thread)
        if closed := permissions.reply_closed(thread, parent):
            raise ThreadLocked(closed)
        Post.objects.filter(pk=parent.pk).update(
            child_count=F("child_count") + 1, reply_count=F("reply_count") + 1
        )
        parent.refresh_from_db(fields=["child_count"])
        path = parent.path + path_segment(parent.child_count)
        depth, root_id, parent_id = parent.depth + 1, parent.root_id, parent.pk
        Thread.objects.filter(pk=thread.pk).update(
            reply_count=F("reply_count") + 1, last_activity_at=now
        )
    post = Post.objects.create(
        thread=thread,
        parent_id=parent_id,
        root_id=root_id,
        path=path,
        depth=depth,
        author=author,
        author_name=author.username,
        body=body,
        body_html=html,
        scope=canonical,
    )
    if root_id is None:
        Post.objects.filter(pk=post.pk).update(root=post)
        post.root_id = post.pk
    Board.objects.filter(pk=thread.board_id).update(last_activity_at=now)
    # One INSERT ... ON CONFLICT DO NOTHING: an author follows what they reply to.
    Follow.objects.bulk_create([Follow(thread=thread, user=author)], ignore_conflicts=True)
    record_lint_report(post, warnings, author)
    _notify(post, parent)
    return post


def _notify(post: Post, parent: Post | None) -> None:
    """Queue the notifications of a reply (discussions.tasks.deliver_notifications): one row,
    written in the reply's transaction, so the work of the request is the same for ten
    followers or ten thousand, and the notifications exist exactly when the reply does.

    Runs in a savepoint: a failure here is logged and never fails the reply itself.
    """

    parent_author_id = parent.author_id if parent is not None else None
    try:
        with transaction.atomic():
            deliver_notifications.enqueue(post.pk, parent_author_id)
    except Exception:  # a notification must never cost a member their post
        logger.exception("queueing the notifications of post %s failed", post.pk)


@transaction.atomic
def edit_post(
    *, post: Post, editor, body: str, scope: str = "", lint_acknowledged: bool = False
) -> Post:
    """Replace a post's text, keeping the previous version in its edit history."""
    thread_scope = "" if post.is_opening else post.thread.scope
    html, canonical, warnings = render_post(
        body, scope, lint_acknowledged=lint_acknowledged, thread_scope=thread_scope
    )
    post = Post.objects.select_for_update().get(pk=post.pk)
    if closed := permissions.edit_closed(Thread.objects.get(pk=post.thread_id)):
        raise ThreadLocked(closed)
    PostEdit.objects.create(
        post=post,
        body=post.body,
        body_html=post.body_html,
        scope=post.scope,
        edited_by=editor,
        edited_by_name=editor.username,
    )
    post.body, post.body_html, post.scope = body, html, canonical
    post.edited_at = timezone.now()
    post.edit_count = F("edit_count") + 1
    post.save(update_fields=["body", "body_html", "scope", "edited_at", "edit_count"])
    post.refresh_from_db(fields=["edit_count"])
    if post.is_opening:
        Thread.objects.filter(pk=post.thread_id).update(scope=canonical)
    record_lint_report(post, warnings, editor)
    return post


def delete_post(*, post: Post) -> bool:
    """Soft delete by its author: the tree stays, "deleted" shows in its place."""
    return bool(Post.objects.filter(pk=post.pk, is_deleted=False).update(is_deleted=True))


def like_post(*, post: Post, user) -> bool:
    """Idempotent like: returns False when already liked."""
    with transaction.atomic():
        _, created = Like.objects.get_or_create(post=post, user=user)
        if created:
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
        return created


def unlike_post(*, post: Post, user) -> bool:
    with transaction.atomic():
        deleted, _ = Like.objects.filter(post=post, user=user).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") - 1)
        return bool(deleted)


def set_following(*, thread: Thread, user, follow: bool) -> None:
    if follow:
        Follow.objects.get_or_create(thread=thread, user=user)
    else:
        Follow.objects.filter(thread=thread, user=user).delete()


def quote_text(post: Post) -> str:
    """Markdown quoting a post; a scoped post's quote keeps its scope as a spoiler block."""
    quoted = "\n".join(f"> {line}" if line else ">" for line in post.body.strip().split("\n"))
    header = f"> **{post.author_name}** wrote:\n>\n"
    if post.scope:
        return f"::: spoiler {post.scope}\n{header}{quoted}\n:::\n\n"
    return f"{header}{quoted}\n\n"


# --- moderator actions on threads and posts (logged; see nlmg.moderation.services) ----------


@moderator_action(ModerationEvent.Action.LOCK)
def lock_thread(thread: Thread, *, moderator, reason) -> bool:
    return thread.set_locked(True)


@moderator_action(ModerationEvent.Action.UNLOCK)
def unlock_thread(thread: Thread, *, moderator, reason) -> bool:
    return thread.set_locked(False)


@moderator_action(ModerationEvent.Action.PIN)
def pin_thread(thread: Thread, *, moderator, reason) -> bool:
    return thread.set_pinned(True)


@moderator_action(ModerationEvent.Action.UNPIN)
def unpin_thread(thread: Thread, *, moderator, reason) -> bool:
    return thread.set_pinned(False)


@moderator_action(ModerationEvent.Action.MOVE)
def move_thread(thread: Thread, *, moderator, reason, board: str) -> bool:
    """Move a thread to the board with slug ``board``."""
    target = Board.objects.filter(slug=board).first()
    if target is None:
        raise ModerationError(f"There is no board “{board}”.")
    return thread.move_to(target)


@moderator_action(ModerationEvent.Action.RETITLE)
def retitle_thread(thread: Thread, *, moderator, reason, title: str) -> bool:
    """A new title, checked like any title (ContentError when it gives something away)."""
    return thread.retitle(title)


@moderator_action(ModerationEvent.Action.WRAP)
def wrap_post_spoiler(post: Post, *, moderator, reason, term: str, scope: str, sentence="") -> bool:
    """Put the sentence of a post that uses ``term`` in a spoiler of ``scope``: a new version
    of the post by the moderator (the author's text stays in the post's history)."""
    body = wrap_in_spoiler(post.body, term=term, scope=scope, sentence=sentence)
    if body is None:
        return False
    edit_post(post=post, editor=moderator, body=body, scope=post.scope, lint_acknowledged=True)
    post.refresh_from_db()
    return True
