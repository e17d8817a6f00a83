"""`make screenshots`: the README's tour, refreshed from the same flows the browser tests drive.

Run by name (it is not collected with the tests): pytest tests/browser/screenshots.py
It loads the whole canon and the starter threads into the test database, drives a live server
in headless chromium and writes PNGs into docs/screenshots/ (or $NLMG_SCREENSHOTS_DIR).
"""

import os
from pathlib import Path

from .support import (
    PHONE,
    ROOT,
    build_site,
    expect,
    log_in,
    set_progress,
    type_in_editor,
)

OUT = Path(os.environ.get("NLMG_SCREENSHOTS_DIR", ROOT / "docs" / "screenshots"))
# Far enough for the Sales, not for the big reveals (the README shows these pages).
PROGRESS = {"novel": "6"}
EDITOR_TEXT = (
    "Hailsham is where [[Kathy H.]] grew up, with [[Ruth C.|Ruth]] and [[Tommy D.|Tommy]].\n\n"
    "## The Sales\n\n"
    "::: spoiler novel:6\n"
    "Kathy finds her treasured cassette of [[Songs After Dark]] at a Sale.\n"
    ":::\n\n"
    "Once a month the white van arrives >![novel:4] with clothes and toys for the Sales!<.\n"
)


def shoot(page, name, **options):
    OUT.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.screenshot(path=str(OUT / f"{name}.png"), animations="disabled", **options)


def around(page, locator, margin=16, height=None):
    """A clip of the page around an element (page coordinates)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    scroll = page.evaluate("({x: scrollX, y: scrollY})")
    width = page.viewport_size["width"]
    return {
        "x": 0,
        "y": max(box["y"] + scroll["y"] - margin, 0),
        "width": width,
        "height": height or box["height"] + 2 * margin,
    }


def test_tour_screenshots(new_context, base_url):
    from discussions.canon import load_starter_threads

    site = build_site(whole_canon=True)
    load_starter_threads()
    article = site["article"].get_absolute_url()

    visitor = new_context().new_page()
    visitor.goto("/")
    expect(visitor.locator(".cards .card").first).to_be_visible()
    shoot(visitor, "home")

    visitor.goto(article)
    expect(visitor.locator(".spoiler-withheld").first).to_be_visible()
    shoot(visitor, "article-progress-0")

    visitor.locator("details.progress-details > summary").click()
    for work, point in PROGRESS.items():
        visitor.locator(f"select#progress-{work}").select_option(point)
    shoot(visitor, "progress-picker", clip={"x": 0, "y": 0, "width": 1280, "height": 440})
    set_progress(visitor, PROGRESS)
    expect(visitor.locator(".spoiler-block-reached").first).to_be_visible()
    heading = visitor.locator("#h-sales-exchanges-and-the-gallery")
    shoot(
        visitor,
        "article-progress-set",
        clip=around(visitor, heading, margin=140, height=760),
        full_page=True,
    )

    member = new_context().new_page()
    log_in(member.context, site["kathy"], base_url)
    member.goto(article + "edit/?show_source=1")
    type_in_editor(member, EDITOR_TEXT)
    preview = member.locator("div.markdownx-preview")
    expect(preview.locator(".preview-spoiler", has_text="treasured cassette")).to_be_visible()
    expect(preview.locator(".preview-spoiler", has_text="white van")).to_be_visible()
    expect(preview).not_to_contain_text("Crow Face")  # the old text's preview is gone
    # markdownx grows the textarea with the old text and never shrinks it: fit the new text.
    member.locator("textarea#id_body").evaluate(
        "t => { t.style.height = 'auto'; t.style.height = (t.scrollHeight + 4) + 'px'; }"
    )
    editor = member.locator(".field", has=member.locator("textarea#id_body"))
    shoot(member, "editor-preview", clip=around(member, editor), full_page=True)

    member.goto(site["thread"].get_absolute_url())
    expect(member.locator("details.replies").first).to_be_visible()
    shoot(member, "thread")

    moderator = new_context().new_page()
    log_in(moderator.context, site["moderator"], base_url)
    moderator.goto("/moderation/")
    expect(moderator.locator("li.queue-item")).to_have_count(1)
    shoot(moderator, "moderation-queue")

    dark = new_context(color_scheme="dark").new_page()
    dark.goto(article)
    set_progress(dark, PROGRESS)
    shoot(dark, "dark-scheme")

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(article)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, "phone")

    written = sorted(p.name for p in OUT.glob("*.png"))
    print(f"\nscreenshots in {OUT}: {', '.join(written)}")
    assert len(written) >= 9
