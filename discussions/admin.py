from django.contrib import admin

from nlmg.moderation.admin import moderator_admin_action
from nlmg.moderation.services import hide_content, restore_content

from . import services
from .models import Board, Post, PostEdit, Thread

MODERATED_THREAD_FIELDS = ("title", "board", "scope", "is_pinned", "is_locked", "is_hidden",
                           "hidden_by", "hidden_by_name", "hidden_at", "hide_reason")  # fmt: skip
MODERATED_POST_FIELDS = ("scope", "is_hidden", "hidden_by", "hidden_by_name", "hidden_at",
                         "hide_reason", "is_deleted")  # fmt: skip


@admin.register(Board)
class BoardAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "order", "thread_count", "last_activity_at")
    list_editable = ("order",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("thread_count", "last_activity_at")


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "board",
        "author_name",
        "reply_count",
        "is_pinned",
        "is_locked",
        "is_hidden",
        "last_activity_at",
    )
    list_filter = ("board", "is_pinned", "is_locked", "is_hidden")
    search_fields = ("title", "author_name")
    list_select_related = ("board",)
    raw_id_fields = ("author", "opening_post")
    filter_horizontal = ("articles",)
    # Moderated state changes only through the actions (each logged, as on the site).
    readonly_fields = (
        *MODERATED_THREAD_FIELDS,
        "reply_count",
        "top_level_count",
        "created_at",
        "last_activity_at",
    )
    actions = [
        moderator_admin_action(services.lock_thread, "Lock selected threads"),
        moderator_admin_action(services.unlock_thread, "Unlock selected threads"),
        moderator_admin_action(services.pin_thread, "Pin selected threads"),
        moderator_admin_action(services.unpin_thread, "Unpin selected threads"),
        moderator_admin_action(hide_content, "Hide selected threads"),
        moderator_admin_action(restore_content, "Restore selected threads"),
    ]


class PostEditInline(admin.TabularInline):
    model = PostEdit
    extra = 0
    can_delete = False
    readonly_fields = ("body", "scope", "edited_by_name", "edited_at")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "thread",
        "author_name",
        "created_at",
        "like_count",
        "is_deleted",
        "is_hidden",
    )
    list_filter = ("is_hidden", "is_deleted")
    search_fields = ("body", "author_name")
    list_select_related = ("thread",)
    raw_id_fields = ("thread", "parent", "root", "author")
    readonly_fields = (
        *MODERATED_POST_FIELDS,
        "path",
        "depth",
        "body_html",
        "like_count",
        "reply_count",
        "child_count",
        "created_at",
        "edited_at",
        "edit_count",
    )
    inlines = [PostEditInline]
    actions = [
        moderator_admin_action(hide_content, "Hide selected posts"),
        moderator_admin_action(restore_content, "Restore selected posts"),
    ]
