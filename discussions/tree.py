"""Turning a page of posts (in path order) into a flat list the template walks once."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nlmg.spoilers.publishing import NO_REVEAL, Reveal, fragment_url, gate
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


PATTERN_PK = "987654321"


def fragment_pattern(source: str) -> str:
    """Where a post's spoilers are fetched, with PATTERN_PK for its id (one reverse a page)."""
    return fragment_url(source, int(PATTERN_PK), "body")


def scoped_body(body_html: str, scope: str) -> str:
    """A post's stored HTML with its whole-post scope as one more spoiler around it, so the
    post is withheld, shown on request and nested like any spoiler."""
    if not scope:
        return body_html
    return f'<div class="spoiler" data-scope="{escape(scope)}">{body_html}</div>'


def post_html(
    post,
    progress,
    catalogue: Catalogue,
    *,
    reveal: Reveal = NO_REVEAL,
    source: str = "post",
    namespace: str = "",
    viewer_id: int | None = None,
    fragments: str = "",
) -> SafeString:
    """A post's body for this reader: spoilers they have not reached (the whole post, when
    its scope is past them) are withheld. Members always read their own posts whole.
    ``fragments`` is ``fragment_pattern(source)``, computed once for a page of posts."""
    if post.is_hidden:
        return mark_safe('<p class="removed">Removed by a moderator.</p>')
    if post.is_deleted:
        return mark_safe('<p class="removed">Deleted by its author.</p>')
    if viewer_id is not None and post.author_id == viewer_id:
        progress = catalogue.everything()
    body = gate(
        scoped_body(post.body_html, post.scope),
        progress,
        catalogue=catalogue,
        reveal=reveal,
        namespace=namespace or f"p{post.pk}",
        fragment_url=(fragments or fragment_pattern(source)).replace(PATTERN_PK, str(post.pk)),
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
    reveal: Reveal = NO_REVEAL,
    viewer_id: int | None = None,
) -> list[TreeItem]:
    """Posts in path order → items with how many open levels to close after each."""
    thread_scope_obj = catalogue.parse_stored(thread_scope) if thread_scope else None
    items: list[TreeItem] = []
    fragments = fragment_pattern("post")
    visible = [p for p in posts if p.depth - base_depth < MAX_DEPTH]
    for index, post in enumerate(visible):
        depth = post.depth - base_depth
        next_depth = visible[index + 1].depth - base_depth if index + 1 < len(visible) else 0
        has_children = next_depth > depth
        past = False
        label = ""
        post_reveal = reveal
        if post.scope:
            scope = catalogue.parse_stored(post.scope)
            label = scope.label(catalogue)
            past = thread_scope_obj is None or not thread_scope_obj.implies(scope)
            if not past and reveal.shows("thread"):
                # Asking to see the thread shows what its scope covers.
                post_reveal = reveal.showing(f"p{post.pk}-1")
        items.append(
            TreeItem(
                post=post,
                html=post_html(
                    post,
                    progress,
                    catalogue,
                    reveal=post_reveal,
                    viewer_id=viewer_id,
                    fragments=fragments,
                ),
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
