"""Abuse guards: posting limits for new members, links until trusted, honeypots, log-in
throttling. Counts come from the database, so every app server sees the same numbers."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import registry
from .models import LoginAttempt

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
    needed = _setting("NLMG_TRUSTED_AFTER_POSTS", 5)
    standing = 0
    for kind in registry.kinds():
        if kind.standing is not None and standing < needed:
            # Counts at most the rows still needed: a prolific member costs no more.
            standing += (
                kind.model._default_manager.filter(kind.standing, **{kind.written_by: user})
                .values("pk")[: needed - standing]
                .count()
            )
    return standing < needed


def recent_writes(user, seconds: int) -> int:
    """What the member wrote in the last ``seconds``, over every kind of content that counts."""
    since = timezone.now() - timedelta(seconds=seconds)
    return sum(
        kind.model._default_manager.filter(
            **{kind.written_by: user, f"{kind.written_at}__gte": since}
        ).count()
        for kind in registry.kinds()
        if kind.written_by
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
    LoginAttempt.objects.create(username=username[:150], address=address)
