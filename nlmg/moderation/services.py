"""Moderator actions. Each is one named function that checks the moderator's permission, makes
its change and writes its audit entry, all in one transaction; views, admin actions and
management commands call these functions, and nothing else changes moderated state.

Content apps define the actions particular to their content with ``moderator_action`` (as
``lock_thread`` or ``protect_article``) and register them with their model
(``nlmg.moderation.registry``); the generic ones are here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from nlmg.spoilers.models import LintReport
from nlmg.spoilers.scope import Catalogue, ScopeError

from . import registry
from .context_processors import forget_warnings
from .guards import is_new_member
from .models import Flag, ModerationEvent, Suspension, Warning
from .permissions import can_ban, can_moderate

SYSTEM = "system"


class ModerationError(Exception):
    """The action cannot be done; the message says why."""


def record(*, actor, action: str, target, reason: str = "", before=None, after=None):
    """Append one entry to the audit log."""
    return ModerationEvent.objects.create(
        actor=actor,
        actor_name=actor.username if actor else SYSTEM,
        action=action,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        object_repr=_title(target)[:300],
        object_url=_url(target)[:500],
        reason=reason[:500],
        before=before or {},
        after=after or {},
    )


def _title(target) -> str:
    title = getattr(target, "moderation_title", None)
    return title() if callable(title) else str(target)


def _url(target) -> str:
    url = getattr(target, "get_absolute_url", None)
    return url() if callable(url) else ""


def _lock(target) -> None:
    """Lock the target's row and reload it, so that of two moderators acting at once (or one
    double click) the second sees what the first did, and changes nothing twice. FOR NO KEY
    UPDATE: a write elsewhere that only refers to the target (a link to an article, a reply
    to a post) goes on meanwhile, and cannot end in a deadlock with the action."""
    type(target)._base_manager.select_for_update(no_key=True).filter(pk=target.pk).first()
    target.refresh_from_db()


def require_moderator(moderator, permission: Callable = can_moderate) -> None:
    if moderator is not None and not permission(moderator):
        raise PermissionDenied("Only moderators can do that.")


def moderator_action(action: str, *, permission: Callable = can_moderate):
    """Make ``change(target, *, moderator, reason, **values) -> bool`` a moderator action:
    called as ``f(target=..., moderator=..., reason=..., **values)``, it checks the
    permission, locks the target's row, makes the change and, when something changed, logs it
    with the states before and after, in one transaction. ``moderator=None`` is the site
    itself (an automatic action), logged as "system"."""

    def decorate(change):
        @wraps(change)
        def act(*, target, moderator, reason: str = "", **values) -> bool:
            require_moderator(moderator, permission)
            with transaction.atomic():
                _lock(target)
                before = target.moderation_state()
                changed = change(target, moderator=moderator, reason=reason, **values)
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

        act.action = action
        return act

    return decorate


# --- flags ----------------------------------------------------------------------------------


def flag_content(*, target, reporter, reason: str, note: str = "") -> tuple[Flag, bool]:
    """Flag content; a member's second flag on the same open item is not added again. Enough
    flags from trusted members hide it until a moderator looks."""
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
                reporter_name=reporter.username if reporter else SYSTEM,
                reason=reason,
                note=note[:500],
            )
    except IntegrityError:  # a double click raced the first one
        return Flag.objects.open().get(
            content_type=content_type, object_id=target.pk, reporter=reporter
        ), False
    _hide_if_trusted_flags(target, content_type)
    return flag, True


def _hide_if_trusted_flags(target, content_type) -> None:
    kind = registry.kind_of(target)
    needed = getattr(settings, "NLMG_TRUSTED_FLAGS_TO_HIDE", 3)
    if kind is None or not kind.hidden_by_flags or not needed or target.is_hidden:
        return
    reporters = (
        get_user_model()
        .objects.filter(
            flags_made__content_type=content_type,
            flags_made__object_id=target.pk,
            flags_made__status=Flag.Status.OPEN,
        )
        .distinct()
    )
    trusted = [member for member in reporters if not is_new_member(member)]
    if len(trusted) >= needed:
        hide_until_reviewed(
            target=target,
            moderator=None,
            reason=f"Hidden after {len(trusted)} flags from trusted members, until a moderator "
            "looks.",
        )


@moderator_action(ModerationEvent.Action.HIDE)
def hide_until_reviewed(target, *, moderator, reason) -> bool:
    """Hide without resolving the flags: they stay in the queue for a moderator to decide."""
    return target.hide(by=moderator, reason=reason)


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


def resolve_flags_on(target, moderator, status=Flag.Status.ACTIONED) -> list[int]:
    """Close the open flags on ``target`` (acted on, or dismissed); their ids."""
    flags = Flag.objects.open().filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    )
    ids = list(flags.values_list("pk", flat=True))
    Flag.objects.filter(pk__in=ids).update(
        status=status, resolved_by=moderator, resolved_at=timezone.now()
    )
    return ids


@transaction.atomic
def dismiss_flags(*, target, moderator, reason: str = "") -> int:
    """Close the open flags on ``target``, changing nothing else (undone by reopening them)."""
    require_moderator(moderator)
    ids = resolve_flags_on(target, moderator, Flag.Status.DISMISSED)
    record(
        actor=moderator,
        action=ModerationEvent.Action.DISMISS,
        target=target,
        reason=reason,
        after={"flags_dismissed": len(ids), "flags": ids},
    )
    return len(ids)


@transaction.atomic
def reopen_flags(*, event: ModerationEvent, moderator, reason: str = "") -> int:
    """Undo a dismissal: its flags are open again."""
    require_moderator(moderator)
    count = Flag.objects.filter(pk__in=event.after.get("flags", [])).update(
        status=Flag.Status.OPEN, resolved_by=None, resolved_at=None
    )
    record(
        actor=moderator,
        action=ModerationEvent.Action.REOPEN,
        target=event.target,
        reason=reason,
        after={"flags_reopened": count},
    )
    return count


# --- hiding, scopes, lint reports ----------------------------------------------------------------


@moderator_action(ModerationEvent.Action.HIDE)
def hide_content(target, *, moderator, reason) -> bool:
    """Hide content ("removed by a moderator" in its place); its flags are actioned."""
    changed = target.hide(by=moderator, reason=reason)
    if changed:
        resolve_flags_on(target, moderator, Flag.Status.ACTIONED)
    return changed


@moderator_action(ModerationEvent.Action.RESTORE)
def restore_content(target, *, moderator, reason) -> bool:
    return target.restore(by=moderator)


@moderator_action(ModerationEvent.Action.SET_SCOPE)
def set_scope(target, *, moderator, reason, scope: str) -> bool:
    """Give content (a post, a thread) a spoiler scope as a whole, in canonical form."""
    catalogue = Catalogue.current()
    try:
        canonical = catalogue.parse(scope).to_string(catalogue) if scope.strip() else ""
    except ScopeError as exc:
        raise ModerationError(f"Not a valid scope: {exc}") from exc
    return target.set_scope(canonical)


def hide_and_warn(*, target, moderator, reason: str) -> bool:
    """Hide content and warn its author, both or neither."""
    with transaction.atomic():
        changed = hide_content(target=target, moderator=moderator, reason=reason)
        owner = target.moderation_owner
        if changed and owner is not None:
            warn_member(
                member=owner,
                moderator=moderator,
                reason=reason or "Your content was removed by a moderator.",
            )
    return changed


def suspend_author(*, target, moderator, reason: str, days: int | None) -> Suspension:
    """Suspend the author of flagged content and dismiss its flags, both or neither."""
    owner = target.moderation_owner
    if owner is None:
        raise ModerationError("This content has no author to suspend.")
    with transaction.atomic():
        suspension = suspend_member(member=owner, moderator=moderator, reason=reason, days=days)
        dismiss_flags(target=target, moderator=moderator, reason="author suspended")
    return suspension


@transaction.atomic
def resolve_lint_report(*, report: LintReport, moderator, reason: str = "") -> bool:
    """A moderator has looked at content published over lint warnings."""
    require_moderator(moderator)
    updated = LintReport.objects.filter(pk=report.pk, is_resolved=False).update(is_resolved=True)
    if updated:
        record(
            actor=moderator,
            action=ModerationEvent.Action.RESOLVE_LINT,
            target=report.content_object,
            reason=reason,
            after={"terms": [t["term"] for t in report.terms]},
        )
    return bool(updated)


# --- members ------------------------------------------------------------------------------------


@transaction.atomic
def warn_member(*, member, moderator, reason: str) -> Warning:
    require_moderator(moderator)
    warning = Warning.objects.create(user=member, by_name=moderator.username, reason=reason[:500])
    forget_warnings(member.pk)
    record(actor=moderator, action=ModerationEvent.Action.WARN, target=member, reason=reason)
    return warning


@transaction.atomic
def suspend_member(*, member, moderator, reason: str, days: int | None) -> Suspension:
    """Suspend for ``days`` (read-only until then), or ban when ``days`` is None (admins only)."""
    require_moderator(moderator)
    if not reason.strip():
        raise ModerationError("Give a reason: the member will see it.")
    if member.is_staff or member.is_superuser:
        raise ModerationError("Staff accounts cannot be suspended here.")
    if days is None and not can_ban(moderator):
        raise ModerationError("Only admins can ban a member permanently.")
    if days is not None and not 1 <= days <= 365:
        raise ModerationError("Suspend for 1 to 365 days.")
    member = get_user_model().objects.select_for_update().get(pk=member.pk)
    before = member.moderation_state()
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
        after=member.moderation_state(),
    )
    return suspension


@transaction.atomic
def lift_suspension(*, member, moderator, reason: str = "") -> bool:
    require_moderator(moderator)
    member = get_user_model().objects.select_for_update().get(pk=member.pk)
    if member.is_banned and not can_ban(moderator):
        raise ModerationError("Only admins can lift a ban.")
    if not member.is_suspended:
        return False
    before = member.moderation_state()
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
        after=member.moderation_state(),
    )
    return True


# --- one entry point for moderators' forms --------------------------------------------------

VALUE_ACTIONS = {"set_scope": "scope", "move": "board", "retitle": "title"}


def perform_action(
    *,
    target,
    moderator,
    action: str,
    reason: str = "",
    value: str = "",
    report_id: int | None = None,
    days: int | None = None,
) -> str:
    """Run the action a moderator chose on ``target``: a generic one, or one its kind
    registers. What was done, in a few words ("" when nothing changed)."""
    kind = registry.kind_of(target)
    if action == "dismiss":
        count = dismiss_flags(target=target, moderator=moderator, reason=reason)
        return f"{count} flag{'s' if count != 1 else ''} dismissed"
    if action == "hide_warn":
        changed = hide_and_warn(target=target, moderator=moderator, reason=reason)
        return "hidden and the author warned" if changed else ""
    if action == "suspend":
        days = days or 7
        suspend_author(
            target=target,
            moderator=moderator,
            reason=reason or "Breaking the site rules.",
            days=days,
        )
        return f"the author is suspended for {days} days"
    if action in ("resolve_lint", "wrap"):
        report = LintReport.objects.filter(pk=report_id or 0).first()
        if report is None:
            raise ModerationError("That lint report is gone.")
        if action == "resolve_lint":
            changed = resolve_lint_report(report=report, moderator=moderator, reason=reason)
            return "report marked as checked" if changed else ""
    if kind is None or action not in kind.actions:
        raise ModerationError("That action does not apply here.")
    values = {VALUE_ACTIONS[action]: value} if action in VALUE_ACTIONS else {}
    if action == "wrap":
        term = next((t for t in report.terms if t["term"] == value), None)
        if term is None:
            raise ModerationError("That term is not in the report.")
        values = {"term": term["term"], "scope": term["scope"], "sentence": term["sentence"]}
    changed = kind.actions[action](target=target, moderator=moderator, reason=reason, **values)
    if changed and action == "wrap":
        resolve_lint_report(report=report, moderator=moderator, reason=reason)
    return action.replace("_", " ") if changed else ""


# --- undo from the audit log --------------------------------------------------------------------

# An action and the action that takes it back, with the state key whose value before the
# action is handed back to it (a move goes back to its board, a retitle to its title).
INVERSES = {
    "hide": ("restore", None), "restore": ("hide", None),
    "lock": ("unlock", None), "unlock": ("lock", None),
    "pin": ("unpin", None), "unpin": ("pin", None),
    "protect": ("unprotect", None), "unprotect": ("protect", None),
    "feature": ("unfeature", None), "unfeature": ("feature", None),
    "delete": ("undelete", None), "undelete": ("delete", None),
    "move": ("move", "board"), "retitle": ("retitle", "title"), "set_scope": ("set_scope", "scope"),
}  # fmt: skip


def can_undo(event: ModerationEvent) -> bool:
    if event.action == ModerationEvent.Action.DISMISS:
        return bool(event.after.get("flags"))
    if event.action in (ModerationEvent.Action.SUSPEND, ModerationEvent.Action.BAN):
        return True
    inverse = INVERSES.get(event.action)
    model = event.content_type.model_class()
    kind = registry.kind_of(model) if model is not None else None
    return inverse is not None and kind is not None and inverse[0] in kind.actions


def undo_event(*, event: ModerationEvent, moderator, reason: str = "") -> bool:
    """Take back what one logged action did, as a new logged action."""
    reason = reason or f"Undo of: {event}"
    target = event.target
    if target is None or not can_undo(event):
        raise ModerationError("This action cannot be undone from the log.")
    if event.action == ModerationEvent.Action.DISMISS:
        return bool(reopen_flags(event=event, moderator=moderator, reason=reason))
    if event.action in (ModerationEvent.Action.SUSPEND, ModerationEvent.Action.BAN):
        return lift_suspension(member=target, moderator=moderator, reason=reason)
    name, key = INVERSES[event.action]
    action = registry.kind_of(target).actions[name]
    values = {key: event.before.get(key) or ""} if key else {}
    return action(target=target, moderator=moderator, reason=reason, **values)
