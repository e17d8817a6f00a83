"""What a moderator removed, an author deleted or a lock closed stays so everywhere: no history
page reads it back, no reply goes under it, no edit changes it (each refusal says why, and a
refused POST keeps its text)."""

import html
import re

import pytest

from discussions.models import Post, PostEdit
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited_post(thread, member):
    """A reply by ``member`` edited once: its history holds the first version."""
    from discussions.services import edit_post

    post = make_post(thread=thread, author=member, body="The first version, later changed.")
    edit_post(post=post, editor=member, body="The second version.", lint_acknowledged=True)
    return Post.objects.get(pk=post.pk)


def history(client, post):
    return client.get(f"/discussions/post/{post.pk}/history/")


def moderate(client, url, action):
    response = client.post(url, {"action": action, "reason": "Off topic."})
    assert response.status_code == 302
    return response


def test_the_history_of_a_post_in_a_hidden_thread_is_404_but_for_moderators(
    client, other_client, author_client, moderator_client, thread, edited_post
):
    """The thread and the post answered 404, their history 200 with the whole text."""
    moderate(moderator_client, f"/discussions/t/{thread.pk}/moderate/", "hide")

    for reader in (client, other_client, author_client):
        assert reader.get(thread.get_absolute_url()).status_code == 404
        assert history(reader, edited_post).status_code == 404
        assert "first version" not in history(reader, edited_post).content.decode()
    response = history(moderator_client, edited_post)
    assert response.status_code == 200
    assert "The first version, later changed." in response.content.decode()


def test_the_history_of_a_post_its_author_deleted_is_404_but_for_moderators(
    client, other_client, author_client, moderator_client, edited_post
):
    response = author_client.post(f"/discussions/post/{edited_post.pk}/delete/")
    assert response.status_code == 302

    for reader in (client, other_client, author_client):
        response = history(reader, edited_post)
        assert response.status_code == 404
        assert "first version" not in response.content.decode()
    assert "The first version" in history(moderator_client, edited_post).content.decode()
    assert PostEdit.objects.filter(post=edited_post).count() == 1  # kept, not shown


def test_the_history_of_a_hidden_post_stays_404_for_readers(client, moderator_client, edited_post):
    moderate(moderator_client, f"/discussions/post/{edited_post.pk}/moderate/", "hide")
    assert history(client, edited_post).status_code == 404
    assert history(moderator_client, edited_post).status_code == 200


def reply_form_body(page: str) -> str:
    found = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)).strip() if found else ""


@pytest.mark.parametrize(
    "removal, message",
    [
        ("hide", "removed by a moderator"),
        ("delete", "deleted by its author"),
    ],
)
def test_a_reply_under_a_removed_post_is_refused_and_the_text_kept(
    other_client, author_client, moderator_client, thread, edited_post, reply_url, removal, message
):
    if removal == "hide":
        moderate(moderator_client, f"/discussions/post/{edited_post.pk}/moderate/", "hide")
    else:
        author_client.post(f"/discussions/post/{edited_post.pk}/delete/")
    before = Post.objects.filter(thread=thread).count()

    shown = other_client.get(f"{reply_url(thread)}?parent={edited_post.pk}", follow=True)
    posted = other_client.post(
        reply_url(thread), {"body": "Replying anyway, carefully.", "parent": edited_post.pk}
    )

    assert message in shown.content.decode()
    assert "/reply/" not in shown.redirect_chain[-1][0]  # sent back to the post, no form
    assert posted.status_code == 409
    page = posted.content.decode()
    assert message in page
    assert reply_form_body(page) == "Replying anyway, carefully."
    assert Post.objects.filter(thread=thread).count() == before


def test_a_reply_to_the_thread_itself_still_goes_through_beside_a_hidden_post(
    other_client, moderator_client, thread, edited_post, reply_url
):
    moderate(moderator_client, f"/discussions/post/{edited_post.pk}/moderate/", "hide")
    response = other_client.post(reply_url(thread), {"body": "On the thread itself."})
    assert response.status_code == 302
    assert Post.objects.filter(body="On the thread itself.", parent=None).exists()


def test_an_author_cannot_edit_a_post_in_a_locked_thread(
    author_client, moderator_client, thread, edited_post
):
    """Locking a thread took replies only: its authors could still rewrite their posts."""
    moderate(moderator_client, f"/discussions/t/{thread.pk}/moderate/", "lock")
    url = f"/discussions/post/{edited_post.pk}/edit/"

    shown = author_client.get(url, follow=True)
    posted = author_client.post(url, {"body": "Rewritten after the lock."})

    assert "This thread is locked" in shown.content.decode()
    assert "/edit/" not in shown.redirect_chain[-1][0]  # sent back to the post, no form
    assert posted.status_code == 409
    page = posted.content.decode()
    assert "This thread is locked" in page
    assert reply_form_body(page) == "Rewritten after the lock."
    edited_post.refresh_from_db()
    assert edited_post.body == "The second version."
    thread_page = author_client.get(thread.get_absolute_url()).content.decode()
    assert f'href="/discussions/post/{edited_post.pk}/edit/"' not in thread_page


def test_an_author_cannot_edit_a_post_in_a_hidden_thread(
    author_client, moderator_client, thread, edited_post
):
    moderate(moderator_client, f"/discussions/t/{thread.pk}/moderate/", "hide")
    url = f"/discussions/post/{edited_post.pk}/edit/"
    assert author_client.get(url).status_code == 404
    assert author_client.post(url, {"body": "Changed in secret."}).status_code == 404
    edited_post.refresh_from_db()
    assert edited_post.body == "The second version."


def test_the_edit_service_refuses_a_post_in_a_thread_locked_meanwhile(member, thread, edited_post):
    from discussions import services

    thread.set_locked(True)
    with pytest.raises(services.ThreadLocked):
        services.edit_post(post=edited_post, editor=member, body="Too late.")


def test_the_reply_service_refuses_a_parent_hidden_meanwhile(thread, edited_post, moderator):
    from discussions import services

    edited_post.hide(by=moderator, reason="Spam.")
    with pytest.raises(services.ThreadLocked):
        services.reply_to_thread(
            thread=thread, author=make_user(), body="Too late.", parent=edited_post
        )
