"""Abuse guards: posting limits for new members, links until trusted, honeypots, log-in
throttling. Counts come from the database, so every app server sees the same numbers."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

from django.conf import settings
from django.utils import timezone

from nlmg.spoilers.markup import render

from . import registry
from .models import LoginAttempt

# An address written out as text: not a link in the HTML, but one to a reader's eye.
ADDRESS_IN_TEXT = re.compile(r"(?:https?://|www\.|mailto:)[^\s<>\"']+", re.IGNORECASE)
SITE_LINK_CLASSES = {"wikilink", "redlink", "footnote-ref", "footnote-backref"}
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


class _Addresses(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            classes = set((attrs.get("class") or "").split())
            if not classes & SITE_LINK_CLASSES and not attrs["href"].startswith("#"):
                self.found.add(attrs["href"])
        elif tag == "img" and attrs.get("src"):
            self.found.add(attrs["src"])

    def handle_data(self, data):
        self.found.update(m.group(0).rstrip(".,;:!?)") for m in ADDRESS_IN_TEXT.finditer(data))


def addresses_in(html: str) -> set[str]:
    """Every address a reader of this rendered HTML can follow, load or copy: links (but wiki
    links and links within the page), images, and addresses written out in the text."""
    parser = _Addresses()
    parser.feed(html or "")
    parser.close()
    return parser.found


def added_addresses(text: str, previous_html: str = "") -> set[str]:
    """The addresses in ``text`` once rendered (however the markdown wrote them: inline,
    by reference, "<...>", images) that the rendered ``previous_html`` did not hold."""
    return addresses_in(render(text).html) - addresses_in(previous_html)


def check_can_write(user, text: str = "", *, previous_html: str = "") -> None:
    """Suspension, then the new-member limits. Raises GuardRefusal with a clear message.

    ``text`` is the markdown the member sends, ``previous_html`` the rendered version it
    replaces: a new member may keep the links already there, not add any."""
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
    if (
        text
        and not _setting("NLMG_NEW_MEMBERS_MAY_LINK", False)
        and added_addresses(text, previous_html)
    ):
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
