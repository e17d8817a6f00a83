"""Helpers shared by the spoiler engine's tests: the canon catalogue and HTML inspection."""

from __future__ import annotations

import importlib
from html.parser import HTMLParser

from nlmg.spoilers.markup.extension import LinkTarget
from nlmg.spoilers.scope import Catalogue

CANON_WORKS = importlib.import_module("nlmg.spoilers.migrations.0002_canon_works").WORKS

# The catalogue the works migration creates, built without the database.
CATALOGUE = Catalogue.from_spec(CANON_WORKS)
NOTHING: dict[str, int] = {}
EVERYTHING = CATALOGUE.everything()

ARTICLES = {
    "Hailsham": LinkTarget("Hailsham", "/wiki/hailsham/", exists=True),
    "Ruth": LinkTarget(
        "Ruth", "/wiki/ruth/", exists=True, sections=frozenset({"h-early-life", "h-norfolk"})
    ),
    "Deferrals": LinkTarget("Deferrals", "/wiki/deferrals/", exists=True, scope="novel:22"),
}


def resolver(titles):
    """Resolves the titles in ARTICLES; every other title is left out (a red link)."""
    return {title: ARTICLES[title] for title in titles if title in ARTICLES}


class _Collector(HTMLParser):
    def __init__(self, hiding=("details",)):
        super().__init__(convert_charrefs=True)
        self.hiding = hiding
        self.details_depth = 0
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.outside: list[str] = []  # text and attribute values outside every <details>

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in self.hiding:
            self.details_depth += 1
        elif self.details_depth == 0:
            self.outside.extend(value or "" for _, value in attrs)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if self.details_depth == 0:
            self.outside.extend(value or "" for _, value in attrs)

    def handle_endtag(self, tag):
        if tag in self.hiding and self.details_depth:
            self.details_depth -= 1

    def handle_data(self, data):
        if self.details_depth == 0:
            self.outside.append(data)

    def handle_comment(self, data):
        if self.details_depth == 0:
            self.outside.append(data)


def parse(html: str, hiding=("details",)) -> _Collector:
    collector = _Collector(hiding)
    collector.feed(html)
    collector.close()
    return collector


def outside_details(html: str) -> str:
    """Every piece of text and every attribute value of ``html`` outside its <details>."""
    return "\n".join(parse(html).outside)


def outside_details_and_code(html: str) -> str:
    """Like outside_details, leaving out <code> and <pre> as well."""
    return "\n".join(parse(html, hiding=("details", "code", "pre")).outside)


def elements(html: str, tag: str | None = None) -> list[tuple[str, dict[str, str | None]]]:
    return [(t, a) for t, a in parse(html).elements if tag is None or t == tag]


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []

    def handle_data(self, data):
        self.chunks.append(data)


def text_of(html: str) -> str:
    """All the text of ``html``, whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.chunks).split())
