"""Members: the custom user model, with a public profile and the reader's progress."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, linebreaks


class User(AbstractUser):
    display_name = models.CharField(
        max_length=60, blank=True, help_text="Shown beside your posts; your username if empty."
    )
    bio = models.TextField(max_length=1000, blank=True, help_text="A few words about yourself.")
    suspended_until = models.DateTimeField(
        null=True, blank=True, help_text="Cannot post or edit until then (set by moderators)."
    )
    is_banned = models.BooleanField(default=False, help_text="Cannot post or edit at all.")
    suspension_reason = models.CharField(max_length=500, blank=True)
    reading_progress = models.JSONField(
        default=dict,
        blank=True,
        help_text="How far this member is in each work: {work key: point position}.",
    )

    class Meta:
        verbose_name = "member"
        verbose_name_plural = "members"

    def __str__(self):
        return self.username

    def get_absolute_url(self):
        return reverse("accounts:profile", kwargs={"username": self.username})

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    @property
    def is_suspended(self) -> bool:
        """Banned, or suspended until a time still to come."""
        return self.is_banned or bool(
            self.suspended_until and self.suspended_until > timezone.now()
        )

    def moderation_state(self) -> dict:
        return {
            "suspended_until": self.suspended_until.isoformat() if self.suspended_until else None,
            "is_banned": self.is_banned,
            "suspension_reason": self.suspension_reason,
        }

    def moderation_preview(self) -> str:
        return linebreaks(escape(self.bio))

    @property
    def moderation_owner(self):
        return self

    def moderation_title(self) -> str:
        return f"Member {self.username}"
