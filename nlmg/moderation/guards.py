"""Abuse guards: posting limits for new members, links until trusted, honeypots, log-in
throttling. Counts come from the database, so every app server sees the same numbers."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

LINK = re.compile(r"(https?://|www\.|\]\(|<[a-z]+:)", re.IGNORECASE)
HONEYPOT_FIELD = "website"


class GuardRefusal(Exception):
    """The action is refused; the message says why and what to do."""


def _setting(name: str, default):
    return getattr(settings, name, default)


def is_new_member(user) -> bool:
    """First day, or fewer than NLMG_TRUSTED_AFTER_POSTS posts that stand (not removed)."""
    if user.is_staff or user.has_perm("moderation.moderate"):
        return False
    if user.date_joined > timezone.now() - timedelta(
        hours=_setting("NLMG_TRUSTED_AFTER_HOURS", 24)
    ):
        return True
    from django.apps import apps

    Post = apps.get_model("discussions", "Post")
    needed = _setting("NLMG_TRUSTED_AFTER_POSTS", 5)
    # Counts at most `needed` rows, so a prolific member costs no more than a new one.
    standing = (
        Post.objects.filter(author=user, is_hidden=False, is_deleted=False)
        .values("pk")[:needed]
        .count()
    )
    return standing < needed


def recent_writes(user, seconds: int) -> int:
    from django.apps import apps

    since = timezone.now() - timedelta(seconds=seconds)
    Post = apps.get_model("discussions", "Post")
    Revision = apps.get_model("wiki", "Revision")
    return (
        Post.objects.filter(author=user, created_at__gte=since).count()
        + Revision.objects.filter(author=user, created_at__gte=since).count()
    )


def check_can_write(user, text: str = "") -> None:
    """Suspension, then the new-member limits. Raises GuardRefusal with a clear message."""
    if user.is_suspended:
        raise GuardRefusal(suspension_message(user))
    if not is_new_member(user):
        return
    limit = _setting("NLMG_NEW_MEMBER_WRITES_PER_MINUTE", 3)
    if recent_writes(user, 60) >= limit:
        raise GuardRefusal(
            f"New members can post or edit {limit} times a minute; please wait a moment and "
            "try again. Your text is kept below."
        )
    if text and LINK.search(text) and not _setting("NLMG_NEW_MEMBERS_MAY_LINK", False):
        raise GuardRefusal(
            "New members cannot post links yet (it keeps spam out). Remove the links, or "
            "write them without http://, and try again. Your text is kept below."
        )


def suspension_message(user) -> str:
    reason = f" Reason: {user.suspension_reason}" if user.suspension_reason else ""
    if user.is_banned:
        return f"Your account is banned from posting and editing.{reason}"
    until = timezone.localtime(user.suspended_until).strftime("%d %B %Y, %H:%M")
    return f"Your account is suspended from posting and editing until {until}.{reason}"


def honeypot_filled(request) -> bool:
    return bool(request.POST.get(HONEYPOT_FIELD, "").strip())


def client_address(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def login_throttled(username: str, address: str | None) -> str | None:
    """A refusal message when too many recent failures for this account or address."""
    from .models import LoginAttempt

    window = timezone.now() - timedelta(minutes=_setting("NLMG_LOGIN_WINDOW_MINUTES", 15))
    recent = LoginAttempt.objects.filter(created_at__gte=window)
    if recent.filter(username__iexact=username).count() >= _setting(
        "NLMG_LOGIN_FAILURES_PER_ACCOUNT", 5
    ):
        return "Too many failed log-ins for this account; wait 15 minutes or reset your password."
    if address and recent.filter(address=address).count() >= _setting(
        "NLMG_LOGIN_FAILURES_PER_ADDRESS", 20
    ):
        return "Too many failed log-ins from your network; wait 15 minutes and try again."
    return None


def record_login_failure(username: str, address: str | None) -> None:
    from .models import LoginAttempt

    LoginAttempt.objects.create(username=username[:150], address=address)
