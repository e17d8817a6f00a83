"""The canon content shipped in wiki/canon/: parsing, validation and loading.

Loading is idempotent and all-or-nothing: every file is parsed and rendered first, and any
problem stops the load with the file name and line before anything is written.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from nlmg.spoilers.markup import LinkTarget, extract_segments, render, render_inline
from nlmg.spoilers.markup.checks import check_source
from nlmg.spoilers.markup.gating import Segment
from nlmg.spoilers.markup.lint import PHRASE, WORD, LintWarning, Term, lint_segments
from nlmg.spoilers.markup.syntax import WIKILINK, normalise_title
from nlmg.spoilers.models import LintTerm, split_forms, values_digest
from nlmg.spoilers.scope import Catalogue, ScopeError

from .links import resolve_titles
from .models import Article, ArticleKind, Revision
from .models.article import article_slug
from .services import ContentError, normalise_content, relink_red_links, save_revision

CANON_DIR = Path(__file__).resolve().parent / "canon"
GLOSSARY_NAME = "glossary.yaml"
CANON_AUTHOR = "nlmg canon"
FRONT_MATTER = re.compile(r"\A---\n(?P<yaml>.*?)\n---\n", re.S)
UNCLOSED_LINK = re.compile(r"\[\[(?:(?!\]\]).)*$")


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
    lines: dict = field(default_factory=dict)  # front-matter key -> line number

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
        lines=front_matter_lines(m.group("yaml")),
    )


def front_matter_lines(text: str) -> dict[str, int]:
    """The file line of each top-level key and of each infobox key ("infobox.role")."""
    lines: dict[str, int] = {}
    section = ""
    for number, line in enumerate(text.split("\n"), start=2):
        if m := re.match(r"^([A-Za-z_]+):", line):
            section = m.group(1)
            lines[section] = number
        elif m := re.match(r"^\s+([A-Za-z_]+):", line):
            lines.setdefault(f"{section}.{m.group(1)}", number)
    return lines


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
                if UNCLOSED_LINK.search(line):
                    problems.append(
                        f"{name}:{base_line + number}: a wiki link is split across lines "
                        "(keep [[...]] on one line, or it renders as plain text)."
                    )
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


def read_glossary(directory: Path = CANON_DIR) -> list[Term]:
    """The glossary shipped with the canon (``glossary.yaml``); raises CanonError."""
    path = directory / GLOSSARY_NAME
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", 0) + 1
        raise CanonError(f"{path.name}:{line}: bad glossary: {exc}") from exc
    entries = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise CanonError(f"{path.name}:1: the glossary needs a list of 'terms'.")
    terms = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path.name}: term {number}"
        if not isinstance(entry, dict) or not str(entry.get("term") or "").strip():
            raise CanonError(f"{where}: every entry needs a 'term'.")
        forms = entry.get("forms") or []
        if isinstance(forms, str):
            forms = split_forms(forms)
        if not isinstance(forms, list):
            raise CanonError(f"{where}: 'forms' must be a list.")
        match = str(entry.get("match") or WORD)
        if match not in (WORD, PHRASE):
            raise CanonError(f"{where}: 'match' must be {WORD} or {PHRASE}, not '{match}'.")
        terms.append(
            Term(
                term=" ".join(str(entry["term"]).split()),
                scope=" ".join(str(entry.get("scope") or "").split()),
                note=" ".join(str(entry.get("note") or "").split()),
                forms=tuple(" ".join(str(f).split()) for f in forms if str(f).strip()),
                match=match,
            )
        )
    return terms


def validate_glossary(terms: list[Term]) -> list[str]:
    catalogue = Catalogue.current()
    problems = []
    seen = set()
    for term in terms:
        where = f"{GLOSSARY_NAME}: '{term.term}'"
        if term.term.lower() in seen:
            problems.append(f"{where}: listed twice.")
        seen.add(term.term.lower())
        if not term.scope:
            problems.append(f"{where}: every term needs a scope.")
            continue
        try:
            catalogue.parse(term.scope)
        except ScopeError as exc:
            problems.append(f"{where}: scope: {exc}")
    return problems


def _line_in(text: str, first_line: int, warning: LintWarning) -> int:
    """The line of ``text`` (starting at ``first_line``) most likely to hold the warning."""
    term = re.compile(re.escape(warning.term).replace(r"\ ", r"\s+"), re.IGNORECASE)
    words = set(re.findall(r"\w+", warning.sentence.lower()))
    best, best_score = 0, -1
    for number, line in enumerate(text.split("\n")):
        if term.search(line):
            score = len(words & set(re.findall(r"\w+", line.lower())))
            if score > best_score:
                best, best_score = number, score
    return first_line + best


def lint_problems(name: str, parts, terms: list[Term], catalogue: Catalogue) -> list[str]:
    """Lint (text, first line, segments) parts of one file; one problem per warning."""
    problems = []
    for text, first_line, segments in parts:
        for warning in lint_segments(segments, catalogue, terms=terms):
            line = _line_in(text, first_line, warning)
            problems.append(
                f'{name}:{line}: "{warning.term}" is revealed at {warning.label} '
                f"({warning.scope}) but is used outside a spoiler that covers it: "
                f"\u201c{warning.sentence}\u201d"
            )
    return problems


def _scoped(segments, enclosing: tuple[str, ...]) -> list[Segment]:
    return [Segment(s.text, enclosing + s.scopes) for s in segments]


def lint_article(
    article: CanonArticle, terms: list[Term], catalogue: Catalogue, resolver=None
) -> list[str]:
    """Every glossary term the article uses where a reader could read it too early: in its
    title, lead, tags, infobox values and body (headings, lists and link labels included)."""
    enclosing = ()
    if article.scope:
        try:
            enclosing = (catalogue.parse(article.scope).to_string(catalogue),)
        except ScopeError:
            return []  # reported by validate()
    lines = article.lines
    parts = [
        (f"title: {article.title}", lines.get("title", 2), [Segment(article.title, enclosing)]),
        (article.lead, lines.get("lead", 2), [Segment(article.lead, enclosing)]),
        (
            ", ".join(article.tags),
            lines.get("tags", 2),
            [Segment(" ".join(article.tags), enclosing)],
        ),
    ]
    for key, value in article.infobox.items():
        html = render_inline(value, catalogue=catalogue, resolver=resolver).html
        line = lines.get(f"infobox.{key}", lines.get("infobox", 2))
        parts.append((value, line, _scoped(extract_segments(html), enclosing)))
    html = render(article.body, catalogue=catalogue, resolver=resolver).html
    parts.append((article.body, article.body_line, _scoped(extract_segments(html), enclosing)))
    return lint_problems(article.path.name, parts, terms, catalogue)


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_member_edits: list[str] = field(default_factory=list)
    terms_created: list[str] = field(default_factory=list)
    terms_updated: list[str] = field(default_factory=list)
    terms_unchanged: list[str] = field(default_factory=list)
    terms_removed: list[str] = field(default_factory=list)
    kept_admin_terms: list[str] = field(default_factory=list)


def _loader_owned(article: Article) -> bool:
    revision = article.current_revision
    return (
        revision is not None
        and revision.author_id is None
        and revision.author_name == CANON_AUTHOR
        and revision.action in (Revision.Action.CREATE, Revision.Action.CANON)
    )


def _seeded_terms() -> dict[str, dict]:
    """The glossary seeded by migration 0003, as the values a term row held then."""
    seed = importlib.import_module("nlmg.spoilers.migrations.0003_seed_lint_terms")
    return {
        term.lower(): {
            "term": term,
            "forms": [],
            "match": WORD,
            "scope": scope,
            "note": note,
            "is_active": True,
        }
        for term, scope, note in seed.TERMS
    }


def _term_values(term: Term) -> dict:
    return {
        "term": term.term,
        "forms": list(term.forms),
        "match": term.match,
        "scope": term.scope,
        "note": term.note,
        "is_active": True,
    }


def _loader_owns_term(row: LintTerm, seeded: dict[str, dict]) -> bool:
    """True while a term is as the loader (or migration 0003) left it: no admin changed it."""
    if row.canon_digest:
        return row.canon_digest == values_digest(row.canon_values())
    return seeded.get(row.term.lower()) == row.canon_values()


def load_glossary(terms: list[Term], report: LoadReport) -> None:
    """Create the canon's terms, update those still as the loader left them, remove the ones
    the canon no longer lists (if no admin changed them), and keep every admin change."""
    seeded = _seeded_terms()
    rows = {row.term.lower(): row for row in LintTerm.objects.all()}
    listed = set()
    for term in terms:
        key = term.term.lower()
        listed.add(key)
        values = _term_values(term)
        digest = values_digest(values)
        fields = {**values, "forms": "\n".join(term.forms), "canon_digest": digest}
        row = rows.get(key)
        if row is None:
            LintTerm.objects.create(**fields)
            report.terms_created.append(term.term)
        elif not _loader_owns_term(row, seeded):
            report.kept_admin_terms.append(row.term)
        elif row.canon_digest == digest and row.canon_values() == values:
            report.terms_unchanged.append(row.term)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            row.save()
            report.terms_updated.append(term.term)
    for key, row in rows.items():
        if key in listed:
            continue
        if row.canon_digest or key in seeded:
            if _loader_owns_term(row, seeded):
                row.delete()
                report.terms_removed.append(row.term)
            else:
                report.kept_admin_terms.append(row.term)


def lint_canon(articles: list[CanonArticle], terms: list[Term], resolver=None) -> list[str]:
    """Every place in the canon articles that the glossary warns about (the starter threads
    are linted by discussions.canon, which loads them)."""
    catalogue = Catalogue.current()
    problems = []
    for article in articles:
        problems += lint_article(article, terms, catalogue, resolver)
    return problems


@transaction.atomic
def load_canon(directory: Path = CANON_DIR) -> LoadReport:
    """Create missing canon articles, update those still as the loader left them, and leave
    articles that members have edited alone (reported); the same for the glossary's terms and
    the admins who changed them.

    Nothing is written unless every article passes the glossary's lint.
    Raises CanonError, writing nothing."""

    articles = read_canon(directory)
    terms = read_glossary(directory)
    problems = validate(articles) + validate_glossary(terms)
    if problems:
        raise CanonError("\n".join(problems))
    resolver = canon_resolver(articles)
    problems = lint_canon(articles, terms, resolver)
    if problems:
        raise CanonError("\n".join(problems))
    report = LoadReport()
    load_glossary(terms, report)
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
