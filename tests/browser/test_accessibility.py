"""axe-core on the main pages, in the light and the dark colour scheme: nothing serious or
critical (colour contrast included)."""

import pytest

from .support import build_site, describe, expect, log_in, run_axe, serious, type_in_editor

PREVIEW_TEXT = (
    "Kathy remembers [[Hailsham]] and [[Nowhere in particular]].\n\n"
    "::: spoiler novel:12\nShe thinks of it years later.\n:::\n\n"
    "Tommy >![novel:5] waits by the pavilion!< after the game.\n"
)


def pages_to_check(new_context, base_url, site, color_scheme):
    """(name, page) for each page under test, ready to be checked."""

    def context(user=None):
        # axe is injected as a script tag, which the site's CSP (rightly) refuses.
        ctx = new_context(color_scheme=color_scheme, bypass_csp=True)
        if user is not None:
            log_in(ctx, user, base_url)
        return ctx.new_page()

    visitor = context()
    visitor.goto("/")
    visitor.locator("details.progress-details > summary").click()
    yield "home, progress picker open", visitor

    visitor.goto(site["article"].get_absolute_url())
    expect(visitor.locator(".spoiler-withheld").first).to_be_visible()
    yield "article, spoilers withheld", visitor

    visitor.locator(".spoiler-withheld__show").first.click()
    expect(visitor.locator(".spoiler-shown").first).to_be_focused()
    yield "article, one spoiler shown in place", visitor

    visitor.goto(site["article"].get_absolute_url() + "?spoiler=all")
    expect(visitor.locator(".spoiler-shown").first).to_be_visible()
    yield "article, every spoiler shown", visitor

    member = context(site["kathy"])
    member.goto(site["thread"].get_absolute_url())
    yield "thread (member, with reply form)", member

    member.goto(site["article"].get_absolute_url() + "edit/?show_source=1")
    with member.expect_response(lambda r: r.url.endswith("/markdownx/markdownify/")):
        type_in_editor(member, PREVIEW_TEXT)
    expect(member.locator(".markdownx-preview .preview-spoiler").first).to_be_visible()
    yield "article editor with live preview", member

    moderator = context(site["moderator"])
    moderator.goto("/moderation/")
    expect(moderator.locator("li.queue-item")).to_have_count(1)
    yield "moderation queue", moderator


@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_axe_finds_nothing_serious(new_context, base_url, color_scheme, axe_available):
    site = build_site()
    found = {}
    checked = []
    for name, page in pages_to_check(new_context, base_url, site, color_scheme):
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
            color_scheme == "dark"
        )
        checked.append(name)
        problems = serious(run_axe(page))
        if problems:
            found[name] = problems
    assert len(checked) == 7
    assert not found, "\n".join(f"{name}:\n{describe(v)}" for name, v in found.items())
