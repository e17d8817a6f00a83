"""Notifications and email leave the request: the task queue in PostgreSQL (django-tasks-db),
run here by its worker loop against the test database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from discussions.models import Follow, Notification, Post
from discussions.tasks import deliver_notifications
from nlmg.tasks import requeue_stalled
from tests.discussions.conftest import logged_in
from tests.factories import make_board_thread, make_thread_reply, make_user

NOTIFY = "discussions.tasks.deliver_notifications"


def add_followers(thread, count: int, prefix: str = "follower") -> None:
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"{prefix}{n}", email=f"{prefix}{n}@example.org", password="!")
        for n in range(count)
    )
    Follow.objects.bulk_create(Follow(thread=thread, user=user) for user in users)


def fail_notification_inserts(times: int) -> None:
    """The database refuses the first ``times`` inserts of notifications (a trigger, gone with
    the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            CREATE SEQUENCE test_notification_fault;
            CREATE FUNCTION test_notification_fault() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF nextval('test_notification_fault') <= {int(times)} THEN
                    RAISE EXCEPTION 'the notification table is unavailable';
                END IF;
                RETURN NULL;
            END $$;
            CREATE TRIGGER test_notification_fault BEFORE INSERT ON discussions_notification
                FOR EACH STATEMENT EXECUTE FUNCTION test_notification_fault();
            """
        )


def reply_queries(client, thread, body: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/discussions/t/{thread.pk}/reply/", {"body": body})
    assert response.status_code == 302
    return [query["sql"] for query in captured.captured_queries]


def test_a_reply_costs_the_same_with_ten_thousand_followers(task_queue, member):
    small = make_board_thread(author=make_user(username="ruth"), title="Small")
    large = make_board_thread(author=make_user(username="tommy"), title="Popular")
    add_followers(small, 1)
    add_followers(large, 10_000, prefix="reader")
    client = logged_in(member)
    reply_queries(client, small, "Warming up.")  # session, caches and the like

    few = reply_queries(client, small, "To the few.")
    many = reply_queries(client, large, "To the many.")

    assert len(many) == len(few)
    assert not any("discussions_notification" in sql for sql in many)
    assert Notification.objects.filter(post__thread=large).count() == 0
    assert DBTaskResult.objects.filter(task_path=NOTIFY, status="READY").count() == 3
    task_queue()
    assert Notification.objects.filter(post__thread=large).count() == 10_001  # and its starter


def test_a_failed_fan_out_is_retried_and_loses_no_notification(task_queue, member):
    """The first attempt fails in the database (a trigger refuses the first insert of
    notifications); the retry delivers every notification, once."""
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")
    add_followers(thread, 50)
    fail_notification_inserts(1)

    response = logged_in(member).post(f"/discussions/t/{thread.pk}/reply/", {"body": "Hello."})
    ran = task_queue()

    assert response.status_code == 302
    assert ran == 2
    results = DBTaskResult.objects.filter(task_path=NOTIFY).order_by("enqueued_at")
    assert [r.status for r in results] == ["FAILED", "SUCCESSFUL"]
    assert "the notification table is unavailable" in results[0].traceback
    assert results[1].args_kwargs["kwargs"] == {"attempt": 2}
    reply = Post.objects.get(body="Hello.")
    recipients = Notification.objects.filter(post=reply).values_list("recipient_id", flat=True)
    assert len(recipients) == len(set(recipients)) == 51  # 50 followers and the starter


def test_a_retry_waits_and_gives_up_after_the_last_attempt(task_queue, settings, member):
    settings.NLMG_TASK_RETRY_SECONDS = 30
    settings.NLMG_TASK_ATTEMPTS = 2
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")
    fail_notification_inserts(100)
    make_thread_reply(thread, author=member, body="Hello.")

    task_queue()
    waiting = DBTaskResult.objects.get(task_path=NOTIFY, status="READY")

    assert timedelta(seconds=25) < waiting.run_after - timezone.now() <= timedelta(seconds=30)
    DBTaskResult.objects.filter(pk=waiting.pk).update(run_after=timezone.now())
    task_queue()
    statuses = DBTaskResult.objects.filter(task_path=NOTIFY).values_list("status", flat=True)
    assert list(statuses) == ["FAILED", "FAILED"]  # and no third attempt


def test_running_the_fan_out_again_adds_no_duplicate(task_queue, member):
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")
    add_followers(thread, 5)
    reply = make_thread_reply(thread, author=member, body="Hello.")
    task_queue()

    again = deliver_notifications.call(reply.pk, None)

    assert again == 0
    assert Notification.objects.filter(post=reply).count() == 6


def test_a_task_left_running_by_a_killed_worker_is_run_again(task_queue, member):
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")
    reply = make_thread_reply(thread, author=member, body="Hello.")
    DBTaskResult.objects.filter(task_path=NOTIFY).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1)
    )

    assert requeue_stalled() == 1
    task_queue()

    assert Notification.objects.filter(post=reply).count() == 1


def test_a_reply_that_rolls_back_leaves_no_task(task_queue, member):
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")

    with pytest.raises(RuntimeError), transaction.atomic():
        make_thread_reply(thread, author=member, body="Never mind.")
        raise RuntimeError("the request failed after the reply")

    assert DBTaskResult.objects.filter(task_path=NOTIFY).exists() is False


def test_a_password_reset_email_is_queued_then_sent_by_the_worker(
    task_queue, settings, client, member
):
    settings.EMAIL_BACKEND = "nlmg.mail.QueuedEmailBackend"
    settings.NLMG_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = client.post("/accounts/password/reset/", {"email": member.email})

    assert response.status_code == 302
    assert mail.outbox == []
    assert task_queue() == 1
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "/accounts/" in mail.outbox[0].body


def test_notification_emails_go_one_task_each(task_queue, settings, member):
    settings.NLMG_EMAIL_NOTIFICATIONS = True
    settings.EMAIL_BACKEND = "nlmg.mail.QueuedEmailBackend"
    settings.NLMG_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")
    add_followers(thread, 3)

    make_thread_reply(thread, author=member, body="Hello.")
    task_queue()

    assert sorted(m.to[0] for m in mail.outbox) == [
        "follower0@example.org", "follower1@example.org", "follower2@example.org",
        "ruth@example.org",
    ]  # fmt: skip
    assert DBTaskResult.objects.filter(task_path="nlmg.mail.send_email").count() == 4
