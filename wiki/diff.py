"""Readable line diffs with word-level highlights inside changed lines."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class DiffRow:
    kind: str  # "equal", "delete", "insert", "replace", "skip"
    old_number: int | None
    new_number: int | None
    old_html: SafeString
    new_html: SafeString


def _words(old: str, new: str) -> tuple[SafeString, SafeString]:
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    old_out, new_out = [], []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_text, new_text = escape("".join(a[i1:i2])), escape("".join(b[j1:j2]))
        if op == "equal":
            old_out.append(old_text)
            new_out.append(new_text)
            continue
        if old_text:
            old_out.append(f"<del>{old_text}</del>")
        if new_text:
            new_out.append(f"<ins>{new_text}</ins>")
    return mark_safe("".join(old_out)), mark_safe("".join(new_out))


def diff_rows(old_lines: list[str], new_lines: list[str], context: int = 3) -> list[DiffRow]:
    """Rows of a side-by-side diff; unchanged runs longer than 2×context are folded."""
    rows: list[DiffRow] = []
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(DiffRow("skip", None, None, mark_safe(""), mark_safe("")))
        for op, i1, i2, j1, j2 in group:
            if op == "equal":
                for k in range(i2 - i1):
                    text = escape(old_lines[i1 + k])
                    rows.append(DiffRow("equal", i1 + k + 1, j1 + k + 1, text, text))
            elif op == "delete":
                for k in range(i1, i2):
                    rows.append(
                        DiffRow(
                            "delete",
                            k + 1,
                            None,
                            mark_safe(f"<del>{escape(old_lines[k])}</del>"),
                            mark_safe(""),
                        )
                    )
            elif op == "insert":
                for k in range(j1, j2):
                    rows.append(
                        DiffRow(
                            "insert",
                            None,
                            k + 1,
                            mark_safe(""),
                            mark_safe(f"<ins>{escape(new_lines[k])}</ins>"),
                        )
                    )
            else:
                pairs = max(i2 - i1, j2 - j1)
                for k in range(pairs):
                    old = old_lines[i1 + k] if i1 + k < i2 else None
                    new = new_lines[j1 + k] if j1 + k < j2 else None
                    if old is not None and new is not None:
                        old_html, new_html = _words(old, new)
                        rows.append(DiffRow("replace", i1 + k + 1, j1 + k + 1, old_html, new_html))
                    elif old is not None:
                        rows.append(
                            DiffRow(
                                "delete",
                                i1 + k + 1,
                                None,
                                mark_safe(f"<del>{escape(old)}</del>"),
                                mark_safe(""),
                            )
                        )
                    else:
                        rows.append(
                            DiffRow(
                                "insert",
                                None,
                                j1 + k + 1,
                                mark_safe(""),
                                mark_safe(f"<ins>{escape(new)}</ins>"),
                            )
                        )
    return rows


def content_lines(content: dict, masked_body: list[str], masked_infobox: dict) -> list[str]:
    """The whole of an article's content as lines, for diffing."""
    lines = [f"Title: {content['title']}", f"Kind: {content['kind']}"]
    if content.get("scope"):
        lines.append(f"Article scope: {content['scope']}")
    lines.append(f"Tags: {content.get('tags', '')}")
    lines.append(f"Lead: {content['lead']}")
    for key in sorted(masked_infobox):
        lines.append(f"Infobox {key}: {masked_infobox[key]}")
    lines.append("")
    return lines + masked_body
