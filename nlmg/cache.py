"""The default cache when no REDIS_URL is set: files under var/cache, shared by every process
on the machine.

Local memory would give each gunicorn worker a cache of its own: a session, a member or a
page generation changed in one worker would stay stale in the others (for a session, as long
as the session lives). Files are shared by all workers, and a read is an open and a small
unpickle (tens of microseconds). Django's FileBasedCache lists the whole directory on every
write to decide whether to cull; this one counts only now and then.
"""

from __future__ import annotations

import os
import random

from django.core.cache import cache
from django.core.cache.backends.filebased import FileBasedCache


class SharedFileCache(FileBasedCache):
    #: Check the number of entries on about one write in CULL_EVERY.
    CULL_EVERY = 200

    def _cull(self):
        if random.randrange(self.CULL_EVERY):
            return
        with os.scandir(self._dir) as entries:
            count = sum(1 for entry in entries if entry.name.endswith(self.cache_suffix))
        if count >= self._max_entries:
            super()._cull()


def generation(key: str) -> str:
    """The current value of a generation counter kept in the shared cache: a part of other
    keys, so that changing it makes everything cached under the old value unreachable.

    A missing counter (never set, or culled) starts a new generation rather than falling back
    to a default that entries cached long ago may still carry."""

    value = cache.get(key)
    if value is None:
        value = new_generation(key)
    return value


def new_generation(key: str) -> str:
    """Start a new generation. A random token, not an increment: increments are not atomic on
    every backend, and two writers must never end on the same value."""

    value = os.urandom(6).hex()
    cache.set(key, value, None)
    return value
