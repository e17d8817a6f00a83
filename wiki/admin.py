from django.contrib import admin, messages

from nlmg.moderation.admin import moderator_admin_action
from nlmg.moderation.services import record

from . import services
from .models import Article, ArticleKind, ArticleRedirect, Revision


@admin.register(ArticleKind)
class ArticleKindAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "plural", "order")
    list_editable = ("order",)
    prepopulated_fields = {"key": ("name",)}


class RevisionInline(admin.TabularInline):
    model = Revision
    fk_name = "article"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("number", "author_name", "action", "summary", "is_minor", "created_at")
    readonly_fields = fields
    ordering = ("-number",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "title", "kind", "revision_count", "is_protected", "is_featured", "is_deleted",
        "updated_at",
    )  # fmt: skip
    list_filter = ("kind", "is_protected", "is_featured", "is_deleted")
    search_fields = ("title", "lead")
    list_select_related = ("kind",)
    readonly_fields = (
        "title", "slug", "kind", "scope", "lead", "current_revision", "revision_count",
        "created_at", "updated_at",
    )  # fmt: skip
    readonly_fields += ("is_protected", "is_featured", "is_deleted")
    fields = readonly_fields
    inlines = [RevisionInline]
    # Moderated state changes only through the actions (each logged, as on the site).
    actions = [
        moderator_admin_action(services.protect_article, "Protect selected articles"),
        moderator_admin_action(services.unprotect_article, "Unprotect selected articles"),
        moderator_admin_action(services.feature_article, "Feature selected articles"),
        moderator_admin_action(services.unfeature_article, "Stop featuring selected articles"),
    ]

    def has_add_permission(self, request):
        return False  # articles are created through the site, as revisions

    def has_delete_permission(self, request, obj=None):
        return False  # deletion is a state (moderators delete and restore on the site)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Revisions are immutable: readable, searchable, revertable, never edited."""

    list_display = (
        "article",
        "number",
        "author_name",
        "action",
        "summary",
        "is_minor",
        "created_at",
    )
    list_filter = ("action", "is_minor")
    search_fields = ("title", "author_name", "summary")
    list_select_related = ("article",)
    date_hierarchy = "created_at"
    readonly_fields = [
        f.name for f in Revision._meta.fields if f.name not in ("body_html", "lead_html")
    ]
    exclude = ("body_html", "lead_html")
    actions = ["revert_to"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Revert each article to the selected revision", permissions=["view"])
    def revert_to(self, request, queryset):
        count = 0
        for revision in queryset.select_related("article"):
            article = revision.article
            before = article.moderation_state()
            new = services.revert_article(
                article=article, to_revision=revision, author=request.user
            )
            article.refresh_from_db()
            record(
                actor=request.user,
                action="revert",
                target=article,
                reason=f"admin: reverted to revision {revision.number}",
                before=before,
                after=article.moderation_state(),
            )
            self.log_change(request, article, f"Reverted to revision {revision.number}")
            count += new is not None
        self.message_user(request, f"Reverted {count} article(s).", messages.SUCCESS)


@admin.register(ArticleRedirect)
class ArticleRedirectAdmin(admin.ModelAdmin):
    list_display = ("old_slug", "old_title", "article", "created_at")
    search_fields = ("old_slug", "old_title")
    raw_id_fields = ("article",)
