"""The board index and a board's thread listing: order, pages, badges and previews."""

from datetime import timedelta

import pytest
from django.utils import timezone

from discussions.models import Thread
from tests.factories import make_board, make_post, make_thread

pytestmark = pytest.mark.django_db


def titles_in_order(response, titles):
    """The given titles as they appear on the page, top to bottom."""
    page = response.content.decode()
    found = [(page.index(f">{t}</a>"), t) for t in titles if f">{t}</a>" in page]
    return [t for _, t in sorted(found)]


def age(thread, *, hours):
    """Move a thread's last activity ``hours`` into the past."""
    Thread.objects.filter(pk=thread.pk).update(
        last_activity_at=timezone.now() - timedelta(hours=hours)
    )


def test_board_index_lists_every_board_with_its_description(client):
    response = client.get("/discussions/")

    assert response.status_code == 200
    for name in ("The Novel", "The 2010 Film", "The TV Drama", "Book vs Film", "Site Talk"):
        assert name in response.content.decode()
    assert "chapter by chapter" in response.content.decode()


def test_board_index_shows_a_new_board_with_its_thread_count(client, member):
    board = make_board(slug="stage-play", name="The Stage Play", description="Tokyo, 2014.")
    make_thread(board=board, author=member)
    make_thread(board=board, author=member)

    response = client.get("/discussions/")

    assert "The Stage Play" in response.content.decode()
    assert "Tokyo, 2014." in response.content.decode()
    assert "2 threads" in response.content.decode()


def test_unknown_board_is_404(client):
    assert client.get("/discussions/no-such-board/").status_code == 404


def test_board_lists_its_threads_and_not_other_boards_threads(client, board, member):
    make_thread(board=board, author=member, title="Chapter one questions")
    make_thread(board=make_board(), author=member, title="Somewhere else entirely")

    response = client.get(board.get_absolute_url())

    assert response.status_code == 200
    assert "Chapter one questions" in response.content.decode()
    assert "Somewhere else entirely" not in response.content.decode()


def test_board_lists_threads_by_last_activity_most_recent_first(client, board, member):
    first = make_thread(board=board, author=member, title="Started first")
    second = make_thread(board=board, author=member, title="Started second")
    age(first, hours=3)
    age(second, hours=2)
    make_post(thread=first, body="Bumping the older thread.")

    response = client.get(board.get_absolute_url())

    assert titles_in_order(response, ["Started first", "Started second"]) == [
        "Started first",
        "Started second",
    ]


def test_board_lists_pinned_threads_first_whatever_their_activity(client, board, member):
    pinned = make_thread(board=board, author=member, title="Read this first")
    make_thread(board=board, author=member, title="A lively thread")
    age(pinned, hours=100)
    pinned.set_pinned(True)

    response = client.get(board.get_absolute_url())

    assert titles_in_order(response, ["Read this first", "A lively thread"]) == [
        "Read this first",
        "A lively thread",
    ]
    assert "Pinned" in response.content.decode()


def test_board_listing_shows_thirty_threads_a_page(client, board, member):
    for n in range(31):
        thread = make_thread(board=board, author=member, title=f"Numbered thread {n:02d}")
        age(thread, hours=100 - n)

    first = client.get(board.get_absolute_url())
    second = client.get(board.get_absolute_url() + "?page=2")

    assert first.content.decode().count('<li class="thread-row') == 30
    assert ">Numbered thread 30</a>" in first.content.decode()
    assert ">Numbered thread 00</a>" not in first.content.decode()
    assert second.content.decode().count('<li class="thread-row') == 1
    assert ">Numbered thread 00</a>" in second.content.decode()


def test_board_listing_leaves_out_hidden_threads(client, board, member, moderator):
    thread = make_thread(board=board, author=member, title="Spam about watches")
    thread.hide(by=moderator, reason="spam")

    response = client.get(board.get_absolute_url())

    assert "Spam about watches" not in response.content.decode()


def test_thread_past_the_reader_progress_is_listed_with_a_badge_and_no_preview(
    client, board, member
):
    make_thread(
        board=board,
        author=member,
        title="Ruth in the recovery centre",
        body="Ruth asks Kathy to become Tommy's carer.",
        scope="novel:19",
    )

    response = client.get(board.get_absolute_url())

    page = response.content.decode()
    assert "Ruth in the recovery centre" in page
    assert "Spoilers up to Novel, Part Three, ch. 19" in page
    assert "carer" not in page
    assert "thread-row__preview" not in page


def test_thread_within_the_reader_progress_is_listed_with_a_preview(
    client, board, member, set_progress
):
    make_thread(
        board=board,
        author=member,
        title="Ruth in the recovery centre",
        body="Ruth asks Kathy to become Tommy's carer.",
        scope="novel:19",
    )
    set_progress(client, novel=20)

    response = client.get(board.get_absolute_url())

    page = response.content.decode()
    assert "Spoilers up to" not in page
    assert "Ruth asks Kathy to become Tommy" in page


def test_spoiler_free_thread_is_listed_with_a_preview_and_no_badge(client, board, thread):
    response = client.get(board.get_absolute_url())

    page = response.content.decode()
    assert "Why did Madame take the best pictures away?" in page
    assert "Spoilers up to" not in page


def test_thread_preview_shows_only_the_text_the_reader_may_see(client, board, member, set_progress):
    make_thread(
        board=board,
        author=member,
        title="Who is Madame?",
        body="Madame visits Hailsham. >![novel:22] She lives in a house by the sea.!<",
    )

    before = client.get(board.get_absolute_url())
    set_progress(client, novel=22)
    after = client.get(board.get_absolute_url())

    assert "Madame visits Hailsham." in before.content.decode()
    assert "house by the sea" not in before.content.decode()
    assert "She lives in a house by the sea." in after.content.decode()
