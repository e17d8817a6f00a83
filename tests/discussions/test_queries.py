"""Query budgets: a thread page and a board listing cost the same number of queries at any size."""

import random

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from discussions.models import Follow, Like, Post, Thread, path_segment
from discussions.services import like_post
from nlmg.spoilers.markup import render
from tests.factories import make_board, make_thread, make_user

pytestmark = pytest.mark.django_db

BODIES = [
    ("Plain words about Hailsham.", ""),
    ("Ruth admits she lied about the pictures.", "novel:12"),
    ("Norfolk. >![novel:14 film:cottages] The possible was not her.!<", ""),
    ("A guess: >!Tommy's drawings matter.!<", ""),
]


def rendered_bodies():
    return [(body, render(body).html, scope) for body, scope in BODIES]


def build_tree(thread, *, roots, total, max_depth, authors, seed=7):
    """Add ``total`` replies to ``thread`` with bulk_create: ``roots`` top-level posts and
    the rest spread over levels 1 to ``max_depth``, each under a random post one level up.
    Paths, roots and every counter are set as reply_to_thread would set them."""
    rng = random.Random(seed)
    bodies = rendered_bodies()
    per_level = [roots] + [
        (total - roots) // max_depth + (1 if level <= (total - roots) % max_depth else 0)
        for level in range(1, max_depth + 1)
    ]

    def new_post(n, **fields):
        body, html, scope = bodies[n % len(bodies)]
        author = authors[n % len(authors)]
        return Post(
            thread=thread,
            author=author,
            author_name=author.username,
            body=body,
            body_html=html,
            scope=scope,
            is_deleted=n % 97 == 0,
            **fields,
        )

    level = Post.objects.bulk_create(
        [new_post(n, path=path_segment(n + 1), depth=0) for n in range(roots)]
    )
    Post.objects.filter(pk__in=[p.pk for p in level]).update(root=F("id"))
    for post in level:
        post.root_id = post.pk
    made = roots
    for depth, count in enumerate(per_level[1:], start=1):
        children = []
        for n in range(count):
            parent = rng.choice(level)
            parent.child_count += 1
            parent.reply_count += 1
            children.append(
                new_post(
                    made + n,
                    parent=parent,
                    root_id=parent.root_id,
                    path=parent.path + path_segment(parent.child_count),
                    depth=depth,
                )
            )
        Post.objects.bulk_update(level, ["child_count", "reply_count"])
        level = Post.objects.bulk_create(children)
        made += count
    Thread.objects.filter(pk=thread.pk).update(reply_count=made, top_level_count=roots)
    thread.refresh_from_db()
    return thread


@pytest.fixture
def authors(db):
    return [make_user(username=f"writer{n}") for n in range(5)]


@pytest.fixture
def small_thread(board, member, authors):
    thread = make_thread(board=board, author=member, title="Small", scope="novel:9")
    return build_tree(thread, roots=4, total=10, max_depth=3, authors=authors)


@pytest.fixture
def big_thread(board, member, authors):
    thread = make_thread(board=board, author=member, title="Big", scope="novel:9")
    return build_tree(thread, roots=40, total=1000, max_depth=10, authors=authors)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_tree_builder_makes_a_consistent_tree(big_thread):
    posts = list(Post.objects.filter(thread=big_thread, is_opening=False).order_by("path"))

    assert len(posts) == 1000 == big_thread.reply_count
    assert max(p.depth for p in posts) == 10
    by_id = {p.pk: p for p in posts}
    for post in posts:
        assert len(post.path) == 6 * (post.depth + 1)
        if post.parent_id:
            parent = by_id[post.parent_id]
            assert post.path.startswith(parent.path)
            assert post.root_id == parent.root_id
        else:
            assert post.root_id == post.pk
    assert all(by_id[pk].child_count == sum(1 for p in posts if p.parent_id == pk) for pk in by_id)


def test_thread_page_with_a_thousand_posts_costs_no_more_queries_than_one_with_ten(
    client, small_thread, big_thread, django_assert_max_num_queries, set_progress
):
    set_progress(client, novel=9)  # the threads' scope: every post is on the page
    client.get(small_thread.get_absolute_url())  # fills the catalogue cache
    budget = count_queries(client, small_thread.get_absolute_url())

    for url in (big_thread.get_absolute_url(), big_thread.get_absolute_url() + "?page=2"):
        with django_assert_max_num_queries(budget):
            response = client.get(url)
        assert response.status_code == 200
    assert "Continue this thread" in response.content.decode()


def test_thread_page_with_a_thousand_posts_costs_a_member_no_more_queries_than_ten(
    member_client, member, small_thread, big_thread, django_assert_max_num_queries, set_progress
):
    set_progress(member_client, novel=9)
    for thread in (small_thread, big_thread):
        for post in Post.objects.filter(thread=thread, depth__lte=2)[:5]:
            like_post(post=post, user=member)
        Follow.objects.get_or_create(thread=thread, user=member)
    member_client.get(small_thread.get_absolute_url())
    budget = count_queries(member_client, small_thread.get_absolute_url())

    for sort in ("oldest", "newest", "liked"):
        with django_assert_max_num_queries(budget):
            response = member_client.get(f"{big_thread.get_absolute_url()}?sort={sort}")
        assert response.status_code == 200
    assert Like.objects.filter(user=member).count() == 10
    assert 'aria-pressed="true">Unlike</button>' in response.content.decode()


def test_a_thread_beyond_the_reader_costs_fewer_queries_than_one_they_reached(
    client, big_thread, django_assert_max_num_queries, set_progress
):
    url = big_thread.get_absolute_url()
    client.get(url)
    withheld = count_queries(client, url)
    set_progress(client, novel=9)
    assert withheld < count_queries(client, url)
    assert "Ruth admits she lied" not in client.get(url + "?spoiler=s-1").content.decode()


def test_subtree_page_costs_no_more_queries_than_a_small_thread_page(
    client, small_thread, big_thread, django_assert_max_num_queries, set_progress
):
    set_progress(client, novel=9)
    client.get(small_thread.get_absolute_url())
    budget = count_queries(client, small_thread.get_absolute_url())
    anchor = Post.objects.filter(thread=big_thread, depth=3).first()

    with django_assert_max_num_queries(budget):
        response = client.get(f"/discussions/t/{big_thread.pk}-big/p/{anchor.pk}/")

    assert response.status_code == 200


def bulk_threads(board, count, authors):
    """``count`` threads on ``board``, each with its opening post, made with bulk_create."""
    bodies = rendered_bodies()
    threads = Thread.objects.bulk_create(
        [
            Thread(
                board=board,
                title=f"Bulk thread {n}",
                slug=f"bulk-thread-{n}",
                author=authors[n % len(authors)],
                author_name=authors[n % len(authors)].username,
                scope="novel:19" if n % 3 == 0 else "",
                is_pinned=n % 25 == 0,
                reply_count=n,
            )
            for n in range(count)
        ]
    )
    posts = Post.objects.bulk_create(
        [
            Post(
                thread=thread,
                path=path_segment(0),
                depth=0,
                is_opening=True,
                author=thread.author,
                author_name=thread.author_name,
                body=bodies[n % len(bodies)][0],
                body_html=bodies[n % len(bodies)][1],
                scope=thread.scope,
            )
            for n, thread in enumerate(threads)
        ]
    )
    Post.objects.filter(pk__in=[p.pk for p in posts]).update(root=F("id"))
    for thread, post in zip(threads, posts, strict=True):
        thread.opening_post = post
    Thread.objects.bulk_update(threads, ["opening_post"])
    board.thread_count = count
    board.save(update_fields=["thread_count"])
    return threads


def test_board_listing_with_a_hundred_threads_costs_no_more_queries_than_one_with_three(
    client, member_client, authors, django_assert_max_num_queries
):
    small, big = make_board(slug="small"), make_board(slug="big")
    bulk_threads(small, 3, authors)
    bulk_threads(big, 100, authors)

    for reader in (client, member_client):
        reader.get("/discussions/small/")
        budget = count_queries(reader, "/discussions/small/")
        for url in ("/discussions/big/", "/discussions/big/?page=2"):
            with django_assert_max_num_queries(budget):
                response = reader.get(url)
            assert response.content.decode().count('<li class="thread-row') == 30
        assert "Spoilers up to Novel, Part Three, ch. 19" in response.content.decode()


def test_board_index_costs_a_fixed_number_of_queries(
    client, authors, django_assert_max_num_queries
):
    client.get("/discussions/")
    budget = count_queries(client, "/discussions/")
    for n in range(10):
        bulk_threads(make_board(slug=f"extra-{n}"), 5, authors)

    with django_assert_max_num_queries(budget):
        client.get("/discussions/")
