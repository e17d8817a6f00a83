"""Flags, suspensions, the append-only audit log, and log-in attempts.

Moderation acts on content through a small contract the content models fulfil (``hide``,
``restore``, ``moderation_preview``, ``moderation_owner``), reached through generic relations,
so this app never imports the wiki or the discussions.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from nlmg.spoilers.publishing import scope_label


class ModerationEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class ModerationEvent(models.Model):
    """One moderation action: who, what, on which object, when, why, and the state before."""

    class Action(models.TextChoices):
        DISMISS = "dismiss", "dismissed flags"
        REOPEN = "reopen", "reopened flags"
        RESOLVE_LINT = "resolve_lint", "checked a lint report"
        WRAP = "wrap", "wrapped a spoiler in"
        HIDE = "hide", "hid"
        RESTORE = "restore", "restored"
        WARN = "warn", "warned"
        SUSPEND = "suspend", "suspended"
        BAN = "ban", "banned"
        LIFT = "lift", "lifted a suspension"
        LOCK = "lock", "locked"
        UNLOCK = "unlock", "unlocked"
        PIN = "pin", "pinned"
        UNPIN = "unpin", "unpinned"
        MOVE = "move", "moved"
        RETITLE = "retitle", "retitled"
        SET_SCOPE = "set_scope", "set the spoiler scope of"
        REVERT = "revert", "reverted"
        PROTECT = "protect", "protected"
        UNPROTECT = "unprotect", "unprotected"
        FEATURE = "feature", "featured"
        UNFEATURE = "unfeature", "unfeatured"
        DELETE = "delete", "deleted"
        UNDELETE = "undelete", "undeleted"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=300)
    object_url = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ModerationEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="event_object")]

    def __str__(self):
        return f"{self.actor_name} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def changes(self) -> list[tuple[str, str, str]]:
        """What the action changed, in words: [("state", "visible", "hidden"),
        ("scope", "none", "Novel, Part Three, ch. 22")]."""
        keys = [k for k in self.after if k in self.before and self.before[k] != self.after[k]]
        return [(_field_name(k), _in_words(k, self.before[k]), _in_words(k, self.after[k]))
                for k in keys]  # fmt: skip


# Yes/no states in the words moderators use: (when true, when false).
STATE_WORDS = {
    "is_hidden": ("hidden", "visible"),
    "is_locked": ("locked", "open"),
    "is_pinned": ("pinned", "not pinned"),
    "is_protected": ("protected", "open to edits"),
    "is_featured": ("featured", "not featured"),
    "is_deleted": ("deleted", "not deleted"),
    "is_banned": ("banned", "not banned"),
}


def _field_name(key: str) -> str:
    if key in STATE_WORDS:
        return "state"
    return key.replace("_", " ")


def _in_words(key: str, value) -> str:
    if key in STATE_WORDS:
        return STATE_WORDS[key][0 if value else 1]
    if key == "scope":
        return scope_label(value) or "none"
    if value in (None, ""):
        return "none"
    return str(value)


class FlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Flag.Status.OPEN)


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse or harassment"
        SPOILER = "spoiler", "Untagged spoiler"
        TITLE_SPOILER = "title_spoiler", "Spoiler in the title"
        OTHER = "other", "Something else"

    # Reasons offered only where the content says they apply (moderation_flag_reasons).
    OPTIONAL_REASONS = {Reason.TITLE_SPOILER}

    class Status(models.TextChoices):
        OPEN = "open", "open"
        DISMISSED = "dismissed", "dismissed"
        ACTIONED = "actioned", "actioned"

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="flags_made"
    )
    reporter_name = models.CharField(max_length=150)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        permissions = [
            ("moderate", "Can use the moderation queue and act on content"),
            ("ban_member", "Can ban members permanently (admins)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "reporter"],
                condition=Q(status="open"),
                name="flag_once_while_open",
            )
        ]
        indexes = [
            models.Index(
                fields=["content_type", "object_id"],
                name="flag_open_object",
                condition=Q(status="open"),
            )
        ]

    def __str__(self):
        return f"{self.get_reason_display()} flag on {self.content_type.model} {self.object_id}"


class Suspension(models.Model):
    """A member may read but not post or edit until ``ends_at`` (None: a ban)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suspensions"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_name = models.CharField(max_length=150)
    reason = models.CharField(max_length=500)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by_name = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self):
        until = self.ends_at.strftime("%Y-%m-%d %H:%M") if self.ends_at else "banned"
        return f"{self.user} until {until}"


class Warning(models.Model):
    """A moderator's warning, shown to the member until they acknowledge it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warnings"
    )
    by_name = models.CharField(max_length=150)
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    is_acknowledged = models.BooleanField(default=False)

    def __str__(self):
        return f"Warning to {self.user}"


class LoginAttempt(models.Model):
    """Failed log-ins, counted per account and per address (shared by every app server)."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"{self.username} from {self.address}"


class UploadRecord(models.Model):
    """An image a member uploaded through the editor (counted for the hourly limit)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=300)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return self.path
