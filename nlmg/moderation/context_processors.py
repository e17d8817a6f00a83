from .models import Warning


def moderation_notices(request):
    """Unread warnings and an active suspension, shown to the member on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from .guards import suspension_message

    return {
        "moderation_warnings": list(
            Warning.objects.filter(user=user, is_acknowledged=False).order_by("created_at")[:3]
        ),
        "suspension_notice": suspension_message(user) if user.is_suspended else "",
    }
