"""Moderation actions: each one reversible and recorded in the audit log in the same
transaction as the change it makes."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from .models import Flag, ModerationEvent, Suspension, Warning


class ModerationError(Exception):
    """The action cannot be done; the message says why."""


def record(*, actor, action: str, target, reason: str = "", before=None, after=None):
    """Append one entry to the audit log."""
    return ModerationEvent.objects.create(
        actor=actor,
        actor_name=actor.username if actor else "system",
        action=action,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        object_repr=str(target)[:300],
        reason=reason[:500],
        before=before or {},
        after=after or {},
    )


def flag_content(*, target, reporter, reason: str, note: str = "") -> tuple[Flag, bool]:
    """Flag content; a member's second flag on the same open item is not added again."""
    content_type = ContentType.objects.get_for_model(target)
    existing = (
        Flag.objects.open()
        .filter(content_type=content_type, object_id=target.pk, reporter=reporter)
        .first()
    )
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                content_type=content_type,
                object_id=target.pk,
                reporter=reporter,
                reporter_name=reporter.username if reporter else "system",
                reason=reason,
                note=note[:500],
            )
    except IntegrityError:  # a double click raced the first one
        return Flag.objects.open().get(
            content_type=content_type, object_id=target.pk, reporter=reporter
        ), False
    return flag, True


def queue(order: str = "oldest"):
    """Open flags grouped by flagged object: [{content_type_id, object_id, count, first, last}]."""
    groups = (
        Flag.objects.open()
        .values("content_type_id", "object_id")
        .annotate(count=Count("id"), first=Min("created_at"), last=Max("created_at"))
    )
    if order == "most":
        return groups.order_by("-count", "first")
    return groups.order_by("first")


def _resolve_flags(target, moderator, status) -> int:
    return (
        Flag.objects.open()
        .filter(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)
        .update(status=status, resolved_by=moderator, resolved_at=timezone.now())
    )


@transaction.atomic
def dismiss_flags(*, target, moderator, reason: str = "") -> int:
    count = _resolve_flags(target, moderator, Flag.Status.DISMISSED)
    record(
        actor=moderator,
        action=ModerationEvent.Action.DISMISS,
        target=target,
        reason=reason,
        after={"flags_dismissed": count},
    )
    return count


def _lock(target) -> None:
    """Lock the target's row and reload it, so that of two moderators acting at once (or one
    double click) the second sees what the first did, and changes nothing twice. FOR NO KEY
    UPDATE: a write elsewhere that only refers to the target (a link to an article, a reply
    to a post) goes on meanwhile, and cannot end in a deadlock with the action."""
    type(target)._base_manager.select_for_update(no_key=True).filter(pk=target.pk).first()
    target.refresh_from_db()


@transaction.atomic
def hide_content(*, target, moderator, reason: str = "") -> bool:
    """Hide a post or thread ("removed by a moderator" in its place); reversible.

    Flags are resolved only when something was hidden: otherwise they stay open for another
    decision, rather than leaving the queue with nothing in the audit log."""
    _lock(target)
    before = target.moderation_state()
    changed = target.hide(by=moderator, reason=reason)
    if changed:
        _resolve_flags(target, moderator, Flag.Status.ACTIONED)
        record(
            actor=moderator,
            action=getattr(target, "moderation_hide_action", ModerationEvent.Action.HIDE),
            target=target,
            reason=reason,
            before=before,
            after=target.moderation_state(),
        )
    return changed


@transaction.atomic
def restore_content(*, target, moderator, reason: str = "") -> bool:
    _lock(target)
    before = target.moderation_state()
    changed = target.restore(by=moderator)
    if changed:
        record(
            actor=moderator,
            action=getattr(target, "moderation_restore_action", ModerationEvent.Action.RESTORE),
            target=target,
            reason=reason,
            before=before,
            after=target.moderation_state(),
        )
    return changed


@transaction.atomic
def warn_member(*, member, moderator, reason: str) -> Warning:
    from .context_processors import forget_warnings

    warning = Warning.objects.create(user=member, by_name=moderator.username, reason=reason[:500])
    forget_warnings(member.pk)
    record(actor=moderator, action=ModerationEvent.Action.WARN, target=member, reason=reason)
    return warning


def _member_state(member) -> dict:
    return {
        "suspended_until": member.suspended_until.isoformat() if member.suspended_until else None,
        "is_banned": member.is_banned,
        "suspension_reason": member.suspension_reason,
    }


@transaction.atomic
def suspend_member(*, member, moderator, reason: str, days: int | None) -> Suspension:
    """Suspend for ``days`` (read-only until then), or ban when ``days`` is None (admins only)."""
    if not reason.strip():
        raise ModerationError("Give a reason: the member will see it.")
    if member.is_staff or member.is_superuser:
        raise ModerationError("Staff accounts cannot be suspended here.")
    if days is None and not moderator.has_perm("moderation.ban_member"):
        raise ModerationError("Only admins can ban a member permanently.")
    if days is not None and not 1 <= days <= 365:
        raise ModerationError("Suspend for 1 to 365 days.")
    member = get_user_model().objects.select_for_update().get(pk=member.pk)
    before = _member_state(member)
    now = timezone.now()
    ends_at = now + timedelta(days=days) if days is not None else None
    suspension = Suspension.objects.create(
        user=member, by=moderator, by_name=moderator.username, reason=reason, ends_at=ends_at
    )
    member.suspension_reason = reason[:500]
    if days is None:
        member.is_banned = True
    else:
        member.suspended_until = max(ends_at, member.suspended_until or ends_at)
    member.save(update_fields=["suspension_reason", "is_banned", "suspended_until"])
    record(
        actor=moderator,
        action=ModerationEvent.Action.BAN if days is None else ModerationEvent.Action.SUSPEND,
        target=member,
        reason=reason,
        before=before,
        after=_member_state(member),
    )
    return suspension


@transaction.atomic
def lift_suspension(*, member, moderator, reason: str = "") -> bool:
    member = get_user_model().objects.select_for_update().get(pk=member.pk)
    if member.is_banned and not moderator.has_perm("moderation.ban_member"):
        raise ModerationError("Only admins can lift a ban.")
    if not member.is_suspended:
        return False
    before = _member_state(member)
    Suspension.objects.filter(user=member, lifted_at__isnull=True).update(
        lifted_at=timezone.now(), lifted_by_name=moderator.username
    )
    member.suspended_until = None
    member.is_banned = False
    member.suspension_reason = ""
    member.save(update_fields=["suspended_until", "is_banned", "suspension_reason"])
    record(
        actor=moderator,
        action=ModerationEvent.Action.LIFT,
        target=member,
        reason=reason,
        before=before,
        after=_member_state(member),
    )
    return True


@transaction.atomic
def change_state(*, target, moderator, action: str, reason: str = "", change) -> bool:
    """Run ``change()`` (a content model's own state change, returning whether anything
    changed) and record it with the states before and after."""
    _lock(target)
    before = target.moderation_state()
    changed = change()
    if changed:
        record(
            actor=moderator,
            action=action,
            target=target,
            reason=reason,
            before=before,
            after=target.moderation_state(),
        )
    return changed
