"""The canon content shipped in wiki/canon/: parsing, validation and loading.

Loading is idempotent and all-or-nothing: every file is parsed and rendered first, and any
problem stops the load with the file name and line before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from nlmg.spoilers.markup import LinkTarget
from nlmg.spoilers.markup.checks import check_source
from nlmg.spoilers.markup.syntax import WIKILINK, normalise_title
from nlmg.spoilers.scope import Catalogue, ScopeError

from .models import Article, ArticleKind, Revision
from .models.article import article_slug

CANON_DIR = Path(__file__).resolve().parent / "canon"
CANON_AUTHOR = "nlmg canon"
FRONT_MATTER = re.compile(r"\A---\n(?P<yaml>.*?)\n---\n", re.S)


class CanonError(Exception):
    """A malformed canon file; the message names the file and line."""


@dataclass
class CanonArticle:
    path: Path
    title: str
    kind: str
    lead: str
    body: str
    body_line: int
    tags: list[str] = field(default_factory=list)
    infobox: dict = field(default_factory=dict)
    scope: str = ""
    featured: bool = False

    def content(self) -> dict:
        return {
            "title": self.title,
            "kind": self.kind,
            "scope": self.scope,
            "lead": self.lead,
            "body": self.body,
            "infobox": self.infobox,
            "tags": ", ".join(self.tags),
        }


def parse_file(path: Path) -> CanonArticle:
    raw = path.read_text(encoding="utf-8")
    m = FRONT_MATTER.match(raw)
    if not m:
        raise CanonError(f"{path.name}:1: no front matter (a block between two --- lines).")
    try:
        meta = yaml.safe_load(m.group("yaml")) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 2
        raise CanonError(f"{path.name}:{line}: bad front matter: {exc}") from exc
    if not isinstance(meta, dict):
        raise CanonError(f"{path.name}:2: the front matter must be a mapping of keys to values.")
    for key in ("title", "kind", "lead"):
        if not meta.get(key) or not isinstance(meta[key], str):
            raise CanonError(f"{path.name}:2: front matter needs a text '{key}'.")
    tags = meta.get("tags") or []
    if not isinstance(tags, list):
        raise CanonError(f"{path.name}:2: 'tags' must be a list.")
    infobox = meta.get("infobox") or {}
    if not isinstance(infobox, dict):
        raise CanonError(f"{path.name}:2: 'infobox' must be a mapping.")
    return CanonArticle(
        path=path,
        title=normalise_title(meta["title"]),
        kind=meta["kind"],
        lead=" ".join(meta["lead"].split()),
        body=raw[m.end() :],
        body_line=raw[: m.end()].count("\n") + 1,
        tags=[str(t).strip().lower() for t in tags if str(t).strip()],
        infobox={str(k): str(v).strip() for k, v in infobox.items() if v is not None},
        scope=str(meta.get("scope") or "").strip(),
        featured=bool(meta.get("featured")),
    )


def read_canon(directory: Path = CANON_DIR) -> list[CanonArticle]:
    return [parse_file(p) for p in sorted(directory.glob("*.md")) if p.name != "README.md"]


def validate(articles: list[CanonArticle]) -> list[str]:
    """Every problem in the canon, as "file:line: message"."""
    catalogue = Catalogue.current()
    kinds = {k.key: k for k in ArticleKind.objects.all()}
    titles = {a.title.lower() for a in articles}
    titles |= {t.lower() for t in Article.objects.live().values_list("title", flat=True)}
    problems = []
    seen = {}
    for a in articles:
        name = a.path.name
        if a.path.stem != slugify(a.title):
            problems.append(f"{name}:2: the file should be named {slugify(a.title)}.md.")
        if a.title.lower() in seen:
            problems.append(
                f"{name}:2: the title '{a.title}' is also used by {seen[a.title.lower()]}."
            )
        seen[a.title.lower()] = name
        kind = kinds.get(a.kind)
        if kind is None:
            problems.append(f"{name}:2: unknown kind '{a.kind}' (known: {', '.join(kinds)}).")
        else:
            for key in a.infobox:
                if key not in kind.field_labels:
                    problems.append(f"{name}:2: '{key}' is not an infobox field of {a.kind}.")
        if not a.infobox:
            problems.append(f"{name}:2: every canon article needs an infobox.")
        if not a.tags:
            problems.append(f"{name}:2: every canon article needs tags.")
        if ">!" in a.lead or ":::" in a.lead:
            problems.append(f"{name}:2: the lead must be spoiler-free (no spoiler markup).")
        if a.scope:
            try:
                catalogue.parse(a.scope)
            except ScopeError as exc:
                problems.append(f"{name}:2: article scope: {exc}")
        for error in check_source(a.body, catalogue):
            problems.append(f"{name}:{a.body_line + error.line - 1}: {error.message}")
        for key, value in a.infobox.items():
            for error in check_source(value, catalogue):
                problems.append(f"{name}:2: infobox {key}: {error.message}")
        for text, base_line in [(a.body, a.body_line)] + [(v, 2) for v in a.infobox.values()]:
            for number, line in enumerate(text.split("\n")):
                for m in WIKILINK.finditer(line):
                    if normalise_title(m.group("title")).lower() not in titles:
                        problems.append(
                            f"{name}:{base_line + number}: link to a missing article "
                            f"'{m.group('title')}'."
                        )
    return problems


def canon_resolver(articles: list[CanonArticle]):
    """Resolve links against the canon (as it will be once loaded) and existing articles."""
    catalogue = Catalogue.current()
    by_title = {a.title.lower(): a for a in articles}

    def resolve(titles):
        from .links import resolve_titles

        out = resolve_titles(titles)
        for title in titles:
            a = by_title.get(title.lower())
            if a is not None:
                scope = catalogue.parse(a.scope).to_string(catalogue) if a.scope else ""
                out[title] = LinkTarget(
                    a.title,
                    reverse("wiki:article", kwargs={"slug": article_slug(a.title)}),
                    exists=True,
                    scope=scope,
                )
        return out

    return resolve


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_member_edits: list[str] = field(default_factory=list)


def _loader_owned(article: Article) -> bool:
    revision = article.current_revision
    return (
        revision is not None
        and revision.author_id is None
        and revision.author_name == CANON_AUTHOR
        and revision.action in (Revision.Action.CREATE, Revision.Action.CANON)
    )


@transaction.atomic
def load_canon(directory: Path = CANON_DIR) -> LoadReport:
    """Create missing canon articles, update those still as the loader left them, and leave
    articles that members have edited alone (reported). Raises CanonError, writing nothing."""
    from .services import ContentError, normalise_content, relink_red_links, save_revision

    try:
        articles = read_canon(directory)
    except CanonError:
        raise
    problems = validate(articles)
    if problems:
        raise CanonError("\n".join(problems))
    resolver = canon_resolver(articles)
    report = LoadReport()
    existing = {
        a.title.lower(): a
        for a in Article.objects.select_related("current_revision").filter(
            title__in=[c.title for c in articles]
        )
    }
    for canon in articles:
        article = existing.get(canon.title.lower())
        try:
            if article is None:
                revision = save_revision(
                    article=None,
                    author=None,
                    author_name=CANON_AUTHOR,
                    content=canon.content(),
                    summary="Canon article loaded from wiki/canon/",
                    resolver=resolver,
                    refresh_links=False,
                    record_lint=False,
                )
                revision.article.is_featured = canon.featured
                revision.article.save(update_fields=["is_featured"])
                report.created.append(canon.title)
            elif not _loader_owned(article):
                report.kept_member_edits.append(canon.title)
            elif normalise_content(canon.content()) != normalise_content(
                article.current_revision.content()
            ):
                save_revision(
                    article=article,
                    author=None,
                    author_name=CANON_AUTHOR,
                    content=canon.content(),
                    summary="Canon article updated from wiki/canon/",
                    action=Revision.Action.CANON,
                    resolver=resolver,
                    refresh_links=False,
                    record_lint=False,
                )
                Article.objects.filter(pk=article.pk).update(is_featured=canon.featured)
                report.updated.append(canon.title)
            else:
                report.unchanged.append(canon.title)
        except ContentError as exc:
            raise CanonError(f"{canon.path.name}:{canon.body_line}: {exc}") from exc
    relink_red_links()
    return report
