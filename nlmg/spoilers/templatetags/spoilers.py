from django import template
from django.utils.safestring import mark_safe

from ..markup import gate, plain_text
from ..progress import reader_progress

register = template.Library()


@register.filter
def gated(stored_html, request):
    """Stored HTML as the asking reader may see it: {{ revision.html|gated:request }}."""
    return mark_safe(gate(stored_html or "", reader_progress(request)))  # noqa: S308


@register.simple_tag(takes_context=True)
def visible_text(context, stored_html, limit=None):
    """The plain text this reader may see (for snippets and meta descriptions)."""
    return plain_text(stored_html or "", reader_progress(context["request"]), limit=limit)
