"""Markdown source to stored HTML: validation, Python-Markdown with our extensions, nh3."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import markdown
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.text import slugify
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.tables import TableProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import INLINE_PLACEHOLDER_RE, code_escape

from ..scope import GENERIC, Catalogue, ScopeError
from .images import ImagesFromThisSite
from .sanitize import leads_off_site, sanitize

MAX_SOURCE_CHARS = 200_000
MAX_LINE_NESTING = 16
MAX_SPOILER_NESTING = 3
# Python-Markdown's link patterns scan from each "[" or "(" to its match, or to the end of the
# paragraph when there is none, so unclosed brackets cost quadratic time; this bounds the scan.
MAX_BRACKET_WORK = 500_000
# Python-Markdown does quadratic work in a few more places, bounded here so that no text (up to
# the size limit) keeps a worker busy for more than a moment:
# - a block whose lines are taken one at a time (headings, rules) is searched again whole for
#   each line: the lines of one block (no blank line between them) are limited;
MAX_BLOCK_LINES = 200
# - each inline match (emphasis, code, links, spoilers, entities...) rebuilds the text around it:
#   the marks that can start one are limited per paragraph;
MAX_INLINE_MARKS = 2_000
INLINE_MARK = re.compile(r"[*_`\[<&\\!~^]")
# - each footnote reference looks through every footnote, and each repeated heading anchor
#   through every anchor before it.
MAX_FOOTNOTES = 500
MAX_HEADINGS = 1_000
FOOTNOTE_REF = re.compile(r"\[\^[^\]\n]*\]")
HEADING_LINE = re.compile(r"^[ \t>]*(?:#{1,6}(?:[ \t]|$)|(?:=+|-+)[ \t]*$)")

# Private-use characters mark our constructs between the preprocessor and the parser; they are
# removed from every input first, so nobody can forge them.
BLOCK_OPEN, BLOCK_MID, BLOCK_CLOSE = "\ue010", "\ue011", "\ue012"
INLINE_OPEN, INLINE_MID, INLINE_CLOSE = "\ue020", "\ue021", "\ue022"
PIPE = "\ue023"  # a "|" in an inline spoiler or a wiki link, so that a table row keeps it whole
PRIVATE_MARKERS = re.compile("[\ue010-\ue02f]")
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lone surrogates cannot be encoded (nh3 and PostgreSQL refuse them): shown as U+FFFD instead.
SURROGATES = re.compile("[\ud800-\udfff]")

BLOCK_OPEN_LINE = re.compile(r"^ {0,3}:::[ \t]*spoiler\b[ \t]*(?P<scope>(?:.*\S)?)[ \t]*$")
BLOCK_CLOSE_LINE = re.compile(r"^ {0,3}:::[ \t]*$")
BLOCK_OTHER_LINE = re.compile(r"^ {0,3}:::(?P<rest>.*)$")
FENCE_LINE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
FENCE_OPEN = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
MISPLACED_BLOCK_LINE = re.compile(r"^(?:[ \t>]|[-*+][ \t]|\d{1,9}[.)][ \t])*:::")
THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
INLINE_SPOILER = re.compile(r">!(?:\[(?P<scope>[^\]\n]*)\])?(?P<text>.*?)!<")
FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^[^\]]+\]:")
WIKILINK = re.compile(
    r"\[\[(?P<title>[^\[\]|#\n]+)(?:#(?P<section>[^\[\]|\n]*))?(?:\|(?P<label>[^\[\]\n]*))?\]\]"
)
# WIKILINK once the preprocessor has hidden its "|" from tables.
WIKILINK_MARKED = re.compile(
    rf"\[\[(?P<title>[^\[\]|{PIPE}#\n]+)(?:#(?P<section>[^\[\]|{PIPE}\n]*))?"
    rf"(?:[|{PIPE}](?P<label>[^\[\]\n]*))?\]\]"
)
NESTING_PREFIX = re.compile(r"^[ \t>*+\-0-9.)]*")
NESTING_MARKER = re.compile(r">|(?:[*+-]|\d{1,9}[.)])(?=[ \t])")
BRACKET = re.compile(r"\\.|[\[\]()]")
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
BACKTICKS = re.compile(r"`+")


def find_inline_spoilers(text: str) -> list[re.Match]:
    """What INLINE_SPOILER.finditer finds, in linear time (finditer scans to the end of the
    line again from every unclosed ">!")."""
    matches = []
    last_close = text.rfind("!<")
    position = text.find(">!")
    while position != -1 and position + 2 <= last_close:
        m = INLINE_SPOILER.match(text, position)
        if m is None:  # pragma: no cover (a "!<" follows, so the pattern matches)
            break
        matches.append(m)
        position = text.find(">!", m.end())
    return matches


def _sub(pattern: re.Pattern, repl, text: str) -> str:
    if pattern is not INLINE_SPOILER:
        return pattern.sub(repl, text)
    out, position = [], 0
    for m in find_inline_spoilers(text):
        out.append(text[position : m.start()])
        out.append(repl(m))
        position = m.end()
    out.append(text[position:])
    return "".join(out)


def code_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of the line's code spans: each run of backticks pairs with the next run of
    the same length (what CODE_SPAN finds, in linear time)."""
    if "`" not in line:
        return []
    runs = [(m.start(), m.end()) for m in BACKTICKS.finditer(line)]
    next_equal: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        length = runs[i][1] - runs[i][0]
        next_equal[i] = last.get(length)
        last[length] = i
    spans, i = [], 0
    while i < len(runs):
        j = next_equal[i]
        if j is None:
            i += 1
        else:
            spans.append((runs[i][0], runs[j][1]))
            i = j + 1
    return spans


def sub_outside_code(pattern: re.Pattern, repl, line: str) -> str:
    """pattern.sub on the parts of a line that are not inline code spans."""
    out, position = [], 0
    for start, end in code_spans(line):
        out.append(_sub(pattern, repl, line[position:start]))
        out.append(line[start:end])
        position = end
    out.append(_sub(pattern, repl, line[position:]))
    return "".join(out)


def outside_code(line: str) -> str:
    """The line with inline code spans blanked out (for validation)."""
    out, position = [], 0
    for start, end in code_spans(line):
        out.append(line[position:start])
        position = end
    out.append(line[position:])
    return "".join(out)


QUOTE_PREFIX = re.compile(r"^(?:[ ]{0,3}>[ ]?)+")


def split_quote(line: str) -> tuple[str, str]:
    """("> > ", rest) for a line inside block quotes, so spoiler blocks work in quotes too."""
    m = QUOTE_PREFIX.match(line)
    return (m.group(0), line[m.end() :]) if m else ("", line)


@dataclass(frozen=True)
class MarkupError:
    line: int
    message: str
    fatal: bool = field(default=False, compare=False)  # nothing is rendered at all

    def __str__(self):
        return f"Line {self.line}: {self.message}"


@dataclass(frozen=True)
class LinkTarget:
    """Where a wiki link goes; ``scope`` is the target article's own scope, if any."""

    title: str
    url: str
    exists: bool
    scope: str = ""
    sections: frozenset[str] | None = None


@dataclass
class RenderResult:
    html: str
    errors: list[MarkupError] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, section)
    missing_sections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def normalise_title(title: str) -> str:
    return " ".join(title.split())


def section_anchor(section: str) -> str:
    return "h-" + (slugify(section) or "section")


def _heading_id(value: str, separator: str) -> str:
    return section_anchor(value)


def red_link_resolver(titles: Iterable[str]) -> dict[str, LinkTarget]:
    """The resolver used before the wiki provides one: every link is a red link."""
    return {t: LinkTarget(t, "", exists=False) for t in titles}


def default_resolver() -> Callable[[Iterable[str]], dict[str, LinkTarget]]:
    path = getattr(settings, "NLMG_WIKILINK_RESOLVER", "")
    return import_string(path) if path else red_link_resolver


# --- validation -------------------------------------------------------------------------


def clean_source(source: str) -> str:
    """Normalise newlines and drop characters that must never reach the parser."""
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    source = PRIVATE_MARKERS.sub("", source)
    source = SURROGATES.sub("\ufffd", source)
    return CONTROL_CHARS.sub("", source)


@dataclass(frozen=True)
class Fence:
    char: str
    length: int
    indent: int
    lang: str
    line: int


def fence_opening(line: str, number: int = 0) -> Fence | None:
    """The fenced code block this line opens, if any (CommonMark's rules). The renderer and
    the validator both use these rules, so they always agree on what is code."""
    m = FENCE_OPEN.match(line)
    if not m:
        return None
    fence, info = m.group("fence"), m.group("info")
    if fence[0] == "`" and "`" in info:
        return None  # a code span such as ```code```
    words = info.split()
    lang = words[0] if words and re.fullmatch(r"[\w#+.-]{1,30}", words[0]) else ""
    return Fence(fence[0], len(fence), len(m.group("indent")), lang, number)


def fence_closes(fence: Fence, line: str) -> bool:
    stripped = line.lstrip(" ")
    body = stripped.rstrip(" \t")
    return (
        len(line) - len(stripped) <= 3
        and len(body) >= fence.length
        and body == fence.char * len(body)
    )


def _bracket_work(text: str) -> int:
    """About how many characters Python-Markdown's link patterns scan in this paragraph."""
    work = 0
    open_at: dict[str, list[int]] = {"[": [], "(": []}
    for m in BRACKET.finditer(text):
        ch = m.group(0)
        if ch in open_at:
            open_at[ch].append(m.start())
        elif ch in "])" and (stack := open_at["[" if ch == "]" else "("]):
            work += m.start() - stack.pop()
    return work + sum(len(text) - i for stack in open_at.values() for i in stack)


def check_source(
    source: str, catalogue: Catalogue, *, max_chars: int = MAX_SOURCE_CHARS
) -> list[MarkupError]:
    """Every problem that keeps the source from being published, each with its line."""
    if "\x00" in source:
        return [MarkupError(1, "the text contains NUL characters; remove them.")]
    if len(source) > max_chars:
        return [
            MarkupError(
                1, f"the text is too long ({len(source):,} characters; at most {max_chars:,})."
            )
        ]
    errors: list[MarkupError] = []
    open_blocks: list[int] = []
    fence: Fence | None = None
    paragraph: list[str] = []
    paragraph_start = 1

    def end_paragraph():
        if len(paragraph) > MAX_BLOCK_LINES:
            errors.append(
                MarkupError(
                    paragraph_start,
                    f"this part has more than {MAX_BLOCK_LINES:,} lines without a blank line "
                    "between them; separate its paragraphs, headings or rules with blank lines.",
                    fatal=True,
                )
            )
        elif (
            paragraph
            and (marks := sum(len(INLINE_MARK.findall(line)) for line in paragraph))
            > MAX_INLINE_MARKS
        ):
            errors.append(
                MarkupError(
                    paragraph_start,
                    f"this paragraph has too much markup to render ({marks:,} marks such as * _ "
                    f"` [ < & !; at most {MAX_INLINE_MARKS:,}); split it into paragraphs.",
                    fatal=True,
                )
            )
        elif paragraph and _bracket_work("\n".join(paragraph)) > MAX_BRACKET_WORK:
            errors.append(
                MarkupError(
                    paragraph_start,
                    "this paragraph has too many unclosed or nested brackets to render.",
                    fatal=True,
                )
            )
        paragraph.clear()

    for number, line in enumerate(clean_source(source).split("\n"), start=1):
        if fence:
            if fence_closes(fence, line):
                fence = None
            continue
        if opening := fence_opening(line, number):
            end_paragraph()
            fence = opening
            continue
        if not line.strip():
            end_paragraph()
        else:
            if not paragraph:
                paragraph_start = number
            paragraph.append(line)
        prefix = "" if THEMATIC_BREAK.match(line) else NESTING_PREFIX.match(line).group(0)
        depth = len(NESTING_MARKER.findall(prefix))
        indent = len(line) - len(line.lstrip(" \t"))
        if depth > MAX_LINE_NESTING or indent > 4 * MAX_LINE_NESTING:
            errors.append(
                MarkupError(
                    number,
                    f"nesting is too deep (at most {MAX_LINE_NESTING} levels).",
                    fatal=True,
                )
            )
            continue
        _, unquoted = split_quote(line)
        if m := BLOCK_OPEN_LINE.match(unquoted):
            scope_text = m.group("scope")
            try:
                if not catalogue.parse(scope_text):
                    errors.append(
                        MarkupError(number, "a spoiler block needs a scope: ::: spoiler novel:12")
                    )
            except ScopeError as exc:
                errors.append(MarkupError(number, str(exc)))
            open_blocks.append(number)
            if len(open_blocks) > MAX_SPOILER_NESTING:
                errors.append(
                    MarkupError(
                        number,
                        f"spoilers are nested more than {MAX_SPOILER_NESTING} deep.",
                        # the renderer recurses once per level
                        fatal=len(open_blocks) > MAX_LINE_NESTING,
                    )
                )
            continue
        if BLOCK_CLOSE_LINE.match(unquoted):
            if open_blocks:
                open_blocks.pop()
            else:
                errors.append(
                    MarkupError(number, '":::" closes a spoiler block that was never opened.')
                )
            continue
        if m := BLOCK_OTHER_LINE.match(unquoted):
            errors.append(
                MarkupError(
                    number,
                    f'unknown block ":::{m.group("rest")[:30]}"; write "::: spoiler SCOPE" to open '
                    'and ":::" to close.',
                )
            )
            continue
        if MISPLACED_BLOCK_LINE.match(line):
            errors.append(
                MarkupError(
                    number,
                    '":::" opens or closes a spoiler block only at the start of a line (at most '
                    "three spaces in, or after a quote's >), not in a list item or indented code.",
                )
            )
            continue
        if open_blocks and FOOTNOTE_DEF.match(line):
            errors.append(
                MarkupError(
                    number,
                    "define footnotes outside spoiler blocks "
                    "(put spoiler markup inside the footnote instead).",
                )
            )
        for m in find_inline_spoilers(outside_code(line)):
            if m.group("scope") is not None:
                try:
                    if not catalogue.parse(m.group("scope")):
                        errors.append(
                            MarkupError(
                                number, "an inline spoiler >![...] needs a scope in brackets."
                            )
                        )
                except ScopeError as exc:
                    errors.append(MarkupError(number, str(exc)))
        rest = _sub(INLINE_SPOILER, lambda m: "", line)
        if ">!" in rest:
            errors.append(
                MarkupError(
                    number,
                    'an inline spoiler opened with ">!" is not closed with "!<" on the same line.',
                )
            )
    end_paragraph()
    footnotes = len(FOOTNOTE_REF.findall(source))
    if footnotes > MAX_FOOTNOTES:
        errors.append(
            MarkupError(
                1,
                f"the text has {footnotes:,} footnote references or definitions; at most "
                f"{MAX_FOOTNOTES:,}.",
                fatal=True,
            )
        )
    headings = sum(1 for line in source.split("\n") if HEADING_LINE.match(line))
    if headings > MAX_HEADINGS:
        errors.append(
            MarkupError(
                1, f"the text has {headings:,} headings; at most {MAX_HEADINGS:,}.", fatal=True
            )
        )
    if fence:
        errors.append(
            MarkupError(
                fence.line, f"this code block is never closed with {fence.char * fence.length}."
            )
        )
    for number in open_blocks:
        errors.append(MarkupError(number, 'this spoiler block is never closed with ":::".'))
    return sorted(errors, key=lambda e: e.line)


# --- Python-Markdown extensions -----------------------------------------------------------


class _State:
    """Per-render state shared by the extension's processors."""

    def __init__(self, catalogue: Catalogue, targets: dict[str, LinkTarget]):
        self.catalogue = catalogue
        self.targets = targets
        self.scopes: list[str] = []
        self.sources: dict[int, str] = {}  # inline spoilers' markup, by index
        self.links: list[tuple[str, str]] = []

    def add_scope(self, text: str | None) -> int:
        if text is None:
            canonical = GENERIC
        else:
            try:
                scope = self.catalogue.parse(text)
                canonical = scope.to_string(self.catalogue) if scope else GENERIC
            except ScopeError:
                canonical = GENERIC  # never publish a malformed spoiler unhidden
        self.scopes.append(canonical)
        return len(self.scopes) - 1


def _dedent(line: str, indent: int) -> str:
    return line[min(indent, len(line) - len(line.lstrip(" "))) :]


class SpoilerPreprocessor(Preprocessor):
    """Turns block markers into isolated marker paragraphs and inline spoilers into markers."""

    def __init__(self, md, state: _State):
        super().__init__(md)
        self.state = state

    def run(self, lines):
        out = []
        fence: Fence | None = None
        code: list[str] = []
        depth = 0
        for line in lines:
            if fence:
                if fence_closes(fence, line):
                    out.extend(["", self._code_block(fence, code), ""])
                    fence, code = None, []
                else:
                    code.append(line)
                continue
            if opening := fence_opening(line):
                fence = opening
                continue
            prefix, unquoted = split_quote(line)
            if m := BLOCK_OPEN_LINE.match(unquoted):
                index = self.state.add_scope(m.group("scope") or None)
                out.extend([prefix, f"{prefix}{BLOCK_OPEN}{index}{BLOCK_MID}", prefix])
                depth += 1
                continue
            if BLOCK_CLOSE_LINE.match(unquoted):
                out.extend([prefix, f"{prefix}{BLOCK_CLOSE}", prefix])
                depth = max(0, depth - 1)
                continue
            if depth and FOOTNOTE_DEF.match(line):
                # A footnote's text would move to the end of the page, out of its spoiler: keep
                # it in place as text (check_source reports it).
                line = line.replace("[^", "\\[^", 1)
            # Spoilers in code spans too: Python-Markdown decides what is code, and the markup
            # of a spoiler that ends up entirely in code is shown there as written.
            if "[[" in line:
                line = WIKILINK.sub(lambda m: m.group(0).replace("|", PIPE), line)
            line = _sub(INLINE_SPOILER, self._inline, line)
            if (opened := line.find(">!")) != -1:
                # Never closed (check_source reports it): the rest of the line stays hidden.
                line = line[:opened] + self._marker(None, line[opened + 2 :], "")
            out.append(line)
        if fence:  # never closed (check_source reports it): code to the end
            while code and not code[-1].strip():
                code.pop()
            out.extend(["", self._code_block(fence, code), "", ""])
        return out

    def _code_block(self, fence: Fence, lines: list[str]) -> str:
        """Fenced code, stashed as HTML (the sanitiser still sees it)."""
        text = "".join(_dedent(line, fence.indent) + "\n" for line in lines)
        css = f' class="language-{fence.lang}"' if fence.lang else ""
        return self.md.htmlStash.store(f"<pre><code{css}>{code_escape(text)}</code></pre>")

    def _inline(self, m):
        scope = m.group("scope")
        return self._marker(
            scope if scope is None else (scope.strip() or "\x00bad"), m.group("text"), m.group(0)
        )

    def _marker(self, scope: str | None, text: str, source: str) -> str:
        index = self.state.add_scope(scope)
        if source:
            self.state.sources[index] = source
        text = text.strip().replace("|", PIPE)
        return f"{INLINE_OPEN}{index}{INLINE_MID}{text}{INLINE_CLOSE}"


class SpoilerBlockProcessor(BlockProcessor):
    OPEN = re.compile(f"^{BLOCK_OPEN}(\\d+){BLOCK_MID}$")

    def __init__(self, parser, state: _State):
        super().__init__(parser)
        self.state = state

    def test(self, parent, block):
        return bool(self.OPEN.match(block.strip())) or block.strip() == BLOCK_CLOSE

    def run(self, parent, blocks):
        first = blocks.pop(0).strip()
        if first == BLOCK_CLOSE:
            return True  # a stray close (already reported by check_source)
        index = int(self.OPEN.match(first).group(1))
        depth, end = 1, len(blocks)
        for i, block in enumerate(blocks):
            stripped = block.strip()
            if self.OPEN.match(stripped):
                depth += 1
            elif stripped == BLOCK_CLOSE:
                depth -= 1
                if depth == 0:
                    end = i
                    break
        inner = blocks[:end]
        del blocks[: end + 1]
        div = etree.SubElement(
            parent, "div", {"class": "spoiler", "data-scope": self.state.scopes[index]}
        )
        self.parser.parseBlocks(div, inner)
        return True


class InlineSpoilerProcessor(InlineProcessor):
    def __init__(self, state: _State):
        super().__init__(f"{INLINE_OPEN}(\\d+){INLINE_MID}(.*?){INLINE_CLOSE}")
        self.state = state

    def handleMatch(self, m, data):
        span = etree.Element(
            "span", {"class": "spoiler", "data-scope": self.state.scopes[int(m.group(1))]}
        )
        span.text = m.group(2).replace(PIPE, "|")
        return span, m.start(0), m.end(0)


class WikiLinkProcessor(InlineProcessor):
    def __init__(self, state: _State):
        super().__init__(WIKILINK_MARKED.pattern)
        self.state = state

    def handleMatch(self, m, data):
        title = normalise_title(m.group("title"))
        section = (m.group("section") or "").strip()
        label = (m.group("label") or "").replace(PIPE, "|").strip()
        label = label or (f"{title} § {section}" if section else title)
        target = self.state.targets.get(title) or LinkTarget(title, "", exists=False)
        self.state.links.append((target.title if target.exists else title, section))
        a = etree.Element("a")
        if target.exists:
            a.set("class", "wikilink")
            a.set("href", target.url + (f"#{section_anchor(section)}" if section else ""))
            if target.scope:
                a.set("data-scope", target.scope)
        else:
            a.set("class", "wikilink redlink")
            a.set("href", target.url or "")
            a.set("title", f"{title} (no article yet)")
        a.text = label
        return a, m.start(0), m.end(0)


STRAY_INLINE = re.compile(f"{INLINE_OPEN}(\\d+){INLINE_MID}(.*?)(?:{INLINE_CLOSE}|\\Z)", re.S)
SPOILER_ATTRIBUTE_HOLDERS = ("alt", "title", "href", "src")


def _holds_spoiler(element) -> bool:
    return any(e.get("data-scope") is not None for e in element.iter())


def _visible_text(element) -> str:
    """The element's text, leaving out the spoilers (and scoped links) inside it."""
    parts = [element.text or ""]
    for child in element:
        if child.get("data-scope") is None:
            parts.append(_visible_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


class SpoilersOutOfReach(Treeprocessor):
    """Keeps spoiler text hidden where Python-Markdown put it out of reach of the inline
    spoiler pattern. A spoiler wholly inside code is shown as the markup written; one cut apart
    by code, or left in a text the patterns skip, becomes a spoiler element; one in an attribute
    (a link title, alt text, a URL) is dropped. A heading's id is made from its text outside
    spoilers."""

    def __init__(self, md, state: _State):
        super().__init__(md)
        self.state = state

    def run(self, root):
        used_ids = {e.get("id") for e in root.iter() if e.get("id")}
        for element in list(root.iter()):
            for name, value in list(element.items()):
                if PRIVATE_MARKERS.search(value):
                    element.set(
                        name, "".join(t for scope, t, _ in self._pieces(value) if not scope)
                    )
            if element.text and PRIVATE_MARKERS.search(element.text):
                element.text, spans = self._spoilers(element.text, in_code=element.tag == "code")
                element[0:0] = spans
            for child in list(element):
                if child.tail and PRIVATE_MARKERS.search(child.tail):
                    child.tail, spans = self._spoilers(child.tail)
                    position = list(element).index(child) + 1
                    element[position:position] = spans
            if (
                element.tag in ("h1", "h2", "h3", "h4", "h5", "h6")
                and "id" not in element.attrib
                and any(_holds_spoiler(child) for child in element)
            ):
                anchor = section_anchor(_visible_text(element))
                candidate, n = anchor, 0
                while candidate in used_ids:
                    n += 1
                    candidate = f"{anchor}_{n}"
                used_ids.add(candidate)
                element.set("id", candidate)

    def _pieces(self, text: str) -> list[tuple[str | None, str, str]]:
        """(scope or None, text, markup if whole) runs of a text holding spoiler markers."""
        pieces: list[tuple[str | None, str, str]] = []
        position = 0
        first_close, first_open = text.find(INLINE_CLOSE), text.find(INLINE_OPEN)
        if first_close != -1 and (first_open == -1 or first_close < first_open):
            pieces.append((GENERIC, text[:first_close], ""))  # the end of a spoiler cut apart
            position = first_close + 1
        scopes = self.state.scopes
        for m in STRAY_INLINE.finditer(text, position):
            pieces.append((None, text[position : m.start()], ""))
            index = int(m.group(1))
            whole = m.group(0).endswith(INLINE_CLOSE)
            pieces.append(
                (
                    scopes[index] if index < len(scopes) else GENERIC,
                    m.group(2),
                    self.state.sources.get(index, "") if whole else "",
                )
            )
            position = m.end()
        pieces.append((None, text[position:], ""))
        return [
            (scope, PRIVATE_MARKERS.sub("", piece.replace(PIPE, "|")), source)
            for scope, piece, source in pieces
        ]

    def _spoilers(self, text: str, *, in_code: bool = False):
        leading, spans = "", []
        for scope, piece, source in self._pieces(text):
            if in_code and source:
                scope, piece = None, code_escape(source)
            if scope is None:
                if spans:
                    spans[-1].tail += piece
                else:
                    leading += piece
            else:
                span = etree.Element("span", {"class": "spoiler", "data-scope": scope})
                span.text, span.tail = piece, ""
                spans.append(span)
        return leading, spans


def _unescape_hiding_spoilers(processor):
    """Python-Markdown flattens inline elements into plain text for link titles, alt text and
    URLs; a spoiler flattened there would lose its hiding, so it is dropped instead."""
    original = processor.unescape

    def unescape(text: str) -> str:
        try:
            stash = processor.md.treeprocessors["inline"].stashed_nodes
        except (AttributeError, KeyError):
            return original(text)

        def drop_spoilers(m):
            node = stash.get(m.group(1))
            if node is not None and not isinstance(node, str) and _holds_spoiler(node):
                return ""
            return m.group(0)

        return original(INLINE_PLACEHOLDER_RE.sub(drop_spoilers, text))

    return unescape


class ParagraphsHoldingSpoilers(Treeprocessor):
    """Paragraphs that hold inline spoilers become <div class="para">, so that the <details>
    gating puts there is valid HTML; external links get rel="nofollow ugc noopener"."""

    def run(self, root):
        for element in root.iter():
            if element.tag == "p" and any(
                child.tag == "span" and child.get("class") == "spoiler" for child in element.iter()
            ):
                element.tag = "div"
                element.set("class", "para")
            elif element.tag == "a" and leads_off_site(element.get("href") or ""):
                element.set("rel", "nofollow ugc noopener")
                element.set("class", "external")


class FirstLineTableProcessor(TableProcessor):
    """The tables extension's processor, which splits every block whole to test whether it
    starts a table (quadratic in a block whose lines are taken one at a time). A table's first
    line has a "|"; a block whose first line has none is not one, and is not split."""

    def test(self, parent, block):
        end = block.find("\n")
        if "|" not in (block if end == -1 else block[:end]):
            return False
        return super().test(parent, block)


class NlmgExtension(Extension):
    def __init__(self, state: _State, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # No raw HTML from users at all: it is shown as text.
        md.preprocessors.deregister("html_block")
        if "table" in md.parser.blockprocessors:
            table = md.parser.blockprocessors["table"]
            md.parser.blockprocessors.register(
                FirstLineTableProcessor(md.parser, table.config), "table", 75
            )
        md.inlinePatterns.deregister("html")
        md.preprocessors.register(SpoilerPreprocessor(md, self.state), "nlmg_spoilers", 24)
        md.parser.blockprocessors.register(
            SpoilerBlockProcessor(md.parser, self.state), "nlmg_spoiler_block", 105
        )
        # After code spans (190), so that a spoiler's markup inside code stays code.
        md.inlinePatterns.register(InlineSpoilerProcessor(self.state), "nlmg_inline_spoiler", 185)
        md.inlinePatterns.register(WikiLinkProcessor(self.state), "nlmg_wikilink", 175)
        # After the inline patterns (20), before the table of contents gives headings ids (5).
        md.treeprocessors.register(SpoilersOutOfReach(md, self.state), "nlmg_out_of_reach", 7)
        md.treeprocessors.register(ImagesFromThisSite(md), "nlmg_images", 2)
        md.treeprocessors.register(ParagraphsHoldingSpoilers(md), "nlmg_paragraphs", 1)
        for processor in md.inlinePatterns:
            if getattr(processor, "md", None) is not None:
                processor.unescape = _unescape_hiding_spoilers(processor)


def _markdown(state: _State) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "markdown.extensions.tables",
            "markdown.extensions.footnotes",
            "markdown.extensions.sane_lists",
            "markdown.extensions.toc",
            NlmgExtension(state),
        ],
        extension_configs={
            # No [TOC] marker: it would list headings inside hidden spoilers.
            "markdown.extensions.toc": {"slugify": _heading_id, "toc_depth": "2-4", "marker": ""},
            "markdown.extensions.tables": {"use_align_attribute": True},
        },
        output_format="html",
    )


# --- the pipeline -------------------------------------------------------------------------


def render(
    source: str,
    *,
    catalogue: Catalogue | None = None,
    resolver: Callable[[Iterable[str]], dict[str, LinkTarget]] | None = None,
    max_chars: int = MAX_SOURCE_CHARS,
) -> RenderResult:
    """Render markdown to stored HTML. ``errors`` lists what keeps it from being published.

    When there are errors the HTML is still produced (for the preview), with every malformed
    spoiler treated as generic, so it never shows its text unhidden.
    """
    catalogue = catalogue or Catalogue.current()
    errors = check_source(source, catalogue, max_chars=max_chars)
    if errors and (len(source) > max_chars or "\x00" in source or _fatal(errors)):
        return RenderResult(html="", errors=errors)
    source = clean_source(source)
    titles = {normalise_title(m.group("title")) for m in WIKILINK.finditer(source)}
    targets = (resolver or default_resolver())(titles) if titles else {}
    state = _State(catalogue, targets)
    html = sanitize(_markdown(state).convert(source))
    missing_sections = [
        (title, section)
        for title, section in state.links
        if section
        and (target := targets.get(title))
        and target.sections is not None
        and section_anchor(section) not in target.sections
    ]
    return RenderResult(
        html=html,
        errors=errors,
        links=list(dict.fromkeys(state.links)),
        missing_sections=list(dict.fromkeys(missing_sections)),
    )


def _fatal(errors: list[MarkupError]) -> bool:
    return any(e.fatal for e in errors)


def render_inline(source: str, **kwargs) -> RenderResult:
    """Render a short value (an infobox field): a single paragraph loses its <p> wrapper."""
    result = render(source, **kwargs)
    html = result.html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        result.html = html[3:-4]
    return result


def markdownify_preview(content: str) -> str:
    """MARKDOWNX_MARKDOWNIFY_FUNCTION: the editor's live preview, every spoiler open but marked,
    with the problems that would keep it from being published listed first."""
    from django.utils.html import escape

    from .gating import extract_segments, gate
    from .lint import lint_segments

    catalogue = Catalogue.current()
    result = render(content, catalogue=catalogue)
    parts = []
    if result.errors:
        items = "".join(f"<li>{escape(str(e))}</li>" for e in result.errors)
        parts.append(
            '<div class="preview-errors" role="alert"><p><strong>Fix these before saving:</strong>'
            f"</p><ul>{items}</ul></div>"
        )
    if result.missing_sections:
        items = "".join(
            f"<li>[[{escape(t)}#{escape(s)}]]: no such section</li>"
            for t, s in result.missing_sections
        )
        parts.append(f'<div class="preview-warnings"><ul>{items}</ul></div>')
    warnings = lint_segments(extract_segments(result.html), catalogue)
    if warnings:
        items = "".join(
            f'<li data-term="{escape(w.term)}" data-scope="{escape(w.scope)}">'
            f"{escape(w.message)} <q>{escape(w.sentence)}</q> Suggested: "
            f"<code>&gt;![{escape(w.scope)}] … !&lt;</code></li>"
            for w in warnings
        )
        parts.append(
            '<div class="preview-warnings lint-warnings"><p><strong>Possible untagged '
            f"spoilers:</strong></p><ul>{items}</ul></div>"
        )
    parts.append(gate(result.html, {}, catalogue=catalogue, preview=True))
    return "".join(parts)
