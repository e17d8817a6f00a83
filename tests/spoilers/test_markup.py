import time

import pytest

from nlmg.spoilers.markup.checks import MAX_SOURCE_CHARS, check_source
from nlmg.spoilers.markup.extension import LinkTarget
from nlmg.spoilers.markup.gating import Reveal, gate
from nlmg.spoilers.markup.render import render, render_inline
from tests.spoilers.helpers import (
    CATALOGUE,
    EVERYTHING,
    NOTHING,
    elements,
    outside_details,
    outside_details_and_code,
    resolver,
    text_of,
)


def md(source: str, **kwargs):
    kwargs.setdefault("catalogue", CATALOGUE)
    kwargs.setdefault("resolver", resolver)
    return render(source, **kwargs)


def spoilers(html: str) -> list[tuple[str, str | None]]:
    """(tag, data-scope) of every spoiler element, in document order."""
    return [
        (tag, attrs.get("data-scope"))
        for tag, attrs in elements(html)
        if "spoiler" in (attrs.get("class") or "").split()
    ]


def errors_of(source: str) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in check_source(source, CATALOGUE)]


# --- block spoilers ------------------------------------------------------------------------

BLOCK = """\
Kathy is a carer.

::: spoiler novel:22 film:completion
## What Madame says

- the gallery was to prove they had souls
- there were never any deferrals

Miss Emily explains the rest.
:::

Back to the lead.
"""


def test_block_spoiler_becomes_a_div_carrying_its_scope():
    result = md(BLOCK)
    assert result.ok is True
    assert spoilers(result.html) == [("div", "novel:22 film:completion")]


def test_block_spoiler_may_span_headings_and_lists():
    html = md(BLOCK).html
    start = html.index('<div class="spoiler"')
    end = html.index("Back to the lead")
    inside = html[start:end]
    assert '<h2 id="h-what-madame-says">What Madame says</h2>' in inside
    assert "<li>there were never any deferrals</li>" in inside
    assert "Miss Emily explains the rest." in inside
    assert "Kathy is a carer." not in inside


def test_block_scope_is_stored_canonically():
    html = md("::: spoiler FILM:completion, novel:part-3\nx\n:::\n").html
    assert spoilers(html) == [("div", "novel:23 film:completion")]


def test_block_markers_leave_no_text_behind():
    assert ":::" not in md(BLOCK).html
    assert "spoiler novel" not in md(BLOCK).html


def test_nested_blocks_keep_each_scope():
    html = md(
        "::: spoiler novel:14\nOuter.\n\n::: spoiler novel:22\nInner.\n:::\n\nOuter again.\n:::\n"
    ).html
    assert spoilers(html) == [("div", "novel:14"), ("div", "novel:22")]
    inner_start = html.index('data-scope="novel:22"')
    assert html.index("Inner.") > inner_start
    assert html.index("Outer again.") > html.index("Inner.")
    assert html.index("Outer.") < inner_start


def test_inline_spoiler_inside_a_block():
    html = md("::: spoiler novel:14\nRuth >![novel:19] completes!< later.\n:::\n").html
    assert spoilers(html) == [("div", "novel:14"), ("span", "novel:19")]


def test_three_levels_of_nesting_are_allowed():
    source = "::: spoiler novel:1\n::: spoiler novel:2\n::: spoiler novel:3\ndeep\n:::\n:::\n:::\n"
    result = md(source)
    assert result.errors == []
    assert [scope for _, scope in spoilers(result.html)] == ["novel:1", "novel:2", "novel:3"]


def test_block_inside_fenced_code_is_shown_as_code():
    result = md("```\n::: spoiler novel:22\nnot a spoiler\n:::\n```\n")
    assert result.errors == []
    assert spoilers(result.html) == []
    assert "::: spoiler novel:22" in text_of(result.html)
    assert elements(result.html, "pre")


# --- inline spoilers ------------------------------------------------------------------------


def test_inline_spoiler_becomes_a_span_carrying_its_scope():
    result = md("In the pavilion >![novel:7 film:hailsham] Miss Lucy tells them!< and leaves.")
    assert result.ok is True
    assert spoilers(result.html) == [("span", "novel:7 film:hailsham")]
    assert "Miss Lucy tells them" in result.html
    assert ">!" not in result.html and "!<" not in result.html


def test_paragraph_holding_an_inline_spoiler_becomes_a_div():
    """<details> may not sit inside <p>, so such a paragraph is a <div class="para">."""
    html = md("A >![novel:7] b!< c.\n\nPlain.").html
    assert elements(html, "div")[0][1] == {"class": "para"}
    assert elements(html, "p") == [("p", {})]


def test_several_inline_spoilers_on_one_line():
    html = md("a >![novel:1] one!< b >![drama:2] two!< c >!three!< d").html
    assert spoilers(html) == [("span", "novel:1"), ("span", "drama:2"), ("span", "*")]


def test_inline_spoiler_keeps_markdown_inside():
    html = md("x >![novel:3] *the* [[Hailsham]]!< y").html
    assert "<em>the</em>" in html
    assert 'href="/wiki/hailsham/"' in html


def test_generic_inline_spoiler_has_the_generic_scope():
    result = md("Guess: >!Tommy's animals!<.")
    assert result.ok is True
    assert spoilers(result.html) == [("span", "*")]


def test_inline_spoiler_in_a_list_item_and_a_heading():
    html = md("## About >![novel:20] the boat!<\n\n- one >![film:cottages] two!<\n").html
    assert spoilers(html) == [("span", "novel:20"), ("span", "film:cottages")]


def test_inline_spoiler_with_a_pipe_inside_a_table_cell_stays_whole():
    html = md("| who | what |\n| --- | --- |\n| Ruth | >![novel:19] completes | early!< |\n").html
    assert spoilers(html) == [("span", "novel:19")]
    assert outside_details(gate(html, NOTHING, catalogue=CATALOGUE)).count("early") == 0


# --- wiki links -----------------------------------------------------------------------------


def test_wiki_link_to_an_article_uses_its_title_and_url():
    result = md("See [[Hailsham]].")
    assert elements(result.html, "a") == [("a", {"class": "wikilink", "href": "/wiki/hailsham/"})]
    assert text_of(result.html) == "See Hailsham."
    assert result.links == [("Hailsham", "")]


def test_wiki_link_with_a_label():
    html = md("See [[Hailsham|the school]].").html
    assert '<a class="wikilink" href="/wiki/hailsham/">the school</a>' in html


def test_wiki_link_to_a_section_with_a_label():
    result = md("See [[Ruth#Norfolk|the trip]].")
    assert '<a class="wikilink" href="/wiki/ruth/#h-norfolk">the trip</a>' in result.html
    assert result.links == [("Ruth", "Norfolk")]
    assert result.missing_sections == []


def test_wiki_link_to_a_section_without_a_label_names_both():
    assert "Ruth § Early life" in text_of(md("[[Ruth#Early life]]").html)


def test_wiki_link_to_a_missing_section_is_reported():
    result = md("[[Ruth#Childhood]]")
    assert result.missing_sections == [("Ruth", "Childhood")]
    assert 'href="/wiki/ruth/#h-childhood"' in result.html


def test_wiki_link_titles_are_normalised_before_resolving():
    seen = []

    def spy(titles):
        seen.append(set(titles))
        return resolver(titles)

    md("[[ Hailsham ]] and [[Ruth|her]] and [[Ruth]] and [[Miss  Lucy]]", resolver=spy)
    assert seen == [{"Hailsham", "Ruth", "Miss Lucy"}]


def test_resolver_is_not_called_without_wiki_links():
    def explode(titles):
        raise AssertionError("no lookup needed")

    assert md("No links here.", resolver=explode).ok is True


def test_unresolved_wiki_link_is_a_red_link():
    result = md("[[Miss Geraldine|the guardian]]")
    ((tag, attrs),) = elements(result.html, "a")
    assert attrs["class"] == "wikilink redlink"
    assert attrs["title"] == "Miss Geraldine (no article yet)"
    assert text_of(result.html) == "the guardian"
    assert result.links == [("Miss Geraldine", "")]


def test_red_link_uses_the_url_the_resolver_gives():
    def creating(titles):
        return {t: LinkTarget(t, f"/wiki/new/?title={t}", exists=False) for t in titles}

    html = md("[[Keffers]]", resolver=creating).html
    assert elements(html, "a")[0][1]["href"] == "/wiki/new/?title=Keffers"
    assert "redlink" in elements(html, "a")[0][1]["class"]


def test_wiki_link_with_a_label_stays_whole_in_a_table_cell():
    html = md("| who | where |\n| --- | --- |\n| [[Ruth|her]] | [[Hailsham|the school]] |\n").html
    assert [text_of(c) for c in html.split("<td>")[1:]] == ["her", "the school"]
    assert [a["href"] for _, a in elements(html, "a")] == ["/wiki/ruth/", "/wiki/hailsham/"]


def test_link_to_a_scoped_article_carries_its_scope():
    html = md("[[Deferrals|the rumour]]").html
    assert elements(html, "a") == [
        ("a", {"class": "wikilink", "data-scope": "novel:22", "href": "/wiki/deferrals/"})
    ]


def test_default_resolver_makes_red_links(settings):
    settings.NLMG_WIKILINK_RESOLVER = ""
    html = render("[[Hailsham]]", catalogue=CATALOGUE).html
    assert "redlink" in elements(html, "a")[0][1]["class"]


# --- other markdown -------------------------------------------------------------------------


def test_wiki_markdown_features():
    html = md(
        "## Heading\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```python\nprint('hi')\n```\n\nText.[^1]\n\n[^1]: A note.\n"
    ).html
    assert '<h2 id="h-heading">Heading</h2>' in html
    assert elements(html, "table")
    assert '<code class="language-python">' in html
    assert "A note." in html and elements(html, "sup")


def test_external_links_get_rel_nofollow():
    ((_, attrs),) = elements(md("[site](https://example.org/)").html, "a")
    assert attrs["rel"] == "nofollow ugc noopener"
    assert attrs["href"] == "https://example.org/"


@pytest.mark.parametrize(
    "source",
    [
        "<b>bold</b> and <i>it</i>",
        "<div class='spoiler' data-scope='novel:1'>forged</div>",
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
    ],
)
def test_raw_html_is_shown_as_text(source):
    html = md(source).html
    assert {tag for tag, _ in elements(html)} <= {"p"}
    assert "&lt;" in html
    assert text_of(html).startswith("<")


def test_render_inline_drops_the_paragraph():
    assert render_inline("*Ruth*", catalogue=CATALOGUE).html == "<em>Ruth</em>"
    assert render_inline("Kathy, a carer", catalogue=CATALOGUE).html == "Kathy, a carer"


def test_render_inline_keeps_several_paragraphs():
    html = render_inline("one\n\ntwo", catalogue=CATALOGUE).html
    assert html == "<p>one</p>\n<p>two</p>"


# --- malformed markup -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "line", "fragment"),
    [
        ("intro\n\n::: spoiler novel:3\nnever closed\n", 3, "never closed"),
        ("intro\n:::\nafter\n", 2, "never opened"),
        ("a\nb\n::: spoiler play:3\nx\n:::\n", 3, 'unknown work "play"'),
        ("::: spoiler novel:24\nx\n:::\n", 1, "novel:24"),
        ("::: spoiler film:ending\nx\n:::\n", 1, "film:ending"),
        ("::: spoiler\nx\n:::\n", 1, "needs a scope"),
        ("::: warning\nx\n:::\n", 1, "unknown block"),
        ("ok\nthen >![novel:3] never closed\n", 2, "not closed"),
        ("a >![] empty!<\n", 1, "needs a scope"),
        ("a >![ , ] empty!<\n", 1, "needs a scope"),
        ("a >![drama:11] late!<\n", 1, "drama:11"),
        ("a >![novel7] typo!<\n", 1, "novel7"),
        ("x[^1]\n\n::: spoiler novel:3\n[^1]: a note\n:::\n", 4, "footnotes"),
        (
            "::: spoiler novel:1\n::: spoiler novel:2\n::: spoiler novel:3\n"
            "::: spoiler novel:4\nx\n:::\n:::\n:::\n:::\n",
            4,
            "nested more than 3",
        ),
    ],
)
def test_malformed_markup_is_reported_with_its_line(source, line, fragment):
    errors = errors_of(source)
    assert any(number == line and fragment in message for number, message in errors), errors
    result = md(source)
    assert result.ok is False
    assert any(str(e).startswith(f"Line {line}: ") for e in result.errors)


def test_well_formed_markup_has_no_errors():
    assert errors_of(BLOCK) == []
    assert errors_of("a >![novel:7] b!< c >!d!< [[Ruth#Norfolk|x]]\n") == []


MALFORMED_SCOPES = [
    "::: spoiler play:3\nSECRET text\n:::\n",
    "::: spoiler novel:99\nSECRET text\n:::\n",
    "::: spoiler\nSECRET text\n:::\n",
    "::: spoiler ,\nSECRET text\n:::\n",
    "a >![play:1] SECRET text!< b",
    "a >![novel:0] SECRET text!< b",
    "a >![] SECRET text!< b",
    "a >![,] SECRET text!< b",
    "a >![novel:3] SECRET text never closed",
    "a >!SECRET text never closed",
]


@pytest.mark.parametrize("source", MALFORMED_SCOPES)
def test_malformed_spoilers_stay_hidden_even_from_readers_who_finished(source):
    result = md(source)
    assert result.ok is False
    gated = gate(result.html, EVERYTHING, catalogue=CATALOGUE)
    assert "SECRET" not in gated
    shown = gate(result.html, EVERYTHING, catalogue=CATALOGUE, reveal=Reveal(everything=True))
    assert "SECRET" in shown  # withheld, not lost: shown when the reader asks


MALFORMED_STRUCTURE = [
    "intro\n\n::: spoiler novel:3\nSECRET text never closed\n",
    "intro\n\n::: spoiler novel:3\n::: spoiler novel:4\nSECRET text\n:::\n",
    "::: spoiler novel:1\n::: spoiler novel:2\n::: spoiler novel:3\n"
    "::: spoiler novel:4\nSECRET text\n:::\n:::\n:::\n:::\n",
    "x[^1]\n\n::: spoiler novel:3\n[^1]: SECRET text in a footnote\n:::\n",
]


@pytest.mark.parametrize("source", MALFORMED_STRUCTURE)
def test_malformed_blocks_still_hide_their_text_from_new_readers(source):
    result = md(source)
    assert result.ok is False
    assert "SECRET" not in outside_details(gate(result.html, NOTHING, catalogue=CATALOGUE))


def test_malformed_inline_scope_becomes_generic():
    assert spoilers(md("a >![play:1] b!< c").html) == [("span", "*")]
    assert spoilers(md("::: spoiler novel:99\nb\n:::\n").html) == [("div", "*")]


def test_spoiler_block_inside_a_quote_is_never_published_unhidden():
    """Either the block works inside the quote or the author is told to fix it."""
    result = md("> ::: spoiler novel:22\n> SECRET in a quote\n> :::\n")
    if result.ok:
        assert "SECRET" not in outside_details(gate(result.html, NOTHING, catalogue=CATALOGUE))
    else:
        assert result.errors[0].line == 1


def test_spoiler_block_indented_in_a_list_is_never_published_unhidden():
    result = md("- item\n\n    ::: spoiler novel:3\n    SECRET in a list\n    :::\n")
    if result.ok:
        assert "SECRET" not in outside_details(gate(result.html, NOTHING, catalogue=CATALOGUE))
    else:
        assert result.errors[0].line == 3


@pytest.mark.parametrize(
    "source",
    [
        "```\n::: spoiler novel:22\nSECRET after an unclosed fence\n:::\n",
        "```\n>![novel:22] SECRET after an unclosed fence!<\n",
        "~~~\n::: spoiler novel:22\nSECRET after an unclosed tilde fence\n:::\n",
    ],
)
def test_an_unclosed_code_fence_is_an_error(source):
    result = md(source)
    assert [(e.line, "never closed" in e.message) for e in result.errors] == [(1, True)]


@pytest.mark.parametrize(
    "source",
    [
        "  ```\n>![novel:22] SECRET inside an indented fence!<\n  ```\n",
        "```js```\n>![novel:22] SECRET after a one-line code span!<\n",
        "```\ncode\n```python\n>![novel:22] SECRET in a fence closed by ``` only!<\n```\n",
        "```\ncode\n````\n>![novel:22] SECRET after a longer closing fence!<\n",
        "    >![novel:22] SECRET in indented code!<\n",
        "a `>![novel:22] SECRET in a code span!<` b",
        "a \\`>![novel:22] SECRET after an escaped backtick!< `",
        "``a` >![novel:22] SECRET between odd backticks!< `b``",
        "`a\n>![novel:22] SECRET in a code span across lines!< b`",
        "- item\n\n    ```\n    >![novel:22] SECRET in a list!<\n    ```\n",
    ],
)
def test_spoiler_markup_is_either_hidden_or_shown_as_code(source):
    """Markup inside code is shown as written; everywhere else it is a spoiler. Renderer and
    validator agree on which is which, so nothing is published unhidden by accident."""
    result = md(source)
    gated = gate(result.html, NOTHING, catalogue=CATALOGUE)
    assert "SECRET" not in outside_details_and_code(gated)


# --- limits ---------------------------------------------------------------------------------


def test_text_over_the_limit_is_an_error_not_an_exception():
    result = md("a" * 101, max_chars=100)
    assert result.html == ""
    assert "too long" in result.errors[0].message


def test_text_over_the_default_limit_is_an_error():
    result = md("word " * (MAX_SOURCE_CHARS // 5 + 1))
    assert result.html == ""
    assert result.errors[0].line == 1


@pytest.mark.parametrize(
    "source",
    [
        ">" * 5000 + " deep quote",
        "".join("  " * i + "- item\n" for i in range(200)),
        "- " * 2000 + "x",
        "1. " * 2000 + "x",
        "::: spoiler novel:1\n" * 2000 + "x\n" + ":::\n" * 2000,
        "::: spoiler novel:1\n" * 2000,
        "\t" * 500 + "x",
        "[" * 20_000,
        "[[" * 10_000,
        "![" * 10_000,
        "[a](" * 5_000,
        "[(" * 10_000,
        "[^" * 10_000,
        ">!" * 20_000,
        "a >![novel:1] " * 5_000,
        "::: spoiler a" + " " * 50_000 + "b",
        "```" + " " * 50_000 + "x",
        "```x\n" * 20_000,
        '```hl_lines="\n' * 10_000,
        "*" * 100_000,
        "`a" * 20_000,
        "".join("`" * k + "a" for k in range(300, 0, -1)),
        "<" * 100_000,
        "&#" * 50_000,
        "|" * 100_000 + "\n|" + "-|" * 1000,
    ],
    ids=lambda s: repr(s[:16]),
)
def test_pathological_input_gives_a_result_quickly(source):
    started = time.perf_counter()
    result = md(source)
    elapsed = time.perf_counter() - started
    assert isinstance(result.html, str)
    assert elapsed < 5, f"took {elapsed:.1f}s"


@pytest.mark.parametrize(
    "source",
    [">" * 5000 + " deep", "::: spoiler novel:1\n" * 2000 + "x\n" + ":::\n" * 2000],
)
def test_deep_nesting_is_an_error(source):
    result = md(source)
    assert result.ok is False
    assert any("deep" in e.message for e in result.errors)


def test_long_horizontal_rules_are_not_deep_nesting():
    for rule in ("-" * 40, "*" * 40, "_" * 40, "- " * 20):
        result = md(f"Above.\n\n{rule}\n\nBelow.")
        assert result.errors == [], rule
        assert elements(result.html, "hr")
    assert md("Title\n" + "-" * 40 + "\n").errors == []
