"""The markup's syntax: the private markers, the patterns, and the text helpers that the
checks, the Markdown extension and source masking share, so all three agree on what is a
spoiler, a wiki link and code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.text import slugify

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


def substitute(pattern: re.Pattern, repl, text: str) -> str:
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
        out.append(substitute(pattern, repl, line[position:start]))
        out.append(line[start:end])
        position = end
    out.append(substitute(pattern, repl, line[position:]))
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


def normalise_title(title: str) -> str:
    return " ".join(title.split())


def section_anchor(section: str) -> str:
    return "h-" + (slugify(section) or "section")


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
