"""Moderator actions on threads, posts and wiki articles, each with its undo and its entry in
the audit log (actor, action, object, reason, the state before)."""

import pytest

from discussions.models import Board, Thread
from nlmg.moderation.models import ModerationEvent
from tests.factories import make_board_thread
from wiki.models import Article, Revision

pytestmark = pytest.mark.django_db

Action = ModerationEvent.Action


def moderate_thread(client, thread, action, value="", reason="Tidying up."):
    return client.post(
        f"/discussions/t/{thread.pk}/moderate/",
        {"action": action, "value": value, "reason": reason},
    )


def moderate_post(client, post, action, value="", reason="Tidying up."):
    return client.post(
        f"/discussions/post/{post.pk}/moderate/",
        {"action": action, "value": value, "reason": reason},
    )


def assert_event(event, *, actor, action, target, reason, before):
    assert event is not None
    assert event.actor == actor
    assert event.actor_name == actor.username
    assert event.action == action
    assert event.target == target
    assert event.object_repr == target.moderation_title()
    assert event.reason == reason
    for key, value in before.items():
        assert event.before[key] == value, key


# Threads


def test_lock_thread_refuses_replies_and_unlock_allows_them_again(
    moderator_client, moderator, member_client, thread, last_event
):
    response = moderate_thread(moderator_client, thread, "lock", reason="Heated.")

    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.is_locked is True
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.LOCK,
        target=thread,
        reason="Heated.",
        before={"is_locked": False},
    )
    refused = member_client.post(
        f"/discussions/t/{thread.pk}/reply/", {"body": "One more."}, follow=True
    )
    assert "This thread is locked: it takes no new replies." in refused.content.decode()
    assert thread.posts.count() == 1

    moderate_thread(moderator_client, thread, "unlock", reason="Calmer now.")

    thread.refresh_from_db()
    assert thread.is_locked is False
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.UNLOCK,
        target=thread,
        reason="Calmer now.",
        before={"is_locked": True},
    )
    allowed = member_client.post(f"/discussions/t/{thread.pk}/reply/", {"body": "One more."})
    assert allowed.status_code == 302
    assert thread.posts.count() == 2


def test_pin_thread_lists_it_first_and_unpin_puts_it_back(
    moderator_client, moderator, client, member, thread, last_event
):
    make_board_thread(author=member, title="A newer thread")

    moderate_thread(moderator_client, thread, "pin", reason="Reading guide.")

    thread.refresh_from_db()
    assert thread.is_pinned is True
    page = client.get("/discussions/the-novel/").content.decode()
    assert page.index("The gallery at Hailsham") < page.index("A newer thread")
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.PIN,
        target=thread,
        reason="Reading guide.",
        before={"is_pinned": False},
    )

    moderate_thread(moderator_client, thread, "unpin", reason="Old news.")

    thread.refresh_from_db()
    assert thread.is_pinned is False
    page = client.get("/discussions/the-novel/").content.decode()
    assert page.index("A newer thread") < page.index("The gallery at Hailsham")
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.UNPIN,
        target=thread,
        reason="Old news.",
        before={"is_pinned": True},
    )


def test_move_thread_to_another_board_and_back(moderator_client, moderator, thread, last_event):
    response = moderate_thread(moderator_client, thread, "move", "book-vs-film", "Wrong board.")

    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.board.slug == "book-vs-film"
    assert Board.objects.get(slug="book-vs-film").thread_count == 1
    assert Board.objects.get(slug="the-novel").thread_count == 0
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.MOVE,
        target=thread,
        reason="Wrong board.",
        before={"board": "the-novel"},
    )
    assert last_event().after["board"] == "book-vs-film"

    moderate_thread(moderator_client, thread, "move", "the-novel", "Moved back.")

    thread.refresh_from_db()
    assert thread.board.slug == "the-novel"
    assert last_event().before["board"] == "book-vs-film"


def test_move_thread_to_a_missing_board_says_so_and_changes_nothing(moderator_client, thread):
    response = moderate_thread(moderator_client, thread, "move", "no-such-board")

    assert response.status_code == 302
    page = moderator_client.get(response["Location"]).content.decode()
    assert "There is no board “no-such-board”." in page
    thread.refresh_from_db()
    assert thread.board.slug == "the-novel"
    assert ModerationEvent.objects.exists() is False


def test_retitle_thread_keeps_the_old_title_in_the_log(
    moderator_client, moderator, client, thread, last_event
):
    response = moderate_thread(
        moderator_client, thread, "retitle", "Hailsham's gallery", "Title spoiled part three."
    )

    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.title == "Hailsham's gallery"
    page = client.get(thread.get_absolute_url(), follow=True).content.decode()
    assert "Hailsham&#x27;s gallery" in page
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.RETITLE,
        target=thread,
        reason="Title spoiled part three.",
        before={"title": "The gallery at Hailsham"},
    )

    moderate_thread(moderator_client, thread, "retitle", "The gallery at Hailsham", "Undo.")

    thread.refresh_from_db()
    assert thread.title == "The gallery at Hailsham"
    assert last_event().before["title"] == "Hailsham's gallery"


def test_hide_thread_removes_it_for_readers_and_restore_brings_it_back(
    moderator_client, moderator, client, thread, last_event
):
    moderate_thread(moderator_client, thread, "hide", reason="Off topic.")

    thread.refresh_from_db()
    assert thread.is_hidden is True
    assert client.get(thread.get_absolute_url()).status_code == 404
    moderator_page = moderator_client.get(thread.get_absolute_url())
    assert moderator_page.status_code == 200
    assert "Removed by a moderator" in moderator_page.content.decode()
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.HIDE,
        target=thread,
        reason="Off topic.",
        before={"is_hidden": False},
    )

    moderate_thread(moderator_client, thread, "restore", reason="On topic after all.")

    thread.refresh_from_db()
    assert thread.is_hidden is False
    assert client.get(thread.get_absolute_url()).status_code == 200
    assert last_event().action == Action.RESTORE


# Posts


def test_set_scope_on_a_post_collapses_it_for_readers_and_can_be_cleared(
    moderator_client, moderator, client, thread, reply, last_event
):
    response = moderate_post(moderator_client, reply, "set_scope", "novel:22", "Untagged spoiler.")

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.scope == "novel:22"
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Spoiler: Novel, Part Three, ch. 22" in page
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.SET_SCOPE,
        target=reply,
        reason="Untagged spoiler.",
        before={"scope": ""},
    )
    assert last_event().after["scope"] == "novel:22"

    moderate_post(moderator_client, reply, "set_scope", "", "Not a spoiler after all.")

    reply.refresh_from_db()
    assert reply.scope == ""
    assert last_event().before["scope"] == "novel:22"


def test_set_scope_with_an_invalid_scope_changes_nothing(moderator_client, reply):
    response = moderate_post(moderator_client, reply, "set_scope", "novel:99")

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.scope == ""
    assert ModerationEvent.objects.exists() is False


def test_hide_post_from_the_thread_page_and_restore_it(
    moderator_client, moderator, reply, last_event
):
    moderate_post(moderator_client, reply, "hide", reason="Rude.")

    reply.refresh_from_db()
    assert reply.is_hidden is True
    assert last_event().action == Action.HIDE

    moderate_post(moderator_client, reply, "restore", reason="Fine.")

    reply.refresh_from_db()
    assert reply.is_hidden is False
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.RESTORE,
        target=reply,
        reason="Fine.",
        before={"is_hidden": True},
    )


# Wiki


def test_hiding_a_flagged_revision_reverts_the_article_as_a_new_revision(
    flag, act, moderator_client, moderator, client, member, article, last_event
):
    vandal = article.current_revision
    flag(member, "revision", vandal, reason="spam", note="Vandalism.")

    response = act(moderator_client, vandal, "hide", reason="Vandalism.")

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.revision_count == 3
    current = article.current_revision
    assert current.action == Revision.Action.REVERT
    assert current.author == moderator
    assert "Vandalism here." not in current.body
    assert current.body == Revision.objects.get(article=article, number=1).body
    assert "Vandalism here." not in client.get("/wiki/hailsham/").content.decode()
    assert Revision.objects.filter(article=article).count() == 3
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.HIDE,
        target=vandal,
        reason="Vandalism.",
        before={"current_revision": 2},
    )
    assert moderator_client.get("/moderation/").context["items"] == []


def test_restoring_a_hidden_revision_brings_its_content_back_as_a_new_revision(
    act, moderator_client, moderator, client, article, last_event
):
    vandal = article.current_revision
    act(moderator_client, vandal, "hide", reason="Vandalism.")

    response = act(moderator_client, vandal, "restore", reason="It was a real edit.")

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.revision_count == 4
    assert article.current_revision.action == Revision.Action.REVERT
    assert article.current_revision.body == vandal.body
    assert "Vandalism here." in client.get("/wiki/hailsham/").content.decode()
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.RESTORE,
        target=vandal,
        reason="It was a real edit.",
        before={"current_revision": 3},
    )


def test_hide_and_restore_of_a_revision_log_the_new_current_revision_as_the_state_after(
    act, moderator_client, article, last_event
):
    vandal = article.current_revision

    act(moderator_client, vandal, "hide")
    hidden_after = last_event().after["current_revision"]
    act(moderator_client, vandal, "restore")
    restored_after = last_event().after["current_revision"]

    assert (hidden_after, restored_after) == (3, 4)


def test_hiding_a_revision_that_is_no_longer_current_changes_nothing(
    act, moderator_client, article
):
    first = Revision.objects.get(article=article, number=1)

    act(moderator_client, first, "hide", reason="Old.")

    article.refresh_from_db()
    assert article.revision_count == 2
    assert ModerationEvent.objects.exists() is False


def test_protect_article_refuses_member_edits_and_unprotect_allows_them(
    moderator_client, moderator, member_client, article, last_event
):
    response = moderator_client.post(
        "/wiki/hailsham/protect/", {"protect": "1", "reason": "Edit war."}
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_protected is True
    assert member_client.get("/wiki/hailsham/edit/").status_code == 403
    assert moderator_client.get("/wiki/hailsham/edit/").status_code == 200
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.PROTECT,
        target=article,
        reason="Edit war.",
        before={"is_protected": False},
    )

    moderator_client.post("/wiki/hailsham/protect/", {"protect": "0", "reason": "Settled."})

    article.refresh_from_db()
    assert article.is_protected is False
    assert member_client.get("/wiki/hailsham/edit/").status_code == 200
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.UNPROTECT,
        target=article,
        reason="Settled.",
        before={"is_protected": True},
    )


def test_feature_article_shows_it_on_the_home_page_and_unfeature_removes_it(
    moderator_client, moderator, client, article, last_event
):
    response = moderator_client.post("/wiki/hailsham/feature/", {"feature": "1"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_featured is True
    assert [row["article"].pk for row in client.get("/").context["featured"]] == [article.pk]
    event = last_event()
    assert (event.actor, event.action, event.target) == (moderator, Action.FEATURE, article)
    assert event.before["is_featured"] is False

    moderator_client.post("/wiki/hailsham/feature/", {"feature": "0"})

    article.refresh_from_db()
    assert article.is_featured is False
    assert client.get("/").context["featured"] == []
    event = last_event()
    assert (event.action, event.before["is_featured"]) == (Action.UNFEATURE, True)


def test_feature_article_records_the_reason(moderator_client, moderator, article, last_event):
    moderator_client.post("/wiki/hailsham/feature/", {"feature": "1", "reason": "Well written."})

    assert last_event().reason == "Well written."


def test_delete_article_hides_it_and_undelete_restores_it(
    moderator_client, moderator, client, article, last_event
):
    response = moderator_client.post("/wiki/hailsham/delete/", {"delete": "1", "reason": "Spam."})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_deleted is True
    assert client.get("/wiki/hailsham/").status_code == 404
    assert Article.objects.filter(pk=article.pk).exists() is True
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.DELETE,
        target=article,
        reason="Spam.",
        before={"is_deleted": False},
    )

    moderator_client.post("/wiki/hailsham/delete/", {"delete": "0", "reason": "Not spam."})

    article.refresh_from_db()
    assert article.is_deleted is False
    assert client.get("/wiki/hailsham/").status_code == 200
    assert_event(
        last_event(),
        actor=moderator,
        action=Action.UNDELETE,
        target=article,
        reason="Not spam.",
        before={"is_deleted": True},
    )


def test_repeating_an_action_that_changes_nothing_adds_no_log_entry(moderator_client, thread):
    moderate_thread(moderator_client, thread, "lock")
    moderate_thread(moderator_client, thread, "lock")

    assert ModerationEvent.objects.filter(action=Action.LOCK).count() == 1
    assert Thread.objects.get(pk=thread.pk).is_locked is True
