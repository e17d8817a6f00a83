"""Checking markdown source before it is rendered: every problem that keeps it from being
published, each with its line, and the bounds that keep rendering fast."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..scope import Catalogue, ScopeError
from .syntax import (
    BLOCK_CLOSE_LINE,
    BLOCK_OPEN_LINE,
    BLOCK_OTHER_LINE,
    BRACKET,
    FOOTNOTE_DEF,
    INLINE_SPOILER,
    MISPLACED_BLOCK_LINE,
    NESTING_MARKER,
    NESTING_PREFIX,
    THEMATIC_BREAK,
    Fence,
    clean_source,
    fence_closes,
    fence_opening,
    find_inline_spoilers,
    outside_code,
    split_quote,
    substitute,
)

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


@dataclass(frozen=True)
class MarkupError:
    line: int
    message: str
    fatal: bool = field(default=False, compare=False)  # nothing is rendered at all

    def __str__(self):
        return f"Line {self.line}: {self.message}"


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
        rest = substitute(INLINE_SPOILER, lambda m: "", line)
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
