"""Boards, threads and posts (a tree), likes, follows and notifications.

Posts form a tree stored as a materialised path: each post's ``path`` is its parent's path
plus a fixed-width segment, so a thread (or the subtrees of one page of top-level posts) reads
in tree order with one indexed query, and counters live on the parent rows.
"""

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from taggit.managers import TaggableManager

from nlmg.spoilers.publishing import check_title

SEGMENT_WIDTH = 6  # base-36 digits per tree level: 2 billion children per post
RESERVED_BOARD_SLUGS = {"new", "t", "post", "notifications"}


def path_segment(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out.rjust(SEGMENT_WIDTH, "0")


class ModeratedMixin:
    """The moderation contract: hide/restore as states, never deletion."""

    def hide(self, *, by, reason: str = "") -> bool:
        if self.is_hidden:
            return False
        self.is_hidden = True
        self.hidden_by = by
        self.hidden_by_name = by.username if by else ""
        self.hidden_at = timezone.now()
        self.hide_reason = reason[:300]
        self.save(
            update_fields=["is_hidden", "hidden_by", "hidden_by_name", "hidden_at", "hide_reason"]
        )
        return True

    def restore(self, *, by) -> bool:
        if not self.is_hidden:
            return False
        self.is_hidden = False
        self.hidden_by = None
        self.hidden_by_name = ""
        self.hidden_at = None
        self.hide_reason = ""
        self.save(
            update_fields=["is_hidden", "hidden_by", "hidden_by_name", "hidden_at", "hide_reason"]
        )
        return True

    @property
    def moderation_owner(self):
        return self.author


class Board(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    thread_count = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("discussions:board", kwargs={"board": self.slug})


class ThreadQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(is_hidden=False)

    def for_listing(self):
        """Pinned first, then by last activity; with author, board and opening post."""
        return (
            self.visible()
            .select_related("board", "opening_post")
            .defer("opening_post__body")
            .order_by("-is_pinned", "-last_activity_at", "-pk")
        )

    def for_talk_section(self):
        return self.visible().order_by("-last_activity_at")[:10]


class Thread(ModeratedMixin, models.Model):
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, allow_unicode=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    scope = models.CharField(max_length=200, blank=True)
    opening_post = models.OneToOneField(
        "discussions.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    articles = models.ManyToManyField("wiki.Article", blank=True, related_name="talk_threads")
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_by_name = models.CharField(max_length=150, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hide_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)
    reply_count = models.PositiveIntegerField(default=0)
    top_level_count = models.PositiveIntegerField(default=0)
    tags = TaggableManager(blank=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["board", "-is_pinned", "-last_activity_at"],
                name="thread_listing",
                condition=Q(is_hidden=False),
            ),
            models.Index(fields=["-last_activity_at"], name="thread_activity"),
            models.Index(fields=["hidden_at"], name="thread_hidden", condition=Q(is_hidden=True)),
        ]
        permissions = [("moderate_discussions", "Can moderate discussions")]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.slug = slugify(self.title)[:80] or "thread"
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("discussions:thread", kwargs={"pk": self.pk, "slug": self.slug})

    def moderation_state(self) -> dict:
        return {
            "title": self.title,
            "board": self.board.slug,
            "is_hidden": self.is_hidden,
            "is_locked": self.is_locked,
            "is_pinned": self.is_pinned,
            "scope": self.scope,
        }

    def moderation_preview(self) -> str:
        return self.opening_post.body_html if self.opening_post else ""

    def set_locked(self, locked: bool) -> bool:
        """Lock or unlock; False when it already was."""
        return self._set("is_locked", locked)

    def set_pinned(self, pinned: bool) -> bool:
        return self._set("is_pinned", pinned)

    def _set(self, field: str, value) -> bool:
        if getattr(self, field) == value:
            return False
        setattr(self, field, value)
        self.save(update_fields=[field])
        return True

    def retitle(self, title: str) -> bool:
        """Change the title (checked like a new one: ContentError if it gives anything away)."""
        title = " ".join(title.split())[:200]
        if not title or title == self.title:
            return False
        check_title(title)
        self.title = title
        self.save(update_fields=["title", "slug"])
        return True

    def move_to(self, board: "Board") -> bool:
        if board.pk == self.board_id:
            return False
        old = self.board_id
        self.board = board
        self.save(update_fields=["board"])
        Board.objects.filter(pk=old).update(thread_count=models.F("thread_count") - 1)
        Board.objects.filter(pk=board.pk).update(thread_count=models.F("thread_count") + 1)
        return True


class PostQuerySet(models.QuerySet):
    def in_tree_order(self):
        return self.order_by("path")

    CARD_FIELDS = (
        "id", "thread_id", "parent_id", "root_id", "path", "depth", "is_opening", "author_id",
        "author_name", "body_html", "scope", "created_at", "edit_count", "is_deleted",
        "is_hidden", "like_count", "child_count",
    )  # fmt: skip

    def for_cards(self):
        """Only what a post card shows (no author join: the name is kept on the post)."""
        return self.only(*self.CARD_FIELDS)

    def card_rows(self) -> list["PostRow"]:
        """The posts as light rows (no model instances): a page may show hundreds."""
        return [PostRow(**row) for row in self.values(*self.CARD_FIELDS)]

    def for_thread_page(self, thread, root_ids, max_depth):
        """Every post under the given top-level posts, to ``max_depth``, in tree order."""
        return (
            self.filter(thread=thread, root_id__in=root_ids, depth__lte=max_depth)
            .for_cards()
            .order_by("path")
        )


class PostRow:
    """A post as a thread page shows it: the card fields, without a model instance."""

    __slots__ = PostQuerySet.CARD_FIELDS

    def __init__(self, **fields):
        for name, value in fields.items():
            setattr(self, name, value)

    @property
    def pk(self):
        return self.id

    @property
    def is_removed(self) -> bool:
        return self.is_deleted or self.is_hidden

    def get_absolute_url(self):
        return reverse("discussions:post", kwargs={"pk": self.id})


class Post(ModeratedMixin, models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    path = models.CharField(max_length=255)
    depth = models.PositiveSmallIntegerField(default=0)
    is_opening = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="posts",
    )
    author_name = models.CharField(max_length=150)
    body = models.TextField()
    body_html = models.TextField()
    scope = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    is_deleted = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden_by_name = models.CharField(max_length=150, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hide_reason = models.CharField(max_length=300, blank=True)
    like_count = models.PositiveIntegerField(default=0)
    reply_count = models.PositiveIntegerField(default=0)
    child_count = models.PositiveIntegerField(default=0)

    objects = PostQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "path"], name="post_unique_path"),
        ]
        indexes = [
            models.Index(fields=["thread", "root", "path"], name="post_page_tree"),
            models.Index(
                fields=["thread", "created_at"],
                name="post_top_level",
                condition=Q(depth=0),
            ),
            models.Index(
                OpClass("path", name="varchar_pattern_ops"), "thread", name="post_subtree"
            ),
            models.Index(fields=["hidden_at"], name="post_hidden", condition=Q(is_hidden=True)),
            models.Index(Upper("author_name"), name="post_author_name"),
        ]

    def __str__(self):
        return f"Post {self.pk} in {self.thread_id}"

    def get_absolute_url(self):
        return reverse("discussions:post", kwargs={"pk": self.pk})

    @property
    def is_removed(self) -> bool:
        return self.is_deleted or self.is_hidden

    def moderation_state(self) -> dict:
        return {"is_hidden": self.is_hidden, "is_deleted": self.is_deleted, "scope": self.scope}

    def moderation_preview(self) -> str:
        return self.body_html

    def set_scope(self, scope: str) -> bool:
        """Set the whole post's spoiler scope (canonical form); False when unchanged."""
        if scope == self.scope:
            return False
        self.scope = scope
        self.save(update_fields=["scope"])
        if self.is_opening:
            Thread.objects.filter(pk=self.thread_id).update(scope=scope)
        return True


class PostEdit(models.Model):
    """An earlier version of a post, kept when its author edits it."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="edits")
    body = models.TextField()
    body_html = models.TextField(blank=True)
    scope = models.CharField(max_length=200, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_by_name = models.CharField(max_length=150)
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-edited_at"]

    def __str__(self):
        return f"Edit of post {self.post_id}"


class Like(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="like_once")]

    def __str__(self):
        return f"{self.user_id} likes {self.post_id}"


class Follow(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["thread", "user"], name="follow_once")]

    def __str__(self):
        return f"{self.user_id} follows {self.thread_id}"


class NotificationQuerySet(models.QuerySet):
    def inbox_page(self, user, page: int, per_page: int = 30) -> tuple[list[tuple], bool]:
        """One page of a member's inbox, newest first, as named rows (pk, kind, actor_name,
        created_at, is_read, post_id, thread_title), and whether an older page exists. One
        query: no COUNT, the page reads one row more."""
        start = (page - 1) * per_page
        rows = list(
            self.filter(recipient=user)
            .annotate(thread_title=models.F("thread__title"))
            .order_by("-created_at", "-pk")
            .values_list(
                "pk", "kind", "actor_name", "created_at", "is_read", "post_id", "thread_title",
                named=True,
            )[start : start + per_page + 1]
        )  # fmt: skip
        return rows[:per_page], len(rows) > per_page

    def unread(self):
        return self.filter(is_read=False)


class Notification(models.Model):
    class Kind(models.TextChoices):
        REPLY_TO_POST = "reply_post", "replied to your post"
        REPLY_IN_THREAD = "reply_thread", "replied in a thread you follow"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor_name = models.CharField(max_length=150)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    is_read = models.BooleanField(default=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_inbox",
            ),
            models.Index(
                fields=["recipient"], name="notification_unread", condition=Q(is_read=False)
            ),
        ]

    def __str__(self):
        return f"{self.actor_name} {self.get_kind_display()}"
