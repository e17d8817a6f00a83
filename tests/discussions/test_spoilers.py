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


def withheld_labels(response):
    """The labels of the withheld spoilers on a page, in order."""
    return re.findall(
        r'<span class="spoiler-withheld__label" id="[^"]*">([^<]*)</span>',
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


def test_a_thread_past_the_reader_is_withheld_whole_naming_what_it_spoils(read_at, late_thread):
    response = read_at(NOT_STARTED, late_thread.get_absolute_url())

    page = response.content.decode()
    assert "Tommy's carer" not in page
    assert "This thread is beyond your progress" in page
    assert "Novel, Part Three, ch. 19" in page
    assert "its 1 post is withheld" in " ".join(page.split())
    assert 'href="?spoiler=thread"' in page


def test_a_reader_who_asks_sees_the_withheld_thread(read_at, late_thread):
    page = read_at(NOT_STARTED, late_thread.get_absolute_url() + "?spoiler=thread")

    assert "Tommy's carer" in page.content.decode()
    assert "This thread is beyond your progress" not in page.content.decode()


def test_thread_body_is_shown_at_exactly_its_point(read_at, late_thread, text_outside_spoilers):
    response = read_at({"novel": 19}, late_thread.get_absolute_url())

    assert "Tommy's carer" in text_outside_spoilers(response)
    assert withheld_labels(response) == []


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


def test_scoped_reply_is_withheld_whole_naming_its_scope(read_at, thread):
    post = make_post(thread=thread, body="Ruth admits she lied.", scope="novel:12")

    response = read_at(NOT_STARTED, thread.get_absolute_url())

    page = response.content.decode()
    article = page[
        page.index(f'id="post-{post.pk}"') : page.index(
            "</article>", page.index(f'id="post-{post.pk}"')
        )
    ]
    assert (
        f'<div class="post__body prose"><div class="spoiler-withheld" id="spoiler-p{post.pk}-1" '
        "data-nosnippet>"
    ) in article
    assert "Spoiler: Novel, Part Two, ch. 12" in article
    assert "Ruth admits she lied." not in page


def test_a_withheld_reply_is_shown_when_the_reader_asks_for_it(read_at, thread):
    post = make_post(thread=thread, body="Ruth admits she lied.", scope="novel:12")

    page = read_at(NOT_STARTED, f"{thread.get_absolute_url()}?spoiler=p{post.pk}-1").content

    assert "Ruth admits she lied." in page.decode()
    assert "shown at your request" in page.decode()


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


def test_inline_spoiler_past_the_reader_is_withheld_naming_its_points(read_at, thread):
    make_post(thread=thread, body="Miss Lucy speaks. >![novel:7 film:hailsham] She tells them.!<")

    response = read_at(NOT_STARTED, thread.get_absolute_url())

    assert withheld_labels(response) == ["Spoiler: Novel, Part One, ch. 7 / Film: Hailsham (1978)"]
    page = response.content.decode()
    assert 'class="spoiler-withheld spoiler-withheld--inline"' in page
    assert "She tells them." not in page


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


def test_generic_spoiler_stays_withheld_even_for_readers_who_finished(read_at, thread):
    make_post(thread=thread, body="A guess: >!Tommy's drawings matter more than he thinks.!<")

    response = read_at(FINISHED, thread.get_absolute_url())

    assert withheld_labels(response) == ["Spoiler"]
    assert "drawings matter" not in response.content.decode()


def test_hidden_text_never_appears_in_the_page_source(read_at, thread):
    make_post(thread=thread, body="Ruth admits she lied about the pictures.", scope="novel:12")

    page = read_at(NOT_STARTED, thread.get_absolute_url()).content.decode()

    assert "Ruth admits she lied" not in page
    assert '<details class="spoiler' not in page


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


def test_quoting_a_post_past_the_reader_asks_first_and_shows_nothing_of_it(
    author_client, thread, other_member, reply_url
):
    scoped = make_post(
        thread=thread, author=other_member, body="Ruth says sorry at last.", scope="novel:19"
    )

    response = author_client.get(f"{reply_url(thread)}?quote={scoped.pk}")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Quoting shows the whole post" in page
    assert "including spoilers up to <strong>Novel, Part Three, ch. 19</strong>" in page
    assert "Ruth says sorry" not in page
    assert f'href="?quote={scoped.pk}&amp;show_source=1"' in page


def test_after_the_notice_the_quote_holds_the_whole_source_in_its_spoiler(
    author_client, thread, other_member, reply_url, textarea
):
    scoped = make_post(
        thread=thread, author=other_member, body="Ruth says sorry at last.", scope="novel:19"
    )

    quote = textarea(author_client.get(f"{reply_url(thread)}?quote={scoped.pk}&show_source=1"))

    assert quote.startswith("::: spoiler novel:19\n")
    assert "Ruth says sorry at last." in quote


def test_the_notice_names_the_furthest_inline_spoiler_past_the_reader(
    author_client, thread, other_member, reply_url, textarea, set_progress
):
    post = make_post(
        thread=thread,
        author=other_member,
        body="Norfolk was grey. >![novel:14] The possible was not Ruth's.!< "
        ">![novel:22] Madame lives by the sea.!<",
    )
    set_progress(author_client, novel=14)

    notice = author_client.get(f"{reply_url(thread)}?quote={post.pk}").content.decode()
    quote = textarea(author_client.get(f"{reply_url(thread)}?quote={post.pk}&show_source=1"))

    assert "spoilers up to <strong>Novel, Part Three, ch. 22</strong>" in notice
    assert "Madame lives" not in notice
    assert ">![novel:22] Madame lives by the sea.!<" in quote


def test_a_reader_who_reached_everything_quotes_without_a_notice(
    author_client, thread, other_member, reply_url, textarea, set_progress
):
    post = make_post(thread=thread, author=other_member, body="A >![novel:22] secret!< here.")
    set_progress(author_client, everything=True)

    quote = textarea(author_client.get(f"{reply_url(thread)}?quote={post.pk}"))

    assert ">![novel:22] secret!<" in quote


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

    assert withheld_labels(before) == ["Spoiler: Novel, Part Three, ch. 19"]
    assert "Ruth says sorry at last." not in before.content.decode()
    assert withheld_labels(after) == []
    assert "Ruth says sorry at last." in after.content.decode()


def test_a_quote_posted_after_the_notice_stays_a_spoiler(
    author_client, client, thread, other_member, reply_url, textarea
):
    scoped = make_post(
        thread=thread, author=other_member, body="Ruth says sorry at last.", scope="novel:19"
    )
    quote = textarea(author_client.get(f"{reply_url(thread)}?quote={scoped.pk}&show_source=1"))

    response = author_client.post(
        reply_url(thread), {"body": quote + "I haven't got there yet.", "parent": scoped.pk}
    )

    assert response.status_code == 302
    reply = scoped.children.get()
    assert reply.body.startswith("::: spoiler novel:19\n")
    assert "Ruth says sorry" not in client.get(thread.get_absolute_url()).content.decode()


def test_reply_scope_is_stored_in_canonical_form(other_client, thread, reply_url):
    other_client.post(reply_url(thread), {"body": "Ruth's apology.", "scope": "novel:part-3"})

    assert thread.posts.get(is_opening=False).scope == "novel:23"


def test_issue_16_a_reply_in_a_scoped_thread_is_not_in_the_page_below_the_scope(
    read_at, board, member, other_member
):
    thread = make_thread(
        board=board,
        author=member,
        title="The field at night",
        body="What did you feel in the last part?",
        scope="novel:23 film:completion",
    )
    make_post(
        thread=thread,
        author=other_member,
        body="When Tommy screams in the dark field after the visit to Madame's house, I cried "
        "for ten minutes",
    )

    page = read_at(NOT_STARTED, thread.get_absolute_url()).content.decode()

    assert "Tommy screams" not in page
    assert "What did you feel" not in page
    assert "Spoilers up to Novel, Part Three, ch. 23 / Film: Completion (1994)" in page
    assert "its 2 posts are withheld" in " ".join(page.split())


def test_a_member_reads_their_own_reply_whole_even_below_its_scope(board, member, client):
    thread = make_thread(board=board, author=member, title="Later on", body="Talk.")
    make_post(thread=thread, author=member, body="My own note.", scope="novel:22")
    client.force_login(member)

    assert "My own note." in client.get(thread.get_absolute_url()).content.decode()


def test_replies_are_not_warned_of_terms_their_thread_scope_covers(other_client, board, member):
    thread = make_thread(
        board=board, author=member, title="Last chapters", body="Go.", scope="novel:23"
    )

    response = other_client.post(
        f"/discussions/t/{thread.pk}/reply/", {"body": "So Ruth completes after all."}
    )

    assert response.status_code == 302
