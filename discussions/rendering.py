"""Post cards and thread trees rendered in Python.

A thread page can show hundreds of posts; one template include per post cost about a
millisecond each, so the cards are built here with plain string formatting and escaping (about
thirty microseconds each). The markup is the same for every post-showing page.
"""

from __future__ import annotations

from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .models import Notification

PK = 987654321  # a placeholder id, replaced in URL patterns computed once per page


class CardContext:
    """What every card on a page shares: the viewer, their rights, URL patterns, the token."""

    def __init__(self, request, thread, *, can_reply: bool, can_moderate: bool):
        self.user = request.user
        self.user_id = request.user.pk if request.user.is_authenticated else None
        self.can_reply = can_reply
        self.can_moderate = can_moderate
        self.can_edit = not thread.is_locked and not thread.is_hidden
        self.csrf = escape(get_token(request)) if self.user_id else ""
        self.thread_pk = thread.pk
        self.zone = timezone.get_current_timezone()

        def pattern(name, **kwargs):
            return reverse(name, kwargs={**kwargs, "pk": PK}).replace(str(PK), "{pk}")

        self.urls = {
            "post": pattern("discussions:post"),
            "history": pattern("discussions:post-history"),
            "like": pattern("discussions:post-like"),
            "edit": pattern("discussions:post-edit"),
            "delete": pattern("discussions:post-delete"),
            "moderate": pattern("discussions:post-moderate"),
            "member": reverse("accounts:profile", kwargs={"username": "USERNAME"}),
        }
        self.reply_url = reverse("discussions:reply", kwargs={"pk": thread.pk})
        self.urls["subtree"] = reverse(
            "discussions:subtree", kwargs={"pk": thread.pk, "slug": thread.slug, "post_pk": PK}
        ).replace(str(PK), "{pk}")
        self.flag_url = reverse("moderation:flag")

    def url(self, name: str, pk: int) -> str:
        return self.urls[name].replace("{pk}", str(pk))

    def csrf_input(self) -> str:
        return f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf}">'


def when(moment, zone=None) -> str:
    """When a post was written, "21 Nov 2026, 13:40", in the site's time zone (cheap: no
    translation machinery)."""
    local = moment.astimezone(zone or timezone.get_current_timezone())
    return f"{local.day} {local:%b %Y, %H:%M}"


def ago(moment, now, zone=None) -> str:
    """How long ago, "just now", "5 minutes ago", "3 hours ago"; older than a day, the date."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds >= 86400:
        return when(moment, zone)
    unit, length = ("minute", 60) if seconds < 3600 else ("hour", 3600)
    count = int(seconds // length)
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


def notification_items(rows) -> SafeString:
    """A page of the inbox (``NotificationQuerySet.inbox_page`` rows) as list items."""
    labels = dict(Notification.Kind.choices)
    post_url = reverse("discussions:post", kwargs={"pk": PK})
    zone, now = timezone.get_current_timezone(), timezone.now()
    out = []
    for n in rows:
        opening = "<li>" if n.is_read else '<li class="unread"><span class="badge">New</span> '
        out.append(
            f"{opening}{escape(n.actor_name)} "
            f"{escape(labels.get(n.kind, n.kind))} in "
            f'<a href="{post_url.replace(str(PK), str(n.post_id))}">{escape(n.thread_title)}</a> '
            f'<span class="meta"><time datetime="{n.created_at.isoformat()}">'
            f"{ago(n.created_at, now, zone)}</time></span></li>\n"
        )
    return mark_safe("".join(out))  # every value escaped above


def post_card(item, ctx: CardContext) -> str:
    p = item.post
    pk = p.pk
    # A moderator reads a hidden post (marked as hidden) before deciding to restore it.
    shown_hidden = p.is_hidden and not p.is_deleted and ctx.can_moderate
    removed = p.is_removed and not shown_hidden
    css = " post--removed" if removed else " post--hidden-for-moderators" if shown_hidden else ""
    out = [
        f'<article class="post{css}" id="post-{pk}" '
        f'aria-labelledby="post-{pk}-by">\n  <header class="post__header">\n'
        f'    <span id="post-{pk}-by" class="post__author">'
    ]
    name = escape(p.author_name)
    if removed:
        out.append("[removed]")
    elif p.author_id:
        member_url = ctx.urls["member"].replace("USERNAME", escape(p.author_name))
        out.append(f'<a href="{member_url}">{name}</a>')
    else:
        out.append(name)
    out.append(
        f'</span>\n    <a class="post__time meta" href="{ctx.url("post", pk)}" title="Permalink">'
        f'<time datetime="{p.created_at.isoformat()}">{when(p.created_at, ctx.zone)}</time></a>\n'
    )
    if p.edit_count and not removed:
        out.append(f'    <a class="meta" href="{ctx.url("history", pk)}">edited</a>\n')
    if item.scope_label and not removed:
        label = escape(item.scope_label)
        if item.past_thread_scope:
            out.append(
                '    <span class="badge" title="This post spoils further than the thread\'s '
                f"scope\">Past the thread's scope: {label}</span>\n"
            )
        else:
            out.append(f'    <span class="badge badge--muted" title="">{label}</span>\n')
    out.append(f'  </header>\n  <div class="post__body prose">{item.html}</div>\n')
    if not p.is_removed:
        likes = p.like_count
        out.append(
            f'  <footer class="post__actions">\n    <span class="meta">{likes} '
            f"like{'' if likes == 1 else 's'}</span>\n"
        )
        own = ctx.user_id is not None and p.author_id == ctx.user_id
        if ctx.user_id is not None and not own:
            liked = item.liked
            out.append(
                f'    <form method="post" action="{ctx.url("like", pk)}" class="inline-form">'
                f"{ctx.csrf_input()}"
                f'<input type="hidden" name="like" value="{"0" if liked else "1"}">'
                f'<button type="submit" class="link-button" aria-pressed="'
                f'{"true" if liked else "false"}">{"Unlike" if liked else "Like"}</button></form>\n'
            )
        if ctx.can_reply:
            out.append(
                f'    <a href="{ctx.reply_url}?parent={pk}">Reply</a>\n'
                f'    <a href="{ctx.reply_url}?quote={pk}">Quote</a>\n'
            )
        if own:
            if ctx.can_edit:
                out.append(f'    <a href="{ctx.url("edit", pk)}">Edit</a>\n')
            out.append(
                f'    <form method="post" action="{ctx.url("delete", pk)}" class="inline-form">'
                f"{ctx.csrf_input()}"
                '<button type="submit" class="link-button">Delete</button></form>\n'
            )
        if ctx.user_id is not None and not own:
            out.append(f'    <a href="{ctx.flag_url}?post={pk}">Flag</a>\n')
        out.append("  </footer>\n")
    if ctx.can_moderate and not p.is_deleted:
        out.append(moderator_tools(p, ctx))
    out.append("</article>\n")
    return "".join(out)


def moderator_tools(p, ctx: CardContext) -> str:
    """A post's moderator tools: hide or restore, set its scope, hide and warn, suspend the
    author; each asks for a reason, and each is logged and can be undone from the log."""
    pk = p.pk
    toggle = ("restore", "Restore") if p.is_hidden else ("hide", "Hide")
    author_actions = ""
    if p.author_id:
        author_actions = (
            f'<div class="field"><label for="mod-days-{pk}">Days</label>'
            f'<input type="number" id="mod-days-{pk}" name="days" value="7" min="1" max="365">'
            "</div>"
            '<button type="submit" name="action" value="hide_warn" class="button button--small">'
            "Hide and warn</button>"
            '<button type="submit" name="action" value="suspend" '
            'class="button button--small button--danger">Suspend the author</button>'
        )
    return (
        '  <details class="moderator-tools"><summary>Moderator tools</summary>\n'
        f'  <form method="post" action="{ctx.url("moderate", pk)}">{ctx.csrf_input()}'
        f'<div class="field"><label for="mod-reason-{pk}">Reason</label>'
        f'<input type="text" id="mod-reason-{pk}" name="reason" maxlength="500" required></div>'
        f'<div class="field"><label for="mod-scope-{pk}">Scope</label>'
        f'<input type="text" id="mod-scope-{pk}" name="value" maxlength="200" '
        f'value="{escape(p.scope)}" placeholder="novel:22 film:completion"></div>'
        f'<button type="submit" name="action" value="{toggle[0]}" class="button button--small">'
        f"{toggle[1]}</button>"
        '<button type="submit" name="action" value="set_scope" '
        'class="button button--small button--secondary">Set the scope</button>'
        f"{author_actions}</form>\n  </details>\n"
    )


def post_tree(items, ctx: CardContext) -> SafeString:
    """The nested list of a page's posts; subtrees fold with <details> (no JavaScript)."""
    out = []
    for item in items:
        out.append(f'<li class="post-tree__item depth-{item.depth}">\n')
        out.append(post_card(item, ctx))
        if item.continue_link:
            out.append(
                f'<p class="continue"><a href="{ctx.url("subtree", item.post.pk)}">'
                "Continue this thread →</a></p>\n"
            )
        if item.has_children:
            out.append(
                '<details class="replies" open><summary>Replies to '
                f'{escape(item.post.author_name)}</summary><ol class="post-tree">\n'
            )
        else:
            out.append("</li>\n")
        out.append("</ol></details></li>\n" * len(item.closes))
    return mark_safe("".join(out))  # every value above is escaped or ours
