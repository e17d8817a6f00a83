import pytest
from django.http import QueryDict

from nlmg.spoilers.markup.gating import (
    HIDDEN_LINK_TEXT,
    Reveal,
    enclosing_spoilers,
    extract_headings,
    extract_segments,
    gate,
    plain_text,
    shown_spoiler,
    visible_headings,
    withheld_scope,
)
from nlmg.spoilers.markup.lint import lint_segments
from nlmg.spoilers.markup.render import render
from tests.spoilers.helpers import (
    CATALOGUE,
    EVERYTHING,
    NOTHING,
    elements,
    outside_details,
    resolver,
    text_of,
)

ARTICLE = """\
Kathy H. has been a carer for eleven years.

## Hailsham

The students make art for the Gallery. >![novel:7 film:hailsham] Miss Lucy tells them they
will donate their organs!< (this sentence stays on one line in real articles).

::: spoiler novel:14 film:cottages
## The possibles

Ruth's possible turns out not to resemble her.

::: spoiler novel:22 film:completion
## Madame's house

There never were any deferrals.
:::
:::

Tommy's animals: >!he keeps drawing them!<. See [[Deferrals|the rumour]] and [[Hailsham]].
"""


def article_html() -> str:
    html = render(
        ARTICLE.replace("they\nwill", "they will"), catalogue=CATALOGUE, resolver=resolver
    )
    assert html.ok is True, html.errors
    return html.html


HTML = article_html()

AT_START = NOTHING
IN_BETWEEN = {"novel": 14}  # Part Two: Miss Lucy and the possibles, not Madame's house
FILM_ONLY = {"film": 2}  # the film's Cottages section


def gated(progress) -> str:
    return gate(HTML, progress, catalogue=CATALOGUE)


def visible(progress) -> str:
    return outside_details(gated(progress))


def withheld_ids(html: str) -> list[str]:
    return [
        attrs["id"]
        for _, attrs in elements(html)
        if "spoiler-withheld" in attrs.get("class", "").split()
    ]


# --- gating at progress 0, in between and at the end -------------------------------------------


def test_at_progress_zero_every_spoiler_is_collapsed():
    shown = visible(AT_START)
    assert "eleven years" in shown
    assert "make art for the Gallery" in shown
    for hidden in ("Miss Lucy", "possible", "deferrals", "Madame", "drawing them"):
        assert hidden not in shown


def test_at_progress_zero_unreached_spoilers_are_withheld_from_the_html():
    html = gated(AT_START)
    for hidden in ("Miss Lucy tells them", "There never were any deferrals.", "possibles",
                   "drawing them", "Madame"):  # fmt: skip
        assert hidden not in html
    assert withheld_ids(html) == ["spoiler-s-1", "spoiler-s-2", "spoiler-s-4"]


def test_in_between_reached_spoilers_open_and_later_ones_stay_collapsed():
    shown = visible(IN_BETWEEN)
    assert "Miss Lucy tells them" in shown
    assert "Ruth's possible turns out not to resemble her." in shown
    assert "The possibles" in shown
    assert "deferrals" not in shown
    assert "Madame's house" not in shown


def test_any_work_reaching_a_point_opens_the_spoiler():
    shown = visible(FILM_ONLY)
    assert "Miss Lucy tells them" in shown
    assert "Ruth's possible" in shown
    assert "deferrals" not in shown


def test_at_the_end_everything_opens_but_generic_spoilers():
    html = gated(EVERYTHING)
    for text in ("Miss Lucy tells them", "Ruth's possible", "There never were any deferrals"):
        assert text in html
    assert "drawing them" not in html
    ((_, attrs),) = [
        e for e in elements(html) if "spoiler-withheld" in e[1].get("class", "").split()
    ]
    assert attrs["class"] == "spoiler-withheld spoiler-withheld--inline"


def test_generic_spoiler_is_withheld_for_everyone():
    for progress in (AT_START, IN_BETWEEN, EVERYTHING):
        assert "drawing them" not in gated(progress)
        assert "spoiler-s-4" in withheld_ids(gated(progress))


def test_reached_spoilers_keep_a_marker_naming_their_scope():
    html = gated(EVERYTHING)
    classes = {attrs.get("class") for _, attrs in elements(html)}
    assert {"spoiler-reached", "spoiler-block-reached"} <= classes
    ((_, attrs),) = [e for e in elements(html, "span") if e[1].get("class") == "spoiler-reached"]
    assert attrs["title"] == ("Spoiler up to Novel, Part One, ch. 7 / Film: Hailsham (1978)")


def test_nested_spoiler_stays_withheld_inside_an_opened_one():
    html = gated(IN_BETWEEN)
    outer = html.index('class="spoiler-block-reached"')
    inner = html.index("Spoiler: Novel, Part Three, ch. 22 / Film: Completion (1994)")
    assert outer < inner
    assert "There never were any deferrals." not in html
    assert withheld_ids(html) == ["spoiler-s-3", "spoiler-s-4"]


def test_a_reached_inner_spoiler_stays_hidden_inside_an_unreached_outer_one():
    """A reader at the film's end reaches the inner spoiler (film:hailsham) but not the outer
    one (novel:20): the inner text stays inside the outer, collapsed <details>."""
    html = render(
        "::: spoiler novel:20\nouter\n\n::: spoiler film:hailsham\ninner SECRET\n:::\n:::\n",
        catalogue=CATALOGUE,
    ).html
    shown = outside_details(gate(html, {"film": 3}, catalogue=CATALOGUE))
    assert "SECRET" not in shown


def test_gating_html_without_spoilers_returns_it_unchanged():
    html = render("Just *text*.", catalogue=CATALOGUE).html
    assert gate(html, NOTHING, catalogue=CATALOGUE) == html


def test_rendering_and_gating_are_deterministic():
    assert gated(IN_BETWEEN) == gated(IN_BETWEEN)
    assert article_html() == HTML


def test_gated_html_keeps_its_tags_balanced():
    from html.parser import HTMLParser

    class Balance(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack = []

        def handle_starttag(self, tag, attrs):
            if tag not in ("br", "hr", "img"):
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack.pop() == tag

    for progress in (AT_START, IN_BETWEEN, EVERYTHING):
        checker = Balance()
        checker.feed(gated(progress))
        assert checker.stack == []


# --- details and summaries ----------------------------------------------------------------


def test_withheld_spoilers_are_placeholders_with_data_nosnippet_and_no_details():
    html = gated(AT_START)
    assert elements(html, "details") == []
    for _, attrs in elements(html):
        if "spoiler-withheld" in attrs.get("class", "").split():
            assert "data-nosnippet" in attrs


def labels(html: str) -> list[str]:
    return [
        text_of(part.split("</span>")[0])
        for part in html.split('class="spoiler-withheld__label"')[1:]
    ]


def test_placeholder_labels_name_what_is_spoiled():
    assert [label.split(">", 1)[-1] for label in labels(gated(AT_START))] == [
        "Spoiler: Novel, Part One, ch. 7 / Film: Hailsham (1978)",
        "Spoiler: Novel, Part Two, ch. 14 / Film: The Cottages (1985)",
        "Spoiler",
    ]


def test_a_generic_placeholder_offers_to_show_it():
    html = gate(render("a >!b!< c", catalogue=CATALOGUE).html, NOTHING, catalogue=CATALOGUE)
    assert ">Spoiler</span>" in html
    ((_, link),) = [e for e in elements(html, "a")]
    assert link["href"] == "?spoiler=s-1#spoiler-s-1"
    assert "b" not in text_of(html).replace("Show this spoiler", "").split()


def test_inline_and_block_spoilers_keep_their_kind_when_withheld():
    html = gated(AT_START)
    kinds = {
        (tag, attrs["class"])
        for tag, attrs in elements(html)
        if attrs.get("class", "").startswith("spoiler-withheld ")
        or attrs.get("class") == "spoiler-withheld"
    }
    assert kinds == {
        ("span", "spoiler-withheld spoiler-withheld--inline"),
        ("div", "spoiler-withheld"),
    }


def test_each_placeholder_links_to_the_same_page_with_that_spoiler_shown():
    html = gated(AT_START)
    links = [a for tag, a in elements(html, "a") if a.get("class") == "spoiler-withheld__show"]
    assert [a["href"] for a in links] == [
        "?spoiler=s-1#spoiler-s-1",
        "?spoiler=s-2#spoiler-s-2",
        "?spoiler=s-4#spoiler-s-4",
    ]
    assert all(a["rel"] == "nofollow" for a in links)
    assert all(a["aria-describedby"] == a["href"].split("#")[1] + "-label" for a in links)


def reveal(query: str) -> Reveal:
    return Reveal.from_query(QueryDict(query))


def test_a_spoiler_asked_for_is_shown_marked_and_its_nested_one_stays_withheld():
    html = gate(HTML, AT_START, catalogue=CATALOGUE, reveal=reveal("spoiler=s-2"))
    assert "Ruth's possible turns out not to resemble her." in html
    assert "shown at your request" in html
    assert "There never were any deferrals." not in html
    assert "Miss Lucy tells them" not in html
    assert withheld_ids(html) == ["spoiler-s-1", "spoiler-s-3", "spoiler-s-4"]


def test_links_to_show_more_keep_the_page_query_and_the_spoilers_already_shown():
    html = gate(HTML, AT_START, catalogue=CATALOGUE, reveal=reveal("read=1&spoiler=s-2"))
    hrefs = [
        a["href"]
        for tag, a in elements(html, "a")
        if "spoiler-withheld__show" in a.get("class", "")
    ]
    assert hrefs[0] == "?read=1&spoiler=s-2&spoiler=s-1#spoiler-s-1"


def test_showing_everything_shows_every_spoiler_nested_ones_too():
    html = gate(HTML, AT_START, catalogue=CATALOGUE, reveal=reveal("spoiler=all"))
    for text in ("Miss Lucy tells them", "There never were any deferrals.", "drawing them"):
        assert text in html
    assert withheld_ids(html) == []


def test_spoiler_ids_do_not_depend_on_the_reader_progress():
    for progress in (AT_START, IN_BETWEEN, EVERYTHING):
        assert "spoiler-s-4" in withheld_ids(gated(progress))
    shown_at_start = gate(
        HTML, AT_START, catalogue=CATALOGUE, reveal=reveal("spoiler=s-3&spoiler=s-2")
    )
    shown_in_between = gate(HTML, IN_BETWEEN, catalogue=CATALOGUE, reveal=reveal("spoiler=s-3"))
    assert shown_spoiler(shown_at_start, "s-3") == shown_spoiler(shown_in_between, "s-3")


def test_shown_spoiler_cuts_out_one_element_whole():
    html = gate(HTML, AT_START, catalogue=CATALOGUE, reveal=reveal("spoiler=s-2"))
    piece = shown_spoiler(html, "s-2")
    assert piece.startswith('<div class="spoiler-shown" id="spoiler-s-2"')
    assert piece.endswith("</div>")
    assert "Ruth's possible" in piece and "Tommy's animals" not in piece
    assert shown_spoiler(html, "s-9") is None


def test_enclosing_spoilers_are_listed_outermost_first():
    assert enclosing_spoilers(HTML, 3) == [2]
    assert enclosing_spoilers(HTML, 1) == []
    assert enclosing_spoilers(HTML, 99) == []


def test_withheld_scope_is_the_union_of_what_is_withheld():
    assert withheld_scope(HTML, EVERYTHING, catalogue=CATALOGUE).generic is True
    scope = withheld_scope(HTML, IN_BETWEEN, catalogue=CATALOGUE)
    assert ("novel", 22) in scope.pairs and ("novel", 14) not in scope.pairs
    plain = render("No spoilers here.", catalogue=CATALOGUE).html
    assert withheld_scope(plain, AT_START, catalogue=CATALOGUE) is None


def test_a_spoiler_inside_a_link_is_withheld_without_a_link_inside_the_link():
    html = render("[see >![novel:9] Miss Lucy leaves!<](https://example.org/)",
                  catalogue=CATALOGUE).html  # fmt: skip
    gated_html = gate(html, AT_START, catalogue=CATALOGUE)
    assert "Miss Lucy" not in gated_html
    assert len(elements(gated_html, "a")) == 1


@pytest.mark.parametrize(
    "query",
    ["spoiler=<script>", "spoiler=" + "a" * 200, "spoiler=S-1", "spoiler=", "spoiler=1"],
)
def test_ids_that_are_not_ours_reveal_nothing(query):
    html = gate(HTML, AT_START, catalogue=CATALOGUE, reveal=reveal(query))
    assert html == gated(AT_START)


def test_a_reveal_holds_at_most_fifty_ids():
    many = "&".join(f"spoiler=s-{i}" for i in range(1, 80))
    assert len(reveal(many).shown) == 50


# --- scoped wiki links ----------------------------------------------------------------------


def test_link_to_an_article_beyond_progress_leaks_neither_title_nor_address():
    html = gated(AT_START)
    assert HIDDEN_LINK_TEXT == "an article beyond your progress"
    assert HIDDEN_LINK_TEXT in html
    assert "/wiki/deferrals/" not in html
    assert "the rumour" not in html
    assert "Deferrals" not in html
    assert 'href="/wiki/hailsham/"' in html


def test_link_to_a_reached_article_is_a_normal_link():
    html = gated({"novel": 22})
    assert '<a class="wikilink" data-scope="novel:22" href="/wiki/deferrals/">the rumour</a>' in (
        html
    )
    assert HIDDEN_LINK_TEXT not in html


def test_hidden_link_inside_an_opened_spoiler_is_still_hidden():
    html = render("::: spoiler novel:3\nsee [[Deferrals]] now\n:::\n", catalogue=CATALOGUE,
                  resolver=resolver).html  # fmt: skip
    gated_html = gate(html, {"novel": 3}, catalogue=CATALOGUE)
    assert "see an article beyond your progress now" in text_of(gated_html)
    assert "/wiki/deferrals/" not in gated_html


# --- preview -----------------------------------------------------------------------------


def test_preview_shows_every_spoiler_open_and_marked():
    html = gate(HTML, NOTHING, catalogue=CATALOGUE, preview=True)
    assert elements(html, "details") == []
    for text in ("Miss Lucy tells them", "There never were any deferrals", "drawing them"):
        assert text in html
    labels = [a for _, a in elements(html) if a.get("class") == "preview-spoiler"]
    assert [a["data-preview-scope"] for a in labels] == [
        "novel:7 film:hailsham",
        "novel:14 film:cottages",
        "novel:22 film:completion",
        "*",
    ]
    assert "Spoiler: Novel, Part Three, ch. 22 / Film: Completion (1994)" in text_of(html)
    assert 'href="/wiki/deferrals/"' in html


# --- plain text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("progress", "present", "absent"),
    [
        (
            AT_START,
            ["eleven years", "make art for the Gallery", "Tommy's animals"],
            ["Miss Lucy", "possible", "Madame", "deferrals", "drawing", "rumour", "Deferrals"],
        ),
        (
            IN_BETWEEN,
            ["Miss Lucy tells them", "The possibles", "Ruth's possible"],
            ["Madame", "deferrals", "drawing", "rumour"],
        ),
        (
            FILM_ONLY,
            ["Miss Lucy tells them", "Ruth's possible"],
            ["Madame", "deferrals", "drawing", "rumour"],
        ),
        (
            EVERYTHING,
            ["Miss Lucy tells them", "Madame's house", "There never were any deferrals", "rumour"],
            ["drawing"],
        ),
    ],
)
def test_plain_text_holds_only_what_the_reader_may_see(progress, present, absent):
    text = plain_text(HTML, progress, catalogue=CATALOGUE)
    for words in present:
        assert words in text
    for words in absent:
        assert words not in text
    assert "Spoiler" not in text


def test_plain_text_drops_hidden_text_rather_than_collapsing_it():
    text = plain_text(HTML, AT_START, catalogue=CATALOGUE)
    assert text.startswith("Kathy H. has been a carer for eleven years. Hailsham")
    assert HIDDEN_LINK_TEXT not in text


def test_plain_text_limit_cuts_on_a_word_with_an_ellipsis():
    text = plain_text(HTML, AT_START, catalogue=CATALOGUE, limit=30)
    assert text == "Kathy H. has been a carer for…"


def test_plain_text_unescapes_entities():
    html = render("Ruth & Tommy <3", catalogue=CATALOGUE).html
    assert plain_text(html, NOTHING, catalogue=CATALOGUE) == "Ruth & Tommy <3"


def test_segments_carry_their_enclosing_scopes_outermost_first():
    segments = {s.text: s.scopes for s in extract_segments(HTML)}
    assert segments["Madame's house There never were any deferrals."] == (
        "novel:14 film:cottages",
        "novel:22 film:completion",
    )
    assert segments["he keeps drawing them"] == ("*",)
    assert segments["the rumour"] == ("novel:22",)


# --- headings ----------------------------------------------------------------------------


def test_extract_headings_lists_headings_with_their_scopes():
    headings = extract_headings(HTML)
    assert [(h.level, h.anchor, h.text, h.scopes) for h in headings] == [
        (2, "h-hailsham", "Hailsham", ()),
        (2, "h-the-possibles", "The possibles", ("novel:14 film:cottages",)),
        (
            2,
            "h-madames-house",
            "Madame's house",
            ("novel:14 film:cottages", "novel:22 film:completion"),
        ),
    ]


@pytest.mark.parametrize(
    ("progress", "anchors"),
    [
        (AT_START, ["h-hailsham"]),
        (IN_BETWEEN, ["h-hailsham", "h-the-possibles"]),
        ({"novel": 22}, ["h-hailsham", "h-the-possibles", "h-madames-house"]),
        ({"novel": 22, "film": 0}, ["h-hailsham", "h-the-possibles", "h-madames-house"]),
    ],
)
def test_visible_headings_hide_headings_in_unreached_spoilers(progress, anchors):
    headings = visible_headings(extract_headings(HTML), progress, catalogue=CATALOGUE)
    assert [h.anchor for h in headings] == anchors


def test_heading_with_an_inline_spoiler_shows_only_its_visible_words():
    html = render("## Tommy >![novel:22] and Kathy at the end!<\n", catalogue=CATALOGUE).html
    (heading,) = extract_headings(html)
    assert heading.text == "Tommy"
    assert "kathy" not in heading.anchor
    assert "Kathy" not in outside_details(gate(html, NOTHING, catalogue=CATALOGUE))


def test_the_toc_marker_cannot_list_hidden_headings():
    html = render(
        "[TOC]\n\n::: spoiler novel:22\n## Deferrals never existed\n:::\n", catalogue=CATALOGUE
    ).html
    assert "Deferrals" not in outside_details(gate(html, NOTHING, catalogue=CATALOGUE))


# --- spoiler lint ---------------------------------------------------------------------------

TERMS = [("deferral", "novel:22 film:completion", "the end of the deferral hope")]


def lint(source: str, terms=TERMS):
    html = render(source, catalogue=CATALOGUE).html
    return lint_segments(extract_segments(html), CATALOGUE, terms=terms)


def test_lint_warns_for_a_term_outside_any_spoiler():
    (warning,) = lint("Kathy hopes for a deferral. Tommy draws.")
    assert warning.term == "deferral"
    assert warning.scope == "novel:22 film:completion"
    assert warning.sentence == "Kathy hopes for a deferral."
    assert warning.label == "Novel, Part Three, ch. 22 / Film: Completion (1994)"
    assert warning.message == (
        '"deferral" looks like a spoiler for Novel, Part Three, ch. 22 / Film: Completion '
        "(1994): wrap it?"
    )


def test_lint_is_quiet_for_a_term_inside_a_covering_spoiler():
    assert lint("::: spoiler novel:22\nKathy hopes for a deferral.\n:::\n") == []
    assert lint("They ask >![novel:23] about a deferral!<.") == []
    assert lint("They ask >![film:completion] about a deferral!<.") == []


def test_lint_is_quiet_inside_a_generic_spoiler():
    assert lint("They ask >!about a deferral!<.") == []


def test_lint_warns_when_the_enclosing_spoiler_is_too_early():
    (warning,) = lint("::: spoiler novel:7\nKathy hopes for a deferral.\n:::\n")
    assert warning.scope == "novel:22 film:completion"


def test_lint_matches_whole_words_in_any_case():
    assert [w.term for w in lint("A DEFERRAL, then.")] == ["deferral"]
    assert lint("Deferralism is not a word.") == []


def test_lint_reports_each_sentence_once():
    warnings = lint("A deferral. A deferral. Another deferral here.")
    assert [w.sentence for w in warnings] == ["A deferral.", "Another deferral here."]


def test_lint_skips_terms_with_malformed_scopes():
    assert lint("A deferral.", terms=[("deferral", "play:1", "")]) == []


@pytest.mark.django_db
def test_lint_uses_the_seeded_glossary_by_default():
    html = render("Miss Emily lives in Littlehampton.", catalogue=CATALOGUE).html
    warnings = lint_segments(extract_segments(html), CATALOGUE)
    assert [w.term for w in warnings] == ["Littlehampton"]
