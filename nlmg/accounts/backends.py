"""Django's ModelBackend, with each member's row and permission set kept in the shared cache.

Every page needs the member (for the header and their reading progress) and asks "may this
member moderate?"; without the cache that is three queries per page before the page does
anything. Reading pages (GET, HEAD) take the member from the cache; writes always read the row
from the database, so a suspension or a password change is never judged on a stale copy.
Saving or deleting a member drops their entry; a change to groups or permissions starts a new
permissions generation, which is part of every permission key.
"""

from contextvars import ContextVar

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

from nlmg.cache import generation, new_generation

VERSION_KEY = "perms:version"
SECONDS = 300
USER_SECONDS = 300

#: True while a reading request (GET/HEAD) loads its member: see nlmg.accounts.middleware.
reading_request: ContextVar[bool] = ContextVar("nlmg_reading_request", default=False)


def permissions_version() -> str:
    return generation(VERSION_KEY)


def forget_permissions(**kwargs) -> None:
    new_generation(VERSION_KEY)


def user_key(user_id) -> str:
    return f"member:{user_id}"


def permissions_key(user_id) -> str:
    return f"perms:{permissions_version()}:{user_id}"


def forget_member(sender, instance, **kwargs) -> None:
    """A member was saved or deleted: drop their cached row and permission set."""
    cache.delete_many([user_key(instance.pk), permissions_key(instance.pk)])


class CachedPermissionsBackend(ModelBackend):
    def get_user(self, user_id):
        if not reading_request.get():
            return super().get_user(user_id)
        key = user_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_SECONDS)
        return user

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        key = permissions_key(user_obj.pk)
        perms = cache.get(key)
        if perms is None:
            perms = super().get_all_permissions(user_obj, obj)
            cache.set(key, perms, SECONDS)
        user_obj._perm_cache = perms
        return perms
