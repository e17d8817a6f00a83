"""Working with one post: quoting, editing with history, soft deletion and likes."""

import pytest

from discussions.models import Like, Post, PostEdit
from tests.factories import make_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(thread, other_member):
    return make_post(thread=thread, author=other_member, body="Tommy's animals are wonderful.")


@pytest.fixture
def own_post(thread, member):
    """A reply by ``member`` (whose client is ``author_client``)."""
    return make_post(thread=thread, author=member, body="I never liked the Sales.")


def test_quote_prefills_the_reply_form_with_the_quoted_post(
    author_client, thread, post, reply_url, textarea
):
    response = author_client.get(f"{reply_url(thread)}?quote={post.pk}")

    assert response.status_code == 200
    assert textarea(response) == "> **ruth** wrote:\n>\n> Tommy's animals are wonderful.\n\n"
    assert f'name="parent" value="{post.pk}"' in response.content.decode()
    assert "Reply to ruth" in response.content.decode()


def test_quote_of_a_scoped_post_keeps_its_scope_as_a_spoiler_block(
    author_client, thread, other_member, reply_url, textarea, set_progress
):
    scoped = make_post(
        thread=thread, author=other_member, body="Ruth says sorry at last.", scope="novel:19"
    )
    set_progress(author_client, everything=True)

    response = author_client.get(f"{reply_url(thread)}?quote={scoped.pk}")

    assert textarea(response) == (
        "::: spoiler novel:19\n> **ruth** wrote:\n>\n> Ruth says sorry at last.\n:::\n\n"
    )


def test_posted_quote_of_a_scoped_post_stays_hidden_from_readers_before_that_point(
    author_client, client, thread, other_member, reply_url, textarea, set_progress,
    text_outside_spoilers,
):  # fmt: skip
    scoped = make_post(
        thread=thread, author=other_member, body="Ruth says sorry at last.", scope="novel:19"
    )
    set_progress(author_client, everything=True)
    quote = textarea(author_client.get(f"{reply_url(thread)}?quote={scoped.pk}"))

    response = author_client.post(
        reply_url(thread), {"body": quote + "So does Kathy.", "parent": scoped.pk}
    )

    assert response.status_code == 302
    reply = Post.objects.get(parent=scoped)
    page = client.get(thread.get_absolute_url())
    assert "So does Kathy." in text_outside_spoilers(page)
    assert "Ruth says sorry at last." not in text_outside_spoilers(page)
    assert f'id="post-{reply.pk}"' in page.content.decode()


def test_quote_of_a_removed_post_leaves_the_form_empty(
    author_client, thread, post, reply_url, textarea, moderator
):
    post.hide(by=moderator, reason="abuse")

    response = author_client.get(f"{reply_url(thread)}?quote={post.pk}")

    assert textarea(response) == ""


def test_edit_form_holds_the_post_as_written(author_client, own_post, textarea):
    response = author_client.get(f"/discussions/post/{own_post.pk}/edit/")

    assert response.status_code == 200
    assert textarea(response) == "I never liked the Sales."


def test_author_edits_their_post_and_the_earlier_version_is_kept(author_client, own_post, member):
    response = author_client.post(
        f"/discussions/post/{own_post.pk}/edit/", {"body": "The Sales were exciting after all."}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/discussions/post/{own_post.pk}/"
    own_post.refresh_from_db()
    assert own_post.body == "The Sales were exciting after all."
    assert "The Sales were exciting after all." in own_post.body_html
    assert own_post.edit_count == 1
    assert own_post.edited_at is not None
    edit = PostEdit.objects.get(post=own_post)
    assert edit.body == "I never liked the Sales."
    assert edit.edited_by == member


def test_edited_post_links_to_its_history_showing_the_earlier_version(
    author_client, client, thread, own_post
):
    author_client.post(f"/discussions/post/{own_post.pk}/edit/", {"body": "Second thoughts."})

    page = client.get(thread.get_absolute_url()).content.decode()
    history = client.get(f"/discussions/post/{own_post.pk}/history/")

    assert f'<a class="meta" href="/discussions/post/{own_post.pk}/history/">edited</a>' in page
    assert "Second thoughts." in page
    assert "I never liked the Sales." not in page
    assert history.status_code == 200
    assert "I never liked the Sales." in history.content.decode()


def test_each_edit_keeps_one_more_version(author_client, own_post):
    for body in ("Second version.", "Third version."):
        author_client.post(f"/discussions/post/{own_post.pk}/edit/", {"body": body})

    own_post.refresh_from_db()
    assert own_post.edit_count == 2
    assert sorted(PostEdit.objects.filter(post=own_post).values_list("body", flat=True)) == [
        "I never liked the Sales.",
        "Second version.",
    ]


def test_unedited_post_has_no_edited_link(client, thread, own_post):
    page = client.get(thread.get_absolute_url()).content.decode()

    assert f"/discussions/post/{own_post.pk}/history/" not in page


def test_failed_edit_keeps_the_new_text_and_changes_nothing(author_client, own_post):
    response = author_client.post(
        f"/discussions/post/{own_post.pk}/edit/",
        {"body": "Now with a spoiler.\n\n::: spoiler novel:22\nThe gallery proved nothing.\n"},
    )

    assert response.status_code == 400
    assert "this spoiler block is never closed" in response.content.decode()
    assert "The gallery proved nothing." in response.content.decode()
    own_post.refresh_from_db()
    assert own_post.body == "I never liked the Sales."
    assert own_post.edit_count == 0
    assert PostEdit.objects.exists() is False


def test_editing_the_opening_post_scope_changes_the_thread_scope(author_client, thread):
    author_client.post(
        f"/discussions/post/{thread.opening_post_id}/edit/",
        {"body": "Why did Madame take the best pictures away?", "scope": "novel:part-3"},
    )

    thread.refresh_from_db()
    assert thread.scope == "novel:23"


def test_author_deletes_their_post_softly(author_client, own_post):
    response = author_client.post(f"/discussions/post/{own_post.pk}/delete/")

    assert response.status_code == 302
    assert response["Location"] == f"/discussions/post/{own_post.pk}/"
    own_post.refresh_from_db()
    assert own_post.is_deleted is True
    assert own_post.body == "I never liked the Sales."


def test_deleted_post_shows_deleted_by_its_author_and_its_replies_stay(
    author_client, client, thread, own_post, other_member
):
    reply = make_post(
        thread=thread, author=other_member, body="The Sales were fun!", parent=own_post
    )

    author_client.post(f"/discussions/post/{own_post.pk}/delete/")

    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Deleted by its author." in page
    assert "I never liked the Sales." not in page
    assert "The Sales were fun!" in page
    assert f'id="post-{reply.pk}"' in page
    thread.refresh_from_db()
    assert thread.reply_count == 2


def test_deleting_by_get_is_refused(author_client, own_post):
    response = author_client.get(f"/discussions/post/{own_post.pk}/delete/")

    assert response.status_code == 405
    own_post.refresh_from_db()
    assert own_post.is_deleted is False


def test_deleted_post_can_no_longer_be_edited(author_client, own_post):
    author_client.post(f"/discussions/post/{own_post.pk}/delete/")

    response = author_client.post(f"/discussions/post/{own_post.pk}/edit/", {"body": "Back!"})

    assert response.status_code == 403
    own_post.refresh_from_db()
    assert own_post.body == "I never liked the Sales."


def test_member_likes_a_post(author_client, post, member):
    response = author_client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"})

    assert response.status_code == 302
    assert response["Location"] == f"/discussions/post/{post.pk}/"
    post.refresh_from_db()
    assert post.like_count == 1
    assert Like.objects.filter(post=post, user=member).exists() is True


def test_liking_twice_counts_once(author_client, post):
    author_client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"})
    response = author_client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"})

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.like_count == 1
    assert Like.objects.filter(post=post).count() == 1


def test_likes_from_several_members_add_up(author_client, moderator_client, post):
    author_client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"})
    moderator_client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"})

    post.refresh_from_db()
    assert post.like_count == 2


def test_member_unlikes_a_post(author_client, post):
    author_client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"})

    response = author_client.post(f"/discussions/post/{post.pk}/like/", {"like": "0"})

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.like_count == 0
    assert Like.objects.exists() is False


def test_unliking_a_post_never_liked_changes_nothing(author_client, post):
    author_client.post(f"/discussions/post/{post.pk}/like/", {"like": "0"})

    post.refresh_from_db()
    assert post.like_count == 0


def test_liked_post_shows_its_count_and_an_unlike_button(author_client, thread, post):
    author_client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"})

    page = author_client.get(thread.get_absolute_url()).content.decode()

    article = page[page.index(f'id="post-{post.pk}"') :]
    article = article[: article.index("</article>")]
    assert "1 like<" in article
    assert 'name="like" value="0"' in article
    assert 'aria-pressed="true">Unlike</button>' in article


def test_removed_post_cannot_be_liked(author_client, post, moderator):
    post.hide(by=moderator, reason="abuse")

    response = author_client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"})

    assert response.status_code == 403
    post.refresh_from_db()
    assert post.like_count == 0
