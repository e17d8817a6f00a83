"""Writes that span the wiki's tables: every change to an article goes through save_revision."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Lower

from nlmg.moderation.models import ModerationEvent
from nlmg.moderation.services import moderator_action, resolve_flags_on
from nlmg.pagecache import bump_page_generation
from nlmg.retry import retry_on_conflict
from nlmg.spoilers.markup import extract_headings, extract_segments
from nlmg.spoilers.markup.lint import LintWarning
from nlmg.spoilers.markup.syntax import CONTROL_CHARS
from nlmg.spoilers.markup.wrap import wrap_in_spoiler
from nlmg.spoilers.publishing import ContentError, Draft, confirm_lint, record_lint_report
from nlmg.spoilers.scope import GENERIC, Catalogue, ScopeError

from . import permissions
from .merge import MergeResult, merge_content
from .models import Article, ArticleKind, ArticleLink, ArticleRedirect, Revision, SearchSegment
from .models.article import article_slug

MAX_BODY_CHARS = 200_000
MAX_FIELD_CHARS = 2_000


class EditConflict(Exception):
    """Someone saved since the edit began and the changes overlap: nothing was saved."""

    def __init__(self, current: Revision, merge: MergeResult):
        super().__init__(f"edit conflict in {', '.join(merge.conflicts)}")
        self.current = current
        self.merge = merge


@dataclass
class Rendered:
    lead_html: str
    body_html: str
    infobox_html: dict
    summary_html: str
    headings: list
    warnings: list[tuple[str, LintWarning]]
    links: list[tuple[str, str]]
    missing_sections: list[tuple[str, str]]
    segments: list


def render_content(content: dict, summary: str = "", resolver=None) -> Rendered:
    """Render and validate article content; raises ContentError listing every problem."""
    draft = Draft(resolver=resolver)
    kind = ArticleKind.objects.filter(key=content.get("kind")).first()
    if kind is None:
        draft.add_error("kind", f'unknown kind "{content.get("kind")}".')
    draft.scope("scope", content.get("scope") or "")
    lead = content.get("lead", "")
    if not lead.strip():
        draft.add_error("lead", "every article needs a spoiler-free lead.")
    elif ">!" in lead or ":::" in lead:
        draft.add_error("lead", "the lead must be spoiler-free: move spoiler markup into the body.")
    lead_result = draft.render("lead", lead, max_chars=MAX_FIELD_CHARS, inline=True)
    infobox_html = {}
    allowed = kind.field_labels if kind else {}
    for key, value in (content.get("infobox") or {}).items():
        if not value or not str(value).strip():
            continue
        if kind and key not in allowed:
            draft.add_error("infobox", f'"{key}" is not a field of {kind.name}.')
            continue
        # Named after the edit form's field, so each problem shows beside its value.
        result = draft.render(f"infobox_{key}", str(value), max_chars=MAX_FIELD_CHARS, inline=True)
        infobox_html[key] = result.html
    body_result = draft.render("body", content.get("body", ""), max_chars=MAX_BODY_CHARS)
    summary_result = draft.render("summary", summary or "", max_chars=400, inline=True)
    draft.check()
    return Rendered(
        lead_html=lead_result.html,
        body_html=body_result.html,
        infobox_html=infobox_html,
        summary_html=summary_result.html,
        headings=[h.__dict__ for h in extract_headings(body_result.html)],
        warnings=draft.lint(),
        links=list(dict.fromkeys(draft.links)),
        missing_sections=body_result.missing_sections,
        segments=[segment for name, segment in draft.segments if name != "summary"],
    )


def canonical_scope(text: str) -> str:
    """ "novel:part-2" → "novel:17"; malformed scopes are left for validation to report."""
    text = " ".join((text or "").split())
    if not text:
        return ""
    catalogue = Catalogue.current()
    try:
        return catalogue.parse(text).to_string(catalogue)
    except ScopeError:
        return text


def normalise_content(content: dict) -> dict:
    tags = ", ".join(
        sorted({t.strip().lower() for t in (content.get("tags") or "").split(",") if t.strip()})
    )
    return {
        # Control characters cannot be written to the Atom feeds (XML), nor mean anything.
        "title": " ".join(CONTROL_CHARS.sub("", content.get("title") or "").split()),
        "kind": content.get("kind") or "",
        "scope": canonical_scope(content.get("scope") or ""),
        "lead": (content.get("lead") or "").strip(),
        "body": (content.get("body") or "").replace("\r\n", "\n").rstrip() + "\n",
        "infobox": {
            k: str(v).strip() for k, v in (content.get("infobox") or {}).items() if str(v).strip()
        },
        "tags": tags,
    }


@retry_on_conflict
@transaction.atomic
def save_revision(
    *,
    article: Article | None,
    author,
    content: dict,
    summary: str = "",
    is_minor: bool = False,
    base_revision_id: int | None = None,
    action: str = Revision.Action.EDIT,
    author_name: str = "",
    lint_acknowledged: bool = True,
    resolver=None,
    refresh_links: bool = True,
    record_lint: bool = True,
) -> Revision:
    """Save article content as a new revision (creating the article when ``article`` is None).

    Locks the article row FOR NO KEY UPDATE, so concurrent saves of one article are numbered
    one after another while saves of other articles writing links to it (which take a
    key-share lock on it) go on; a rename first locks, with it and in id order, the articles
    linking to either title. A deadlock or serialization failure is retried. If the edit
    began from an older revision, it is merged with what was saved since; overlapping
    changes raise EditConflict and nothing is saved. Invalid content raises ContentError.
    Publishing over spoiler-lint warnings records a LintReport for the moderators.
    """
    content = normalise_content(content)
    if not content["title"]:
        raise ContentError({"title": ["every article needs a title."]})
    if article is not None:
        # A rename re-renders the articles linking to either title: their rows are locked now,
        # with this one and in the same order, before this row's key (its title) changes.
        renaming = refresh_links and content["title"] != article.title
        _lock_articles(
            [article.pk, *(_linking_sources({article.title, content["title"]}) if renaming else [])]
        )
        article = Article.objects.get(pk=article.pk)
        # The current revision in a query of its own, after the lock: when this save waited for
        # another, the revision that one saved is visible only to a new statement (joined into
        # the locking query it reads as missing, and the edit would skip the merge and silently
        # overwrite it).
        current = Revision.objects.filter(pk=article.current_revision_id).first()
        article.current_revision = current
        if base_revision_id and current and base_revision_id != current.pk:
            base = Revision.objects.filter(pk=base_revision_id, article=article).first()
            if base is None:
                raise ContentError(
                    {"base_revision": ["the edit began from a revision of another article."]}
                )
            merge = merge_content(base.content(), content, current.content())
            if not merge.clean:
                raise EditConflict(current, merge)
            content = normalise_content(merge.content)
            if action == Revision.Action.EDIT:
                action = Revision.Action.MERGE
    else:
        current = None
    _check_title_free(content["title"], article)
    rendered = render_content(content, summary, resolver=resolver)
    confirm_lint(rendered.warnings, acknowledged=lint_acknowledged)
    kind = ArticleKind.objects.get(key=content["kind"])
    catalogue = Catalogue.current()
    scope = catalogue.parse(content["scope"]) if content["scope"] else None
    old_title = article.title if article else None
    old_slug = article.slug if article else None
    if article is None:
        article = Article(title=content["title"], slug=article_slug(content["title"]), kind=kind)
        try:
            with transaction.atomic():
                article.lead = content["lead"]
                article.save()
        except IntegrityError as exc:
            raise ContentError(
                {"title": ["an article with this title or address was just created."]}
            ) from exc
        action = Revision.Action.CREATE if action == Revision.Action.EDIT else action
    size = len(content["body"]) + len(content["lead"])
    revision = Revision.objects.create(
        article=article,
        number=article.revision_count + 1,
        parent=current,
        author=author,
        author_name=author_name or (author.username if author else "nlmg"),
        action=action,
        summary=summary[:300],
        summary_html=rendered.summary_html,
        is_minor=is_minor,
        title=content["title"],
        kind_key=content["kind"],
        scope=scope.to_string(catalogue) if scope else "",
        lead=content["lead"],
        body=content["body"],
        infobox=content["infobox"],
        tags=content["tags"],
        lead_html=rendered.lead_html,
        body_html=rendered.body_html,
        infobox_html=rendered.infobox_html,
        headings=rendered.headings,
        size=size,
        size_change=size - (current.size if current else 0),
    )
    article.title = content["title"]
    article.slug = article_slug(content["title"])
    article.kind = kind
    article.scope = revision.scope
    article.scope_tokens = scope.tokens(catalogue) if scope else []
    article.lead = content["lead"]
    article.current_revision = revision
    article.revision_count = revision.number
    article.section_anchors = [h["anchor"] for h in rendered.headings]
    article.save()
    article.tags.set([t for t in content["tags"].split(", ") if t], clear=False)
    if old_slug and old_slug != article.slug:
        _leave_redirect(article, old_title, old_slug)
    ArticleRedirect.objects.filter(old_slug=article.slug).delete()
    _store_links(article, rendered.links)
    _store_search_segments(article, rendered)
    if refresh_links and old_title != article.title:
        _refresh_linking_articles({article.title, *([old_title] if old_title else [])})
    if record_lint:
        record_lint_report(revision, rendered.warnings, author)
    return revision


def _check_title_free(title: str, article: Article | None) -> None:
    others = Article.objects.exclude(pk=article.pk if article else None)
    slug = article_slug(title)
    if others.filter(title__iexact=title).exists() or others.filter(slug=slug).exists():
        raise ContentError({"title": [f'an article called "{title}" already exists.']})
    if ArticleRedirect.objects.filter(old_slug=slug).exclude(article=article).exists():
        raise ContentError(
            {"title": [f'"{title}" is the old name of another article (a redirect); pick another.']}
        )


def _leave_redirect(article: Article, old_title: str, old_slug: str) -> None:
    ArticleRedirect.objects.update_or_create(
        old_slug=old_slug, defaults={"article": article, "old_title": old_title}
    )


def _store_links(article: Article, links: list[tuple[str, str]]) -> None:
    """Replace the article's outgoing links (one delete, one lookup, one insert)."""
    ArticleLink.objects.filter(source=article).delete()
    targets = Article.objects.lookup_titles({title for title, _ in links})
    ArticleLink.objects.bulk_create(
        [
            ArticleLink(
                source=article,
                target_title=targets[title].title if title in targets else title,
                target=targets.get(title),
                section=section[:200],
            )
            for title, section in links
        ],
        ignore_conflicts=True,
    )


def _store_search_segments(article: Article, rendered: Rendered) -> None:
    """Rebuild the article's search segments: title (A), lead (B), infobox (C), body (D)."""
    SearchSegment.objects.filter(article=article).delete()
    catalogue = Catalogue.current()
    rows = [SearchSegment(article=article, position=0, weight="A", text=article.title)]
    lead_count = len(extract_segments(rendered.lead_html))
    infobox_count = sum(len(extract_segments(h)) for h in rendered.infobox_html.values())
    for index, segment in enumerate(rendered.segments, start=1):
        weight = "B" if index <= lead_count else "C" if index <= lead_count + infobox_count else "D"
        scopes = [_tokens(s, catalogue) for s in segment.scopes[:3]]
        if len(segment.scopes) > 3:
            scopes[2] = [GENERIC]
        scopes += [[]] * (3 - len(scopes))
        rows.append(
            SearchSegment(
                article=article,
                position=index,
                weight=weight,
                text=segment.text,
                scope1=scopes[0],
                scope2=scopes[1],
                scope3=scopes[2],
            )
        )
    SearchSegment.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wiki_searchsegment SET vector = setweight(to_tsvector('english', text), "
            'weight::"char") WHERE article_id = %s',
            [article.pk],
        )


def _tokens(stored_scope: str, catalogue: Catalogue) -> list[str]:
    scope = catalogue.parse_stored(stored_scope)
    return scope.tokens(catalogue)


def _refresh_linking_articles(titles: set[str]) -> None:
    """Re-render articles whose links to these titles changed colour (red ↔ blue)."""
    locked = _lock_articles(_linking_sources(titles))
    # Read after the lock, in a statement of its own, so each source's current revision is the
    # one its last save committed.
    for source in Article.objects.filter(pk__in=locked).select_related("current_revision"):
        rerender_current(source)


def _linking_sources(titles: set[str]) -> list[int]:
    """The ids of the articles linking to any of these titles (in any case)."""
    lowered = [t.lower() for t in titles if t]
    if not lowered:
        return []
    return list(
        ArticleLink.objects.annotate(lower_title=Lower("target_title"))
        .filter(lower_title__in=lowered)
        .values_list("source_id", flat=True)
        .distinct()
    )


def _lock_articles(pks) -> list[int]:
    """Lock these article rows FOR NO KEY UPDATE in ascending id order (the one order in which
    a transaction takes the rows of articles other than the one it saves, so two of them never
    wait for each other in a cycle); their ids."""
    return list(
        Article.objects.filter(pk__in=pks)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )


def rerender_current(article: Article) -> None:
    """Render the current revision's source again (derived HTML only; the source is kept)."""
    revision = article.current_revision
    if revision is None:
        return
    rendered = render_content(revision.content(), revision.summary)
    Revision.objects.filter(pk=revision.pk).update(
        lead_html=rendered.lead_html,
        body_html=rendered.body_html,
        infobox_html=rendered.infobox_html,
        headings=rendered.headings,
    )
    article.section_anchors = [h["anchor"] for h in rendered.headings]
    Article.objects.filter(pk=article.pk).update(section_anchors=article.section_anchors)
    _store_links(article, rendered.links)
    _store_search_segments(article, rendered)


def revert_article(
    *, article: Article, to_revision: Revision, author, summary: str = ""
) -> Revision:
    """A new revision copying an earlier one's content; history never rewinds."""
    if to_revision.article_id != article.pk:
        raise ValueError("that revision belongs to another article")
    return save_revision(
        article=article,
        author=author,
        content=to_revision.content(),
        summary=summary or f"Reverted to revision {to_revision.number}",
        action=Revision.Action.REVERT,
    )


def undo_revision(*, article: Article, revision: Revision, author, summary: str = "") -> Revision:
    """Take back one revision's changes while keeping everything saved after it.

    Raises EditConflict when later edits touched the same lines.
    """
    if revision.parent is None:
        raise ContentError({"revision": ["the first revision cannot be undone; delete instead."]})
    article = Article.objects.select_related("current_revision").get(pk=article.pk)
    current = article.current_revision
    merge = merge_content(revision.content(), revision.parent.content(), current.content())
    if not merge.clean:
        raise EditConflict(current, merge)
    return save_revision(
        article=article,
        author=author,
        content=merge.content,
        summary=summary or f"Undid revision {revision.number} by {revision.author_name}",
        action=Revision.Action.UNDO,
        # An edit saved meanwhile is merged with the undo, not overwritten by it.
        base_revision_id=current.pk,
    )


def set_protection(*, article: Article, protected: bool) -> bool:
    """Protect or unprotect; returns False when it was already so."""
    updated = Article.objects.filter(pk=article.pk, is_protected=not protected).update(
        is_protected=protected
    )
    article.is_protected = protected
    bump_page_generation()
    return bool(updated)


def set_featured(*, article: Article, featured: bool) -> bool:
    updated = Article.objects.filter(pk=article.pk, is_featured=not featured).update(
        is_featured=featured
    )
    article.is_featured = featured
    bump_page_generation()
    return bool(updated)


def set_deleted(*, article: Article, deleted: bool) -> bool:
    """Delete (hide) or restore an article: links to it turn red or blue again."""
    updated = Article.objects.filter(pk=article.pk, is_deleted=not deleted).update(
        is_deleted=deleted
    )
    article.is_deleted = deleted
    bump_page_generation()
    if updated:
        if deleted:
            # The linking articles first (they are re-rendered below), then their link rows: a
            # save of one of them, which holds its own row and rewrites its links, never waits
            # for this while this waits for it.
            _lock_articles(ArticleLink.objects.filter(target=article).values("source_id"))
            ArticleLink.objects.filter(target=article).update(target=None)
        _refresh_linking_articles({article.title})
    return bool(updated)


def relink_red_links() -> int:
    """Point link rows at articles created after the links were saved (one UPDATE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE wiki_articlelink l SET target_id = a.id FROM wiki_article a "
            "WHERE l.target_id IS NULL AND lower(l.target_title) = lower(a.title) "
            "AND NOT a.is_deleted"
        )
        return cursor.rowcount


# --- moderator actions on articles and revisions (logged; see nlmg.moderation.services) ------

Action = ModerationEvent.Action


@moderator_action(Action.PROTECT, permission=permissions.can_protect_article)
def protect_article(article: Article, *, moderator, reason) -> bool:
    return set_protection(article=article, protected=True)


@moderator_action(Action.UNPROTECT, permission=permissions.can_protect_article)
def unprotect_article(article: Article, *, moderator, reason) -> bool:
    return set_protection(article=article, protected=False)


@moderator_action(Action.FEATURE, permission=permissions.can_protect_article)
def feature_article(article: Article, *, moderator, reason) -> bool:
    return set_featured(article=article, featured=True)


@moderator_action(Action.UNFEATURE, permission=permissions.can_protect_article)
def unfeature_article(article: Article, *, moderator, reason) -> bool:
    return set_featured(article=article, featured=False)


@moderator_action(Action.DELETE, permission=permissions.can_delete_article)
def delete_article(article: Article, *, moderator, reason) -> bool:
    return set_deleted(article=article, deleted=True)


@moderator_action(Action.UNDELETE, permission=permissions.can_delete_article)
def undelete_article(article: Article, *, moderator, reason) -> bool:
    return set_deleted(article=article, deleted=False)


@moderator_action(Action.HIDE)
def hide_revision(revision: Revision, *, moderator, reason) -> bool:
    """Take an edit off its article: revert to the revision before it, while it is current."""
    article = revision.article
    if article.current_revision_id != revision.pk or revision.parent is None:
        return False
    revert_article(
        article=article,
        to_revision=revision.parent,
        author=moderator,
        summary=f"Moderator removed revision {revision.number}: {reason}"[:300],
    )
    resolve_flags_on(revision, moderator)
    return True


@moderator_action(Action.RESTORE)
def restore_revision(revision: Revision, *, moderator, reason) -> bool:
    """Bring a removed edit's content back, as a new revision."""
    if revision.article.current_revision_id == revision.pk:
        return False
    revert_article(
        article=revision.article,
        to_revision=revision,
        author=moderator,
        summary=f"Moderator restored revision {revision.number}",
    )
    return True


@moderator_action(Action.WRAP)
def wrap_revision_spoiler(
    revision: Revision, *, moderator, reason, term: str, scope: str, sentence: str = ""
) -> bool:
    """Put the sentence of the article's text that uses ``term`` in a spoiler of ``scope``: a
    new revision by the moderator, with the reason as its summary."""
    article = Article.objects.select_related("current_revision").get(pk=revision.article_id)
    content = article.current_revision.content()
    body = wrap_in_spoiler(content["body"], term=term, scope=scope, sentence=sentence)
    if body is None:
        return False
    save_revision(
        article=article,
        author=moderator,
        content={**content, "body": body},
        summary=f"Moderator wrapped a spoiler: {reason}"[:300],
    )
    return True
