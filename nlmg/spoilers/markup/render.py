"""Markdown source to stored HTML: check, render with our extension, sanitise with nh3."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from ..scope import Catalogue
from .checks import MAX_SOURCE_CHARS, MarkupError, check_source
from .extension import LinkTarget, State, markdown_converter
from .sanitize import sanitize
from .syntax import WIKILINK, clean_source, normalise_title, section_anchor


@dataclass
class RenderResult:
    html: str
    errors: list[MarkupError] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (title, section)
    missing_sections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def red_link_resolver(titles: Iterable[str]) -> dict[str, LinkTarget]:
    """The resolver used before the wiki provides one: every link is a red link."""
    return {t: LinkTarget(t, "", exists=False) for t in titles}


def default_resolver() -> Callable[[Iterable[str]], dict[str, LinkTarget]]:
    path = getattr(settings, "NLMG_WIKILINK_RESOLVER", "")
    return import_string(path) if path else red_link_resolver


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
    if errors and (len(source) > max_chars or "\x00" in source or _fatal(errors)):
        return RenderResult(html="", errors=errors)
    source = clean_source(source)
    titles = {normalise_title(m.group("title")) for m in WIKILINK.finditer(source)}
    targets = (resolver or default_resolver())(titles) if titles else {}
    state = State(catalogue, targets)
    html = sanitize(markdown_converter(state).convert(source))
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


def _fatal(errors: list[MarkupError]) -> bool:
    return any(e.fatal for e in errors)


def render_inline(source: str, **kwargs) -> RenderResult:
    """Render a short value (an infobox field): a single paragraph loses its <p> wrapper."""
    result = render(source, **kwargs)
    html = result.html.strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        result.html = html[3:-4]
    return result
