from django.contrib import admin

from .models import Board, Post, PostEdit, Thread


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
    raw_id_fields = ("author", "hidden_by", "opening_post")
    filter_horizontal = ("articles",)
    readonly_fields = (
        "reply_count",
        "top_level_count",
        "created_at",
        "last_activity_at",
        "hidden_by_name",
        "hidden_at",
    )


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
    raw_id_fields = ("thread", "parent", "root", "author", "hidden_by")
    readonly_fields = (
        "path",
        "depth",
        "body_html",
        "like_count",
        "reply_count",
        "child_count",
        "created_at",
        "edited_at",
        "edit_count",
        "hidden_by_name",
        "hidden_at",
    )
    inlines = [PostEditInline]
