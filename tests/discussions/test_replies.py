"""Replies as a tree: posting at any depth, nesting on the page, permalinks, sorting, pages."""

import re

import pytest

from discussions.models import Post
from discussions.services import like_post
from discussions.tree import MAX_DEPTH
from discussions.views import ROOTS_PER_PAGE
from tests.factories import make_post, make_thread, make_user

pytestmark = pytest.mark.django_db


def chain(thread, length, *, author=None):
    """``length`` posts, each replying to the one before: depths 0 to length - 1."""
    posts, parent = [], None
    for depth in range(length):
        parent = make_post(
            thread=thread, author=author, body=f"Depth {depth} says so.", parent=parent
        )
        posts.append(parent)
    return posts


def test_member_replies_to_the_thread(other_client, other_member, thread, reply_url):
    response = other_client.post(reply_url(thread), {"body": "The gallery was for our souls."})

    post = Post.objects.get(is_opening=False)
    assert response.status_code == 302
    assert response["Location"] == f"/discussions/post/{post.pk}/"
    assert post.author == other_member
    assert post.depth == 0
    assert post.parent is None
    assert post.root == post
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert thread.top_level_count == 1


def test_reply_lands_on_the_thread_page_showing_it(other_client, thread, reply_url):
    response = other_client.post(
        reply_url(thread), {"body": "The gallery was for our souls."}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(thread.get_absolute_url())
    assert "The gallery was for our souls." in response.content.decode()
    assert "Your reply is posted." in response.content.decode()


def test_member_replies_to_a_reply(other_client, thread, member, reply_url):
    first = make_post(thread=thread, author=member, body="Madame was afraid of us.")

    response = other_client.post(
        reply_url(thread), {"body": "Afraid, or sorry?", "parent": first.pk}
    )

    assert response.status_code == 302
    reply = Post.objects.get(parent=first)
    assert reply.depth == 1
    assert reply.root == first
    assert reply.path.startswith(first.path)
    first.refresh_from_db()
    assert first.reply_count == 1
    thread.refresh_from_db()
    assert thread.reply_count == 2
    assert thread.top_level_count == 1


def test_replying_to_the_opening_post_is_a_top_level_reply(other_client, thread, reply_url):
    other_client.post(
        reply_url(thread), {"body": "A reply to the first post.", "parent": thread.opening_post_id}
    )

    reply = Post.objects.get(is_opening=False)
    assert reply.depth == 0
    assert reply.parent is None


def test_member_replies_at_any_depth(other_client, thread, reply_url):
    posts = chain(thread, 11)

    response = other_client.post(
        reply_url(thread), {"body": "Twelve levels down.", "parent": posts[-1].pk}
    )

    assert response.status_code == 302
    deepest = Post.objects.get(body="Twelve levels down.")
    assert deepest.depth == 11
    assert deepest.root == posts[0]
    assert [
        p.pk for p in Post.objects.filter(thread=thread, is_opening=False).order_by("path")
    ] == [
        *[p.pk for p in posts],
        deepest.pk,
    ]


def test_reply_to_a_post_of_another_thread_is_404(other_client, thread, member, board, reply_url):
    foreign = make_post(thread=make_thread(board=board, author=member), author=member)

    response = other_client.post(reply_url(thread), {"body": "Lost?", "parent": foreign.pk})

    assert response.status_code == 404
    assert Post.objects.filter(thread=thread, is_opening=False).exists() is False


def test_reply_with_a_bad_scope_keeps_the_text_and_shows_the_error(other_client, thread, reply_url):
    response = other_client.post(
        reply_url(thread), {"body": "Ruth says sorry at last.", "scope": "novel:99"}
    )

    assert response.status_code == 400
    assert "&quot;99&quot; is not a point of novel" in response.content.decode()
    assert "Ruth says sorry at last." in response.content.decode()
    assert Post.objects.filter(is_opening=False).exists() is False
    thread.refresh_from_db()
    assert thread.reply_count == 0


def test_reply_with_an_unclosed_spoiler_block_keeps_the_text_and_shows_the_line(
    other_client, thread, reply_url
):
    body = "First line.\n\n::: spoiler novel:19\nRuth says sorry at last.\n"

    response = other_client.post(reply_url(thread), {"body": body})

    assert response.status_code == 400
    assert "Line 3: this spoiler block is never closed" in response.content.decode()
    assert "Ruth says sorry at last." in response.content.decode()
    assert Post.objects.filter(is_opening=False).exists() is False


def test_thread_page_shows_replies_in_tree_order(client, thread, member):
    a = make_post(thread=thread, author=member, body="Post A.")
    b = make_post(thread=thread, author=member, body="Post B.")
    a1 = make_post(thread=thread, author=member, body="Post A1.", parent=a)
    a1x = make_post(thread=thread, author=member, body="Post A1x.", parent=a1)
    a2 = make_post(thread=thread, author=member, body="Post A2.", parent=a)
    b1 = make_post(thread=thread, author=member, body="Post B1.", parent=b)

    response = client.get(thread.get_absolute_url())

    ids = [
        int(i)
        for i in re.findall(
            r'<article class="post[^"]*" id="post-(\d+)"', response.content.decode()
        )
    ]
    assert ids == [thread.opening_post_id, a.pk, a1.pk, a1x.pk, a2.pk, b.pk, b1.pk]


def test_nested_replies_sit_in_open_details_one_level_per_depth(
    client, thread, member, post_nesting
):
    a = make_post(thread=thread, author=member, body="Post A.")
    a1 = make_post(thread=thread, author=member, body="Post A1.", parent=a)
    a1x = make_post(thread=thread, author=member, body="Post A1x.", parent=a1)
    b = make_post(thread=thread, author=member, body="Post B.")

    nesting, _ = post_nesting(client.get(thread.get_absolute_url()))

    assert nesting[a.pk]["replies"] == 0
    assert nesting[a1.pk]["replies"] == 1
    assert nesting[a1x.pk]["replies"] == 2
    assert nesting[b.pk]["replies"] == 0
    assert nesting[a1x.pk]["open"] is True


def test_each_subtree_can_be_collapsed_without_javascript(client, thread, member):
    a = make_post(thread=thread, author=member, body="Post A.")
    make_post(thread=thread, author=member, body="Post A1.", parent=a)

    page = client.get(thread.get_absolute_url()).content.decode()

    assert '<details class="replies" open><summary>Replies to ' in page
    assert "<script" not in page.split('<ol class="post-tree"', 1)[1].split("</ol>", 1)[0]


def test_posts_past_the_deepest_level_get_a_continue_this_thread_link(client, thread):
    posts = chain(thread, MAX_DEPTH + 2)
    last_shown = posts[MAX_DEPTH - 1]

    response = client.get(thread.get_absolute_url())

    page = response.content.decode()
    assert f'id="post-{last_shown.pk}"' in page
    assert f'id="post-{posts[MAX_DEPTH].pk}"' not in page
    subtree_url = f"/discussions/t/{thread.pk}-{thread.slug}/p/{last_shown.pk}/"
    assert f'<a href="{subtree_url}">Continue this thread →</a>' in page


def test_continue_this_thread_opens_the_subtree_below_that_post(client, thread, post_nesting):
    posts = chain(thread, MAX_DEPTH + 2)
    last_shown = posts[MAX_DEPTH - 1]

    response = client.get(f"/discussions/t/{thread.pk}-{thread.slug}/p/{last_shown.pk}/")

    assert response.status_code == 200
    nesting, order = post_nesting(response)
    assert order == [p.pk for p in posts[MAX_DEPTH - 1 :]]
    assert nesting[posts[MAX_DEPTH + 1].pk]["replies"] == 2
    assert "Back to the whole thread" in response.content.decode()


def test_post_without_replies_at_the_deepest_level_has_no_continue_link(client, thread):
    chain(thread, MAX_DEPTH)

    assert "Continue this thread" not in client.get(thread.get_absolute_url()).content.decode()


def test_permalink_opens_the_page_holding_a_top_level_reply(client, thread):
    replies = [make_post(thread=thread, body=f"Top {n}.") for n in range(ROOTS_PER_PAGE + 1)]

    first = client.get(f"/discussions/post/{replies[0].pk}/")
    last = client.get(f"/discussions/post/{replies[-1].pk}/")

    base = thread.get_absolute_url()
    assert first.status_code == 302
    assert first["Location"] == f"{base}?page=1#post-{replies[0].pk}"
    assert last["Location"] == f"{base}?page=2#post-{replies[-1].pk}"
    assert f'id="post-{replies[-1].pk}"' in client.get(last["Location"]).content.decode()


def test_permalink_of_a_nested_reply_opens_the_page_of_its_top_level_post(client, thread):
    replies = [make_post(thread=thread, body=f"Top {n}.") for n in range(ROOTS_PER_PAGE + 1)]
    nested = make_post(thread=thread, body="Nested on page two.", parent=replies[-1])

    response = client.get(f"/discussions/post/{nested.pk}/")

    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#post-{nested.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Nested on page two." in page


def test_permalink_of_the_opening_post_opens_the_thread(client, thread):
    response = client.get(f"/discussions/post/{thread.opening_post_id}/")

    assert response["Location"] == f"{thread.get_absolute_url()}#post-{thread.opening_post_id}"


def test_permalink_of_a_very_deep_post_opens_its_subtree(client, thread):
    posts = chain(thread, MAX_DEPTH + 2)
    deep = posts[MAX_DEPTH + 1]

    response = client.get(f"/discussions/post/{deep.pk}/")

    anchor = posts[MAX_DEPTH - 1]
    expected = f"/discussions/t/{thread.pk}-{thread.slug}/p/{anchor.pk}/#post-{deep.pk}"
    assert response["Location"] == expected
    assert f'id="post-{deep.pk}"' in client.get(response["Location"]).content.decode()


def test_permalink_of_an_unknown_post_is_404(client, thread):
    assert client.get("/discussions/post/999999/").status_code == 404


def test_thread_url_with_an_old_slug_redirects_permanently(client, thread):
    response = client.get(f"/discussions/t/{thread.pk}-old-title/")

    assert response.status_code == 301
    assert response["Location"] == thread.get_absolute_url()


def top_level_order(response, posts):
    page = response.content.decode()
    return sorted(posts, key=lambda p: page.index(f'id="post-{p.pk}"'))


def test_top_level_replies_are_oldest_first_by_default(client, thread):
    posts = [make_post(thread=thread, body=f"Reply {n}.") for n in range(3)]

    assert top_level_order(client.get(thread.get_absolute_url()), posts) == posts


def test_top_level_replies_sort_newest_first(client, thread):
    posts = [make_post(thread=thread, body=f"Reply {n}.") for n in range(3)]

    response = client.get(thread.get_absolute_url() + "?sort=newest")

    assert top_level_order(response, posts) == posts[::-1]
    assert '<a href="?sort=newest" aria-current="true">' in response.content.decode()


def test_top_level_replies_sort_most_liked_first_with_their_replies_under_them(client, thread):
    quiet, popular, middling = (make_post(thread=thread, body=f"Reply {n}.") for n in range(3))
    child = make_post(thread=thread, body="Under the popular one.", parent=popular)
    for _ in range(3):
        like_post(post=popular, user=make_user())
    like_post(post=middling, user=make_user())

    response = client.get(thread.get_absolute_url() + "?sort=liked")

    assert top_level_order(response, [quiet, popular, middling, child]) == [
        popular,
        child,
        middling,
        quiet,
    ]


def test_unknown_sort_falls_back_to_oldest_first(client, thread):
    posts = [make_post(thread=thread, body=f"Reply {n}.") for n in range(3)]

    response = client.get(thread.get_absolute_url() + "?sort=random")

    assert response.status_code == 200
    assert top_level_order(response, posts) == posts


def test_thread_pages_hold_a_fixed_number_of_top_level_replies_with_their_subtrees(client, thread):
    replies = [make_post(thread=thread, body=f"Top {n}.") for n in range(ROOTS_PER_PAGE + 1)]
    child_of_first = make_post(thread=thread, body="Child of the first.", parent=replies[0])

    first = client.get(thread.get_absolute_url()).content.decode()
    second = client.get(thread.get_absolute_url() + "?page=2").content.decode()

    assert all(f'id="post-{p.pk}"' in first for p in replies[:ROOTS_PER_PAGE])
    assert f'id="post-{child_of_first.pk}"' in first
    assert f'id="post-{replies[-1].pk}"' not in first
    assert f'id="post-{replies[-1].pk}"' in second
    assert f'id="post-{replies[0].pk}"' not in second
    assert "Page 1 of 2" in first
    assert 'rel="next" href="?sort=oldest&amp;page=2"' in first


def test_opening_post_is_shown_on_every_page(client, thread):
    for n in range(ROOTS_PER_PAGE + 1):
        make_post(thread=thread, body=f"Top {n}.")

    page = client.get(thread.get_absolute_url() + "?page=2").content.decode()

    assert "Why did Madame take the best pictures away?" in page


def test_page_number_past_the_end_shows_the_last_page(client, thread):
    last = [make_post(thread=thread, body=f"Top {n}.") for n in range(ROOTS_PER_PAGE + 1)][-1]

    for query in ("?page=99", "?page=abc"):
        response = client.get(thread.get_absolute_url() + query)
        assert response.status_code == 200
    assert (
        f'id="post-{last.pk}"'
        in client.get(thread.get_absolute_url() + "?page=99").content.decode()
    )


HUGE = "99999999999999999999999"


@pytest.mark.parametrize("field", ["parent", "quote"])
def test_reply_to_a_post_id_past_any_integer_is_404(other_client, thread, reply_url, field):
    response = other_client.get(reply_url(thread), {field: HUGE})

    assert response.status_code == 404


@pytest.mark.parametrize("page", [HUGE, "-3", "many", "9" * 5000])
def test_thread_page_takes_any_page_number(client, thread, page):
    make_post(thread=thread, body="A reply.")

    response = client.get(thread.get_absolute_url(), {"page": page})

    assert response.status_code == 200
    assert "A reply." in response.content.decode()
