"""Email leaves the request: ``QueuedEmailBackend`` (the site's EMAIL_BACKEND) stores each
message as a task, and a worker sends it through NLMG_EMAIL_DELIVERY_BACKEND (SMTP from
EMAIL_URL, or the console), retrying when the mail server fails.

Everything that sends mail through Django (password resets, notification emails) goes this way
without knowing it."""

from __future__ import annotations

import base64

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from .tasks import retried_task


def message_to_json(message) -> dict:
    """What a queued task needs to build the message again (JSON only)."""
    attachments = []
    for attachment in message.attachments:
        filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        attachments.append([filename, base64.b64encode(content).decode(), mimetype])
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [[str(c), m] for c, m in getattr(message, "alternatives", [])],
        "attachments": attachments,
    }


def message_from_json(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    for filename, content, mimetype in data["attachments"]:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


@retried_task
def send_email(message: dict) -> None:
    """Deliver one queued message; a failure is retried later (nlmg.tasks)."""
    connection = get_connection(settings.NLMG_EMAIL_DELIVERY_BACKEND, fail_silently=False)
    connection.send_messages([message_from_json(message)])


class QueuedEmailBackend(BaseEmailBackend):
    """Queues each message as a ``send_email`` task: one row each, all in one transaction."""

    def send_messages(self, email_messages) -> int:
        messages = [m for m in email_messages if m.recipients()]
        try:
            with transaction.atomic():
                for message in messages:
                    send_email.enqueue(message_to_json(message))
        except Exception:
            if not self.fail_silently:
                raise
            return 0
        return len(messages)
