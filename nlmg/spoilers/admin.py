from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path

from .markup import extract_segments, render
from .markup.lint import active_terms, lint_segments
from .models import LintReport, LintTerm, Point, Work
from .scope import Catalogue


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


class GlossaryTestForm(forms.Form):
    text = forms.CharField(
        label="Sentence or passage",
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        max_length=5000,
        help_text="Markdown with spoiler markup, as an editor would write it: "
        "text inside a spoiler that covers a term is not warned about.",
    )


@admin.register(LintTerm)
class LintTermAdmin(admin.ModelAdmin):
    list_display = ("term", "forms_list", "scope", "scope_label", "match", "note", "is_active")
    list_display_links = ("term",)
    list_filter = ("is_active", "match")
    search_fields = ("term", "forms", "note")
    fields = ("term", "forms", "match", "scope", "note", "is_active", "from_canon")
    readonly_fields = ("from_canon",)
    change_list_template = "admin/spoilers/lintterm/change_list.html"

    @admin.display(description="other forms")
    def forms_list(self, term):
        return ", ".join(term.form_list)

    @admin.display(description="revealed at")
    def scope_label(self, term):
        catalogue = Catalogue.current()
        try:
            return catalogue.parse(term.scope).label(catalogue)
        except ValueError:
            return "(malformed scope)"

    @admin.display(description="from the canon")
    def from_canon(self, term):
        if not term.canon_digest:
            return "No: added by an admin."
        if term.is_changed_from_canon:
            return "Yes, changed by an admin since: load_canon leaves it alone."
        return "Yes, as wiki/canon/glossary.yaml has it: load_canon keeps it up to date."

    def get_urls(self):
        return [
            path(
                "test/",
                self.admin_site.admin_view(self.test_view),
                name="spoilers_lintterm_test",
            ),
            *super().get_urls(),
        ]

    def test_view(self, request):
        """Which active terms a sentence uses outside covering spoilers, and the suggestion."""
        form = GlossaryTestForm(request.GET or None)
        warnings = None
        if form.is_valid():
            catalogue = Catalogue.current()
            result = render(form.cleaned_data["text"], catalogue=catalogue)
            warnings = lint_segments(extract_segments(result.html), catalogue)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Test a sentence against the glossary",
            "form": form,
            "warnings": warnings,
            "term_count": len(active_terms()),
        }
        return TemplateResponse(request, "admin/spoilers/lintterm/test.html", context)


@admin.register(LintReport)
class LintReportAdmin(admin.ModelAdmin):
    """Content published over spoiler-lint warnings ("possible untagged spoiler"); moderators
    act on it from the moderation queue."""

    list_display = ("created_at", "content_type", "object_id", "author", "term_list", "is_resolved")
    list_filter = ("is_resolved", "content_type")
    raw_id_fields = ("author",)
    readonly_fields = ("content_type", "object_id", "author", "terms", "created_at")

    @admin.display(description="terms")
    def term_list(self, report):
        return ", ".join(t["term"] for t in report.terms)
