"""Per-reader gating of stored HTML, and the text and headings a reader may see.

Stored HTML comes only from ``render`` (sanitised by nh3, so well formed, attributes double-quoted,
no raw "<" in text). Spoilers in it are ``<div class="spoiler" data-scope="...">`` (blocks),
``<span class="spoiler" data-scope="...">`` (inline) and ``<a class="wikilink" data-scope="...">``
(links to articles whose existence is a reveal). A single left-to-right scan over the tags
rewrites them; it costs microseconds per spoiler.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.html import escape

from ..scope import Catalogue, Scope

TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"\'>/=]+(?:="[^"]*")?)*)\s*/?>')
ATTR_SCOPE = re.compile(r'\sdata-scope="([^"]*)"')
ATTR_CLASS = re.compile(r'\sclass="([^"]*)"')
ATTR_ID = re.compile(r'\sid="([^"]*)"')
HIDDEN_LINK_TEXT = "an article beyond your progress"
BLOCK_LEVEL = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "br", "hr",
               "blockquote", "pre", "dd", "dt", "table", "ul", "ol"}  # fmt: skip


def _scope_of(attrs: str) -> str | None:
    m = ATTR_SCOPE.search(attrs)
    return html_lib.unescape(m.group(1)) if m else None


def _is_spoiler(attrs: str) -> bool:
    m = ATTR_CLASS.search(attrs)
    return bool(m) and "spoiler" in m.group(1).split()


class _ScopeCache:
    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.scopes: dict[str, Scope] = {}

    def __call__(self, text: str) -> Scope:
        scope = self.scopes.get(text)
        if scope is None:
            scope = self.scopes[text] = self.catalogue.parse_stored(text)
        return scope


def gate(
    stored_html: str,
    progress: Mapping[str, int],
    *,
    catalogue: Catalogue | None = None,
    preview: bool = False,
) -> str:
    """What one reader may see of stored HTML.

    Spoilers the reader has not reached become collapsed ``<details class="spoiler"
    data-nosnippet>`` naming what they spoil; reached ones become plain content with a marker.
    Links to articles beyond the reader's progress lose their title and address. With
    ``preview`` every spoiler is shown open and marked (the editor's preview).
    """
    if "data-scope" not in stored_html:
        return stored_html
    scope_of = _ScopeCache(catalogue or Catalogue.current())
    out: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag name, closing text to emit)
    skipping_link = False
    position = 0
    for m in TAG.finditer(stored_html):
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if skipping_link:
            if closing and name == "a":
                skipping_link = False
                position = m.end()
            continue
        out.append(stored_html[position : m.start()])
        position = m.end()
        if name not in ("div", "span", "a"):
            out.append(m.group(0))
            continue
        if closing:
            if stack and stack[-1][0] == name:
                out.append(stack.pop()[1])
            else:
                out.append(m.group(0))
            continue
        scope_text = _scope_of(attrs)
        if scope_text is None:
            stack.append((name, f"</{name}>"))
            out.append(m.group(0))
            continue
        scope = scope_of(scope_text)
        label = scope.label(scope_of.catalogue)
        if name == "a":
            if preview or scope.is_reached(progress):
                stack.append(("a", "</a>"))
                out.append(m.group(0))
            else:
                out.append(f'<span class="wikilink-hidden">{HIDDEN_LINK_TEXT}</span>')
                skipping_link = True
            continue
        if not _is_spoiler(attrs):
            stack.append((name, f"</{name}>"))
            out.append(m.group(0))
            continue
        inline = name == "span"
        wrapper = "span" if inline else "div"
        if preview:
            title = escape(f"Spoiler: {label}")
            out.append(
                f'<{wrapper} class="preview-spoiler" data-preview-scope="{escape(scope_text)}">'
                f'<span class="preview-spoiler__label">{title}</span> '
            )
            stack.append((name, f"</{wrapper}>"))
        elif scope.is_reached(progress):
            css = "spoiler-reached" if inline else "spoiler-block-reached"
            out.append(f'<{wrapper} class="{css}" title="{escape("Spoiler up to " + label)}">')
            stack.append((name, f"</{wrapper}>"))
        else:
            summary = f"Spoiler: {label}" if not scope.generic else "Spoiler (click to show)"
            css = "spoiler spoiler--inline" if inline else "spoiler"
            out.append(
                f'<details class="{css}" data-nosnippet><summary>{escape(summary)}</summary>'
                f'<{wrapper} class="spoiler-content">'
            )
            stack.append((name, f"</{wrapper}></details>"))
    if not skipping_link:
        out.append(stored_html[position:])
    return "".join(out)


@dataclass(frozen=True)
class Segment:
    """A run of text and the scopes of the spoilers (outermost first) enclosing it."""

    text: str
    scopes: tuple[str, ...]

    def is_visible(self, progress: Mapping[str, int], scope_of) -> bool:
        return all(scope_of(s).is_reached(progress) for s in self.scopes)


def extract_segments(stored_html: str) -> list[Segment]:
    """Split stored HTML into text segments, each with the scopes enclosing it."""
    segments: list[Segment] = []
    stack: list[tuple[str, str | None]] = []
    buffer: list[str] = []
    position = 0

    def current_scopes():
        return tuple(s for _, s in stack if s is not None)

    def flush():
        text = " ".join(html_lib.unescape("".join(buffer)).split())
        buffer.clear()
        if text:
            scopes = current_scopes()
            if segments and segments[-1].scopes == scopes:
                segments[-1] = Segment(segments[-1].text + " " + text, scopes)
            else:
                segments.append(Segment(text, scopes))

    for m in TAG.finditer(stored_html):
        buffer.append(stored_html[position : m.start()])
        position = m.end()
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if name in BLOCK_LEVEL:
            buffer.append(" ")
        if name not in ("div", "span", "a"):
            continue
        if closing:
            if stack and stack[-1][0] == name:
                if stack[-1][1] is not None:
                    flush()
                stack.pop()
            continue
        scope_text = _scope_of(attrs)
        is_scoped = scope_text is not None and (name == "a" or _is_spoiler(attrs))
        if is_scoped:
            flush()
        stack.append((name, scope_text if is_scoped else None))
    buffer.append(stored_html[position:])
    flush()
    return segments


def plain_text(
    stored_html: str,
    progress: Mapping[str, int],
    *,
    catalogue: Catalogue | None = None,
    limit: int | None = None,
) -> str:
    """Only the text this reader may see: hidden spoilers are dropped, not collapsed."""
    scope_of = _ScopeCache(catalogue or Catalogue.current())
    text = " ".join(
        s.text for s in extract_segments(stored_html) if s.is_visible(progress, scope_of)
    )
    if limit and len(text) > limit:
        cut = text[:limit].rsplit(" ", 1)[0]
        return cut.rstrip(",;:. ") + "…"
    return text


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str
    scopes: tuple[str, ...]


def extract_headings(stored_html: str) -> list[Heading]:
    """Headings (h2-h4) with their anchors and enclosing spoiler scopes, for a gated TOC."""
    headings: list[Heading] = []
    stack: list[tuple[str, str | None]] = []
    current: tuple[int, str, tuple[str, ...]] | None = None
    text: list[str] = []
    position = 0
    for m in TAG.finditer(stored_html):
        # Words inside a spoiler within the heading are left out: the TOC shows them unhidden.
        if current is not None and _scopes(stack) == current[2]:
            text.append(stored_html[position : m.start()])
        position = m.end()
        closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
        if name in ("h2", "h3", "h4"):
            if not closing:
                anchor = ATTR_ID.search(attrs)
                current = (int(name[1]), anchor.group(1) if anchor else "", _scopes(stack))
                text = []
            elif current is not None:
                level, anchor, scopes = current
                words = " ".join(html_lib.unescape("".join(text)).split())
                if anchor and words:
                    headings.append(Heading(level, anchor, words, scopes))
                current = None
            continue
        if name not in ("div", "span", "a"):
            continue
        if closing:
            if stack and stack[-1][0] == name:
                stack.pop()
            continue
        scope_text = _scope_of(attrs)
        is_scoped = scope_text is not None and (name == "a" or _is_spoiler(attrs))
        stack.append((name, scope_text if is_scoped else None))
    return headings


def _scopes(stack) -> tuple[str, ...]:
    return tuple(s for _, s in stack if s is not None)


def visible_headings(
    headings, progress: Mapping[str, int], *, catalogue: Catalogue | None = None
) -> list[Heading]:
    scope_of = _ScopeCache(catalogue or Catalogue.current())
    return [h for h in headings if all(scope_of(s).is_reached(progress) for s in h.scopes)]
