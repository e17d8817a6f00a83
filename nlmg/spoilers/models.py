"""Works, their ordered points, and the spoiler-lint glossary.

Works are data: an admin can add one (a stage play, a new series) with its points, and scopes,
the progress picker and gating pick it up.
"""

import hashlib
import json
import re

from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from .scope import Catalogue, ScopeError

key_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9-]*$", "Use lowercase letters, digits and hyphens only."
)


class WorkQuerySet(models.QuerySet):
    def catalogue_spec(self) -> list[dict]:
        """The works and their points as plain data, for nlmg.spoilers.scope.Catalogue."""
        return [
            {
                "key": work.key,
                "title": work.title,
                "short_title": work.short_title,
                "points": [
                    {
                        "key": p.key,
                        "label": p.label,
                        "short_label": p.short_label,
                        "part_key": p.part_key,
                    }
                    for p in sorted(work.points.all(), key=lambda p: p.position)
                ],
            }
            for work in self.prefetch_related("points")
        ]


class Work(models.Model):
    key = models.CharField(max_length=20, unique=True, validators=[key_validator])
    title = models.CharField(max_length=200)
    short_title = models.CharField(
        max_length=40, help_text='A word or two for labels, e.g. "novel" or "film".'
    )
    order = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300, blank=True)

    objects = WorkQuerySet.as_manager()

    class Meta:
        ordering = ["order", "key"]

    def __str__(self):
        return self.title


class Point(models.Model):
    """A point in a work (a chapter, a section, an episode); readers finish them in order."""

    work = models.ForeignKey(Work, on_delete=models.CASCADE, related_name="points")
    position = models.PositiveSmallIntegerField(help_text="1 for the first point, and so on.")
    key = models.CharField(
        max_length=30,
        validators=[key_validator],
        help_text='Used in scopes: "12" in novel:12, "cottages" in film:cottages.',
    )
    label = models.CharField(max_length=120, help_text='e.g. "Part Two, ch. 12".')
    short_label = models.CharField(max_length=60, help_text='e.g. "ch. 12".')
    part_key = models.CharField(
        max_length=30,
        blank=True,
        validators=[key_validator],
        help_text='Optional group, e.g. "part-2": novel:part-2 then means its last point.',
    )

    class Meta:
        ordering = ["work", "position"]
        constraints = [
            models.UniqueConstraint(fields=["work", "position"], name="point_unique_position"),
            models.UniqueConstraint(fields=["work", "key"], name="point_unique_key"),
            models.CheckConstraint(
                condition=models.Q(position__gte=1), name="point_position_gte_1"
            ),
        ]

    def __str__(self):
        return f"{self.work.short_title}: {self.label}"


class LintTerm(models.Model):
    """A revealing word or phrase, and the point(s) of the works where it stops being a spoiler.

    Terms shipped with the canon (wiki/canon/glossary.yaml) carry ``canon_digest``, the digest of
    the values load_canon last wrote; a term whose values no longer match it was changed by an
    admin, and the loader leaves it alone.
    """

    class Match(models.TextChoices):
        WORD = "word", "Whole word"
        PHRASE = "phrase", "Phrase"

    term = models.CharField(
        max_length=100,
        help_text="A word or phrase; matched case-insensitively.",
    )
    forms = models.TextField(
        blank=True,
        help_text=(
            "Other forms that reveal the same thing, one per line or separated by commas: "
            '"completes, completed, completing" for "complete".'
        ),
    )
    match = models.CharField(
        max_length=10,
        choices=Match.choices,
        default=Match.WORD,
        help_text=(
            'Whole word: the term and its forms match only as words of their own ("organ" does '
            'not match "organise"). Phrase: they match wherever they occur, even inside a longer '
            "word, with any spaces, line breaks or hyphens between their words."
        ),
    )
    scope = models.CharField(
        max_length=200,
        help_text='Where the term is revealed, as a scope: "novel:22 film:completion".',
    )
    note = models.CharField(max_length=200, blank=True, help_text="Why it is revealing.")
    is_active = models.BooleanField(default=True)
    canon_digest = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="The canon glossary's values as last loaded; empty for terms an admin added.",
    )

    class Meta:
        ordering = ["term"]
        verbose_name = "spoiler lint term"
        constraints = [
            models.UniqueConstraint(Lower("term"), name="lintterm_unique_term"),
        ]

    def __str__(self):
        return f"{self.term} ({self.scope})"

    def clean(self):
        try:
            Catalogue.current().parse(self.scope)
        except ScopeError as exc:
            raise ValidationError({"scope": str(exc)}) from exc

    @property
    def form_list(self) -> list[str]:
        """The other forms, as a list: one per line or comma-separated, blanks dropped."""
        return split_forms(self.forms)

    def canon_values(self) -> dict:
        """What the canon glossary sets, as plain data (for ``canon_digest``)."""
        return {
            "term": self.term,
            "forms": self.form_list,
            "match": self.match,
            "scope": self.scope,
            "note": self.note,
            "is_active": self.is_active,
        }

    @property
    def is_changed_from_canon(self) -> bool:
        return bool(self.canon_digest) and self.canon_digest != values_digest(self.canon_values())


def split_forms(text: str) -> list[str]:
    return [f for f in (" ".join(part.split()) for part in re.split(r"[,\n]", text or "")) if f]


def values_digest(values: dict) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


class LintReport(models.Model):
    """Content published despite spoiler-lint warnings, kept for the moderation queue."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    terms = models.JSONField(default=list, help_text="[{term, scope, sentence}]")
    author = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="lintreport_open",
                condition=models.Q(is_resolved=False),
            )
        ]

    def __str__(self):
        return f"Possible untagged spoiler in {self.content_type.model} {self.object_id}"
