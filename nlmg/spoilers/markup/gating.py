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


def _numbered(attrs: str) -> bool:
    """A div or span that is a spoiler: those are numbered in document order."""
    return _scope_of(attrs) is not None and _is_spoiler(attrs)


class _ScopeCache:
    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.scopes: dict[str, Scope] = {}
        self.labels: dict[str, str] = {}

    def __call__(self, text: str) -> Scope:
        scope = self.scopes.get(text)
        if scope is None:
            scope = self.scopes[text] = self.catalogue.parse_stored(text)
        return scope

    def label(self, text: str) -> str:
        label = self.labels.get(text)
        if label is None:
            label = self.labels[text] = self(text).label(self.catalogue)
        return label


SPOILER_ID = re.compile(r"^[a-z][a-z0-9-]{0,40}$")
MAX_SHOWN = 50


@dataclass(frozen=True)
class Reveal:
    """The withheld spoilers a reader asked to see on one page (``?spoiler=b-3``, repeatable,
    or ``?spoiler=all``), and how to ask for one more without losing the others."""

    shown: tuple[str, ...] = ()
    everything: bool = False
    query: str = ""  # the rest of the page's query string, kept in every link

    @classmethod
    def from_query(cls, query) -> Reveal:
        """From a QueryDict (request.GET); ids that are not ours are ignored."""
        values = query.getlist("spoiler")
        rest = query.copy()
        rest.pop("spoiler", None)
        shown = tuple(dict.fromkeys(v for v in values if SPOILER_ID.match(v)))[:MAX_SHOWN]
        return cls(shown=shown, everything="all" in values, query=rest.urlencode())

    def shows(self, spoiler_id: str) -> bool:
        return self.everything or spoiler_id in self.shown

    def showing(self, spoiler_id: str) -> Reveal:
        """The same, with one more spoiler shown."""
        return Reveal((*self.shown, spoiler_id), self.everything, self.query)

    def href(self, spoiler_id: str) -> str:
        """The same page with this spoiler shown as well, landing on it."""
        parts = [self.query] if self.query else []
        parts += [f"spoiler={s}" for s in (*self.shown, spoiler_id) if s != "all"]
        if self.everything:
            parts.append("spoiler=all")
        return "?" + "&".join(dict.fromkeys(parts)) + f"#spoiler-{spoiler_id}"

    def href_all(self) -> str:
        return "?" + "&".join([*([self.query] if self.query else []), "spoiler=all"])

    @property
    def key(self) -> str:
        """A short, canonical part of a cache key."""
        return "all" if self.everything else ",".join(sorted(self.shown))

    def __bool__(self) -> bool:
        return self.everything or bool(self.shown)


NO_REVEAL = Reveal()


def _show_link(reveal: Reveal, spoiler_id: str, fragment_url: str, label_id: str) -> str:
    fragment = f' data-fragment="{escape(fragment_url)}"' if fragment_url else ""
    return (
        f'<a class="spoiler-withheld__show" href="{escape(reveal.href(spoiler_id))}" '
        f'rel="nofollow" aria-describedby="{label_id}"{fragment}>Show this spoiler</a>'
    )


def gate(
    stored_html: str,
    progress: Mapping[str, int],
    *,
    catalogue: Catalogue | None = None,
    preview: bool = False,
    reveal: Reveal = NO_REVEAL,
    namespace: str = "s",
    fragment_url: str = "",
) -> str:
    """What one reader may see of stored HTML.

    A spoiler the reader has not reached is *withheld*: a placeholder naming what it spoils
    and a link to show it, and none of its content. Its id is ``{namespace}-{n}``, n counting
    the spoilers of ``stored_html`` in document order (stable for a stored revision or post
    version). ``reveal`` lists the ids the reader asked to see; those are shown, marked, with
    the spoilers nested in them gated again. ``fragment_url`` + ``n/`` is where JavaScript
    fetches one spoiler. Reached spoilers become plain content with a marker. Links to
    articles beyond the reader's progress lose their title and address. With ``preview``
    every spoiler is shown open and marked (the editor's preview).
    """
    if "data-scope" not in stored_html:
        return stored_html
    scope_of = _ScopeCache(catalogue or Catalogue.current())
    out: list[str] = []
    # Open div/span/a elements: (tag name, the closing text to write, or None to keep it).
    stack: list[tuple[str, str | None]] = []
    withheld_at = 0  # while > 0: the stack depth of the withheld spoiler being skipped
    skipping_link = False
    links_open = 0
    count = 0
    position = 0  # stored_html[position:] is not written yet; unchanged tags are copied whole
    for m in TAG.finditer(stored_html):
        name = m.group(2)
        if name != "div" and name != "span" and name != "a":
            continue
        closing, attrs = m.group(1), m.group(3)
        if skipping_link:
            if closing and name == "a":
                skipping_link = False
                position = m.end()
            elif not closing and name != "a" and _numbered(attrs):
                count += 1  # numbered all the same, so ids never depend on progress
            continue
        if withheld_at:
            if closing:
                if stack and stack[-1][0] == name:
                    stack.pop()
                    if len(stack) < withheld_at:
                        withheld_at = 0
                        position = m.end()
            else:
                if name != "a" and _numbered(attrs):
                    count += 1
                stack.append((name, None))
            continue
        if closing:
            if stack and stack[-1][0] == name:
                replacement = stack.pop()[1]
                if name == "a":
                    links_open -= 1
                if replacement is not None:
                    out.append(stored_html[position : m.start()])
                    out.append(replacement)
                    position = m.end()
            continue
        scope_text = _scope_of(attrs) if "data-scope" in attrs else None
        if scope_text is None or (name != "a" and not _is_spoiler(attrs)):
            stack.append((name, None))
            links_open += name == "a"
            continue
        scope = scope_of(scope_text)
        out.append(stored_html[position : m.start()])
        position = m.end()
        if name == "a":
            if preview or scope.is_reached(progress):
                stack.append(("a", None))
                links_open += 1
                out.append(m.group(0))
            else:
                out.append(f'<span class="wikilink-hidden">{HIDDEN_LINK_TEXT}</span>')
                skipping_link = True
            continue
        count += 1
        label = scope_of.label(scope_text)
        inline = name == "span"
        wrapper = "span" if inline else "div"
        spoiler_id = f"{namespace}-{count}"
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
        elif reveal.shows(spoiler_id):
            out.append(_shown_opening(spoiler_id, label, inline=inline, generic=scope.generic))
            stack.append((name, f"</{wrapper}>"))
        else:
            link = None
            if not links_open:
                link = _show_link(
                    reveal,
                    spoiler_id,
                    f"{fragment_url}{count}/" if fragment_url else "",
                    f"spoiler-{spoiler_id}-label",
                )
            out.append(
                _placeholder(spoiler_id, label, inline=inline, generic=scope.generic, link=link)
            )
            stack.append((name, None))
            withheld_at = len(stack)
    if not skipping_link and not withheld_at:
        out.append(stored_html[position:])
    return "".join(out)


def _label_text(label: str, generic: bool) -> str:
    return "Spoiler" if generic else f"Spoiler: {label}"


def _placeholder(spoiler_id: str, label: str, *, inline: bool, generic: bool, link) -> str:
    """A withheld spoiler: what it spoils and a link to show it; none of its content."""
    text = escape(_label_text(label, generic))
    label_html = (
        f'<span class="spoiler-withheld__label" id="spoiler-{spoiler_id}-label">{text}</span>'
    )
    show = f" {link}" if link else ""
    if inline:
        return (
            f'<span class="spoiler-withheld spoiler-withheld--inline" id="spoiler-{spoiler_id}" '
            f"data-nosnippet>{label_html}{show}</span>"
        )
    return (
        f'<div class="spoiler-withheld" id="spoiler-{spoiler_id}" data-nosnippet>'
        f"<p>{label_html}{show}</p></div>"
    )


def _shown_opening(spoiler_id: str, label: str, *, inline: bool, generic: bool) -> str:
    """The opening tag of a spoiler shown at the reader's request (marked as such)."""
    note = escape(f"{_label_text(label, generic)}, shown at your request")
    if inline:
        return (
            f'<span class="spoiler-shown spoiler-shown--inline" id="spoiler-{spoiler_id}" '
            f'tabindex="-1" title="{note}">'
        )
    return (
        f'<div class="spoiler-shown" id="spoiler-{spoiler_id}" tabindex="-1">'
        f'<p class="spoiler-shown__label">{note}</p>'
    )


WITHHELD = re.compile(r'class="spoiler-withheld(?: spoiler-withheld--inline)?" id="')


def count_withheld(gated_html: str) -> int:
    """How many spoilers gating withheld from this HTML."""
    return len(WITHHELD.findall(gated_html))


def shown_spoiler(gated_html: str, spoiler_id: str) -> str | None:
    """The element of one shown spoiler, cut out of gated HTML (None when it is not there)."""
    start = gated_html.find(f' id="spoiler-{spoiler_id}"')
    if start < 0:
        return None
    start = gated_html.rfind("<", 0, start)
    name = TAG.match(gated_html, start).group(2).lower()
    depth = 0
    for m in TAG.finditer(gated_html, start):
        if m.group(2).lower() != name:
            continue
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return gated_html[start : m.end()]
    return None  # pragma: no cover (gated HTML is balanced)


def enclosing_spoilers(stored_html: str, n: int) -> list[int]:
    """The numbers of the spoilers that enclose spoiler ``n``, outermost first (showing ``n``
    alone means showing them too)."""
    open_spoilers: list[int | None] = []  # per open div/span: its spoiler number, or None
    count = 0
    for m in TAG.finditer(stored_html):
        name = m.group(2).lower()
        if name not in ("div", "span"):
            continue
        if m.group(1):
            if open_spoilers:
                open_spoilers.pop()
            continue
        number = None
        if _numbered(m.group(3)):
            count += 1
            number = count
            if count == n:
                return [s for s in open_spoilers if s is not None]
        open_spoilers.append(number)
    return []


def withheld_scope(
    stored_html: str, progress: Mapping[str, int], *, catalogue: Catalogue | None = None
) -> Scope | None:
    """Everything that gating would withhold from this reader, as one scope (the union of
    the unreached spoilers' scopes), or None when nothing would be."""
    if "data-scope" not in stored_html:
        return None
    scope_of = _ScopeCache(catalogue or Catalogue.current())
    found = None
    for m in TAG.finditer(stored_html):
        if m.group(1) or m.group(2).lower() not in ("div", "span"):
            continue
        scope_text = _scope_of(m.group(3))
        if scope_text is None or not _is_spoiler(m.group(3)):
            continue
        scope = scope_of(scope_text)
        if not scope.is_reached(progress):
            found = scope if found is None else found.union(scope)
    return found


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
