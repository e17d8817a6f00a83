"""Gating of markdown *source* (for diffs and source views): hidden spoilers are masked."""

from __future__ import annotations

from collections.abc import Mapping

from ..scope import Catalogue
from .render import (
    BLOCK_CLOSE_LINE,
    BLOCK_OPEN_LINE,
    FENCE_LINE,
    INLINE_SPOILER,
    clean_source,
    split_quote,
    sub_outside_code,
)

HIDDEN = "⟨hidden: spoiler for {label}⟩"


def mask_source(
    source: str, progress: Mapping[str, int], *, catalogue: Catalogue | None = None
) -> list[str]:
    """The source's lines, with every spoiler this reader has not reached replaced by a
    placeholder naming its scope. Line count is kept, so diffs of masked sources align."""
    catalogue = catalogue or Catalogue.current()
    lines = clean_source(source).split("\n")
    out: list[str] = []
    hidden_by: list[str | None] = []  # per open block: the label if it hides, else None
    fence = None
    for line in lines:
        hiding = next((label for label in hidden_by if label), None)
        _, unquoted = split_quote(line)
        if m := BLOCK_OPEN_LINE.match(unquoted):
            scope = catalogue.parse_stored(m.group("scope") or "*")
            reached = scope.is_reached(progress)
            hidden_by.append(None if reached else scope.label(catalogue))
            out.append(line if not hiding else HIDDEN.format(label=hiding))
            continue
        if BLOCK_CLOSE_LINE.match(unquoted) and hidden_by and not fence:
            hidden_by.pop()
            out.append(line)
            continue
        if hiding:
            out.append(HIDDEN.format(label=hiding))
            continue
        if fence:
            if line.strip().startswith(fence):
                fence = None
            out.append(line)
            continue
        if m := FENCE_LINE.match(line):
            fence = m.group("fence")
            out.append(line)
            continue
        out.append(
            sub_outside_code(INLINE_SPOILER, lambda m: _mask_inline(m, progress, catalogue), line)
        )
    return out


def _mask_inline(m, progress, catalogue):
    scope_text = m.group("scope")
    scope = catalogue.parse_stored(scope_text.strip() if scope_text else "*")
    if scope.is_reached(progress):
        return m.group(0)
    prefix = f">![{scope_text}] " if scope_text is not None else ">!"
    return f"{prefix}{HIDDEN.format(label=scope.label(catalogue))}!<"
