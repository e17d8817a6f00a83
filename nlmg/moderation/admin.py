from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied

from .models import Flag, LoginAttempt, ModerationEvent, Suspension, Warning
from .services import ModerationError


def moderator_admin_action(action, description: str):
    """An admin action running a named moderator action on each selected object, so that a
    change made in the admin is checked and logged exactly as one made on the site."""

    def run(modeladmin, request, queryset):
        changed = 0
        for target in queryset:
            try:
                if action(target=target, moderator=request.user, reason="from the admin"):
                    modeladmin.log_change(request, target, description)
                    changed += 1
            except (PermissionDenied, ModerationError) as exc:
                modeladmin.message_user(request, f"{target}: {exc}", messages.ERROR)
        modeladmin.message_user(request, f"{description}: {changed} changed.", messages.SUCCESS)

    run.__name__ = action.__name__
    return admin.action(description=description, permissions=["change"])(run)


@admin.register(ModerationEvent)
class ModerationEventAdmin(admin.ModelAdmin):
    """The audit log: visible, filterable, never editable or deletable."""

    list_display = ("created_at", "actor_name", "action", "content_type", "object_repr", "reason")
    list_filter = ("action", "content_type")
    search_fields = ("actor_name", "object_repr", "reason")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("created_at", "reason", "content_type", "object_id", "reporter_name", "status")
    list_filter = ("status", "reason", "content_type")
    search_fields = ("reporter_name", "note")
    raw_id_fields = ("reporter", "resolved_by")


@admin.register(Suspension)
class SuspensionAdmin(admin.ModelAdmin):
    list_display = ("user", "by_name", "starts_at", "ends_at", "lifted_at", "reason")
    raw_id_fields = ("user", "by")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Warning)
class WarningAdmin(admin.ModelAdmin):
    list_display = ("user", "by_name", "created_at", "is_acknowledged")
    raw_id_fields = ("user",)


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    list_display = ("username", "address", "created_at")
    search_fields = ("username", "address")
