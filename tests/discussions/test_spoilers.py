"""Spoiler gating in discussions: thread scopes, post scopes and inline markup, per reader."""

import re

import pytest

from tests.factories import make_post, make_thread

pytestmark = pytest.mark.django_db

NOT_STARTED, MIDWAY, FINISHED = {}, {"novel": 12}, {"everything": True}
PROGRESS = {"not started": NOT_STARTED, "midway": MIDWAY, "finished": FINISHED}


@pytest.fixture
def read_at(client, set_progress):
    """``read_at(progress, url)``: the page as a reader at that progress gets it."""

    def read(progress, url):
        if progress:
            set_progress(client, **progress)
        return client.get(url)

    return read


@pytest.fixture
def late_thread(board, member):
    return make_thread(
        board=board,
        author=member,
        title="Ruth at the recovery centre",
        body="Ruth asks Kathy to become Tommy's carer.",
        scope="novel:19",
    )


def spoiler_summaries(response):
    return re.findall(
        r'<details class="spoiler[^"]*" data-nosnippet><summary>([^<]*)</summary>',
        response.content.decode(),
    )


@pytest.mark.parametrize(
    ("progress", "visible"), [("not started", False), ("midway", False), ("finished", True)]
)
def test_thread_body_is_shown_only_to_readers_who_reached_its_scope(
    read_at, late_thread, text_outside_spoilers, progress, visible
):
    response = read_at(PROGRESS[progress], late_thread.get_absolute_url())

    assert response.status_code == 200
    text = text_outside_spoilers(response)
    assert ("Ruth asks Kathy to become Tommy's carer." in text) is visible
    assert ("Spoilers up to Novel, Part Three, ch. 19" in text) is not visible
    assert "Ruth at the recovery centre" in text


def test_thread_body_past_the_reader_is_collapsed_naming_what_it_spoils(read_at, late_thread):
    response = read_at(NOT_STARTED, late_thread.get_absolute_url())

    assert spoiler_summaries(response) == ["Spoiler: Novel, Part Three, ch. 19"]
    page = response.content.decode()
    start = page.index('<details class="spoiler"')
    assert "Tommy's carer" in page[start : page.index("</details>", start)]


def test_thread_body_is_shown_at_exactly_its_point(read_at, late_thread, text_outside_spoilers):
    response = read_at({"novel": 19}, late_thread.get_absolute_url())

    assert "Tommy's carer" in text_outside_spoilers(response)
    assert spoiler_summaries(response) == []


def test_member_progress_set_by_posting_gates_the_thread_too(
    author_client, late_thread, set_progress, text_outside_spoilers
):
    before = author_client.get(late_thread.get_absolute_url())
    set_progress(author_client, novel=19)
    after = author_client.get(late_thread.get_absolute_url())

    assert "Tommy's carer" not in text_outside_spoilers(before)
    assert "Tommy's carer" in text_outside_spoilers(after)


@pytest.mark.parametrize(
    ("progress", "visible"),
    [
        ({}, False),
        ({"novel": 11}, False),
        ({"novel": 12}, True),
        ({"film": "cottages"}, True),
        ({"film": "hailsham"}, False),
        ({"everything": True}, True),
    ],
)
def test_scoped_reply_is_shown_only_to_readers_who_reached_one_of_its_points(
    read_at, thread, text_outside_spoilers, progress, visible
):
    make_post(
        thread=thread,
        body="Ruth admits she lied about the pictures.",
        scope="novel:12 film:cottages",
    )

    response = read_at(progress, thread.get_absolute_url())

    assert ("Ruth admits she lied" in text_outside_spoilers(response)) is visible


def test_scoped_reply_is_collapsed_whole_in_a_spoiler_naming_its_scope(read_at, thread):
    post = make_post(thread=thread, body="Ruth admits she lied.", scope="novel:12")

    response = read_at(NOT_STARTED, thread.get_absolute_url())

    page = response.content.decode()
    article = page[
        page.index(f'id="post-{post.pk}"') : page.index(
            "</article>", page.index(f'id="post-{post.pk}"')
        )
    ]
    assert (
        '<div class="post__body prose"><details class="spoiler" data-nosnippet>'
        "<summary>Spoiler: Novel, Part Two, ch. 12</summary>"
    ) in article
    assert "Ruth admits she lied." in article.split("<details", 1)[1]


@pytest.mark.parametrize(
    ("progress", "visible"),
    [
        ({}, False),
        ({"novel": 6}, False),
        ({"novel": 7}, True),
        ({"film": "hailsham"}, True),
        ({"everything": True}, True),
    ],
)
def test_inline_spoiler_in_a_reply_is_shown_only_to_readers_who_reached_it(
    read_at, thread, text_outside_spoilers, progress, visible
):
    make_post(
        thread=thread,
        body="Miss Lucy speaks in the pavilion. "
        ">![novel:7 film:hailsham] She tells them plainly what lies ahead.!<",
    )

    text = text_outside_spoilers(read_at(progress, thread.get_absolute_url()))

    assert "Miss Lucy speaks in the pavilion." in text
    assert ("She tells them plainly what lies ahead." in text) is visible


def test_inline_spoiler_past_the_reader_is_collapsed_naming_its_points(read_at, thread):
    make_post(thread=thread, body="Miss Lucy speaks. >![novel:7 film:hailsham] She tells them.!<")

    response = read_at(NOT_STARTED, thread.get_absolute_url())

    assert spoiler_summaries(response) == [
        "Spoiler: Novel, Part One, ch. 7 / Film: Hailsham (1978)"
    ]
    assert '<details class="spoiler spoiler--inline" data-nosnippet>' in response.content.decode()


@pytest.mark.parametrize(
    ("progress", "visible"),
    [({}, False), ({"novel": 21}, False), ({"novel": 22}, True), ({"film": "completion"}, True)],
)
def test_spoiler_block_in_the_opening_post_is_shown_only_to_readers_who_reached_it(
    read_at, board, member, text_outside_spoilers, progress, visible
):
    thread = make_thread(
        board=board,
        author=member,
        title="What the gallery was for",
        body="We finally learn why.\n\n::: spoiler novel:22 film:completion\n"
        "Miss Emily says the gallery was to prove they had souls.\n:::\n",
    )

    text = text_outside_spoilers(read_at(progress, thread.get_absolute_url()))

    assert "We finally learn why." in text
    assert ("to prove they had souls" in text) is visible


def test_generic_spoiler_stays_collapsed_even_for_readers_who_finished(read_at, thread):
    make_post(thread=thread, body="A guess: >!Tommy's drawings matter more than he thinks.!<")

    response = read_at(FINISHED, thread.get_absolute_url())

    assert spoiler_summaries(response) == ["Spoiler (click to show)"]


def test_hidden_text_appears_in_the_page_source_only_inside_its_collapsed_spoiler(read_at, thread):
    make_post(thread=thread, body="Ruth admits she lied about the pictures.", scope="novel:12")

    page = read_at(NOT_STARTED, thread.get_absolute_url()).content.decode()

    assert page.count("Ruth admits she lied") == 1
    before = page[: page.index("Ruth admits she lied")]
    assert before.rindex('<details class="spoiler"') > before.rfind("</details>")


def test_reply_past_the_thread_scope_is_marked(read_at, board, member):
    thread = make_thread(board=board, author=member, title="Part One talk", scope="novel:9")
    make_post(thread=thread, body="Later Ruth says sorry.", scope="novel:19")

    page = read_at(FINISHED, thread.get_absolute_url()).content.decode()

    assert "Past the thread's scope: Novel, Part Three, ch. 19" in page


def test_reply_within_the_thread_scope_is_not_marked(read_at, board, member):
    thread = make_thread(board=board, author=member, title="Part Two talk", scope="novel:17")
    make_post(thread=thread, body="Norfolk trip.", scope="novel:14")

    page = read_at(FINISHED, thread.get_absolute_url()).content.decode()

    assert "Past the thread" not in page
    assert '<span class="badge badge--muted" title="">Novel, Part Two, ch. 14</span>' in page


def test_scoped_reply_in_a_spoiler_free_thread_is_marked(read_at, thread):
    make_post(thread=thread, body="Ruth says sorry.", scope="novel:19")

    page = read_at(FINISHED, thread.get_absolute_url()).content.decode()

    assert "Past the thread's scope: Novel, Part Three, ch. 19" in page


def test_reply_form_shows_the_scoped_parent_collapsed(
    author_client, thread, other_member, reply_url, text_outside_spoilers
):
    parent = make_post(
        thread=thread, author=other_member, body="Ruth says sorry.", scope="novel:19"
    )

    response = author_client.get(f"{reply_url(thread)}?parent={parent.pk}")

    assert response.status_code == 200
    assert "Ruth says sorry." not in text_outside_spoilers(response)
    assert "Spoiler: Novel, Part Three, ch. 19" in response.content.decode()


def test_quoting_a_post_past_the_reader_keeps_its_text_out_of_the_form(
    author_client, thread, other_member, reply_url, textarea
):
    scoped = make_post(
        thread=thread, author=other_member, body="Ruth says sorry at last.", scope="novel:19"
    )

    response = author_client.get(f"{reply_url(thread)}?quote={scoped.pk}")

    quote = textarea(response)
    assert "Ruth says sorry" not in quote
    assert response.content.decode().count("Ruth says sorry") == 1  # the collapsed parent
    assert quote.startswith("::: spoiler novel:19\n")
    assert "hidden: spoiler for Novel, Part Three, ch. 19" in quote


def test_quoting_masks_only_the_inline_spoilers_past_the_reader(
    author_client, thread, other_member, reply_url, textarea, set_progress
):
    post = make_post(
        thread=thread,
        author=other_member,
        body="Norfolk was grey. >![novel:14] The possible was not Ruth's.!< "
        ">![novel:22] Madame lives by the sea.!<",
    )
    set_progress(author_client, novel=14)

    quote = textarea(author_client.get(f"{reply_url(thread)}?quote={post.pk}"))

    assert "Norfolk was grey." in quote
    assert ">![novel:14] The possible was not Ruth's.!<" in quote
    assert "Madame lives by the sea." not in quote
    assert ">![novel:22] ⟨hidden: spoiler for Novel, Part Three, ch. 22⟩!<" in quote


def test_earlier_version_in_the_history_is_gated_like_the_post(
    author_client, client, thread, member, set_progress
):
    post = make_post(
        thread=thread, author=member, body="Ruth says sorry at last.", scope="novel:19"
    )
    author_client.post(f"/discussions/post/{post.pk}/edit/", {"body": "Edited away.", "scope": ""})

    before = client.get(f"/discussions/post/{post.pk}/history/")
    set_progress(client, novel=19)
    after = client.get(f"/discussions/post/{post.pk}/history/")

    assert spoiler_summaries(before) == ["Spoiler: Novel, Part Three, ch. 19"]
    assert spoiler_summaries(after) == []
    assert "Ruth says sorry at last." in after.content.decode()


def test_masked_quote_posts_as_a_reply_that_stays_a_spoiler(
    author_client, thread, other_member, reply_url, textarea
):
    scoped = make_post(
        thread=thread, author=other_member, body="Ruth says sorry at last.", scope="novel:19"
    )
    quote = textarea(author_client.get(f"{reply_url(thread)}?quote={scoped.pk}"))

    response = author_client.post(
        reply_url(thread), {"body": quote + "I haven't got there yet.", "parent": scoped.pk}
    )

    assert response.status_code == 302
    reply = scoped.children.get()
    assert "Ruth says sorry" not in reply.body
    assert reply.body.startswith("::: spoiler novel:19\n")


def test_reply_scope_is_stored_in_canonical_form(other_client, thread, reply_url):
    other_client.post(reply_url(thread), {"body": "Ruth's apology.", "scope": "novel:part-3"})

    assert thread.posts.get(is_opening=False).scope == "novel:23"
