"""Moderation on the site (issue 19) in a real browser: a moderator locks, pins, moves,
retitles and scopes a thread from its page, each with a reason; the audit log says each in
words, and undoes each from its row."""

import re

from .support import expect, log_in, make_moderator


def tools(page):
    box = page.locator("#thread-tools")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    return box


def test_a_moderator_runs_the_thread_tools_and_undoes_each_from_the_log(new_context, base_url):
    from discussions.models import Thread
    from tests.factories import make_board_thread, make_user

    emily = make_moderator(display_name="Miss Emily")
    thread = make_board_thread(author=make_user(username="kathy"), title="The pavilion")
    page = new_context().new_page()
    log_in(page.context, emily, base_url)
    page.goto(thread.get_absolute_url())

    box = tools(page)
    box.get_by_label("Reason").first.fill("Heated")
    box.get_by_role("button", name="Lock", exact=True).click()
    expect(page.locator(".message--success")).to_contain_text("Done: lock.")
    expect(page.locator(".thread-header .badge", has_text="Locked")).to_be_visible()

    box = tools(page)
    box.get_by_label("Reason").first.fill("Important")
    box.get_by_role("button", name="Pin", exact=True).click()
    expect(page.locator(".thread-header .badge", has_text="Pinned")).to_be_visible()

    box = tools(page)
    box.get_by_label("Move to").select_option("site-talk")
    box.locator("#thread-reason-move").fill("Belongs to site talk")
    box.get_by_role("button", name="Move").click()
    expect(page.locator(".message--success")).to_contain_text("Done: move.")

    box = tools(page)
    box.get_by_label("New title").fill("The sports pavilion")
    box.locator("#thread-reason-title").fill("Clearer")
    box.get_by_role("button", name="Retitle").click()
    expect(page.locator("h1")).to_have_text("The sports pavilion")

    box = tools(page)
    box.locator("#tools-scope_novel").select_option("9")
    box.locator("#thread-reason-scope").fill("Talks about Part One")
    box.get_by_role("button", name="Set the scope").click()
    expect(page.locator(".message--success")).to_contain_text("Done: set scope.")

    thread.refresh_from_db()
    assert (thread.is_locked, thread.is_pinned, thread.board.slug, thread.scope) == (
        True, True, "site-talk", "novel:9",
    )  # fmt: skip

    page.goto("/moderation/log/")
    rows = page.locator("table.log tbody tr")
    expect(rows).to_have_count(5)
    expected = [
        (
            "Set the spoiler scope of",
            "Talks about Part One",
            "scope: none → Novel, Part One, ch. 9",
        ),
        ("Retitled", "Clearer", "title: The pavilion → The sports pavilion"),
        ("Moved", "Belongs to site talk", "board: the-novel → site-talk"),
        ("Pinned", "Important", "state: not pinned → pinned"),
        ("Locked", "Heated", "state: open → locked"),
    ]
    for row, (action, reason, change) in zip(rows.all(), expected, strict=True):
        expect(row.locator("td:nth-child(3)")).to_contain_text(action)
        expect(row.locator("td:nth-child(4)")).to_have_text(reason)
        expect(row.locator("td:nth-child(5)")).to_have_text(change)

    # Undo each, newest first, from its row: five new entries, and the thread as it was.
    for index in range(5):
        row = page.locator("table.log tbody tr").nth(index * 2)
        row.get_by_label("Reason to undo").fill("Undo for the test")
        row.get_by_role("button", name="Undo").click()
        expect(page.locator(".message--success")).to_contain_text("Undone.")
    thread = Thread.objects.get(pk=thread.pk)
    assert (thread.is_locked, thread.is_pinned, thread.board.slug, thread.scope, thread.title) == (
        False, False, "the-novel", "", "The pavilion",
    )  # fmt: skip
    expect(page.locator("table.log tbody tr")).to_have_count(10)
    expect(page).to_have_url(re.compile(r"/moderation/log/$"))
