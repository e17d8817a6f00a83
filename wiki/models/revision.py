"""Revisions: every save of an article is an immutable row; the source is never changed."""

from django.conf import settings
from django.db import models
from django.urls import reverse


class RevisionQuerySet(models.QuerySet):
    def for_history(self, article):
        """An article's revisions, newest first, with their authors."""
        return (
            self.filter(article=article)
            .select_related("author")
            .order_by("-number")
            .defer("body", "body_html", "lead", "infobox", "infobox_html")
        )

    def recent_changes(self):
        return self.select_related("author", "article", "article__kind").defer(
            "body", "body_html", "lead", "infobox", "infobox_html", "article__lead"
        )


class Revision(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", "created"
        EDIT = "edit", "edited"
        MERGE = "merge", "edited (merged)"
        UNDO = "undo", "undid a revision"
        REVERT = "revert", "reverted"
        CANON = "canon", "canon update"

    article = models.ForeignKey("wiki.Article", on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wiki_revisions",
    )
    author_name = models.CharField(max_length=150)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.EDIT)
    summary = models.CharField(max_length=300, blank=True)
    summary_html = models.TextField(blank=True)
    is_minor = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The full content of the article at this revision (the source).
    title = models.CharField(max_length=200)
    kind_key = models.CharField(max_length=40)
    scope = models.CharField(max_length=200, blank=True)
    lead = models.TextField()
    body = models.TextField()
    infobox = models.JSONField(default=dict, blank=True)
    tags = models.CharField(max_length=500, blank=True)
    # Derived from the source on save (sanitised HTML with marked spoilers).
    lead_html = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    infobox_html = models.JSONField(default=dict, blank=True)
    headings = models.JSONField(default=list, blank=True)
    size = models.PositiveIntegerField(default=0)
    size_change = models.IntegerField(default=0)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="revision_unique_number")
        ]
        indexes = [models.Index(fields=["-created_at"], name="revision_recent")]

    def __str__(self):
        return f"{self.title} #{self.number}"

    def get_absolute_url(self):
        return reverse("wiki:revision", kwargs={"slug": self.article.slug, "number": self.number})

    def moderation_state(self) -> dict:
        article = self.article
        article.refresh_from_db(fields=["current_revision", "is_protected"])
        return {
            "current_revision": article.current_revision.number
            if article.current_revision
            else None,
            "is_protected": article.is_protected,
        }

    def moderation_preview(self) -> str:
        return self.body_html

    def moderation_title(self) -> str:
        return f"Revision {self.number} of “{self.article.title}”"

    @property
    def moderation_owner(self):
        return self.author

    def rendered_html(self) -> str:
        """All the HTML this revision shows: lead, infobox and text."""
        return "\n".join([self.lead_html, *self.infobox_html.values(), self.body_html])

    def content(self) -> dict:
        """The editable content, as the edit form and the merge see it."""
        return {
            "title": self.title,
            "kind": self.kind_key,
            "scope": self.scope,
            "lead": self.lead,
            "body": self.body,
            "infobox": dict(self.infobox),
            "tags": self.tags,
        }
