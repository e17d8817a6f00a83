"""Articles, their kinds, and the redirects left behind by renames."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.text import slugify
from taggit.managers import TaggableManager

RESERVED_SLUGS = {"new", "recent", "kind", "tag", "feeds", "search", "random", "special"}


def article_slug(title: str) -> str:
    """Django's slugify of the title; reserved words get "-article" appended."""
    slug = slugify(title)[:200] or "article"
    return f"{slug}-article" if slug in RESERVED_SLUGS else slug


class ArticleKind(models.Model):
    """A kind of article (character, place, ...), with its infobox fields; admins add more."""

    key = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    plural = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)
    description = models.CharField(max_length=300, blank=True)
    infobox_fields = models.JSONField(
        default=list,
        blank=True,
        help_text='A list of {"key": "full_name", "label": "Full name"} objects, in order.',
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("wiki:kind", kwargs={"kind": self.key})

    @property
    def field_labels(self) -> dict[str, str]:
        return {f["key"]: f["label"] for f in self.infobox_fields}


class ArticleQuerySet(models.QuerySet):
    def live(self):
        """Articles that exist (not deleted)."""
        return self.filter(is_deleted=False)

    def for_page(self):
        """What an article page needs in one query."""
        return self.select_related("kind", "current_revision")

    def lookup_titles(self, titles) -> dict[str, "Article"]:
        """{title as written: article} for titles matching exactly or case-insensitively, or
        through a redirect left by a rename; one query for the articles, one for redirects."""
        titles = list(titles)
        if not titles:
            return {}
        lowered = {t.lower(): t for t in titles}
        found: dict[str, Article] = {}
        for article in (
            self.live().annotate(lower_title=Lower("title")).filter(lower_title__in=list(lowered))
        ):
            found[lowered[article.lower_title]] = article
        missing = [t.lower() for t in titles if t not in found]
        if missing:
            for redirect in (
                ArticleRedirect.objects.select_related("article")
                .annotate(lower_title=Lower("old_title"))
                .filter(lower_title__in=missing, article__is_deleted=False)
            ):
                found.setdefault(lowered[redirect.lower_title], redirect.article)
        return found


class Article(models.Model):
    title = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=210, unique=True)
    kind = models.ForeignKey(ArticleKind, on_delete=models.PROTECT, related_name="articles")
    scope = models.CharField(
        max_length=200,
        blank=True,
        help_text="For subjects whose existence is a reveal: readers before this scope see the "
        "article only as one beyond their progress.",
    )
    scope_tokens = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    lead = models.TextField(help_text="Spoiler-free, one or two sentences.")
    # A plain foreign key, not a one-to-one: PostgreSQL takes its strongest row lock for an
    # UPDATE that changes a column with a unique index, and that lock would make every other
    # save writing a link to this article (a key-share lock here) wait, and deadlock.
    current_revision = models.ForeignKey(
        "wiki.Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revision_count = models.PositiveIntegerField(default=0)
    section_anchors = models.JSONField(default=list, blank=True)
    is_protected = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    is_featured = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    tags = TaggableManager(blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [
            models.Index(Lower("title"), name="article_lower_title"),
            models.Index(fields=["kind", "title"], name="article_kind_title"),
            models.Index(
                fields=["title"], name="article_featured", condition=models.Q(is_featured=True)
            ),
        ]
        permissions = [
            ("edit_protected_article", "Can edit protected articles"),
            ("protect_article", "Can protect and unprotect articles"),
            ("delete_article_page", "Can delete and restore articles"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("wiki:article", kwargs={"slug": self.slug})

    def moderation_title(self) -> str:
        return f"Article “{self.title}”"

    def moderation_preview(self) -> str:
        return self.current_revision.body_html if self.current_revision else ""

    @property
    def moderation_owner(self):
        return None

    def moderation_state(self) -> dict:
        return {
            "is_protected": self.is_protected,
            "is_deleted": self.is_deleted,
            "is_featured": self.is_featured,
            "current_revision": self.revision_count,
        }


class ArticleRedirect(models.Model):
    """The old title and slug of a renamed article keep working."""

    old_slug = models.SlugField(max_length=210, unique=True)
    old_title = models.CharField(max_length=200)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(Lower("old_title"), name="redirect_lower_title")]

    def __str__(self):
        return f"{self.old_slug} → {self.article}"
