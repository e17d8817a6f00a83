"""Fuzzing the markdown pipeline: random markdown-ish text mixed with hostile fragments.

Whatever the text, ``render`` never raises, and nothing executable comes out of it, of the gate
(for a reader at the start, one at the end, one part-way, and the editor's preview), of the
plain-text and heading extraction, or of the masked source used by diffs.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nlmg.spoilers.markup import extract_headings, extract_segments, gate, plain_text
from nlmg.spoilers.markup.checks import check_source
from nlmg.spoilers.markup.render import render, render_inline
from nlmg.spoilers.markup.source import mask_source
from tests.security.html_checks import fragment_problems
from tests.security.payloads import FRAGMENTS, PAYLOADS
from tests.spoilers.helpers import CATALOGUE, EVERYTHING, NOTHING, resolver

PART_WAY = {"novel": 9, "film": 1, "drama": 4}
FUZZ = settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

pieces = st.one_of(
    st.sampled_from(FRAGMENTS),
    st.sampled_from(FRAGMENTS),
    st.sampled_from(PAYLOADS),
    st.text(max_size=12),
    st.text(alphabet="<>&\"'`=/[]()!:#*_~|\\-\n \t", max_size=12),
)
documents = st.lists(pieces, max_size=40).map("".join)


def check(html: str, where: str) -> None:
    found = fragment_problems(html)
    assert found == [], (where, found, html[:2000])


def run_pipeline(source: str) -> None:
    check_source(source, CATALOGUE)
    result = render(source, catalogue=CATALOGUE, resolver=resolver)
    check(result.html, "stored")
    for name, progress in (("start", NOTHING), ("part-way", PART_WAY), ("end", EVERYTHING)):
        check(gate(result.html, progress, catalogue=CATALOGUE), f"gated at the {name}")
        plain_text(result.html, progress, catalogue=CATALOGUE, limit=200)
        mask_source(source, progress, catalogue=CATALOGUE)
    check(gate(result.html, NOTHING, catalogue=CATALOGUE, preview=True), "preview")
    extract_segments(result.html)
    extract_headings(result.html)
    inline = render_inline(source, catalogue=CATALOGUE, resolver=resolver)
    check(gate(inline.html, NOTHING, catalogue=CATALOGUE), "inline")


@FUZZ
@given(documents)
def test_random_markdown_with_hostile_fragments_renders_safely(source):
    run_pipeline(source)


@FUZZ
@given(st.lists(st.sampled_from(PAYLOADS), min_size=1, max_size=6), st.sampled_from(FRAGMENTS))
def test_payloads_joined_by_markdown_structure_render_safely(payloads, glue):
    run_pipeline(glue.join(payloads))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_at_all_renders_safely(source):
    run_pipeline(source)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["> ", "- ", "1. ", "    ", "::: spoiler novel:3\n", ">!", "[", "*", "`"]),
    st.integers(min_value=1, max_value=400),
    st.sampled_from(PAYLOADS),
)
def test_deep_structures_around_a_payload_render_safely(prefix, depth, payload):
    run_pipeline(prefix * depth + payload + "\n" + ":::\n" * (depth if ":::" in prefix else 0))
