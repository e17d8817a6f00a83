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
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from ..scope import GENERIC, Catalogue, ScopeError
from .sanitize import sanitize

MAX_SOURCE_CHARS = 200_000
MAX_LINE_NESTING = 16
MAX_SPOILER_NESTING = 3

# Private-use characters mark our constructs between the preprocessor and the parser; they are
# removed from every input first, so nobody can forge them.
BLOCK_OPEN, BLOCK_MID, BLOCK_CLOSE = "\ue010", "\ue011", "\ue012"
INLINE_OPEN, INLINE_MID, INLINE_CLOSE = "\ue020", "\ue021", "\ue022"
PRIVATE_MARKERS = re.compile("[\ue010-\ue02f]")
CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

BLOCK_OPEN_LINE = re.compile(r"^ {0,3}:::[ \t]*spoiler\b[ \t]*(?P<scope>.*?)[ \t]*$")
BLOCK_CLOSE_LINE = re.compile(r"^ {0,3}:::[ \t]*$")
BLOCK_OTHER_LINE = re.compile(r"^ {0,3}:::(?P<rest>.*)$")
FENCE_LINE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})")
INLINE_SPOILER = re.compile(r">!(?:\[(?P<scope>[^\]\n]*)\])?(?P<text>.*?)!<")
FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^[^\]]+\]:")
WIKILINK = re.compile(
    r"\[\[(?P<title>[^\[\]|#\n]+)(?:#(?P<section>[^\[\]|\n]*))?(?:\|(?P<label>[^\[\]\n]*))?\]\]"
)
NESTING_PREFIX = re.compile(r"^[ \t>*+\-0-9.)]*")
CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")


def sub_outside_code(pattern: re.Pattern, repl, line: str) -> str:
    """pattern.sub on the parts of a line that are not inline code spans."""
    if "`" not in line:
        return pattern.sub(repl, line)
    out, position = [], 0
    for m in CODE_SPAN.finditer(line):
        out.append(pattern.sub(repl, line[position : m.start()]))
        out.append(m.group(0))
        position = m.end()
    out.append(pattern.sub(repl, line[position:]))
    return "".join(out)


def outside_code(line: str) -> str:
    """The line with inline code spans blanked out (for validation)."""
    return CODE_SPAN.sub("", line) if "`" in line else line


QUOTE_PREFIX = re.compile(r"^(?:[ ]{0,3}>[ ]?)+")


def split_quote(line: str) -> tuple[str, str]:
    """("> > ", rest) for a line inside block quotes, so spoiler blocks work in quotes too."""
    m = QUOTE_PREFIX.match(line)
    return (m.group(0), line[m.end() :]) if m else ("", line)


@dataclass(frozen=True)
class MarkupError:
    line: int
    message: str

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
    return CONTROL_CHARS.sub("", source)


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
    fence: str | None = None
    for number, line in enumerate(clean_source(source).split("\n"), start=1):
        if fence:
            if line.strip().startswith(fence):
                fence = None
            continue
        if m := FENCE_LINE.match(line):
            fence = m.group("fence")
            continue
        depth = sum(1 for ch in NESTING_PREFIX.match(line).group(0) if ch in ">*+-")
        indent = len(line) - len(line.lstrip(" \t"))
        if depth > MAX_LINE_NESTING or indent > 4 * MAX_LINE_NESTING:
            errors.append(
                MarkupError(number, f"nesting is too deep (at most {MAX_LINE_NESTING} levels).")
            )
            continue
        _, unquoted = split_quote(line)
        if m := BLOCK_OPEN_LINE.match(unquoted):
            scope_text = m.group("scope")
            if not scope_text:
                errors.append(
                    MarkupError(number, "a spoiler block needs a scope: ::: spoiler novel:12")
                )
            else:
                try:
                    catalogue.parse(scope_text)
                except ScopeError as exc:
                    errors.append(MarkupError(number, str(exc)))
            open_blocks.append(number)
            if len(open_blocks) > MAX_SPOILER_NESTING:
                errors.append(
                    MarkupError(
                        number, f"spoilers are nested more than {MAX_SPOILER_NESTING} deep."
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
        if open_blocks and FOOTNOTE_DEF.match(line):
            errors.append(
                MarkupError(
                    number,
                    "define footnotes outside spoiler blocks "
                    "(put spoiler markup inside the footnote instead).",
                )
            )
        line = outside_code(line)
        for m in INLINE_SPOILER.finditer(line):
            if m.group("scope") is not None:
                scope_text = m.group("scope").strip()
                if not scope_text:
                    errors.append(
                        MarkupError(number, "an inline spoiler >![...] needs a scope in brackets.")
                    )
                else:
                    try:
                        catalogue.parse(scope_text)
                    except ScopeError as exc:
                        errors.append(MarkupError(number, str(exc)))
        rest = INLINE_SPOILER.sub("", line)
        if ">!" in rest:
            errors.append(
                MarkupError(
                    number,
                    'an inline spoiler opened with ">!" is not closed with "!<" on the same line.',
                )
            )
    for number in open_blocks:
        errors.append(MarkupError(number, 'this spoiler block is never closed with ":::".'))
    return errors


# --- Python-Markdown extensions -----------------------------------------------------------


class _State:
    """Per-render state shared by the extension's processors."""

    def __init__(self, catalogue: Catalogue, targets: dict[str, LinkTarget]):
        self.catalogue = catalogue
        self.targets = targets
        self.scopes: list[str] = []
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


class SpoilerPreprocessor(Preprocessor):
    """Turns block markers into isolated marker paragraphs and inline spoilers into markers."""

    def __init__(self, md, state: _State):
        super().__init__(md)
        self.state = state

    def run(self, lines):
        out = []
        fence = None
        for line in lines:
            if fence:
                out.append(line)
                if line.strip().startswith(fence):
                    fence = None
                continue
            if m := FENCE_LINE.match(line):
                fence = m.group("fence")
                out.append(line)
                continue
            prefix, unquoted = split_quote(line)
            if m := BLOCK_OPEN_LINE.match(unquoted):
                index = self.state.add_scope(m.group("scope") or None)
                out.extend([prefix, f"{prefix}{BLOCK_OPEN}{index}{BLOCK_MID}", prefix])
                continue
            if BLOCK_CLOSE_LINE.match(unquoted):
                out.extend([prefix, f"{prefix}{BLOCK_CLOSE}", prefix])
                continue
            out.append(sub_outside_code(INLINE_SPOILER, self._inline, line))
        return out

    def _inline(self, m):
        scope = m.group("scope")
        index = self.state.add_scope(scope if scope is None else (scope.strip() or "\x00bad"))
        return f"{INLINE_OPEN}{index}{INLINE_MID}{m.group('text').strip()}{INLINE_CLOSE}"


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
        span.text = m.group(2)
        return span, m.start(0), m.end(0)


class WikiLinkProcessor(InlineProcessor):
    def __init__(self, state: _State):
        super().__init__(WIKILINK.pattern)
        self.state = state

    def handleMatch(self, m, data):
        title = normalise_title(m.group("title"))
        section = (m.group("section") or "").strip()
        label = (m.group("label") or "").strip() or (f"{title} § {section}" if section else title)
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
            elif element.tag == "a" and (element.get("href") or "").startswith(("http:", "https:")):
                element.set("rel", "nofollow ugc noopener")
                element.set("class", "external")


class NlmgExtension(Extension):
    def __init__(self, state: _State, **kwargs):
        self.state = state
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # No raw HTML from users at all: it is shown as text.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.preprocessors.register(SpoilerPreprocessor(md, self.state), "nlmg_spoilers", 24)
        md.parser.blockprocessors.register(
            SpoilerBlockProcessor(md.parser, self.state), "nlmg_spoiler_block", 105
        )
        md.inlinePatterns.register(InlineSpoilerProcessor(self.state), "nlmg_inline_spoiler", 200)
        md.inlinePatterns.register(WikiLinkProcessor(self.state), "nlmg_wikilink", 175)
        md.treeprocessors.register(ParagraphsHoldingSpoilers(md), "nlmg_paragraphs", 1)


def _markdown(state: _State) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "markdown.extensions.tables",
            "markdown.extensions.fenced_code",
            "markdown.extensions.footnotes",
            "markdown.extensions.sane_lists",
            "markdown.extensions.toc",
            NlmgExtension(state),
        ],
        extension_configs={
            "markdown.extensions.toc": {"slugify": _heading_id, "toc_depth": "2-4"},
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
    if errors and (len(source) > max_chars or "\x00" in source or _too_deep(errors)):
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


def _too_deep(errors: list[MarkupError]) -> bool:
    return any("nesting is too deep" in e.message for e in errors)


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
