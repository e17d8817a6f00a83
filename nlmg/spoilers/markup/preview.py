"""The editor's live preview (django-markdownx's MARKDOWNX_MARKDOWNIFY_FUNCTION)."""

from __future__ import annotations

from django.utils.html import escape

from ..scope import Catalogue
from .gating import extract_segments, gate
from .lint import lint_segments
from .render import render


def markdownify_preview(content: str) -> str:
    """MARKDOWNX_MARKDOWNIFY_FUNCTION: the editor's live preview, every spoiler open but marked,
    with the problems that would keep it from being published listed first."""
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
            f'<li data-term="{escape(w.term)}" data-scope="{escape(w.scope)}" '
            f'data-sentence="{escape(w.sentence)}">'
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
