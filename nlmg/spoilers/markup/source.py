"""Gating of markdown *source* (for diffs, quotes and source views): hidden spoilers masked.

This errs on the side of hiding: spoiler syntax is masked wherever it appears, code fences and
code spans included (a code example of the syntax shows as a placeholder too), and an inline
spoiler left open hides the rest of its line. The renderer is stricter about what counts as a
spoiler, so whatever it would hide, this hides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..scope import Catalogue
from .syntax import INLINE_SPOILER, clean_source

HIDDEN = "⟨hidden: spoiler for {label}⟩"
# A block marker anywhere a line may start (inside quotes and list items too).
BLOCK_OPEN = re.compile(r"^(?:[ \t>]|[-*+][ \t]|\d{1,9}[.)][ \t])*:::[ \t]*spoiler\b(?P<scope>.*)$")
BLOCK_CLOSE = re.compile(r"^(?:[ \t>]|[-*+][ \t]|\d{1,9}[.)][ \t])*:::[ \t]*$")


def mask_source(
    source: str, progress: Mapping[str, int], *, catalogue: Catalogue | None = None
) -> list[str]:
    """The source's lines, with every spoiler this reader has not reached replaced by a
    placeholder naming its scope. Line count is kept, so diffs of masked sources align."""
    catalogue = catalogue or Catalogue.current()
    out: list[str] = []
    hidden_by: list[str | None] = []  # per open block: the label if it hides, else None
    for line in clean_source(source).split("\n"):
        hiding = next((label for label in hidden_by if label), None)
        if m := BLOCK_OPEN.match(line):
            scope = catalogue.parse_stored(m.group("scope").strip() or "*")
            hidden_by.append(None if scope.is_reached(progress) else scope.label(catalogue))
            out.append(HIDDEN.format(label=hiding) if hiding else line)
            continue
        if BLOCK_CLOSE.match(line) and hidden_by:
            hidden_by.pop()
            out.append(line)
            continue
        if hiding:
            out.append(HIDDEN.format(label=hiding))
            continue
        out.append(_mask_line(line, progress, catalogue))
    return out


def _mask_line(line: str, progress, catalogue) -> str:
    masked = INLINE_SPOILER.sub(lambda m: _mask_inline(m, progress, catalogue), line)
    opened = masked.find(">!")
    if opened != -1:  # an inline spoiler never closed: the renderer hides the rest of the line
        masked = masked[:opened] + ">!" + HIDDEN.format(label="spoiler")
    return masked.replace("\ue030", ">!").replace("\ue031", "!<")


def _mask_inline(m, progress, catalogue):
    scope_text = m.group("scope")
    scope = catalogue.parse_stored(scope_text.strip() if scope_text else "*")
    if scope.is_reached(progress):
        return m.group(0).replace(">!", "\ue030").replace("!<", "\ue031")
    prefix = f">![{scope_text}] " if scope_text is not None else ">!"
    return f"{prefix}{HIDDEN.format(label=scope.label(catalogue))}!<".replace(
        ">!", "\ue030"
    ).replace("!<", "\ue031")
