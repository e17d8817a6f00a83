"""Members: the custom user model, with a public profile and the reader's progress."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.urls import reverse


class User(AbstractUser):
    display_name = models.CharField(
        max_length=60, blank=True, help_text="Shown beside your posts; your username if empty."
    )
    bio = models.TextField(max_length=1000, blank=True, help_text="A few words about yourself.")
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
