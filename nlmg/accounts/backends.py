"""Django's ModelBackend, with each member's permission set kept in the shared cache.

Every page asks "may this member moderate?" for the header; without the cache that is two
queries per page. A change to groups or permissions bumps a version that is part of the key.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache

VERSION_KEY = "perms:version"
SECONDS = 300


def permissions_version() -> int:
    return cache.get(VERSION_KEY, 0)


def forget_permissions(**kwargs) -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if hasattr(user_obj, "_perm_cache"):
            return user_obj._perm_cache
        key = f"perms:{permissions_version()}:{user_obj.pk}"
        perms = cache.get(key)
        if perms is None:
            perms = super().get_all_permissions(user_obj, obj)
            cache.set(key, perms, SECONDS)
        user_obj._perm_cache = perms
        return perms
