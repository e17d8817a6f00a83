""" "Wrap it" (nlmg.spoilers.markup.wrap): valid markup in every position, the same document
otherwise, and the use of the term now inside a spoiler of the suggested scope."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlmg.spoilers.markup.checks import check_source
from nlmg.spoilers.markup.gating import extract_segments
from nlmg.spoilers.markup.render import render
from nlmg.spoilers.markup.wrap import uncovered_uses, wrap_in_spoiler
from tests.spoilers.helpers import CATALOGUE, elements, resolver
from tests.spoilers.test_properties import documents

SCOPE = "novel:19 film:completion"
TERM = "completes"
PATTERN = re.compile(rf"(?<!\w){TERM}(?!\w)", re.IGNORECASE)
STRUCTURE = {"h2", "h3", "h4", "ul", "ol", "li", "table", "tr", "td", "th", "blockquote", "pre",
             "code", "a", "em", "strong"}  # fmt: skip


def wrap(source: str, sentence: str = "") -> str | None:
    return wrap_in_spoiler(
        source, term=TERM, scope=SCOPE, sentence=sentence, catalogue=CATALOGUE, resolver=resolver
    )


def html_of(source: str) -> str:
    return render(source, catalogue=CATALOGUE, resolver=resolver).html


def structure(source: str) -> list[str]:
    html = html_of(source)
    return [tag for tag, _ in elements(html) if tag in STRUCTURE]


def all_text(source: str) -> str:
    html = html_of(source)
    return "".join("".join(s.text for s in extract_segments(html)).split())


def uncovered(source: str) -> int:
    return uncovered_uses(html_of(source), PATTERN, CATALOGUE.parse(SCOPE), CATALOGUE)


def assert_wrapped(before: str, after: str | None) -> None:
    assert after is not None, before
    assert check_source(after, CATALOGUE) == [], after
    assert all_text(after) == all_text(before), (before, after)
    assert structure(after) == structure(before), (before, after)
    assert uncovered(after) == uncovered(before) - 1, (before, after)
    covering = [
        s for s in extract_segments(html_of(after))
        if PATTERN.search(s.text) and SCOPE in s.scopes
    ]  # fmt: skip
    assert covering, after


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (  # issue 16, finding 3: after an inline spoiler, the wrap starts after it
            "Miss Lucy tells >![novel:7 film:hailsham] them what they are for!< and later Ruth "
            "completes.",
            "Miss Lucy tells >![novel:7 film:hailsham] them what they are for!< "
            ">![novel:19 film:completion] and later Ruth completes.!<",
        ),
        (
            "Ruth waits. Ruth completes. Tommy draws.",
            "Ruth waits. >![novel:19 film:completion] Ruth completes.!< Tommy draws.",
        ),
        (
            "- Ruth completes in the end.\n- Tommy draws.\n",
            "- >![novel:19 film:completion] Ruth completes in the end.!<\n- Tommy draws.\n",
        ),
        (
            "| a | Ruth completes here |\n| --- | --- |\n",
            "| a | >![novel:19 film:completion] Ruth completes here!< |\n| --- | --- |\n",
        ),
        (
            "## Ruth completes\n\nText.\n",
            "## >![novel:19 film:completion] Ruth completes!<\n\nText.\n",
        ),
        ("> Ruth completes. More.\n", "> >![novel:19 film:completion] Ruth completes.!< More.\n"),
        (
            "Early >![novel:7] Ruth completes!< here.",
            "Early >![novel:19 film:completion] Ruth completes!< here.",
        ),
        (
            "::: spoiler novel:7\nRuth completes here.\n:::\n",
            "::: spoiler novel:7\n>![novel:19 film:completion] Ruth completes here.!<\n:::\n",
        ),
    ],
)
def test_wrap_produces_the_expected_markup(source, expected):
    assert wrap(source) == expected
    assert_wrapped(source, expected)


def test_code_is_never_wrapped():
    source = "```\nRuth completes in code\n```\n\nAnd `completes` here too.\n"
    assert wrap(source) is None
    assert wrap("Ruth completes outside. `completes` inside.").startswith(
        ">![novel:19 film:completion] Ruth completes outside.!<"
    )


def test_a_use_already_covered_is_left_alone():
    assert wrap("::: spoiler novel:22\nRuth completes.\n:::\n") is None
    assert wrap("Plain words only.") is None


def test_the_sentence_of_the_warning_is_the_one_wrapped():
    source = "Ruth completes.\n\nLater, Tommy completes too.\n"
    assert wrap(source, sentence="Later, Tommy completes too.") == (
        "Ruth completes.\n\n>![novel:19 film:completion] Later, Tommy completes too.!<\n"
    )


@st.composite
def documents_using_the_term(draw):
    """A generated document (spoilers, lists, tables, quotes, headings, links) with the term
    put into one of its plain sentences, and code holding the term as well."""
    doc = draw(documents())
    plain = [m for m, scopes in doc.markers if not scopes]
    if not plain:
        doc.source = f"{doc.source}\nA last sentence said so.\n"
        plain_marker = "A last sentence"
    else:
        plain_marker = draw(st.sampled_from(plain))
    source = doc.source.replace(f"{plain_marker} said so", f"{plain_marker} {TERM} so", 1)
    if draw(st.booleans()):
        source += "\n```\nRuth completes in code\n```\n"
    if draw(st.booleans()):
        source = "Code: `completes`.\n\n" + source
    return source


@settings(max_examples=150, deadline=None)
@given(source=documents_using_the_term())
def test_wrapping_keeps_the_document_and_covers_the_term(source):
    assert_wrapped(source, wrap(source))
