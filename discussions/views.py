"""Discussion pages: boards, threads as trees, posting, likes, follows, notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from nlmg.moderation.forms import ObjectActionForm
from nlmg.moderation.guards import (
    GuardRefusal,
    check_can_write,
    honeypot_filled,
    suspension_message,
)
from nlmg.moderation.views import act_on
from nlmg.pagecache import same_for_audience
from nlmg.paging import UncountedPage, requested_page
from nlmg.spoilers.markup import plain_text
from nlmg.spoilers.progress import reader_progress
from nlmg.spoilers.publishing import (
    ContentError,
    Reveal,
    count_withheld,
    is_reached,
    lint_summary,
    scope_label,
    withheld_label,
)
from nlmg.spoilers.scope import Catalogue

from . import permissions, services
from .context_processors import forget_unread
from .forms import EditPostForm, PostForm, ThreadForm
from .models import Board, Follow, Like, Notification, Post, PostEdit, Thread
from .rendering import CardContext, notification_items, post_card, post_tree
from .tree import (
    MAX_DEPTH,
    build_items,
    fragment_pattern,
    post_html,
    scoped_body,
)

ROOTS_PER_PAGE = 25
SORTS = {
    "oldest": ("created_at", "id"),
    "newest": ("-created_at", "-id"),
    "liked": ("-like_count", "created_at", "id"),
}


@same_for_audience
def board_index(request):
    boards = Board.objects.all()
    return render(request, "discussions/board_list.html", {"boards": boards})


@same_for_audience
def board_detail(request, board):
    board = get_object_or_404(Board, slug=board)
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    page = Paginator(board.threads.for_listing(), 30).get_page(request.GET.get("page"))
    rows = []
    for thread in page.object_list:
        reached = is_reached(thread.scope, progress, catalogue)
        preview = ""
        if reached and thread.opening_post and not thread.opening_post.is_removed:
            preview = plain_text(
                thread.opening_post.body_html, progress, catalogue=catalogue, limit=180
            )
        rows.append(
            {
                "thread": thread,
                "reached": reached,
                "badge": "" if reached else scope_label(thread.scope, catalogue),
                "preview": preview,
            }
        )
    return render(
        request, "discussions/thread_list.html", {"board": board, "page": page, "rows": rows}
    )


@login_required
@require_http_methods(["GET", "POST"])
def thread_create(request):
    if not permissions.can_start_thread(request.user):
        raise PermissionDenied(_refusal(request.user))
    initial = {"board": request.GET.get("board"), "articles": request.GET.get("article", "")}
    form = ThreadForm(request.POST or None, initial=initial)
    context = {"form": form}
    if request.method == "POST" and honeypot_filled(request):
        return _bot(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check_can_write(request.user, data["body"])
        except GuardRefusal as refusal:
            form.add_error(None, str(refusal))
            return render(request, "discussions/thread_form.html", context, status=429)
        try:
            thread = services.start_thread(
                board=data["board"],
                author=request.user,
                title=data["title"],
                body=data["body"],
                scope=data["scope"],
                tags=data["tags"],
                articles=data["articles"],
                lint_acknowledged=data["lint_acknowledged"],
            )
        except ContentError as exc:
            return _refused(request, "discussions/thread_form.html", context, exc)
        messages.success(request, "Your thread is up. You will be notified of replies.")
        return redirect(thread)
    status = 400 if request.method == "POST" else 200
    return render(request, "discussions/thread_form.html", context, status=status)


def _refusal(user) -> str:
    if user.is_suspended:
        return suspension_message(user)
    return "Your account cannot post at the moment."


def _bot(request):
    return render(
        request,
        "discussions/refused.html",
        {"message": "This form was filled in by a robot, so it was not posted."},
        status=400,
    )


def _refused(request, template: str, context: dict, exc: Exception):
    """The form again with everything typed: 409 with the reason when the thread closed
    meanwhile, 400 with each problem beside its field (and the lint summary) otherwise."""
    if isinstance(exc, services.ThreadLocked):
        context["closed"] = str(exc)
        return render(request, template, context, status=409)
    form = context["form"]
    _add_errors(form, exc)
    context["lint_warnings"] = lint_summary(form, exc.warnings)
    return render(request, template, context, status=400)


def _add_errors(form, exc):
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _get_thread(request, pk):
    thread = get_object_or_404(
        Thread.objects.select_related("board", "opening_post", "opening_post__author"), pk=pk
    )
    if thread.is_hidden and not permissions.can_moderate(request.user):
        raise Http404("This thread was removed by a moderator.")
    return thread


def thread_detail(request, pk, slug):
    thread = _get_thread(request, pk)
    if slug != thread.slug:
        return redirect(thread, permanent=True)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "oldest"
    total = thread.top_level_count
    pages = max(1, -(-total // ROOTS_PER_PAGE))
    number = requested_page(request, last=pages)
    if _withheld(request, thread):
        return _render_thread(request, thread, [], sort=sort, number=number, pages=pages)
    offset = (number - 1) * ROOTS_PER_PAGE
    root_ids = list(
        Post.objects.filter(thread=thread, depth=0, is_opening=False)
        .order_by(*SORTS[sort])
        .values_list("id", flat=True)[offset : offset + ROOTS_PER_PAGE]
    )
    posts = Post.objects.for_thread_page(thread, root_ids, MAX_DEPTH - 1).card_rows()
    order = {root_id: i for i, root_id in enumerate(root_ids)}
    posts.sort(key=lambda p: (order.get(p.root_id, 0), p.path))
    return _render_thread(request, thread, posts, sort=sort, number=number, pages=pages)


def thread_subtree(request, pk, slug, post_pk):
    """ "Continue this thread": one post and its replies, deeper than the thread page goes."""
    thread = _get_thread(request, pk)
    anchor = get_object_or_404(Post, pk=post_pk, thread=thread)
    if _withheld(request, thread):
        return _render_thread(request, thread, [], anchor=anchor)
    posts = list(
        Post.objects.filter(
            thread=thread, path__startswith=anchor.path, depth__lte=anchor.depth + MAX_DEPTH - 1
        )
        .order_by("path")[:2000]
        .card_rows()
    )
    return _render_thread(request, thread, posts, anchor=anchor)


def _withheld(request, thread) -> bool:
    """True when the reader is below the thread's scope and did not ask to see it."""
    return not is_reached(thread.scope, reader_progress(request)) and not Reveal.from_query(
        request.GET
    ).shows("thread")


def _render_thread(request, thread, posts, *, sort="oldest", number=1, pages=1, anchor=None):
    """A page of a thread. Everything in it carries the thread's scope: a reader below it
    gets the title, the badge and how many posts are beyond them, and no post at all, unless
    they ask to see the thread (``?spoiler=thread``)."""
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    reveal = Reveal.from_query(request.GET)
    reached = is_reached(thread.scope, progress, catalogue)
    withheld = _withheld(request, thread)
    viewer_id = request.user.pk if request.user.is_authenticated else None
    if withheld:
        posts = []
    post_ids = [p.pk for p in posts]
    if thread.opening_post_id and not withheld:
        post_ids.append(thread.opening_post_id)
    liked, following = set(), False
    if request.user.is_authenticated:
        liked = set(
            Like.objects.filter(user=request.user, post_id__in=post_ids).values_list(
                "post_id", flat=True
            )
        )
        following = Follow.objects.filter(thread=thread, user=request.user).exists()
    can_moderate = permissions.can_moderate(request.user)
    shared = {
        "progress": progress,
        "catalogue": catalogue,
        "liked_ids": liked,
        "reveal": reveal,
        "viewer_id": viewer_id,
        "moderator_view": can_moderate,
    }
    items = build_items(
        posts, base_depth=anchor.depth if anchor else 0, thread_scope=thread.scope, **shared
    )
    opening = None
    if thread.opening_post and not anchor and not withheld:
        opening = build_items([thread.opening_post], thread_scope=thread.scope, **shared)[0]
        opening.past_thread_scope = False
    can_reply = permissions.can_reply(request.user, thread)
    cards = CardContext(request, thread, can_reply=can_reply, can_moderate=can_moderate)
    tree_html = post_tree(items, cards)
    opening_html = mark_safe(post_card(opening, cards)) if opening else ""
    return render(
        request,
        "discussions/thread_detail.html",
        {
            "thread": thread,
            "opening": opening,
            "opening_html": opening_html,
            "items": items,
            "tree_html": tree_html,
            "anchor": anchor,
            "sort": sort,
            "page_number": number,
            "pages": pages,
            "following": following,
            "can_reply": can_reply and not withheld,
            "can_moderate": can_moderate,
            "thread_reached": reached,
            "thread_withheld": withheld,
            "post_total": thread.reply_count + (1 if thread.opening_post_id else 0),
            "thread_scope_label": "" if reached else scope_label(thread.scope, catalogue),
            "show_thread_href": reveal.href("thread").split("#")[0],
            # Sorting and paging keep a thread the reader asked to see.
            "keep_query": "&spoiler=thread" if not reached and not withheld else "",
            "withheld_count": count_withheld(tree_html) + count_withheld(opening_html),
            "show_all_href": reveal.href_all(),
            "tags": list(thread.tags.all()),
            "form": PostForm(),
            "moderation": _thread_tools(thread) if can_moderate else None,
        },
    )


def _thread_tools(thread) -> dict:
    """What the thread page's moderator tools offer: the boards to move to, the scope form."""
    return {
        "boards": list(Board.objects.exclude(pk=thread.board_id).only("slug", "name")),
        # Ids of their own: the reply form on the same page has a scope field too.
        "scope_form": ObjectActionForm(initial={"scope": thread.scope}, auto_id="tools-%s"),
    }


def post_permalink(request, pk):
    """The page that holds a post, scrolled to it."""
    post = get_object_or_404(Post.objects.select_related("thread", "root"), pk=pk)
    thread = post.thread
    if thread.is_hidden and not permissions.can_moderate(request.user):
        raise Http404("This thread was removed by a moderator.")
    anchor = f"#post-{post.pk}"
    if post.is_opening:
        return redirect(thread.get_absolute_url() + anchor)
    if post.depth >= MAX_DEPTH:
        step = MAX_DEPTH - 1
        anchor_depth = (post.depth // step) * step
        prefix = post.path[: (anchor_depth + 1) * 6]
        ancestor = Post.objects.get(thread=thread, path=prefix)
        return redirect(
            reverse(
                "discussions:subtree",
                kwargs={"pk": thread.pk, "slug": thread.slug, "post_pk": ancestor.pk},
            )
            + anchor
        )
    root = post.root
    before = (
        Post.objects.filter(thread=thread, depth=0, is_opening=False)
        .filter(Q(created_at__lt=root.created_at) | Q(created_at=root.created_at, id__lt=root.id))
        .count()
    )
    page = before // ROOTS_PER_PAGE + 1
    return redirect(f"{thread.get_absolute_url()}?page={page}{anchor}")


@login_required
@require_http_methods(["GET", "POST"])
def reply(request, pk):
    thread = _get_thread(request, pk)
    parent = None
    parent_id = request.POST.get("parent") or request.GET.get("parent")
    if parent_id:
        parent = get_object_or_404(Post, pk=parent_id, thread=thread)
    closed = permissions.reply_closed(thread, parent)
    if not permissions.can_reply(request.user, thread, parent):
        if not closed or request.user.is_suspended:
            raise PermissionDenied(_refusal(request.user))
        if request.method != "POST":
            messages.error(request, closed)
            return redirect(parent or thread)
    initial = {"parent": parent.pk if parent else None}
    quote = request.GET.get("quote")
    if quote:
        quoted = get_object_or_404(Post, pk=quote, thread=thread)
        if not quoted.is_removed:
            if request.method == "GET" and request.GET.get("show_source") != "1":
                notice = _source_notice(request, thread, quoted)
                if notice:
                    return notice
            initial["body"] = services.quote_text(quoted)
            initial["parent"] = quoted.pk
            parent = quoted
    form = PostForm(request.POST or None, initial=initial)
    context = {"thread": thread, "parent": parent, "form": form}
    progress = reader_progress(request)
    if parent is not None and is_reached(thread.scope, progress):
        context["parent_item"] = build_items(
            [parent],
            progress=progress,
            catalogue=Catalogue.current(),
            base_depth=parent.depth,
            viewer_id=request.user.pk,
        )[0]
        cards = CardContext(request, thread, can_reply=False, can_moderate=False)
        context["parent_html"] = mark_safe(post_card(context["parent_item"], cards))
    if request.method == "POST" and honeypot_filled(request):
        return _bot(request)
    if request.method == "POST" and closed:
        # Closed while the member was typing: refuse, but give the text back to copy.
        context["closed"] = closed
        return render(request, "discussions/post_form.html", context, status=409)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            check_can_write(request.user, data["body"])
        except GuardRefusal as refusal:
            form.add_error(None, str(refusal))
            return render(request, "discussions/post_form.html", context, status=429)
        try:
            post = services.reply_to_thread(
                thread=thread,
                author=request.user,
                body=data["body"],
                parent=parent,
                scope=data["scope"],
                lint_acknowledged=data["lint_acknowledged"],
            )
        except services.ThreadLocked as exc:
            return _refused(request, "discussions/post_form.html", context, exc)
        except ContentError as exc:
            return _refused(request, "discussions/post_form.html", context, exc)
        messages.success(request, "Your reply is posted.")
        return redirect(post)
    status = 400 if request.method == "POST" else 200
    return render(request, "discussions/post_form.html", context, status=status)


def _source_notice(request, thread, post):
    """Quoting copies a post's source, spoilers included: a reader it would spoil is told
    first, and shown it only once they continue."""
    source = scoped_body(scoped_body(post.body_html, post.scope), thread.scope)
    beyond = withheld_label([source], reader_progress(request))
    if not beyond:
        return None
    return render(
        request,
        "source_notice.html",
        {
            "heading": "Quoting shows the whole post",
            "what": f"{post.author_name}'s post",
            "beyond": beyond,
            "back_href": post.get_absolute_url(),
            "continue_href": f"?quote={post.pk}&show_source=1",
            "continue_label": "Continue to the reply form, spoilers included",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_edit(request, pk):
    post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
    if post.thread.is_hidden and not permissions.can_moderate(request.user):
        raise Http404("This thread was removed by a moderator.")
    closed = permissions.edit_closed(post.thread)
    if not permissions.can_edit_post(request.user, post):
        if request.user.is_suspended:
            raise PermissionDenied(suspension_message(request.user))
        if not closed or post.author_id != request.user.pk or post.is_removed:
            raise PermissionDenied("You can edit only your own posts.")
        if request.method != "POST":
            messages.error(request, closed)
            return redirect(post)
    form = EditPostForm(request.POST or None, initial={"body": post.body, "scope": post.scope})
    context = {"post": post, "thread": post.thread, "form": form}
    if request.method == "POST" and closed:
        # Locked while the author was typing: refuse, but give the text back to copy.
        context["closed"] = closed
        return render(request, "discussions/post_edit.html", context, status=409)
    if request.method == "POST" and form.is_valid():
        try:
            check_can_write(request.user, form.cleaned_data["body"], previous_html=post.body_html)
        except GuardRefusal as refusal:
            form.add_error(None, str(refusal))
            return render(request, "discussions/post_edit.html", context, status=429)
        try:
            services.edit_post(
                post=post,
                editor=request.user,
                body=form.cleaned_data["body"],
                scope=form.cleaned_data["scope"],
                lint_acknowledged=form.cleaned_data["lint_acknowledged"],
            )
        except services.ThreadLocked as exc:
            return _refused(request, "discussions/post_edit.html", context, exc)
        except ContentError as exc:
            return _refused(request, "discussions/post_edit.html", context, exc)
        messages.success(request, "Your post was updated; the earlier version is kept.")
        return redirect(post)
    status = 400 if request.method == "POST" else 200
    return render(request, "discussions/post_edit.html", context, status=status)


def _check_readable(request, post) -> None:
    """Http404 unless this reader may read the post (and so its versions and spoilers)."""
    if (post.is_hidden or post.thread.is_hidden) and not permissions.can_moderate(request.user):
        raise Http404("Removed by a moderator.")


def post_history(request, pk):
    post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
    if not permissions.can_read_post_history(request.user, post):
        raise Http404("Removed by a moderator or deleted by its author.")
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    reveal = Reveal.from_query(request.GET)
    fragments = fragment_pattern("post-version")
    versions = [
        {
            "edit": edit,
            "html": post_html(
                _Version(edit, post.thread),
                progress,
                catalogue,
                reveal=reveal,
                namespace=f"v{edit.pk}",
                fragments=fragments,
            ),
        }
        for edit in post.edits.all()
    ]
    return render(
        request,
        "discussions/post_history.html",
        {"post": post, "thread": post.thread, "versions": versions},
    )


class _Version:
    """An old version of a post, shaped like a post for gating; like everything in its
    thread, it carries the thread's scope."""

    def __init__(self, edit, thread):
        self.pk = edit.pk
        self.body_html = scoped_body(edit.body_html, thread.scope)
        self.scope = edit.scope
        self.author_id = None
        self.is_hidden = self.is_deleted = False


def post_spoilers(request, pk: int, field: str) -> tuple[str, str]:
    """The spoiler source "post": a post's body, to whoever may read the post."""
    post = get_object_or_404(Post.objects.select_related("thread"), pk=pk)
    _check_readable(request, post)
    if field != "body" or post.is_deleted:
        raise Http404("No such text.")
    return scoped_body(post.body_html, post.scope), f"p{post.pk}"


def post_version_spoilers(request, pk: int, field: str) -> tuple[str, str]:
    """The spoiler source "post-version": an earlier version of a post, as its history."""
    edit = get_object_or_404(PostEdit.objects.select_related("post__thread"), pk=pk)
    if not permissions.can_read_post_history(request.user, edit.post):
        raise Http404("Removed by a moderator or deleted by its author.")
    if field != "body":
        raise Http404("No such text.")
    version = _Version(edit, edit.post.thread)
    return scoped_body(version.body_html, version.scope), f"v{edit.pk}"


@login_required
@require_POST
def post_delete(request, pk):
    post = get_object_or_404(Post, pk=pk)
    if not permissions.can_delete_post(request.user, post):
        if request.user.is_suspended:
            raise PermissionDenied(suspension_message(request.user))
        raise PermissionDenied("You can delete only your own posts.")
    services.delete_post(post=post)
    messages.success(request, "Your post was deleted; replies to it stay in place.")
    return redirect(post)


@login_required
@require_POST
def post_like(request, pk):
    post = get_object_or_404(Post, pk=pk)
    if not permissions.can_like(request.user, post):
        if request.user.is_suspended:
            raise PermissionDenied(suspension_message(request.user))
        raise PermissionDenied("You cannot like this post.")
    if request.POST.get("like") == "0":
        services.unlike_post(post=post, user=request.user)
    else:
        services.like_post(post=post, user=request.user)
    return redirect(post)


@login_required
@require_POST
def thread_follow(request, pk):
    thread = _get_thread(request, pk)
    follow = request.POST.get("follow") != "0"
    # Suspended members are read-only, but may always stop notifications.
    if follow and request.user.is_suspended:
        raise PermissionDenied(suspension_message(request.user))
    services.set_following(thread=thread, user=request.user, follow=follow)
    messages.success(
        request, "You follow this thread." if follow else "You no longer follow this thread."
    )
    return redirect(thread)


@login_required
def notifications(request):
    page_number = requested_page(request)
    rows, has_next = Notification.objects.inbox_page(request.user, page_number)
    unread_ids = [n.pk for n in rows if not n.is_read]
    response = render(
        request,
        "discussions/notification_list.html",
        {"items": notification_items(rows), "page": UncountedPage(page_number, has_next)},
    )
    if unread_ids:
        Notification.objects.filter(pk__in=unread_ids).update(is_read=True)
        forget_unread([request.user.pk])
    return response


@login_required
@require_POST
def notifications_read(request):
    Notification.objects.filter(recipient=request.user, is_read=False).update(is_read=True)
    forget_unread([request.user.pk])
    messages.success(request, "All notifications marked as read.")
    return redirect("notifications")


@login_required
@require_POST
def thread_moderate(request, pk):
    """The thread page's moderator tools: lock, pin, move, retitle, set the scope, hide and
    restore, each a logged, reversible action."""
    if not permissions.can_moderate(request.user):
        raise PermissionDenied("Only moderators can do that.")
    thread = get_object_or_404(Thread.objects.select_related("board"), pk=pk)
    act_on(request, thread)
    return redirect(thread)


@login_required
@require_POST
def post_moderate(request, pk):
    """A post's moderator tools: hide, restore, set its scope, hide and warn, suspend."""
    if not permissions.can_moderate(request.user):
        raise PermissionDenied("Only moderators can do that.")
    post = get_object_or_404(Post.objects.select_related("thread__board"), pk=pk)
    act_on(request, post)
    return redirect(post)
