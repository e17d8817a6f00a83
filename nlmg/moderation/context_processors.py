from django.core.cache import cache

from .guards import suspension_message
from .models import Warning

WARNINGS_SECONDS = 30  # bounds staleness when each process has its own cache


def warnings_key(user_id) -> str:
    return f"warnings:{user_id}"


def forget_warnings(user_id) -> None:
    cache.delete(warnings_key(user_id))


def moderation_notices(request):
    """Unread warnings and an active suspension, shown to the member on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    warnings = cache.get(warnings_key(user.pk))
    if warnings is None:
        warnings = list(
            Warning.objects.filter(user=user, is_acknowledged=False).order_by("created_at")[:3]
        )
        cache.set(warnings_key(user.pk), warnings, WARNINGS_SECONDS)
    return {
        "moderation_warnings": warnings,
        "suspension_notice": suspension_message(user) if user.is_suspended else "",
    }
