"""Discussion work done off the request by the task queue (nlmg.tasks): notifying followers
and emailing them. Both are safe to run again: a member gets one notification per post (a run
after one that had committed adds only who is missing)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from nlmg.tasks import retried_task

from .context_processors import forget_unread
from .models import Follow, Notification, Post

BATCH = 2_000


@retried_task
def deliver_notifications(post_id: int, parent_author_id: int | None = None) -> int:
    """Notify the parent post's author and every follower of the thread of a new reply, in
    one transaction (queueing the emails in it too); returns how many were notified."""
    post = Post.objects.filter(pk=post_id).only("pk", "thread_id", "author_id", "author_name")
    post = post.first()
    if post is None:  # deleted for good since
        return 0
    recipients: dict[int, str] = {}
    if parent_author_id and parent_author_id != post.author_id:
        recipients[parent_author_id] = Notification.Kind.REPLY_TO_POST
    followers = (
        Follow.objects.filter(thread_id=post.thread_id)
        .exclude(user_id=post.author_id)
        .values_list("user_id", flat=True)
    )
    for user_id in followers.iterator(chunk_size=BATCH):
        recipients.setdefault(user_id, Notification.Kind.REPLY_IN_THREAD)
    with transaction.atomic():
        # Locks the post's row, so two runs of this task for one post take turns.
        Post.objects.select_for_update().filter(pk=post.pk).values_list("pk").first()
        notified = Notification.objects.filter(post_id=post.pk).values_list(
            "recipient_id", flat=True
        )
        for user_id in notified.iterator(chunk_size=BATCH):
            recipients.pop(user_id, None)
        Notification.objects.bulk_create(
            (
                Notification(
                    recipient_id=user_id,
                    kind=kind,
                    actor_name=post.author_name,
                    thread_id=post.thread_id,
                    post_id=post.pk,
                )
                for user_id, kind in recipients.items()
            ),
            batch_size=BATCH,
        )
        if getattr(settings, "NLMG_EMAIL_NOTIFICATIONS", False) and recipients:
            email_notifications.enqueue(post.pk, list(recipients))

    forget_unread(list(recipients))
    return len(recipients)


@retried_task
def email_notifications(post_id: int, user_ids: list[int]) -> int:
    """One email for each of these members with an address, about a new reply."""
    post = Post.objects.select_related("thread").filter(pk=post_id).first()
    if post is None:
        return 0
    emails = (
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    subject = f"New reply in “{post.thread.title}”"
    body = (
        f"{post.author_name} replied. Read it (spoilers stay hidden to your progress): "
        f"{post.get_absolute_url()}"
    )
    messages = [EmailMessage(subject, body, None, [email]) for email in emails]
    return get_connection().send_messages(messages) or 0
