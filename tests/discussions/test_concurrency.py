"""Concurrent writes on real PostgreSQL: many connections replying and liking at once."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client

from discussions.models import Like, Post, Thread, path_segment
from discussions.services import reply_to_thread
from tests.factories import make_post, make_thread, make_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WORKERS = 24


@pytest.fixture(scope="module", autouse=True)
def _restore_migrated_rows(django_db_setup, django_db_blocker):
    """Each test here ends with a flush of every table; afterwards, put back the rows the data
    migrations made (works, boards, the Moderators group) for transactional tests run later."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)
            connection.close()


def run_together(work, count=WORKERS):
    """Run ``work(n)`` for n in range(count), each in its own thread and database
    connection, released at the same moment; returns the results in order."""
    barrier = threading.Barrier(count, timeout=30)

    def worker(n):
        try:
            barrier.wait()
            return work(n)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


@pytest.fixture
def authors(db):
    return [make_user(username=f"student{n}") for n in range(WORKERS)]


@pytest.fixture
def busy_thread(db, member):
    return make_thread(author=member, title="Everyone at once")


def test_concurrent_replies_to_a_thread_all_succeed_with_exact_counts(busy_thread, authors):
    def reply(n):
        thread = Thread.objects.get(pk=busy_thread.pk)
        return reply_to_thread(thread=thread, author=authors[n], body=f"Reply {n}.").pk

    ids = run_together(reply)

    posts = list(Post.objects.filter(pk__in=ids))
    assert len(posts) == WORKERS
    assert len({p.path for p in posts}) == WORKERS
    assert all(p.depth == 0 and p.root_id == p.pk for p in posts)
    busy_thread.refresh_from_db()
    assert busy_thread.reply_count == WORKERS
    assert busy_thread.top_level_count == WORKERS
    assert sorted(p.path for p in posts) == [path_segment(n) for n in range(1, WORKERS + 1)]


def test_concurrent_replies_to_a_thread_leave_the_last_activity_at_the_last_reply(
    busy_thread, authors
):
    def reply(n):
        thread = Thread.objects.get(pk=busy_thread.pk)
        return reply_to_thread(thread=thread, author=authors[n], body=f"Reply {n}.").pk

    ids = run_together(reply)

    created = sorted(Post.objects.filter(pk__in=ids).values_list("created_at", flat=True))
    busy_thread.refresh_from_db()
    assert created[-2] <= busy_thread.last_activity_at <= created[-1]


def test_concurrent_replies_to_one_post_all_succeed_with_exact_counts(busy_thread, authors):
    parent = make_post(thread=busy_thread, body="Reply to me, everyone.")

    def reply(n):
        thread = Thread.objects.get(pk=busy_thread.pk)
        target = Post.objects.get(pk=parent.pk)
        return reply_to_thread(
            thread=thread, author=authors[n], body=f"Child {n}.", parent=target
        ).pk

    ids = run_together(reply)

    children = list(Post.objects.filter(pk__in=ids))
    assert len(children) == WORKERS
    assert len({c.path for c in children}) == WORKERS
    assert all(c.parent_id == parent.pk and c.depth == 1 for c in children)
    assert sorted(c.path for c in children) == [
        parent.path + path_segment(n) for n in range(1, WORKERS + 1)
    ]
    parent.refresh_from_db()
    assert parent.child_count == WORKERS
    assert parent.reply_count == WORKERS
    busy_thread.refresh_from_db()
    assert busy_thread.reply_count == WORKERS + 1
    assert busy_thread.top_level_count == 1


def test_concurrent_replies_at_every_level_keep_every_counter_exact(busy_thread, authors):
    top = make_post(thread=busy_thread, body="Top.")
    middle = make_post(thread=busy_thread, body="Middle.", parent=top)
    parents = [None, top, middle]

    def reply(n):
        thread = Thread.objects.get(pk=busy_thread.pk)
        parent = parents[n % 3] and Post.objects.get(pk=parents[n % 3].pk)
        return reply_to_thread(thread=thread, author=authors[n], body=f"R{n}.", parent=parent).pk

    run_together(reply)

    busy_thread.refresh_from_db()
    assert busy_thread.reply_count == WORKERS + 2
    assert busy_thread.top_level_count == 1 + WORKERS // 3
    top.refresh_from_db()
    middle.refresh_from_db()
    assert top.child_count == 1 + WORKERS // 3
    assert middle.child_count == WORKERS // 3
    paths = list(Post.objects.filter(thread=busy_thread).values_list("path", flat=True))
    assert len(paths) == len(set(paths)) == WORKERS + 3


def test_concurrent_double_likes_by_one_member_count_once(busy_thread, member, password):
    post = make_post(thread=busy_thread, body="Like me once.")
    liker = make_user(username="eager", password=password)

    def like(n):
        client = Client()
        client.force_login(liker)
        return client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"}).status_code

    statuses = run_together(like, count=8)

    assert statuses == [302] * 8
    post.refresh_from_db()
    assert post.like_count == 1
    assert Like.objects.filter(post=post).count() == 1


def test_concurrent_likes_by_many_members_are_all_counted(busy_thread, authors):
    post = make_post(thread=busy_thread, body="Like me, everyone.")

    def like(n):
        client = Client()
        client.force_login(authors[n])
        return client.post(f"/discussions/post/{post.pk}/like/", {"like": "1"}).status_code

    statuses = run_together(like)

    assert statuses == [302] * WORKERS
    post.refresh_from_db()
    assert post.like_count == WORKERS
    assert Like.objects.filter(post=post).count() == WORKERS
