from .models import Notification


def unread_notifications(request):
    """The unread count for the header (one indexed count, members only)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.filter(recipient=user).unread().count()}
