from django.contrib import admin

from .models import LintTerm, Point, Work


class PointInline(admin.TabularInline):
    model = Point
    extra = 0
    fields = ("position", "key", "label", "short_label", "part_key")


@admin.register(Work)
class WorkAdmin(admin.ModelAdmin):
    list_display = ("title", "key", "short_title", "order", "point_count")
    inlines = [PointInline]

    @admin.display(description="points")
    def point_count(self, work):
        return work.points.count()


@admin.register(LintTerm)
class LintTermAdmin(admin.ModelAdmin):
    list_display = ("term", "scope", "note", "is_active")
    list_filter = ("is_active",)
    search_fields = ("term", "note")
