from django.core.cache import cache

from .models import Notification

UNREAD_SECONDS = 30  # bounds staleness when each process has its own cache


def unread_key(user_id) -> str:
    return f"unread:{user_id}"


def forget_unread(user_ids) -> None:
    cache.delete_many([unread_key(uid) for uid in user_ids])


def unread_notifications(request):
    """The unread count for the header (members only; cached briefly, dropped on change)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = cache.get(unread_key(user.pk))
    if count is None:
        count = Notification.objects.filter(recipient=user).unread().count()
        cache.set(unread_key(user.pk), count, UNREAD_SECONDS)
    return {"unread_notifications": count}
