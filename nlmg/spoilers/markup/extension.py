"""The Python-Markdown extension: spoiler blocks and inline spoilers, wiki links, and the
tree processors that keep spoiler text hidden wherever Python-Markdown puts it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.tables import TableProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import INLINE_PLACEHOLDER_RE, code_escape

from ..scope import GENERIC, Catalogue, ScopeError
from .images import ImagesFromThisSite
from .sanitize import leads_off_site
from .syntax import (
    BLOCK_CLOSE,
    BLOCK_CLOSE_LINE,
    BLOCK_MID,
    BLOCK_OPEN,
    BLOCK_OPEN_LINE,
    FOOTNOTE_DEF,
    INLINE_CLOSE,
    INLINE_MID,
    INLINE_OPEN,
    INLINE_SPOILER,
    PIPE,
    PRIVATE_MARKERS,
    WIKILINK,
    WIKILINK_MARKED,
    Fence,
    fence_closes,
    fence_opening,
    normalise_title,
    section_anchor,
    split_quote,
    substitute,
)


@dataclass(frozen=True)
class LinkTarget:
    """Where a wiki link goes; ``scope`` is the target article's own scope, if any."""

    title: str
    url: str
    exists: bool
    scope: str = ""
    sections: frozenset[str] | None = None


def _heading_id(value: str, separator: str) -> str:
    return section_anchor(value)


# --- Python-Markdown extensions -----------------------------------------------------------


class State:
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

    def __init__(self, md, state: State):
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
            line = substitute(INLINE_SPOILER, self._inline, line)
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

    def __init__(self, parser, state: State):
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
    def __init__(self, state: State):
        super().__init__(f"{INLINE_OPEN}(\\d+){INLINE_MID}(.*?){INLINE_CLOSE}")
        self.state = state

    def handleMatch(self, m, data):
        span = etree.Element(
            "span", {"class": "spoiler", "data-scope": self.state.scopes[int(m.group(1))]}
        )
        span.text = m.group(2).replace(PIPE, "|")
        return span, m.start(0), m.end(0)


class WikiLinkProcessor(InlineProcessor):
    def __init__(self, state: State):
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

    def __init__(self, md, state: State):
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
    def __init__(self, state: State, **kwargs):
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


def markdown_converter(state: State) -> markdown.Markdown:
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
