"""Writes that span the discussion tables: starting threads, replying, editing, likes."""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from nlmg.spoilers.markup import extract_segments, render
from nlmg.spoilers.markup.lint import LintWarning, lint_segments
from nlmg.spoilers.models import LintReport
from nlmg.spoilers.scope import Catalogue, ScopeError

from .models import Board, Follow, Like, Post, PostEdit, Thread, path_segment

logger = logging.getLogger(__name__)
MAX_POST_CHARS = 50_000


class PostError(Exception):
    """The post cannot be published; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]], warnings: list[LintWarning] | None = None):
        super().__init__("; ".join(e for errs in errors.values() for e in errs))
        self.errors = errors
        self.warnings = warnings or []


class ThreadLocked(Exception):
    """Replies are refused: the thread is locked."""


def render_post(body: str, scope: str, *, lint_acknowledged: bool) -> tuple[str, str, list]:
    """(html, canonical scope, lint warnings) or PostError listing every problem."""
    catalogue = Catalogue.current()
    errors: dict[str, list[str]] = {}
    canonical = ""
    if scope.strip():
        try:
            canonical = catalogue.parse(scope).to_string(catalogue)
        except ScopeError as exc:
            errors["scope"] = [str(exc)]
    if not body.strip():
        errors["body"] = ["write something first."]
    result = render(body, catalogue=catalogue, max_chars=MAX_POST_CHARS)
    if result.errors:
        errors.setdefault("body", []).extend(str(e) for e in result.errors)
    if errors:
        raise PostError(errors)
    warnings = []
    if not canonical:  # a post scoped as a whole is covered by its own scope
        warnings = lint_segments(extract_segments(result.html), catalogue)
    elif (post_scope := catalogue.parse(canonical)) is not None:
        warnings = [
            w
            for w in lint_segments(extract_segments(result.html), catalogue)
            if not post_scope.implies(catalogue.parse(w.scope))
        ]
    if warnings and not lint_acknowledged:
        raise PostError({"body": [f"{w.message} “{w.sentence}”" for w in warnings[:10]]}, warnings)
    return result.html, canonical, warnings


def _record_lint(post: Post, warnings: list[LintWarning], author) -> None:
    if warnings:
        LintReport.objects.create(
            content_type=ContentType.objects.get_for_model(Post),
            object_id=post.pk,
            author=author,
            terms=[{"term": w.term, "scope": w.scope, "sentence": w.sentence} for w in warnings],
        )


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
        raise PostError({"title": ["every thread needs a title."]})
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
    _record_lint(post, warnings, author)
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
    html, canonical, warnings = render_post(body, scope, lint_acknowledged=lint_acknowledged)
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
    _record_lint(post, warnings, author)
    _notify(post, parent)
    return post


def _notify(post: Post, parent: Post | None) -> None:
    """Queue the notifications of a reply (discussions.tasks.deliver_notifications): one row,
    written in the reply's transaction, so the work of the request is the same for ten
    followers or ten thousand, and the notifications exist exactly when the reply does.

    Runs in a savepoint: a failure here is logged and never fails the reply itself.
    """
    from .tasks import deliver_notifications

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
    html, canonical, warnings = render_post(body, scope, lint_acknowledged=lint_acknowledged)
    post = Post.objects.select_for_update().get(pk=post.pk)
    PostEdit.objects.create(
        post=post,
        body=post.body,
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
    _record_lint(post, warnings, editor)
    return post


def delete_post(*, post: Post) -> bool:
    """Soft delete by its author: the tree stays, "deleted" shows in its place."""
    return bool(Post.objects.filter(pk=post.pk, is_deleted=False).update(is_deleted=True))


def toggle_like(*, post: Post, user) -> bool:
    """Like or unlike; returns True when the post is now liked. Double clicks count once."""
    with transaction.atomic():
        deleted, _ = Like.objects.filter(post=post, user=user).delete()
        if deleted:
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") - 1)
            return False
        try:
            with transaction.atomic():
                Like.objects.create(post=post, user=user)
        except IntegrityError:
            return True  # a concurrent click already liked it
        Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
        return True


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
