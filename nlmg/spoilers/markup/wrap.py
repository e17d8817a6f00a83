""" "Wrap it": put the sentence that uses a revealing term inside an inline spoiler.

Used by the editor's lint warnings and by the moderators' "wrap in a spoiler" action. Every
candidate edit is checked by rendering it: the result must be valid markup, hold the same text
as before, and leave one use of the term fewer outside a covering spoiler. The first candidate
that passes wins, from the closest to what a person would do (the whole sentence) to the
smallest (the word alone); a use already inside an inline spoiler of too early a scope gets
that spoiler's scope instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..scope import Catalogue, Scope
from .checks import check_source
from .gating import extract_segments
from .render import render
from .syntax import (
    BLOCK_CLOSE_LINE,
    BLOCK_OPEN_LINE,
    WIKILINK,
    clean_source,
    code_spans,
    fence_closes,
    fence_opening,
    find_inline_spoilers,
    split_quote,
)

SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
LINE_PREFIX = re.compile(r"^(?:[ \t]*(?:>[ ]?|[-*+][ \t]+|\d{1,9}[.)][ \t]+|#{1,6}[ \t]+))*")
MARKDOWN_LINK = re.compile(r"!?\[[^\]\n]*\]\([^)\n]*\)")


@dataclass(frozen=True)
class _Use:
    line: int  # index into the source's lines
    start: int  # the term's span in that line
    end: int
    spoiler: re.Match | None  # the inline spoiler holding it, if any


def wrap_in_spoiler(
    source: str,
    *,
    term: str,
    scope: str,
    sentence: str = "",
    catalogue: Catalogue | None = None,
    resolver=None,
) -> str | None:
    """The source with one uncovered use of ``term`` inside a spoiler of ``scope`` (the use in
    ``sentence`` when it can be told apart), or None when there is none to wrap."""
    catalogue = catalogue or Catalogue.current()
    term_scope = catalogue.parse(scope)
    pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
    source = clean_source(source)

    def html_of(text: str) -> str:
        return render(text, catalogue=catalogue, resolver=resolver).html

    original = html_of(source)
    before = uncovered_uses(original, pattern, term_scope, catalogue)
    if not before:
        return None
    text = _all_text(original)
    lines = source.split("\n")
    wanted = _words(sentence)
    uses = sorted(_uses(lines, pattern), key=lambda u: _distance(lines[u.line], wanted))
    for use in uses:
        for candidate in _candidates(lines, use, scope):
            if check_source(candidate, catalogue):
                continue
            html = html_of(candidate)
            if _all_text(html) == text and (
                uncovered_uses(html, pattern, term_scope, catalogue) < before
            ):
                return candidate
    return None


def uncovered_uses(html: str, pattern: re.Pattern, term_scope: Scope, catalogue) -> int:
    """How many times rendered HTML uses the term where no spoiler around it covers it."""
    count = 0
    for segment in extract_segments(html):
        if not pattern.search(segment.text):
            continue
        scopes = [catalogue.parse_stored(s) for s in segment.scopes]
        if not any(s.generic or s.implies(term_scope) for s in scopes):
            count += len(pattern.findall(segment.text))
    return count


def _all_text(html: str) -> str:
    """Every word of rendered HTML, spoilers included, without spaces."""
    return "".join("".join(s.text for s in extract_segments(html)).split())


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _distance(line: str, wanted: list[str]) -> int:
    """0 when the use's line holds the warning's sentence, more the less it does."""
    if not wanted:
        return 0
    have = set(_words(line))
    return sum(1 for word in wanted if word not in have)


def _uses(lines: list[str], pattern: re.Pattern) -> list[_Use]:
    """Every use of the term outside code and outside block-marker lines."""
    uses = []
    fence = None
    for number, line in enumerate(lines):
        if fence:
            if fence_closes(fence, line):
                fence = None
            continue
        if opening := fence_opening(line):
            fence = opening
            continue
        _, unquoted = split_quote(line)
        if BLOCK_OPEN_LINE.match(unquoted) or BLOCK_CLOSE_LINE.match(unquoted):
            continue
        code = code_spans(line)
        spoilers = find_inline_spoilers(line)
        for m in pattern.finditer(line):
            if any(start <= m.start() < end for start, end in code):
                continue
            holder = next((s for s in spoilers if s.start() <= m.start() < s.end()), None)
            uses.append(_Use(number, m.start(), m.end(), holder))
    return uses


def _candidates(lines: list[str], use: _Use, scope: str):
    """Edited sources, the most natural edit first."""
    line = lines[use.line]
    if use.spoiler is not None:
        s = use.spoiler
        text = s.group("text").strip()
        yield _replace(
            lines, use.line, line[: s.start()] + f">![{scope}] {text}!<" + line[s.end() :]
        )
        return
    atoms = _atoms(line)
    content_start = LINE_PREFIX.match(line).end()
    cell_start, cell_end = _cell(line, use.start, content_start, atoms)
    blockers = [(a, b) for a, b, kind in atoms if kind == "spoiler"]
    low = max([cell_start, *[b for a, b in blockers if b <= use.start]])
    high = min([cell_end, *[a for a, b in blockers if a >= use.end]])
    ranges = []
    start = low
    for m in SENTENCE_END.finditer(line, low, use.start):
        if not _inside(m.start(), atoms):
            start = m.end()
    end = high
    for m in SENTENCE_END.finditer(line, use.end, high):
        if not _inside(m.start(), atoms):
            end = m.end()
            break
    ranges.append((start, end))
    ranges.append((low, high))
    ranges.append((use.start, use.end))
    seen = set()
    for start, end in ranges:
        start, end = _expand(start, end, atoms)
        while start < end and line[start].isspace():
            start += 1
        while end > start and line[end - 1].isspace():
            end -= 1
        if (start, end) in seen or start >= end:
            continue
        seen.add((start, end))
        wrapped = f"{line[:start]}>![{scope}] {line[start:end]}!<{line[end:]}"
        yield _replace(lines, use.line, wrapped)


def _replace(lines: list[str], number: int, line: str) -> str:
    return "\n".join([*lines[:number], line, *lines[number + 1 :]])


def _atoms(line: str) -> list[tuple[int, int, str]]:
    """Spans a wrap must hold whole or leave alone: inline spoilers, code, links."""
    atoms = [(s.start(), s.end(), "spoiler") for s in find_inline_spoilers(line)]
    atoms += [(a, b, "code") for a, b in code_spans(line)]
    atoms += [(m.start(), m.end(), "link") for m in WIKILINK.finditer(line)]
    atoms += [(m.start(), m.end(), "link") for m in MARKDOWN_LINK.finditer(line)]
    return atoms


def _inside(position: int, atoms) -> bool:
    return any(a < position < b for a, b, _ in atoms)


def _expand(start: int, end: int, atoms) -> tuple[int, int]:
    """Widen a range so that it cuts no atom apart."""
    changed = True
    while changed:
        changed = False
        for a, b, _ in atoms:
            if a < start < b:
                start, changed = a, True
            if a < end < b:
                end, changed = b, True
    return start, end


def _cell(line: str, position: int, content_start: int, atoms) -> tuple[int, int]:
    """The table cell around a position (between unescaped pipes outside atoms), or the whole
    content of the line."""
    if "|" not in line:
        return content_start, len(line)
    pipes = [
        i
        for i, ch in enumerate(line)
        if ch == "|" and (i == 0 or line[i - 1] != "\\") and not _inside(i, atoms)
    ]
    left = max([content_start - 1, *[p for p in pipes if p < position]]) + 1
    right = min([len(line), *[p for p in pipes if p > position]])
    return left, right
