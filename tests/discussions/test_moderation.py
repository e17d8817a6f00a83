"""Locked and hidden threads, and the moderators' tools on threads and posts."""

import pytest
from django.contrib.contenttypes.models import ContentType

from discussions.models import Board, Post, Thread
from discussions.services import ThreadLocked, reply_to_thread
from nlmg.moderation.models import ModerationEvent
from tests.factories import make_post

pytestmark = pytest.mark.django_db

LOCKED = "This thread is locked: it takes no new replies."


def events_for(target):
    return ModerationEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    )


def moderate_thread(client, thread, action, value="", reason="Keeping things tidy."):
    return client.post(
        f"/discussions/t/{thread.pk}/moderate/",
        {"action": action, "value": value, "reason": reason},
    )


def test_locked_thread_refuses_a_reply_and_keeps_the_text(other_client, thread, reply_url):
    thread.set_locked(True)

    response = other_client.post(reply_url(thread), {"body": "But I had more to say."})

    assert response.status_code == 409
    assert LOCKED in response.content.decode()
    assert "But I had more to say." in response.content.decode()
    assert Post.objects.filter(is_opening=False).exists() is False
    thread.refresh_from_db()
    assert thread.reply_count == 0


def test_reply_form_of_a_locked_thread_sends_the_reader_back_with_a_message(
    other_client, thread, reply_url
):
    thread.set_locked(True)

    response = other_client.get(reply_url(thread), follow=True)

    assert response.redirect_chain[0] == (thread.get_absolute_url(), 302)
    assert LOCKED in response.content.decode()


def test_locked_thread_page_says_so_and_offers_no_reply_form(other_client, thread):
    make_post(thread=thread, body="An earlier reply.")
    thread.set_locked(True)

    page = other_client.get(thread.get_absolute_url()).content.decode()

    assert LOCKED in page
    assert 'class="reply-box"' not in page
    assert "?quote=" not in page


def test_reply_service_refuses_a_locked_thread(thread, other_member):
    """A reply racing the lock is refused under the row lock, not only by the view's check."""
    thread.set_locked(True)

    with pytest.raises(ThreadLocked):
        reply_to_thread(thread=thread, author=other_member, body="Too late.")

    thread.refresh_from_db()
    assert thread.reply_count == 0


def test_hidden_thread_is_404_for_readers_and_members(client, other_client, thread, moderator):
    post = make_post(thread=thread, body="Inside a hidden thread.")
    thread.hide(by=moderator, reason="off topic")

    assert client.get(thread.get_absolute_url()).status_code == 404
    assert other_client.get(thread.get_absolute_url()).status_code == 404
    assert client.get(f"/discussions/post/{post.pk}/").status_code == 404
    assert (
        other_client.post(f"/discussions/t/{thread.pk}/reply/", {"body": "Hi"}).status_code == 404
    )


def test_hidden_thread_is_shown_to_moderators_with_a_badge(moderator_client, thread, moderator):
    thread.hide(by=moderator, reason="off topic")

    response = moderator_client.get(thread.get_absolute_url())

    assert response.status_code == 200
    assert '<span class="badge">Removed by a moderator</span>' in response.content.decode()


@pytest.mark.parametrize(
    ("action", "field", "before", "after"),
    [
        ("lock", "is_locked", False, True),
        ("pin", "is_pinned", False, True),
        ("hide", "is_hidden", False, True),
    ],
)
def test_moderator_changes_a_thread_state_and_it_is_logged(
    moderator_client, moderator, thread, action, field, before, after
):
    assert getattr(thread, field) is before

    response = moderate_thread(moderator_client, thread, action)

    assert response.status_code == 302
    thread.refresh_from_db()
    assert getattr(thread, field) is after
    event = events_for(thread).get()
    assert event.action == action
    assert event.actor == moderator
    assert event.reason == "Keeping things tidy."
    assert event.before[field] is before
    assert event.after[field] is after


@pytest.mark.parametrize(
    ("setup", "action", "field"),
    [("set_locked", "unlock", "is_locked"), ("set_pinned", "unpin", "is_pinned")],
)
def test_moderator_reverses_a_thread_state_and_it_is_logged(
    moderator_client, thread, setup, action, field
):
    getattr(thread, setup)(True)

    response = moderate_thread(moderator_client, thread, action)

    assert response.status_code == 302
    thread.refresh_from_db()
    assert getattr(thread, field) is False
    assert events_for(thread).get().action == action


def test_moderator_restores_a_hidden_thread_and_it_is_logged(
    moderator_client, client, thread, moderator
):
    thread.hide(by=moderator, reason="mistake")

    moderate_thread(moderator_client, thread, "restore")

    thread.refresh_from_db()
    assert thread.is_hidden is False
    assert events_for(thread).get().action == ModerationEvent.Action.RESTORE
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_moderator_retitles_a_thread_and_it_is_logged(moderator_client, thread):
    response = moderate_thread(moderator_client, thread, "retitle", "Madame's gallery")

    thread.refresh_from_db()
    assert thread.title == "Madame's gallery"
    assert thread.slug == "madames-gallery"
    assert response["Location"] == thread.get_absolute_url()
    event = events_for(thread).get()
    assert event.action == ModerationEvent.Action.RETITLE
    assert event.before["title"] == "The gallery at Hailsham"
    assert event.after["title"] == "Madame's gallery"


def test_moderator_moves_a_thread_to_another_board_and_it_is_logged(moderator_client, thread):
    response = moderate_thread(moderator_client, thread, "move", "themes-and-ethics")

    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.board.slug == "themes-and-ethics"
    assert Board.objects.get(slug="the-novel").thread_count == 0
    assert Board.objects.get(slug="themes-and-ethics").thread_count == 1
    event = events_for(thread).get()
    assert event.action == ModerationEvent.Action.MOVE
    assert (event.before["board"], event.after["board"]) == ("the-novel", "themes-and-ethics")


def test_moving_a_thread_to_an_unknown_board_says_so_and_changes_nothing(moderator_client, thread):
    response = moderate_thread(moderator_client, thread, "move", "no-such-board")

    assert response.status_code == 302
    assert "There is no board" in moderator_client.get(response["Location"]).content.decode()
    thread.refresh_from_db()
    assert thread.board.slug == "the-novel"
    assert events_for(thread).exists() is False


def test_moderator_action_that_changes_nothing_is_not_logged(moderator_client, thread):
    moderate_thread(moderator_client, thread, "unlock")

    assert events_for(thread).exists() is False


def test_unknown_moderator_action_changes_nothing(moderator_client, thread):
    response = moderate_thread(moderator_client, thread, "explode")

    assert response.status_code == 302
    assert events_for(thread).exists() is False


def test_moderator_sets_a_post_scope_and_it_is_logged(moderator_client, moderator, thread):
    post = make_post(thread=thread, body="Ruth apologises in the car.")

    response = moderator_client.post(
        f"/discussions/post/{post.pk}/moderate/", {"action": "set_scope", "value": "novel:12"}
    )

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.scope == "novel:12"
    event = events_for(post).get()
    assert event.action == ModerationEvent.Action.SET_SCOPE
    assert event.actor == moderator
    assert (event.before["scope"], event.after["scope"]) == ("", "novel:12")


def test_moderator_scope_is_stored_in_canonical_form(moderator_client, thread):
    post = make_post(thread=thread, body="Norfolk.")

    moderator_client.post(
        f"/discussions/post/{post.pk}/moderate/", {"action": "set_scope", "value": "novel:part-2"}
    )

    post.refresh_from_db()
    assert post.scope == "novel:17"


def test_setting_the_opening_post_scope_sets_the_thread_scope(moderator_client, thread):
    moderator_client.post(
        f"/discussions/post/{thread.opening_post_id}/moderate/",
        {"action": "set_scope", "value": "novel:22"},
    )

    thread.refresh_from_db()
    assert thread.scope == "novel:22"


def test_invalid_scope_from_a_moderator_is_refused_with_a_message(moderator_client, thread):
    post = make_post(thread=thread, body="Norfolk.")

    response = moderator_client.post(
        f"/discussions/post/{post.pk}/moderate/",
        {"action": "set_scope", "value": "novel:99"},
        follow=True,
    )

    assert "Not a valid scope" in response.content.decode()
    post.refresh_from_db()
    assert post.scope == ""
    assert events_for(post).exists() is False


def test_moderator_hides_a_post_and_readers_see_it_removed(
    moderator_client, client, thread, other_member
):
    post = make_post(thread=thread, author=other_member, body="Something rude.")
    reply = make_post(thread=thread, body="Reply to the rude one.", parent=post)

    moderator_client.post(
        f"/discussions/post/{post.pk}/moderate/", {"action": "hide", "reason": "abuse"}
    )

    post.refresh_from_db()
    assert post.is_hidden is True
    assert events_for(post).get().action == ModerationEvent.Action.HIDE
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Removed by a moderator." in page
    assert "Something rude." not in page
    assert "Reply to the rude one." in page
    assert f'id="post-{reply.pk}"' in page


def test_moderator_restores_a_hidden_post(moderator_client, moderator, thread):
    post = make_post(thread=thread, body="Not so rude after all.")
    post.hide(by=moderator, reason="abuse")

    moderator_client.post(f"/discussions/post/{post.pk}/moderate/", {"action": "restore"})

    post.refresh_from_db()
    assert post.is_hidden is False
    assert events_for(post).get().action == ModerationEvent.Action.RESTORE


def test_hidden_thread_stays_out_of_its_board_listing_until_restored(
    moderator_client, client, thread
):
    moderate_thread(moderator_client, thread, "hide")
    hidden = client.get("/discussions/the-novel/").content.decode()
    moderate_thread(moderator_client, thread, "restore")
    restored = client.get("/discussions/the-novel/").content.decode()

    assert "The gallery at Hailsham" not in hidden
    assert "The gallery at Hailsham" in restored
    assert Thread.objects.get().is_hidden is False
