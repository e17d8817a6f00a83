"""The main pages at phone width (375 px): no horizontal scrolling, usable controls."""

from .support import PHONE, build_site, expect, log_in, type_in_editor

MIN_TARGET = 24  # px: WCAG 2.2's minimum target size

# Every visible control that should be comfortably tappable: buttons, form fields and the
# progress picker's summary (inline text links are exempt, as WCAG's rule allows).
CONTROLS_JS = """() => {
    const selector = [
        "button:not(.link-button)", ".button", "input:not([type=hidden]):not([type=radio])"
        + ":not([type=checkbox])", "select", "textarea", "details.progress-details > summary",
    ].join(", ");
    return [...document.querySelectorAll(selector)]
        .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden"
                     && !e.closest(".honeypot"))
        .map(e => {
            const r = e.getBoundingClientRect();
            return {what: e.outerHTML.slice(0, 90), width: r.width, height: r.height,
                    left: r.left, right: r.right};
        });
}"""

OVERFLOW_JS = """() => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
                 && !e.closest(".visually-hidden, .skip-link, .honeypot, .diff-wrap, table"))
    .slice(0, 8).map(e => e.outerHTML.slice(0, 120))"""


def check_phone_page(page, name):
    """Problems on the current page at phone width, as sentences."""
    problems = []
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > PHONE["width"]:
        problems.append(
            f"{name}: scrolls sideways ({scroll_width}px wide); widest: "
            f"{page.evaluate(OVERFLOW_JS)}"
        )
    for control in page.evaluate(CONTROLS_JS):
        if control["height"] < MIN_TARGET or control["width"] < MIN_TARGET:
            problems.append(
                f"{name}: {control['width']:.0f}x{control['height']:.0f}px {control['what']}"
            )
        if control["right"] > PHONE["width"] + 1 or control["left"] < -1:
            problems.append(f"{name}: off screen {control['what']}")
    return problems


def test_main_pages_fit_a_phone(new_context, base_url):
    site = build_site()

    def phone(user=None):
        ctx = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        if user is not None:
            log_in(ctx, user, base_url)
        return ctx.new_page()

    problems = []
    visitor = phone()
    visitor.goto("/")
    for locator in (
        visitor.locator("#site-search"),
        visitor.locator("details.progress-details > summary"),
        visitor.get_by_role("button", name="Search"),
    ):
        expect(locator).to_be_visible()
    problems += check_phone_page(visitor, "home")
    visitor.locator("details.progress-details > summary").click()
    expect(visitor.locator("select#progress-novel")).to_be_visible()
    problems += check_phone_page(visitor, "home, progress picker open")

    visitor.goto(site["article"].get_absolute_url())
    problems += check_phone_page(visitor, "article")
    visitor.goto(site["article"].get_absolute_url() + "?spoiler=all")
    problems += check_phone_page(visitor, "article, every spoiler shown")

    member = phone(site["kathy"])
    member.goto(site["thread"].get_absolute_url())
    expect(member.locator(".reply-box textarea")).to_be_visible()
    problems += check_phone_page(member, "thread")

    member.goto(site["article"].get_absolute_url() + "edit/?show_source=1")
    with member.expect_response(lambda r: r.url.endswith("/markdownx/markdownify/")):
        type_in_editor(member, "A [[Hailsham]] memory.\n\n>![novel:5] A spoiler.!<\n")
    problems += check_phone_page(member, "editor")

    moderator = phone(site["moderator"])
    moderator.goto("/moderation/")
    expect(moderator.get_by_role("button", name="Hide", exact=True)).to_be_visible()
    problems += check_phone_page(moderator, "moderation queue")

    assert not problems, "\n".join(problems)
