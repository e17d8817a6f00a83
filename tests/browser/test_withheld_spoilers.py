"""Withheld spoilers in a real browser: find-in-page and text-fragment links cannot open what
the page does not hold, and "Show this spoiler" works with JavaScript, without it, and from
the keyboard."""

import re
from urllib.parse import quote

from .support import LATER_TEXT, REACHED_TEXTS, expect, save_article

SECRETS = [*REACHED_TEXTS, LATER_TEXT]


def test_a_text_fragment_link_to_a_withheld_spoiler_opens_and_highlights_nothing(page):
    article = save_article()

    for text in SECRETS:
        page.goto(f"{article.get_absolute_url()}#:~:text={quote(text)}")
        expect(page.locator(".article__body .spoiler-withheld")).to_have_count(3)
        assert page.evaluate("t => document.body.innerText.includes(t)", text) is False
        assert text not in page.content()
        assert page.evaluate("window.getSelection().toString()") == ""


def test_find_in_page_finds_no_word_of_a_withheld_spoiler(page):
    article = save_article()
    page.goto(article.get_absolute_url())

    for text in [*SECRETS, "football", "far away"]:
        assert page.evaluate("t => window.find(t, false, false, true)", text) is False
    assert page.evaluate("t => window.find(t, false, false, true)", "playing fields") is True


def test_without_javascript_the_link_shows_that_spoiler_alone_and_lands_on_it(new_context):
    article = save_article()
    page = new_context(java_script_enabled=False).new_page()
    page.goto(article.get_absolute_url())

    page.locator(".spoiler-withheld").nth(1).get_by_role("link", name="Show this spoiler").click()

    expect(page).to_have_url(re.compile(r"\?spoiler=b-2#spoiler-b-2$"))
    shown = page.locator("#spoiler-b-2")
    expect(shown).to_have_class(re.compile("spoiler-shown"))
    expect(shown.get_by_text(REACHED_TEXTS[1])).to_be_visible()
    assert page.evaluate("document.querySelector(':target').id") == "spoiler-b-2"
    assert REACHED_TEXTS[0] not in page.content() and LATER_TEXT not in page.content()
    expect(page.locator(".article__body .spoiler-withheld")).to_have_count(2)

    page.get_by_role("link", name="Show every spoiler on this page").click()
    for text in SECRETS:
        expect(page.get_by_text(text)).to_be_visible()
    expect(page.locator(".progress-summary")).to_have_text("Spoiler-safe: nothing read yet")


def test_from_the_keyboard_a_spoiler_is_shown_in_place_and_takes_the_focus(page):
    article = save_article()
    page.goto(article.get_absolute_url())
    first = page.locator(".spoiler-withheld__show").first

    for _ in range(60):
        page.keyboard.press("Tab")
        if first.evaluate("link => link === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the first 'Show this spoiler' link")
    page.keyboard.press("Enter")

    shown = page.locator("#spoiler-b-1")
    expect(shown).to_be_focused()
    expect(shown.get_by_text(REACHED_TEXTS[0])).to_be_visible()
    assert LATER_TEXT not in page.content()
    # The next Tab goes on from the shown spoiler, not back to the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate(
        "document.querySelector('#spoiler-b-1').compareDocumentPosition(document.activeElement)"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
