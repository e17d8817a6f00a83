"""The one publishing path for every piece of markdown on the site.

On save, a content app collects its fields in a ``Draft``: each is checked, rendered and
sanitised once, with one error type (``ContentError``) naming the field of every problem, and
the spoiler lint over everything the draft holds. What is published over lint warnings is
recorded for the moderators by ``record_lint_report``.

On read, ``gate`` (with the ``Reveal`` the reader asked for) withholds every spoiler the reader
has not reached. One withheld spoiler is served on request by the ``spoiler`` view, from the
spoiler sources that content apps register here: each source loads the stored HTML of one of
its objects after the same permission checks as the page that shows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.urls import reverse

from .markup.checks import MAX_SOURCE_CHARS
from .markup.gating import (
    NO_REVEAL,
    Reveal,
    Segment,
    count_withheld,
    extract_segments,
    gate,
    withheld_scope,
)
from .markup.lint import LintWarning, lint_segments
from .markup.render import RenderResult, render, render_inline
from .models import LintReport
from .scope import Catalogue, Scope, ScopeError, point_label

__all__ = [
    "NO_REVEAL",
    "ContentError",
    "count_withheld",
    "Draft",
    "Reveal",
    "gate",
    "is_reached",
    "record_lint_report",
    "register_spoiler_source",
    "scope_label",
]


class ContentError(Exception):
    """Content cannot be published. ``errors`` maps field names to messages; ``warnings``
    holds the (field, lint warning) pairs when publishing waits for the author to confirm."""

    def __init__(
        self,
        errors: dict[str, list[str]],
        warnings: Iterable[tuple[str, LintWarning]] = (),
    ):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors
        self.warnings = list(warnings)


@dataclass
class Draft:
    """The fields of one piece of content on their way to being published."""

    catalogue: Catalogue = field(default_factory=Catalogue.current)
    resolver: Callable | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    links: list[tuple[str, str]] = field(default_factory=list)
    segments: list[tuple[str, Segment]] = field(default_factory=list)  # (field, segment)

    def add_error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def scope(self, name: str, text: str) -> str:
        """The canonical form of a scope field ("novel:part-2" → "novel:17"), or "" with an
        error recorded when it does not parse."""
        text = " ".join((text or "").split())
        if not text:
            return ""
        try:
            return self.catalogue.parse(text).to_string(self.catalogue)
        except ScopeError as exc:
            self.add_error(name, str(exc))
            return ""

    def render(
        self,
        name: str,
        source: str,
        *,
        max_chars: int = MAX_SOURCE_CHARS,
        inline: bool = False,
    ) -> RenderResult:
        """Render one field; its problems are recorded under ``name``, its text is kept for
        the lint, its wiki links collected."""
        result = (render_inline if inline else render)(
            source, catalogue=self.catalogue, resolver=self.resolver, max_chars=max_chars
        )
        for error in result.errors:
            self.add_error(name, str(error))
        self.links.extend(result.links)
        self.segments.extend((name, s) for s in extract_segments(result.html))
        return result

    def check(self) -> None:
        """Raise ContentError when any field has a problem."""
        if self.errors:
            raise ContentError(self.errors)

    def lint(self, *, within: Iterable[str] = ()) -> list[tuple[str, LintWarning]]:
        """(field, warning) for every revealing term not covered by a spoiler around it, nor by
        one of the scopes ``within`` (the post's own scope, its thread's), which everything
        in the draft carries."""
        scopes = [self.catalogue.parse_stored(s) for s in within if s]
        found = []
        for name in dict.fromkeys(n for n, _ in self.segments):
            segments = [s for n, s in self.segments if n == name]
            for warning in lint_segments(segments, self.catalogue):
                term_scope = self.catalogue.parse(warning.scope)
                if not any(s.implies(term_scope) for s in scopes):
                    found.append((name, warning))
        return found


def confirm_lint(warnings: list[tuple[str, LintWarning]], *, acknowledged: bool) -> None:
    """Publishing over lint warnings waits for the author's "publish anyway"."""
    if warnings and not acknowledged:
        errors: dict[str, list[str]] = {}
        for name, w in warnings[:10]:
            errors.setdefault(name, []).append(f"{w.message} “{w.sentence}”")
        raise ContentError(errors, warnings)


def lint_summary(form, warnings: Iterable[tuple[str, LintWarning]]) -> list[dict]:
    """The warnings of a ContentError as the forms list them above the fields: each with the
    field it concerns (its id and label), the term and what it reveals."""
    rows = []
    for name, warning in warnings:
        bound = form[name] if name in form.fields else None
        rows.append(
            {
                "field_id": bound.id_for_label if bound else "",
                "field_label": bound.label if bound else name.capitalize(),
                "term": warning.term,
                "label": warning.label,
            }
        )
    return rows


def check_title(title: str, *, name: str = "title") -> None:
    """Titles are read by everyone (listings, tab titles, feeds, link previews), so one that
    uses a revealing term is refused, with no "publish anyway"."""
    catalogue = Catalogue.current()
    warnings = lint_segments([Segment(" ".join(title.split()), ())], catalogue)
    if warnings:
        raise ContentError(
            {
                name: [
                    f"“{w.term}” in a title gives away {w.label}. Every reader sees titles, "
                    "whatever their progress: rephrase it, and keep the spoiler for the post, "
                    "inside a spoiler."
                    for w in warnings
                ]
            }
        )


def record_lint_report(obj, warnings: Iterable[tuple[str, LintWarning]], author) -> None:
    """Content published over lint warnings goes to the moderation queue."""
    terms = [
        {"field": name, "term": w.term, "scope": w.scope, "sentence": w.sentence}
        for name, w in warnings
    ]
    if terms:
        LintReport.objects.create(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk,
            author=author,
            terms=terms,
        )


# --- reading ------------------------------------------------------------------------------


def is_reached(scope_text: str, progress: Mapping[str, int], catalogue=None) -> bool:
    """True when the reader has reached a stored scope (no scope: always)."""
    if not scope_text:
        return True
    return (catalogue or Catalogue.current()).parse_stored(scope_text).is_reached(progress)


def scope_label(scope_text: str, catalogue=None) -> str:
    """ "Novel, Part Three, ch. 22 / Film: Completion (1994)"; "" for no scope."""
    if not scope_text:
        return ""
    catalogue = catalogue or Catalogue.current()
    return catalogue.parse_stored(scope_text).label(catalogue)


def furthest_label(scope: Scope, catalogue=None) -> str:
    """The furthest point per work of a scope, in words: "Novel, Part Three, ch. 22 / Film:
    Completion (1994)" for everything a page withholds."""
    catalogue = catalogue or Catalogue.current()
    if scope.generic and not scope.pairs:
        return "hidden spoilers"
    parts = []
    for work in catalogue.works.values():
        positions = [p for w, p in scope.pairs if w == work.key]
        if positions and (point := work.point(max(positions))):
            parts.append(point_label(work, point))
    return " / ".join(parts) or "hidden spoilers"


def withheld_label(stored_htmls: Iterable[str], progress: Mapping[str, int]) -> str:
    """What showing these texts whole would reveal to this reader, or "" when nothing."""
    catalogue = Catalogue.current()
    found = None
    for html in stored_htmls:
        scope = withheld_scope(html or "", progress, catalogue=catalogue)
        if scope is not None:
            found = scope if found is None else found.union(scope)
    return furthest_label(found, catalogue) if found is not None else ""


# --- one spoiler on request ---------------------------------------------------------------

SpoilerLoader = Callable[..., tuple[str, str]]
_SOURCES: dict[str, SpoilerLoader] = {}


def register_spoiler_source(name: str, loader: SpoilerLoader) -> None:
    """``loader(request, pk, field) -> (stored HTML, namespace)`` for one field of one object,
    raising Http404 where the page showing it would; called from an app's ``ready()``."""
    _SOURCES[name] = loader


def fragment_url(source: str, pk: int, field_name: str) -> str:
    """Where JavaScript fetches the spoilers of one field: this + "<n>/"."""
    url = reverse(
        "spoilers:spoiler", kwargs={"source": source, "pk": pk, "field": field_name, "n": 1}
    )
    return url[: -len("1/")]


def load_spoiler_source(request, source: str, pk: int, field_name: str) -> tuple[str, str]:
    loader = _SOURCES.get(source)
    if loader is None:
        raise Http404("No such kind of content.")
    return loader(request, pk, field_name)
