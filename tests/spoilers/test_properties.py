"""Property: whatever the document and the reader, no hidden sentence leaks.

Documents are generated with nested spoiler blocks (also inside quotes), inline spoilers of
random scopes (generic ones too) in paragraphs, headings, list items, quotes and table cells,
and links to an article with its own scope. Every sentence carries a unique marker, and each
marker knows the scopes enclosing it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from nlmg.spoilers.markup.gating import (
    Reveal,
    enclosing_spoilers,
    gate,
    plain_text,
    shown_spoiler,
)
from nlmg.spoilers.markup.render import render
from nlmg.spoilers.scope import GENERIC_SCOPE, Scope
from tests.spoilers.helpers import ARTICLES, CATALOGUE, resolver

TOKENS = [f"{w.key}:{p.key}" for w in CATALOGUE.works.values() for p in w.points] + [
    "novel:part-1",
    "novel:part-2",
    "novel:part-3",
    "FILM:Cottages",
]
LINK_SCOPE = CATALOGUE.parse(ARTICLES["Deferrals"].scope)

scope_texts = (
    st.lists(st.sampled_from(TOKENS), min_size=1, max_size=3, unique=True)
    .map(lambda tokens: st.sampled_from([" ", ", ", ","]).map(lambda sep: sep.join(tokens)))
    .flatmap(lambda s: s)
)

progresses = st.fixed_dictionaries(
    {
        key: st.integers(min_value=0, max_value=work.last_position)
        for key, work in CATALOGUE.works.items()
    }
)


@dataclass
class Document:
    markers: list[tuple[str, tuple[Scope, ...]]] = field(default_factory=list)
    linked: set[str] = field(default_factory=set)  # markers in links to a scoped article
    counter: itertools.count = field(default_factory=itertools.count)
    source: str = ""

    def sentence(self, scopes: tuple[Scope, ...]) -> str:
        marker = f"{'SECRET' if scopes else 'PLAIN'}m{next(self.counter)}x"
        self.markers.append((marker, scopes))
        return f"{marker} said so"


@st.composite
def documents(draw) -> Document:
    doc = Document()

    def inline(scopes: tuple[Scope, ...]) -> str:
        parts = []
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            kind = draw(st.sampled_from(["plain", "scoped", "scoped", "generic", "link", "em"]))
            if kind == "plain":
                parts.append(doc.sentence(scopes))
            elif kind == "scoped":
                text = draw(scope_texts)
                inner = doc.sentence((*scopes, CATALOGUE.parse(text)))
                parts.append(f">![{text}] {inner}!<")
            elif kind == "generic":
                parts.append(f">!{doc.sentence((*scopes, GENERIC_SCOPE))}!<")
            elif kind == "link":
                if draw(st.booleans()):
                    label = doc.sentence((*scopes, LINK_SCOPE))
                    doc.linked.add(label.split()[0])
                    parts.append(f"[[Deferrals|{label}]]")
                else:
                    parts.append(f"[[Hailsham|{doc.sentence(scopes)}]]")
            else:
                text = draw(scope_texts)
                parts.append(f"*{doc.sentence(scopes)} >![{text}] "
                             f"{doc.sentence((*scopes, CATALOGUE.parse(text)))}!<*")  # fmt: skip
        return " and ".join(parts)

    def blocks(scopes: tuple[Scope, ...], depth: int, quoted: bool) -> list[str]:
        out = []
        kinds = ["paragraph", "heading", "list", "table"]
        if depth < 3:
            kinds += ["spoiler", "spoiler"]
        if not quoted:
            kinds.append("quote")
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            kind = draw(st.sampled_from(kinds))
            if kind == "paragraph":
                out.append(inline(scopes))
            elif kind == "heading":
                out.append(f"{'#' * draw(st.integers(2, 4))} {inline(scopes)}")
            elif kind == "list":
                items = draw(st.integers(min_value=1, max_value=3))
                out.append("\n".join(f"- {inline(scopes)}" for _ in range(items)))
            elif kind == "table":
                out.append(f"| one | two |\n| --- | --- |\n| {inline(scopes)} | {inline(scopes)} |")
            elif kind == "quote":
                inner = "\n\n".join(blocks(scopes, depth, quoted=True))
                out.append("\n".join(f"> {line}" if line else ">" for line in inner.split("\n")))
            else:
                text = draw(scope_texts)
                inner = "\n\n".join(blocks((*scopes, CATALOGUE.parse(text)), depth + 1, quoted))
                out.append(f"::: spoiler {text}\n{inner}\n:::")
        return out

    doc.source = "\n\n".join(blocks((), 0, quoted=False)) + "\n"
    return doc


def is_visible(scopes: tuple[Scope, ...], progress) -> bool:
    return all(scope.is_reached(progress) for scope in scopes)


@settings(max_examples=200, deadline=None)
@given(doc=documents(), progress=progresses)
def test_hidden_sentences_never_leak_and_visible_ones_are_shown(doc, progress):
    result = render(doc.source, catalogue=CATALOGUE, resolver=resolver)
    assert result.errors == [], (doc.source, result.errors)
    gated = gate(result.html, progress, catalogue=CATALOGUE)
    raw = gated.lower()
    text = plain_text(result.html, progress, catalogue=CATALOGUE)
    for marker, scopes in doc.markers:
        if is_visible(scopes, progress):
            assert marker in text, (marker, doc.source)
            assert marker.lower() in raw, (marker, doc.source)
        else:
            # Withheld: not even in the HTML, where find-in-page or a text fragment could
            # open it.
            assert marker.lower() not in raw, (marker, doc.source, gated)
            assert marker not in text, (marker, doc.source)


@settings(max_examples=100, deadline=None)
@given(doc=documents(), progress=progresses)
def test_asking_for_every_spoiler_shows_all_but_links_to_articles_beyond_progress(doc, progress):
    html = render(doc.source, catalogue=CATALOGUE, resolver=resolver).html
    raw = gate(html, progress, catalogue=CATALOGUE, reveal=Reveal(everything=True)).lower()
    for marker, _ in doc.markers:
        behind_a_link = marker in doc.linked and not LINK_SCOPE.is_reached(progress)
        assert (marker.lower() in raw) is not behind_a_link, (marker, doc.source)


@settings(max_examples=100, deadline=None)
@given(doc=documents(), progress=progresses)
def test_each_withheld_spoiler_served_alone_holds_no_sentence_it_does_not_enclose(doc, progress):
    html = render(doc.source, catalogue=CATALOGUE, resolver=resolver).html
    everything = gate(html, progress, catalogue=CATALOGUE, reveal=Reveal(everything=True))
    page = gate(html, progress, catalogue=CATALOGUE)
    for spoiler_id in re.findall(r'class="spoiler-withheld[^"]*" id="spoiler-(s-\d+)"', page):
        n = int(spoiler_id.split("-")[1])
        shown = [f"s-{i}" for i in enclosing_spoilers(html, n)] + [spoiler_id]
        piece = shown_spoiler(
            gate(html, progress, catalogue=CATALOGUE, reveal=Reveal(shown=tuple(shown))),
            spoiler_id,
        )
        assert piece is not None
        whole = shown_spoiler(everything, spoiler_id)
        for marker, _ in doc.markers:
            if marker.lower() in piece.lower():
                assert marker.lower() in whole.lower(), (marker, spoiler_id, doc.source)


@settings(max_examples=100, deadline=None)
@given(doc=documents())
def test_a_new_reader_sees_no_secret_and_every_plain_sentence(doc):
    html = render(doc.source, catalogue=CATALOGUE, resolver=resolver).html
    shown = gate(html, {}, catalogue=CATALOGUE).lower()
    text = plain_text(html, {}, catalogue=CATALOGUE)
    assert "secret" not in shown
    assert "SECRET" not in text
    for marker, scopes in doc.markers:
        if not scopes:
            assert marker in text
