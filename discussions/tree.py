"""Turning a page of posts (in path order) into a flat list the template walks once."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nlmg.spoilers.markup import gate
from nlmg.spoilers.scope import Catalogue

MAX_DEPTH = 8  # levels shown on one page before "continue this thread"


@dataclass
class TreeItem:
    post: object
    html: SafeString
    depth: int  # relative to the page
    has_children: bool = False
    continue_link: bool = False
    closes: range = field(default_factory=lambda: range(0))
    liked: bool = False
    past_thread_scope: bool = False
    scope_label: str = ""


def post_html(post, progress, catalogue: Catalogue) -> SafeString:
    """A post's body for this reader; a post scoped as a whole collapses entirely."""
    if post.is_hidden:
        return mark_safe('<p class="removed">Removed by a moderator.</p>')
    if post.is_deleted:
        return mark_safe('<p class="removed">Deleted by its author.</p>')
    body = gate(post.body_html, progress, catalogue=catalogue)
    if post.scope:
        scope = catalogue.parse_stored(post.scope)
        if not scope.is_reached(progress):
            summary = escape(f"Spoiler: {scope.label(catalogue)}")
            body = (
                f'<details class="spoiler" data-nosnippet><summary>{summary}</summary>'
                f'<div class="spoiler-content">{body}</div></details>'
            )
    return mark_safe(body)  # noqa: S308  (stored HTML is sanitised at render time)


def build_items(
    posts,
    *,
    progress,
    catalogue: Catalogue,
    base_depth: int = 0,
    liked_ids=frozenset(),
    thread_scope: str = "",
) -> list[TreeItem]:
    """Posts in path order → items with how many open levels to close after each."""
    thread_scope_obj = catalogue.parse_stored(thread_scope) if thread_scope else None
    items: list[TreeItem] = []
    visible = [p for p in posts if p.depth - base_depth < MAX_DEPTH]
    for index, post in enumerate(visible):
        depth = post.depth - base_depth
        next_depth = visible[index + 1].depth - base_depth if index + 1 < len(visible) else 0
        has_children = next_depth > depth
        past = False
        label = ""
        if post.scope:
            scope = catalogue.parse_stored(post.scope)
            label = scope.label(catalogue)
            past = thread_scope_obj is None or not thread_scope_obj.implies(scope)
        items.append(
            TreeItem(
                post=post,
                html=post_html(post, progress, catalogue),
                depth=depth,
                has_children=has_children,
                continue_link=depth == MAX_DEPTH - 1 and post.child_count > 0,
                closes=range(max(0, depth - next_depth) if not has_children else 0),
                liked=post.pk in liked_ids,
                past_thread_scope=past,
                scope_label=label,
            )
        )
    return items
