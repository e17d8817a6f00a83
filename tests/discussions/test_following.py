"""Following threads and in-site notifications of replies."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from discussions.models import Follow, Notification, Post, Thread
from discussions.rendering import ago
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db

UNREAD_BADGE = '<span class="badge" aria-label="{n} unread">{n}</span>'


def test_replying_to_a_thread_follows_it(other_client, other_member, thread, reply_url):
    other_client.post(reply_url(thread), {"body": "Count me in."})

    assert Follow.objects.filter(thread=thread, user=other_member).exists() is True


def test_member_follows_a_thread(other_client, other_member, thread):
    response = other_client.post(f"/discussions/t/{thread.pk}/follow/", {"follow": "1"})

    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert Follow.objects.filter(thread=thread, user=other_member).count() == 1


def test_following_twice_keeps_one_follow(other_client, other_member, thread):
    other_client.post(f"/discussions/t/{thread.pk}/follow/", {"follow": "1"})
    other_client.post(f"/discussions/t/{thread.pk}/follow/", {"follow": "1"})

    assert Follow.objects.filter(thread=thread, user=other_member).count() == 1


def test_member_unfollows_a_thread(author_client, member, thread):
    response = author_client.post(f"/discussions/t/{thread.pk}/follow/", {"follow": "0"})

    assert response.status_code == 302
    assert Follow.objects.filter(thread=thread, user=member).exists() is False
    page = author_client.get(thread.get_absolute_url()).content.decode()
    assert "You no longer follow this thread." in page
    assert "Follow this thread</button>" in page


def test_thread_page_offers_to_unfollow_a_followed_thread(author_client, thread):
    page = author_client.get(thread.get_absolute_url()).content.decode()

    assert 'name="follow" value="0"' in page
    assert "Unfollow this thread</button>" in page


def test_unfollowed_thread_sends_no_more_notifications(author_client, member, thread):
    author_client.post(f"/discussions/t/{thread.pk}/follow/", {"follow": "0"})

    make_post(thread=thread, body="Anyone there?")

    assert Notification.objects.filter(recipient=member).exists() is False


def test_reply_in_a_followed_thread_notifies_its_followers(
    other_client, member, other_member, thread, reply_url
):
    other_client.post(reply_url(thread), {"body": "Madame was crying."})

    notification = Notification.objects.get(recipient=member)
    assert notification.kind == Notification.Kind.REPLY_IN_THREAD
    assert notification.actor_name == "ruth"
    assert notification.thread == thread
    assert notification.post == Post.objects.get(body="Madame was crying.")
    assert notification.is_read is False
    assert Notification.objects.filter(recipient=other_member).exists() is False


def test_reply_to_a_post_notifies_its_author(other_client, member, thread, reply_url):
    mine = make_post(thread=thread, author=member, body="My theory about the gallery.")
    Notification.objects.all().delete()

    other_client.post(reply_url(thread), {"body": "Nice theory.", "parent": mine.pk})

    notification = Notification.objects.get(recipient=member)
    assert notification.kind == Notification.Kind.REPLY_TO_POST


def test_reply_to_a_post_by_a_non_follower_still_notifies_its_author(
    other_client, thread, reply_url
):
    stranger = make_user(username="keffers")
    theirs = make_post(thread=thread, author=stranger, body="Mind the mud.")
    Follow.objects.filter(user=stranger).delete()

    other_client.post(reply_url(thread), {"body": "Thanks, Keffers.", "parent": theirs.pk})

    assert Notification.objects.get(recipient=stranger).kind == Notification.Kind.REPLY_TO_POST


def test_replying_to_your_own_post_notifies_no_one_but_followers(author_client, member, thread):
    mine = make_post(thread=thread, author=member, body="Talking to myself.")

    author_client.post(
        f"/discussions/t/{thread.pk}/reply/", {"body": "Still me.", "parent": mine.pk}
    )

    assert Notification.objects.filter(recipient=member).exists() is False


def test_header_shows_the_unread_notification_count(author_client, thread):
    make_post(thread=thread, body="One.")
    make_post(thread=thread, body="Two.")

    page = author_client.get("/").content.decode()

    assert UNREAD_BADGE.format(n=2) in page


def test_header_shows_no_count_without_unread_notifications(author_client, thread):
    page = author_client.get("/").content.decode()

    assert 'aria-label="0 unread"' not in page
    assert "unread" not in page.split('class="account-menu"', 1)[1].split("</nav>", 1)[0]


def test_notifications_page_lists_them_and_marks_them_read(author_client, member, thread):
    reply = make_post(thread=thread, author=make_user(username="tommy"), body="Hello.")

    response = author_client.get("/notifications/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "tommy replied in a thread you follow" in page
    assert f'href="/discussions/post/{reply.pk}/"' in page
    assert '<span class="badge">New</span>' in page
    assert Notification.objects.get(recipient=member).is_read is True
    assert UNREAD_BADGE.format(n=1) not in author_client.get("/").content.decode()


def test_notifications_page_shows_only_the_reader_s_own(other_client, thread):
    make_post(thread=thread, body="For kathy only.")

    page = other_client.get("/notifications/").content.decode()

    assert "No notifications yet." in page


def test_mark_all_read_clears_the_unread_count(author_client, member, thread):
    make_post(thread=thread, body="One.")

    response = author_client.post("/notifications/read/")

    assert response.status_code == 302
    assert Notification.objects.filter(recipient=member, is_read=False).exists() is False


def test_notifications_page_asks_anonymous_readers_to_log_in(client):
    response = client.get("/notifications/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/notifications/")


def test_failing_notification_never_fails_the_reply(other_client, thread, reply_url, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the notification table is on fire")

    monkeypatch.setattr(Notification.objects, "bulk_create", broken)

    response = other_client.post(reply_url(thread), {"body": "Posted regardless."})

    assert response.status_code == 302
    post = Post.objects.get(body="Posted regardless.")
    assert response["Location"] == f"/discussions/post/{post.pk}/"
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert Notification.objects.exists() is False


def add_notifications(recipient, thread, count, *, minutes_apart=1):
    """``count`` unread notifications, the newest first in time, ``minutes_apart`` apart."""
    post = make_post(thread=thread, body="A reply worth hearing about.")
    Notification.objects.filter(recipient=recipient).delete()
    now = timezone.now()
    made = Notification.objects.bulk_create(
        Notification(
            recipient=recipient, kind="reply_thread", actor_name=f"reader{n}",
            thread=thread, post=post,
        )
        for n in range(count)
    )  # fmt: skip
    for n, notification in enumerate(made):
        Notification.objects.filter(pk=notification.pk).update(
            created_at=now - timedelta(minutes=minutes_apart * n)
        )
    return post


def test_notifications_page_pages_thirty_at_a_time(author_client, member, thread):
    add_notifications(member, thread, 31)

    first = author_client.get("/notifications/").content.decode()
    second = author_client.get("/notifications/", {"page": 2}).content.decode()

    assert first.count('class="unread"') == 30
    assert "reader0 " in first and "reader29 " in first and "reader30 " not in first
    assert 'rel="next" href="?page=2"' in first and 'rel="prev"' not in first
    assert "reader30 " in second and 'rel="prev" href="?page=1"' in second
    assert 'rel="next"' not in second
    assert Notification.objects.filter(recipient=member, is_read=False).count() == 0


def test_notifications_page_past_the_end_and_a_bad_page_number(author_client, member, thread):
    add_notifications(member, thread, 2)

    past_the_end = author_client.get("/notifications/", {"page": 9}).content.decode()
    bad = author_client.get("/notifications/", {"page": "nine"})

    assert "No older notifications." in past_the_end
    assert bad.status_code == 200
    assert "reader1 " in bad.content.decode()


def test_notifications_page_costs_the_same_queries_for_a_long_inbox(
    author_client, member, thread, django_assert_max_num_queries
):
    add_notifications(member, thread, 3)
    with CaptureQueriesContext(connection) as short_inbox:
        author_client.get("/notifications/")
    add_notifications(member, thread, 200)

    with django_assert_max_num_queries(len(short_inbox)):
        response = author_client.get("/notifications/")

    assert response.content.decode().count("<li") >= 30


def test_notifications_page_escapes_thread_titles_and_names(author_client, member, thread):
    Thread.objects.filter(pk=thread.pk).update(title='<script>alert(1)</script> & "quotes"')
    add_notifications(member, thread, 1)
    Notification.objects.filter(recipient=member).update(actor_name="<b>bold</b>")

    page = author_client.get("/notifications/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_notifications_say_how_long_ago(author_client, member, thread):
    add_notifications(member, thread, 3, minutes_apart=90)

    page = author_client.get("/notifications/").content.decode()

    assert ">just now</time>" in page
    assert ">1 hour ago</time>" in page
    assert ">3 hours ago</time>" in page


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (5, "just now"),
        (60, "1 minute ago"),
        (59 * 60 + 59, "59 minutes ago"),
        (3600, "1 hour ago"),
        (23 * 3600 + 3599, "23 hours ago"),
        (86400, "20 Nov 2026, 12:00"),
    ],
)
def test_ago(seconds, expected):
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

    assert ago(now - timedelta(seconds=seconds), now, UTC) == expected


@pytest.mark.parametrize("page", ["99999999999999999999999", "-4", "9" * 5000])
def test_notifications_page_takes_any_page_number(author_client, member, thread, page):
    add_notifications(member, thread, 2)

    response = author_client.get("/notifications/", {"page": page})

    assert response.status_code == 200
