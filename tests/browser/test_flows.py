"""The flows of issue 10 in a real browser: spoilers and the progress picker, sign-up and the
editor's live preview, threaded replies and notifications, moderation, and the keyboard."""

import re

from .support import (
    LATER_TEXT,
    REACHED_TEXTS,
    expect,
    log_in,
    make_moderator,
    save_article,
    set_progress,
    type_in_editor,
)


def test_visitor_sets_progress_and_sees_exactly_the_sections_reached(page):
    article = save_article()
    page.goto(article.get_absolute_url())

    body = page.locator(".article__body")
    expect(body.locator(".spoiler-withheld")).to_have_count(3)
    for text in (*REACHED_TEXTS, LATER_TEXT):
        assert text not in page.content()
    expect(page.locator(".progress-summary")).to_have_text("Spoiler-safe: nothing read yet")

    set_progress(page, {"novel": "12"})

    expect(page).to_have_url(re.compile(re.escape(article.get_absolute_url()) + "$"))
    expect(page.locator(".message--success")).to_contain_text("Progress saved")
    expect(page.locator(".progress-summary")).to_contain_text("Novel: ch. 12")
    expect(body.locator(".spoiler-block-reached")).to_have_count(2)
    for text in REACHED_TEXTS:
        expect(body.get_by_text(text)).to_be_visible()
    later = body.locator(".spoiler-withheld")
    expect(later).to_have_count(1)
    expect(later.locator(".spoiler-withheld__label")).to_have_text(
        "Spoiler: Novel, Part Three, ch. 22"
    )
    assert LATER_TEXT not in page.content()

    # With JavaScript, "Show this spoiler" fetches that spoiler alone and puts it in place.
    later.get_by_role("link", name="Show this spoiler").click()
    shown = body.locator(".spoiler-shown")
    expect(shown.get_by_text(LATER_TEXT)).to_be_visible()
    expect(shown).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="Spoiler shown.")).to_have_count(1)
    expect(page).to_have_url(re.compile(re.escape(article.get_absolute_url()) + "$"))

    # Progress is kept for the rest of the visit; the spoiler shown on request is not.
    page.reload()
    expect(body.locator(".spoiler-block-reached")).to_have_count(2)
    expect(body.locator(".spoiler-withheld")).to_have_count(1)
    assert LATER_TEXT not in page.content()


def test_member_signs_up_edits_with_live_preview_and_sees_history_and_diff(
    page, problems, relaxed_guards
):
    save_article(
        {
            "title": "Hailsham",
            "kind": "place",
            "scope": "",
            "lead": "Hailsham is the school where Kathy grows up.",
            "body": "Hailsham is a school in the English countryside.\n",
            "infobox": {},
            "tags": "",
        }
    )
    article = save_article()

    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("tommy")
    page.get_by_label("Display name").fill("Tommy D.")
    page.get_by_label("Email").fill("tommy@example.org")
    page.locator("#id_password1").fill("a-long-browser-passphrase-42")
    page.locator("#id_password2").fill("a-long-browser-passphrase-42")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".message--success")).to_contain_text("Welcome, Tommy D.!")
    expect(page.locator(".account-menu")).to_contain_text("Tommy D.")

    page.goto(article.get_absolute_url())
    page.locator("nav.tabs").get_by_role("link", name="Edit").click()
    # The source holds spoilers past the new member's progress: they are asked first.
    expect(page.get_by_role("heading", name="Editing shows the whole text")).to_be_visible()
    assert "Kathy and Tommy talk" not in page.content()
    page.get_by_role("link", name="Continue to the editor, spoilers included").click()
    expect(page).to_have_url(re.compile(r"/wiki/the-pavilion/edit/\?show_source=1$"))
    expect(page.locator("textarea#id_body")).to_have_value(re.compile("playing fields"))

    text = (
        "The pavilion looks over the fields of [[Hailsham]].\n\n"
        "::: spoiler novel:12\n"
        "Kathy thinks of the pavilion years later.\n"
        ":::\n\n"
        "Tommy waits >![novel:5] by the pavilion door!< after the game.\n"
    )
    with page.expect_response(
        lambda r: r.url.endswith("/markdownx/markdownify/") and r.request.method == "POST"
    ) as preview_response:
        type_in_editor(page, text)
    assert preview_response.value.ok
    preview = page.locator("div.markdownx-preview")
    block = preview.locator(".preview-spoiler").filter(has_text="years later")
    expect(block).to_have_count(1)
    expect(block.locator(".preview-spoiler__label")).to_have_text(
        "Spoiler: Novel, Part Two, ch. 12"
    )
    inline = preview.locator(".preview-spoiler").filter(has_text="by the pavilion door")
    expect(inline.locator(".preview-spoiler__label")).to_have_text(
        "Spoiler: Novel, Part One, ch. 5"
    )
    link = preview.locator("a.wikilink", has_text="Hailsham")
    expect(link).to_have_attribute("href", "/wiki/hailsham/")

    page.get_by_label("Edit summary").fill("Rewrote the opening")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".message--success")).to_contain_text("Saved. Thank you for your edit.")
    expect(page.locator(".article__body a.wikilink", has_text="Hailsham")).to_be_visible()

    page.locator("nav.tabs").get_by_role("link", name="History").click()
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("#2")
    expect(rows.first).to_contain_text("tommy")
    expect(rows.first).to_contain_text("Rewrote the opening")

    page.get_by_role("button", name="Compare selected revisions").click()
    expect(page.locator("h1")).to_contain_text("Changes to The Pavilion")
    diff = page.locator("table.diff")
    expect(diff.locator("ins").first).to_be_visible()
    expect(diff.locator("del").first).to_be_visible()
    expect(diff).to_contain_text("fields of [[Hailsham]]")

    assert problems.errors == [], problems.errors


def test_reply_to_a_reply_notifies_the_thread_starter_who_folds_the_subtree(
    new_context, base_url, relaxed_guards
):
    from tests.factories import make_thread_reply, make_user

    kathy = make_user(username="kathy", display_name="Kathy H.")
    ruth = make_user(username="ruth", display_name="Ruth C.")
    tommy = make_user(username="tommy", display_name="Tommy D.")

    kathy_page = new_context().new_page()
    log_in(kathy_page.context, kathy, base_url)
    kathy_page.goto("/discussions/")
    kathy_page.get_by_role("link", name="Start a thread").first.click()
    kathy_page.get_by_label("Board").select_option(label="The Novel")
    kathy_page.get_by_label("Title").fill("The boat in the marshes")
    kathy_page.locator("textarea#id_body").fill("What did the stranded boat mean to you?")
    kathy_page.get_by_role("button", name="Post thread").click()
    expect(kathy_page.locator("h1")).to_have_text("The boat in the marshes")
    expect(kathy_page.locator(".account-menu .badge")).to_have_count(0)

    from discussions.models import Thread

    thread = Thread.objects.get(title="The boat in the marshes")
    ruth_post = make_thread_reply(thread, author=ruth, body="It felt like the end of something.\n")

    tommy_page = new_context().new_page()
    log_in(tommy_page.context, tommy, base_url)
    tommy_page.goto(thread.get_absolute_url())
    ruth_article = tommy_page.locator(f"#post-{ruth_post.pk}")
    ruth_article.get_by_role("link", name="Reply", exact=True).click()
    expect(tommy_page.locator("h1")).to_have_text("Reply to ruth")
    tommy_page.locator("textarea#id_body").fill("Or the start of something else.")
    tommy_page.get_by_role("button", name="Post reply").click()
    expect(tommy_page.get_by_text("Or the start of something else.")).to_be_visible()

    kathy_page.goto(thread.get_absolute_url())
    badge = kathy_page.locator(".account-menu .badge")
    expect(badge).to_be_visible()
    unread = int(badge.inner_text())
    assert unread >= 1
    kathy_page.get_by_role("link", name=re.compile("^Notifications")).click()
    expect(kathy_page.locator("h1")).to_have_text("Notifications")
    notes = kathy_page.locator("ol.notifications li.unread")
    expect(notes).to_have_count(unread)
    expect(notes.filter(has_text="tommy")).to_contain_text("The boat in the marshes")

    kathy_page.goto(thread.get_absolute_url())
    subtree = kathy_page.locator("details.replies", has_text="Replies to ruth")
    tommy_reply = subtree.get_by_text("Or the start of something else.")
    expect(subtree).to_have_attribute("open", "")
    expect(tommy_reply).to_be_visible()
    subtree.locator("> summary").click()
    expect(subtree).not_to_have_attribute("open", re.compile(".*"))
    expect(tommy_reply).to_be_hidden()
    expect(kathy_page.get_by_text("It felt like the end of something.")).to_be_visible()
    subtree.locator("> summary").click()
    expect(subtree).to_have_attribute("open", "")
    expect(tommy_reply).to_be_visible()


def test_flag_hide_restore_and_the_audit_log(new_context, base_url, relaxed_guards):
    from tests.factories import make_board_thread, make_thread_reply, make_user

    kathy = make_user(username="kathy", display_name="Kathy H.")
    ruth = make_user(username="ruth", display_name="Ruth C.")
    emily = make_moderator(display_name="Miss Emily")
    thread = make_board_thread(author=kathy, title="Norfolk and lost things")
    post = make_thread_reply(thread, author=ruth, body="Buy my cassette, cheap, call me now.\n")

    flagger = new_context().new_page()
    log_in(flagger.context, kathy, base_url)
    flagger.goto(thread.get_absolute_url())
    flagger.locator(f"#post-{post.pk}").get_by_role("link", name="Flag").click()
    expect(flagger).to_have_url(re.compile(rf"/moderation/flag/\?post={post.pk}$"))
    flagger.get_by_label("Spam").check()
    flagger.get_by_label("Note").fill("An advert, not a post.")
    flagger.get_by_role("button", name="Send flag").click()
    expect(flagger.locator(".message--success")).to_contain_text("the moderators will look")

    moderator = new_context().new_page()
    log_in(moderator.context, emily, base_url)
    moderator.goto("/")
    moderator.get_by_role("link", name="Moderation").click()
    expect(moderator.locator("h1")).to_have_text("Moderation queue")
    item = moderator.locator("li.queue-item", has_text="Buy my cassette")
    expect(item).to_contain_text("1 flag")
    expect(item).to_contain_text("An advert, not a post.")
    item.get_by_label("Reason").fill("Advertising")
    item.get_by_role("button", name="Hide", exact=True).click()
    expect(moderator.locator(".message--success")).to_contain_text("Done: hide.")
    expect(moderator.locator("li.queue-item", has_text="Buy my cassette")).to_have_count(0)

    flagger.goto(thread.get_absolute_url())
    removed = flagger.locator(f"#post-{post.pk}")
    expect(removed).to_contain_text("Removed by a moderator.")
    expect(removed).not_to_contain_text("Buy my cassette")

    # The moderator reads the hidden post, marked as hidden, before restoring it.
    moderator.goto(thread.get_absolute_url())
    hidden = moderator.locator(f"#post-{post.pk}")
    expect(hidden).to_contain_text("Hidden by miss-emily: Advertising.")
    expect(hidden).to_contain_text("Buy my cassette")
    hidden.locator("summary", has_text="Moderator tools").click()
    hidden.get_by_label("Reason").fill("Not an advert after all")
    hidden.get_by_role("button", name="Restore", exact=True).click()
    expect(moderator.locator(".message--success")).to_contain_text("Done: restore.")

    flagger.goto(thread.get_absolute_url())
    expect(flagger.locator(f"#post-{post.pk}")).to_contain_text("Buy my cassette")

    moderator.goto("/moderation/log/")
    rows = moderator.locator("table.log tbody tr")
    expect(rows).to_have_count(2)
    # Newest first: the restore, then the hide with its reason, in words people use.
    what = rows.locator("td:nth-child(3)")
    expect(what.nth(0)).to_have_text(f"Restored Reply by ruth in “{thread.title}” (The Novel)")
    expect(what.nth(1)).to_contain_text("Hid Reply by ruth")
    expect(rows.nth(1).locator("td:nth-child(4)")).to_have_text("Advertising")
    expect(rows.nth(1).locator("td:nth-child(5)")).to_have_text("state: visible → hidden")
    expect(rows.locator("td:nth-child(2)")).to_have_text(["miss-emily", "miss-emily"])


def _tab_until(page, predicate_js: str, limit: int = 60) -> list[str]:
    """Press Tab until document.activeElement matches; the elements passed on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                "() => { const e = document.activeElement;"
                " return e.tagName + (e.id ? '#' + e.id : '') + ' ' +"
                " (e.textContent || '').trim().slice(0, 30); }"
            )
        )
        if page.evaluate(f"() => {{ const e = document.activeElement; return {predicate_js}; }}"):
            return seen
    raise AssertionError(f"never reached {predicate_js}; focus went through {seen}")


def test_keyboard_reaches_skip_link_progress_picker_search_and_reply_form(new_context, base_url):
    from tests.factories import make_board_thread, make_user

    kathy = make_user(username="kathy", display_name="Kathy H.")
    thread = make_board_thread(author=kathy, title="Keyboards at Hailsham")
    page = new_context().new_page()
    page.goto("/")

    _tab_until(page, "e.classList.contains('skip-link')", limit=1)
    box = page.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the skip link shows when focused"
    _tab_until(page, "e.id === 'site-search'")
    _tab_until(page, "e.matches('details.progress-details > summary')")
    page.keyboard.press("Enter")
    expect(page.locator("details.progress-details")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "progress-novel"

    # The skip link moves focus to the main content.
    page.goto("/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    assert page.evaluate("document.activeElement.id") == "main"

    member = new_context().new_page()
    log_in(member.context, make_user(username="ruth"), base_url)
    member.goto(thread.get_absolute_url())
    _tab_until(member, "e.id === 'id_body' && e.closest('.reply-box') !== null", limit=120)
    member.keyboard.type("Typed without a mouse.")
    expect(member.locator(".reply-box textarea#id_body")).to_have_value("Typed without a mouse.")


def test_the_console_watch_catches_csp_violations(page, problems):
    """The editor test's "no CSP violations or JS errors" check is not vacuous: an inline
    script is refused by the site's CSP, and the refusal is seen."""
    page.goto("/")
    assert problems.errors == []
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.body.appendChild(s); }"
    )
    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("window.inlineRan === undefined")
    page.wait_for_timeout(100)
    assert any("Content Security Policy" in e for e in problems.csp_or_js()), problems.errors


def test_spoiler_lint_offers_to_wrap_the_sentence_in_the_editor(new_context, base_url):
    """A revealing term outside a spoiler gets a warning in the live preview, whose button
    wraps the sentence in the suggested scope."""
    from tests.factories import make_user

    article = save_article()
    writer = make_user(username="lint-writer")
    context = new_context()
    log_in(context, writer, base_url)
    page = context.new_page()
    page.goto(article.get_absolute_url() + "edit/?show_source=1")
    type_in_editor(page, "The pavilion is quiet. Miss Emily mentions Morningdale once.\n")
    warning = page.locator(".markdownx-preview .lint-warnings li", has_text="Morningdale")
    expect(warning).to_be_visible()
    warning.get_by_role("button", name="Wrap it in novel:22").click()
    expect(page.locator("textarea#id_body")).to_have_value(
        re.compile(r"quiet\. >!\[novel:22\] Miss Emily mentions Morningdale once\.!<")
    )
    expect(page.locator(".markdownx-preview .lint-warnings")).to_have_count(0)

    # Issue 16, finding 3: the sentence follows an inline spoiler on the same line.
    type_in_editor(
        page,
        "Miss Lucy tells >![novel:7 film:hailsham] them what they are for!< and later "
        "Miss Emily names Morningdale.\n",
    )
    warning = page.locator(".markdownx-preview .lint-warnings li", has_text="Morningdale")
    warning.get_by_role("button", name="Wrap it in novel:22").click()
    expect(page.locator("textarea#id_body")).to_have_value(
        "Miss Lucy tells >![novel:7 film:hailsham] them what they are for!< "
        ">![novel:22] and later Miss Emily names Morningdale.!<\n"
    )
    expect(page.locator(".markdownx-preview .lint-warnings")).to_have_count(0)
    expect(page.locator(".markdownx-preview .preview-errors")).to_have_count(0)


def test_no_page_needs_an_inline_style_or_an_image_from_elsewhere(page, problems, base_url):
    """The policy allows styles and images from this site only: the pages, the editor
    (markdownx resizes its textarea through the DOM, which the policy allows) and the admin,
    with its forms and widgets, run without one violation."""
    from django.contrib.auth import get_user_model

    from tests.factories import make_board_thread

    article = save_article()
    admin = get_user_model().objects.create_superuser("emily", "emily@example.org", "x" * 20)
    thread = make_board_thread(author=admin, title="Pictures")
    log_in(page.context, admin, base_url)
    for url in [
        "/",
        article.get_absolute_url(),
        article.get_absolute_url() + "history/",
        thread.get_absolute_url(),
        f"/discussions/t/{thread.pk}/reply/",
        "/admin/",
        "/admin/wiki/article/",
        f"/admin/wiki/article/{article.pk}/change/",
        "/admin/discussions/post/",
        f"/admin/discussions/post/{thread.opening_post_id}/change/",
        "/admin/accounts/user/add/",
    ]:
        page.goto(url)
        expect(page.locator("body")).to_be_visible()
    page.goto(article.get_absolute_url() + "edit/?show_source=1")
    type_in_editor(page, "A picture: ![pixel](https://tracker.example/p.png)")
    preview_link = page.locator(".markdownx-preview a[href='https://tracker.example/p.png']")
    expect(preview_link).to_be_visible()
    page.wait_for_timeout(200)
    assert problems.csp_or_js() == [], problems.errors
