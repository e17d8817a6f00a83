"""Wiki pages: short views that fetch, check, call a service and render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from taggit.models import Tag

from nlmg.moderation.guards import GuardRefusal, check_can_write
from nlmg.pagecache import page_generation, same_for_audience
from nlmg.paging import requested_page
from nlmg.spoilers.markup import plain_text
from nlmg.spoilers.markup.gating import Heading, visible_headings
from nlmg.spoilers.markup.source import mask_source
from nlmg.spoilers.progress import progress_key, reader_progress
from nlmg.spoilers.publishing import (
    Reveal,
    count_withheld,
    fragment_url,
    gate,
    is_reached,
    lint_summary,
    scope_label,
    withheld_label,
)
from nlmg.spoilers.scope import Catalogue

from . import permissions, services
from .diff import content_lines, diff_rows
from .forms import ArticleForm
from .models import Article, ArticleKind, ArticleLink, ArticleRedirect, Revision
from .search import search_articles, suggest_titles


def _reached(article_or_scope, progress, catalogue) -> bool:
    return is_reached(getattr(article_or_scope, "scope", article_or_scope), progress, catalogue)


def infobox_namespace(key: str) -> str:
    """The spoiler ids of an infobox value: "i-full-name-1"."""
    return "i-" + key.replace("_", "-")


def revision_spoilers(request, pk: int, field: str) -> tuple[str, str]:
    """The spoiler source "revision": one field of a revision, to whoever may read its page."""
    revision = get_object_or_404(Revision.objects.select_related("article"), pk=pk)
    if not permissions.can_read_article(request.user, revision.article):
        raise Http404("This article has been deleted.")
    if field.startswith("infobox-"):
        key = field.removeprefix("infobox-")
        if key not in revision.infobox_html:
            raise Http404("No such infobox field.")
        return revision.infobox_html[key], infobox_namespace(key)
    fields = {
        "body": (revision.body_html, "b"),
        "lead": (revision.lead_html, "l"),
        "summary": (revision.summary_html, f"s{revision.pk}"),
    }
    if field not in fields:
        raise Http404("No such field.")
    return fields[field]


def _get_article(slug: str, queryset=None):
    """The article at ``slug``; a renamed article's old slug raises a redirect."""
    queryset = queryset if queryset is not None else Article.objects.all()
    article = queryset.filter(slug=slug).first()
    if article is None:
        redirect_row = (
            ArticleRedirect.objects.select_related("article").filter(old_slug=slug).first()
        )
        if redirect_row:
            raise _Redirect(redirect_row.article)
        raise Http404("No article here.")
    return article


def _deleted_page(request, article):
    """What every page of a deleted article answers to those who may not read it."""
    return render(
        request,
        "wiki/article_deleted.html",
        {"article": article, "can_delete": permissions.can_delete_article(request.user)},
        status=404,
    )


class _Redirect(Exception):
    def __init__(self, article):
        self.article = article


def _with_redirects(view):
    def wrapper(request, slug, *args, **kwargs):
        try:
            return view(request, slug, *args, **kwargs)
        except _Redirect as moved:
            url = request.path.replace(f"/wiki/{slug}/", f"/wiki/{moved.article.slug}/", 1)
            query = request.META.get("QUERY_STRING")
            response = redirect(url + (f"?{query}" if query else ""), permanent=True)
            if request.method not in ("GET", "HEAD"):
                # 308 keeps the method and body: an edit posted to a renamed article's old
                # address is sent again to the new one, not dropped by a 301's GET.
                response.status_code = 308
            return response

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@same_for_audience
def article_index(request):
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    kinds = list(ArticleKind.objects.all())
    articles = Article.objects.live().only("title", "slug", "kind_id", "scope", "is_featured")
    by_kind: dict[int, list] = {k.pk: [] for k in kinds}
    hidden: dict[int, int] = {k.pk: 0 for k in kinds}
    for article in articles:
        if _reached(article, progress, catalogue):
            by_kind.setdefault(article.kind_id, []).append(article)
        else:
            hidden[article.kind_id] = hidden.get(article.kind_id, 0) + 1
    sections = [
        {
            "kind": k,
            "articles": by_kind.get(k.pk, [])[:60],
            "count": len(by_kind.get(k.pk, [])),
            "hidden": hidden.get(k.pk, 0),
        }
        for k in kinds
        if by_kind.get(k.pk) or hidden.get(k.pk)
    ]
    return render(request, "wiki/article_index.html", {"sections": sections})


@same_for_audience
def kind_index(request, kind):
    kind = get_object_or_404(ArticleKind, key=kind)
    return _listing(request, Article.objects.live().filter(kind=kind), title=kind.plural, kind=kind)


@same_for_audience
def tag_index(request, tag):
    tag = get_object_or_404(Tag, slug=tag)
    return _listing(
        request,
        Article.objects.live().filter(tags__slug=tag.slug),
        title=f"Tagged “{tag.name}”",
        tag=tag,
    )


def _listing(request, queryset, **context):
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    page = Paginator(queryset.select_related("kind").order_by("title"), 100).get_page(
        request.GET.get("page")
    )
    rows = [
        {"article": a, "hidden": not _reached(a, progress, catalogue)} for a in page.object_list
    ]
    return render(request, "wiki/article_list.html", {"page": page, "rows": rows, **context})


@_with_redirects
@same_for_audience
def article_detail(request, slug):
    """An article as this reader may see it.

    The gated content is the same for every reader at the same progress, so it is rendered
    once and kept in the shared cache under (content generation, article, progress); the page
    around it (header, moderator tools) is rendered per request.
    """
    progress = reader_progress(request)
    read_on = request.GET.get("read") == "1"
    reveal = Reveal.from_query(request.GET)
    seconds = getattr(settings, "NLMG_FRAGMENT_CACHE_SECONDS", 300)
    content_generation = page_generation()
    key = (
        f"article-main:{content_generation}:{slug}:{progress_key(progress)}:{read_on:d}:"
        f"{reveal.key}"
    )
    cached = cache.get(key) if seconds else None
    context = {}
    if cached is None:
        article = _get_article(slug, Article.objects.for_page())
        if article.is_deleted:
            return render(
                request,
                "wiki/article_deleted.html",
                {"article": article, "can_delete": permissions.can_delete_article(request.user)},
                status=404,
            )
        catalogue = Catalogue.current()
        if not _reached(article, progress, catalogue) and not read_on:
            label = scope_label(article.scope, catalogue)
            return render(
                request, "wiki/article_beyond_progress.html", {"article": article, "label": label}
            )
        context = _article_context(article, progress, catalogue, read_on, reveal)
        cached = {
            "main_html": mark_safe(render_to_string("wiki/includes/article_main.html", context)),
            "page": {
                "title": article.title,
                "description": context["description"],
                "slug": article.slug,
                "is_protected": article.is_protected,
                "is_featured": article.is_featured,
            },
        }
        if seconds:
            cache.set(key, cached, seconds)
    return render(
        request,
        "wiki/article_detail.html",
        {
            **context,
            **cached,
            "can_protect": permissions.can_protect_article(request.user),
            "can_delete": permissions.can_delete_article(request.user),
        },
    )


def revision_gate(revision, progress, catalogue, reveal):
    """gate() for the fields of one revision, their withheld spoilers fetched from it."""

    def gated(html, field, namespace):
        return gate(
            html,
            progress,
            catalogue=catalogue,
            reveal=reveal,
            namespace=namespace,
            fragment_url=fragment_url("revision", revision.pk, field),
        )

    return gated


def _article_context(article, progress, catalogue, read_on, reveal) -> dict:
    revision = article.current_revision
    gated = revision_gate(revision, progress, catalogue, reveal)

    labels = article.kind.field_labels
    infobox = [
        {
            "label": label,
            "html": gated(revision.infobox_html[key], f"infobox-{key}", infobox_namespace(key)),
        }
        for key, label in labels.items()
        if key in revision.infobox_html
    ]
    headings = visible_headings(
        [
            Heading(h["level"], h["anchor"], h["text"], tuple(h["scopes"]))
            for h in revision.headings
        ],
        progress,
        catalogue=catalogue,
    )
    talk = []
    if hasattr(article, "talk_threads"):
        talk = list(article.talk_threads.for_talk_section())
    body = gated(revision.body_html, "body", "b")
    lead = gated(revision.lead_html, "lead", "l")
    return {
        "article": article,
        "revision": revision,
        "body": body,
        "lead": lead,
        "withheld_count": sum(
            count_withheld(html) for html in (body, lead, *(row["html"] for row in infobox))
        ),
        "show_all_href": reveal.href_all(),
        # The lead as this reader may see it, without markdown, for meta and OpenGraph.
        "description": plain_text(revision.lead_html, progress, catalogue=catalogue),
        "infobox": infobox,
        "toc": headings,
        "tags": list(article.tags.all()),
        "talk_threads": talk,
        "read_on": read_on,
    }


def _kind_for_form(request, default_key=None):
    key = request.POST.get("kind") or request.GET.get("kind") or default_key
    return ArticleKind.objects.filter(key=key).first() or ArticleKind.objects.first()


def _preview(form, content):
    try:
        rendered = services.render_content(content, form.cleaned_data.get("summary", ""))
    except services.ContentError as exc:
        for field, errors in exc.errors.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
        return None
    return rendered


@login_required
@require_http_methods(["GET", "POST"])
def article_create(request):
    if not permissions.can_create_article(request.user):
        raise PermissionDenied("Your account cannot create articles at the moment.")
    title = request.GET.get("title", "")[:200]
    existing = Article.objects.lookup_titles([title]).get(title) if title else None
    if existing:
        return redirect(existing)
    kind = _kind_for_form(request)
    form = ArticleForm(
        request.POST or None,
        kind=kind,
        initial={"title": title, "kind": kind.key if kind else None},
    )
    return _edit_flow(request, form, article=None, kind=kind)


@_with_redirects
@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request, slug):
    article = _get_article(slug, Article.objects.for_page())
    if not permissions.can_edit_article(request.user, article):
        raise PermissionDenied(permissions.edit_refusal(request.user, article))
    current = article.current_revision
    if request.method == "GET" and request.GET.get("show_source") != "1":
        progress = reader_progress(request)
        stored = [current.body_html, *current.infobox_html.values()]
        beyond = withheld_label(stored, progress)
        if not _reached(article, progress, Catalogue.current()):
            beyond = withheld_label(stored, {}) or scope_label(article.scope)
        if beyond:
            return render(
                request,
                "source_notice.html",
                {
                    "heading": "Editing shows the whole text",
                    "what": article.title,
                    "beyond": beyond,
                    "back_href": article.get_absolute_url(),
                    "continue_href": "?show_source=1",
                    "continue_label": "Continue to the editor, spoilers included",
                },
            )
    kind = _kind_for_form(request, article.kind.key)
    initial = {**ArticleForm.initial_from(current.content()), "base_revision": current.pk}
    form = ArticleForm(request.POST or None, kind=kind, initial=initial, article=article)
    return _edit_flow(request, form, article=article, kind=kind)


def _edit_flow(request, form, *, article, kind):
    context = {"form": form, "article": article, "kind": kind}
    if request.method == "POST" and form.is_valid():
        content = form.content()
        # A changed kind is previewed once so its infobox fields can be filled in; the form
        # says which kind's fields it showed, so the next save goes through.
        shown_kind = request.POST.get("infobox_kind") or (article.kind.key if article else "")
        if "preview" in request.POST or (kind and article and kind.key != shown_kind):
            context["preview"] = _preview(form, content)
            if context["preview"]:
                context["preview_html"] = gate(context["preview"].body_html, {}, preview=True)
            return render(request, "wiki/article_form.html", context)
        try:
            check_can_write(
                request.user,
                form.markdown_written(),
                previous_html=article.current_revision.rendered_html() if article else "",
            )
        except GuardRefusal as refusal:
            form.add_error(None, str(refusal))
            return render(request, "wiki/article_form.html", context, status=429)
        try:
            revision = services.save_revision(
                article=article,
                author=request.user,
                content=content,
                summary=form.cleaned_data["summary"],
                is_minor=form.cleaned_data["is_minor"],
                base_revision_id=form.cleaned_data.get("base_revision"),
                lint_acknowledged=form.cleaned_data["lint_acknowledged"],
            )
        except services.EditConflict as conflict:
            return _conflict(request, form, article, kind, conflict)
        except services.ContentError as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            context["lint_warnings"] = lint_summary(form, exc.warnings)
            return render(request, "wiki/article_form.html", context, status=400)
        if revision.action == Revision.Action.MERGE:
            messages.success(
                request,
                "Someone else saved while you were editing; your changes did not overlap and "
                "were merged with theirs.",
            )
        else:
            messages.success(request, "Saved. Thank you for your edit.")
        return redirect(revision.article)
    status = 400 if request.method == "POST" else 200
    return render(request, "wiki/article_form.html", context, status=status)


def _conflict(request, form, article, kind, conflict):
    """Both edits kept: the user's text stays in the form, theirs is shown beside it."""
    data = request.POST.copy()
    data["base_revision"] = conflict.current.pk
    form = ArticleForm(data, kind=kind)
    # Normalised like the stored revision, so the diff shows only real differences (not
    # empty infobox fields or a trailing newline the form stripped).
    mine = services.normalise_content(form.content()) if form.is_valid() else {}
    theirs = conflict.current.content()
    rows = diff_rows(
        content_lines(theirs, theirs["body"].split("\n"), theirs["infobox"]),
        content_lines(mine, mine.get("body", "").split("\n"), mine.get("infobox", {}))
        if mine
        else [],
    )
    return render(
        request,
        "wiki/article_form.html",
        {
            "form": form,
            "article": article,
            "kind": kind,
            "conflict": conflict,
            "conflict_fields": conflict.merge.conflicts,
            "theirs": theirs,
            "diff_rows": rows,
        },
        status=409,
    )


def _article_for_page_about_it(request, slug):
    """(article, None) for a page about an article (history, a diff, what links here), or
    (article, the answer instead): the deleted-article page, or the article itself when its
    very subject is past the reader and they have not chosen to read on."""
    article = _get_article(slug)
    if not permissions.can_read_article(request.user, article):
        return article, _deleted_page(request, article)
    reached = _reached(article, reader_progress(request), Catalogue.current())
    if not reached and request.GET.get("read") != "1":
        return article, redirect(article)
    return article, None


@_with_redirects
@same_for_audience
def article_history(request, slug):
    article, refusal = _article_for_page_about_it(request, slug)
    if refusal:
        return refusal
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    page = Paginator(Revision.objects.for_history(article), 50).get_page(request.GET.get("page"))
    reveal = Reveal.from_query(request.GET)
    rows = []
    for r in page.object_list:
        r.article = article  # the row links use its slug; no query per revision
        rows.append({"revision": r, "summary": _gated_summary(r, progress, catalogue, reveal)})
    return render(
        request, "wiki/article_history.html", {"article": article, "page": page, "rows": rows}
    )


def _gated_summary(revision, progress, catalogue, reveal) -> str:
    gated = revision_gate(revision, progress, catalogue, reveal)
    return gated(revision.summary_html, "summary", f"s{revision.pk}")


@_with_redirects
def revision_detail(request, slug, number):
    article = _get_article(slug)
    if not permissions.can_read_article(request.user, article):
        return _deleted_page(request, article)
    revision = get_object_or_404(
        Revision.objects.select_related("author"), article=article, number=number
    )
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    if (
        not _reached(revision.scope or article.scope, progress, catalogue)
        and request.GET.get("read") != "1"
    ):
        return redirect(article)
    gated = revision_gate(revision, progress, catalogue, Reveal.from_query(request.GET))

    return render(
        request,
        "wiki/revision_detail.html",
        {
            "article": article,
            "revision": revision,
            "body": gated(revision.body_html, "body", "b"),
            "lead": gated(revision.lead_html, "lead", "l"),
            "is_current": revision.pk == article.current_revision_id,
            "can_edit": permissions.can_edit_article(request.user, article),
        },
    )


@_with_redirects
def article_diff(request, slug):
    article, refusal = _article_for_page_about_it(request, slug)
    if refusal:
        return refusal
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    try:
        from_id, to_id = int(request.GET["from"]), int(request.GET["to"])
    except (KeyError, ValueError):
        return render(
            request,
            "wiki/article_diff.html",
            {"article": article, "error": "Choose two revisions to compare."},
            status=400,
        )
    revisions = {
        r.pk: r
        for r in Revision.objects.filter(article=article, pk__in=[from_id, to_id]).select_related(
            "author"
        )
    }
    if from_id not in revisions or to_id not in revisions:
        raise Http404("No such revision of this article.")
    old, new = revisions[from_id], revisions[to_id]
    reveal = Reveal.from_query(request.GET)

    def lines(revision):
        content = revision.content()
        infobox = {
            k: " ".join(mask_source(v, progress, catalogue=catalogue))
            for k, v in content["infobox"].items()
        }
        return content_lines(
            content, mask_source(content["body"], progress, catalogue=catalogue), infobox
        )

    return render(
        request,
        "wiki/article_diff.html",
        {
            "article": article,
            "old": old,
            "new": new,
            "rows": diff_rows(lines(old), lines(new)),
            "old_summary": _gated_summary(old, progress, catalogue, reveal),
            "new_summary": _gated_summary(new, progress, catalogue, reveal),
            "can_edit": permissions.can_edit_article(request.user, article),
        },
    )


@_with_redirects
@login_required
@require_POST
def revision_undo(request, slug, number):
    article = _get_article(slug, Article.objects.for_page())
    if not permissions.can_edit_article(request.user, article):
        raise PermissionDenied(permissions.edit_refusal(request.user, article))
    revision = get_object_or_404(
        Revision.objects.select_related("parent"), article=article, number=number
    )
    try:
        services.undo_revision(article=article, revision=revision, author=request.user)
    except services.EditConflict:
        messages.error(
            request,
            f"Revision {number} cannot be undone automatically: later edits changed the same "
            "lines. Edit the article by hand instead (the diff shows what it changed).",
        )
        return redirect(
            reverse("wiki:article-diff", kwargs={"slug": article.slug})
            + f"?from={revision.parent_id}&to={revision.pk}"
        )
    except services.ContentError as exc:
        messages.error(request, " ".join(e for errs in exc.errors.values() for e in errs))
        return redirect("wiki:article-history", slug=article.slug)
    messages.success(request, f"Revision {number} was undone; the undo is a new revision.")
    return redirect(article)


@_with_redirects
@login_required
@require_POST
def revision_revert(request, slug, number):
    article = _get_article(slug, Article.objects.for_page())
    if not permissions.can_edit_article(request.user, article):
        raise PermissionDenied(permissions.edit_refusal(request.user, article))
    revision = get_object_or_404(Revision, article=article, number=number)
    try:
        services.revert_article(article=article, to_revision=revision, author=request.user)
    except services.ContentError as exc:
        messages.error(request, " ".join(e for errs in exc.errors.values() for e in errs))
        return redirect("wiki:article-history", slug=article.slug)
    messages.success(request, f"Reverted to revision {number}; the revert is a new revision.")
    return redirect(article)


# Moderator switches on an article: form field, (action when on, when off), the messages.
ARTICLE_SWITCHES = {
    "protect": ("protect", (services.protect_article, services.unprotect_article),
                ("Article protected.", "Article unprotected.")),
    "feature": ("feature", (services.feature_article, services.unfeature_article),
                ("Featured on the home page.", "No longer featured.")),
    "delete": ("delete", (services.delete_article, services.undelete_article),
               ("Article deleted (it can be restored).", "Article restored.")),
}  # fmt: skip


def _article_switch(request, slug, name):
    """Protect, feature or delete an article (and undo each), logged with its reason."""
    field, actions, texts = ARTICLE_SWITCHES[name]
    article = _get_article(slug)
    on = request.POST.get(field) == "1"
    action = actions[0] if on else actions[1]
    try:
        action(target=article, moderator=request.user, reason=request.POST.get("reason", ""))
    except PermissionDenied as exc:
        raise PermissionDenied(f"Only moderators can {name} articles.") from exc
    messages.success(request, texts[0] if on else texts[1])
    return redirect(article)


@_with_redirects
@login_required
@require_POST
def article_protect(request, slug):
    return _article_switch(request, slug, "protect")


@_with_redirects
@login_required
@require_POST
def article_feature(request, slug):
    return _article_switch(request, slug, "feature")


@_with_redirects
@login_required
@require_POST
def article_delete(request, slug):
    return _article_switch(request, slug, "delete")


@_with_redirects
def article_links(request, slug):
    article, refusal = _article_for_page_about_it(request, slug)
    if refusal:
        return refusal
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    sources = (
        Article.objects.live()
        .filter(
            pk__in=ArticleLink.objects.filter(
                Q(target=article) | Q(target_title__iexact=article.title)
            ).values("source_id")
        )
        .select_related("kind")
        .order_by("title")
    )
    rows = [{"article": a, "hidden": not _reached(a, progress, catalogue)} for a in sources]
    return render(request, "wiki/article_links.html", {"article": article, "rows": rows})


def recent_changes(request):
    progress = reader_progress(request)
    catalogue = Catalogue.current()
    revisions = (
        Revision.objects.recent_changes().filter(article__is_deleted=False).order_by("-created_at")
    )
    kind = request.GET.get("kind", "")
    author = request.GET.get("author", "").strip()
    hide_minor = request.GET.get("hide_minor") == "1"
    if kind:
        revisions = revisions.filter(article__kind__key=kind)
    if author:
        revisions = revisions.filter(author_name__iexact=author)
    if hide_minor:
        revisions = revisions.filter(is_minor=False)
    page = Paginator(revisions, 50).get_page(request.GET.get("page"))
    reveal = Reveal.from_query(request.GET)
    rows = [
        {
            "revision": r,
            "hidden": not _reached(r.article, progress, catalogue),
            "summary": _gated_summary(r, progress, catalogue, reveal),
        }
        for r in page.object_list
    ]
    return render(
        request,
        "wiki/recent_changes.html",
        {
            "page": page,
            "rows": rows,
            "kinds": ArticleKind.objects.all(),
            "kind": kind,
            "author": author,
            "hide_minor": hide_minor,
        },
    )


@same_for_audience
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    progress = reader_progress(request)
    if query and request.GET.get("go") == "1":
        match = Article.objects.lookup_titles([query]).get(query)
        if match and not match.is_deleted and _reached(match, progress, Catalogue.current()):
            return redirect(match)
    page_number = requested_page(request)
    hits = (
        search_articles(query, progress, limit=21, offset=(page_number - 1) * 20) if query else []
    )
    return render(
        request,
        "wiki/search.html",
        {"query": query, "hits": hits[:20], "has_next": len(hits) > 20, "page_number": page_number},
    )


def suggest(request):
    query = request.GET.get("q", "")
    return JsonResponse({"results": suggest_titles(query, reader_progress(request))})
