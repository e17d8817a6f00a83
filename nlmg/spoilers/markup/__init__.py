"""The one markdown pipeline of the site.

``render`` turns markdown into stored HTML (sanitised, every spoiler a marked element carrying its
scope) plus what is derived from it (errors, wiki links, headings, text segments with their
scopes). It runs on save. ``gate`` turns stored HTML into what one reader may see; it runs per
request and is cheap. ``plain_text`` gives the text a reader may see, for snippets and summaries.
"""

from .checks import MarkupError, check_source
from .extension import LinkTarget
from .gating import extract_headings, extract_segments, gate, plain_text
from .preview import markdownify_preview
from .render import RenderResult, render, render_inline

__all__ = [
    "LinkTarget",
    "MarkupError",
    "RenderResult",
    "check_source",
    "extract_headings",
    "extract_segments",
    "gate",
    "markdownify_preview",
    "plain_text",
    "render",
    "render_inline",
]
