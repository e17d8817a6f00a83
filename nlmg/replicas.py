"""Reads from read replicas when DATABASE_REPLICA_URLS is set (nlmg/settings.py).

Only the reads of a reading request (GET, HEAD) go to a replica, and only from a reader who has
not written in the last NLMG_REPLICA_PIN_SECONDS: ``ReplicaMiddleware`` marks such requests, and
after any other request it sets a short-lived cookie that keeps that reader's next requests on
the primary, so members always read their own writes. Everything else reads from the primary:
writes, reads inside a transaction, reads after a write in the same request, sessions, the task
queue, the worker, management commands."""

from __future__ import annotations

import random
from contextvars import ContextVar

from django.conf import settings
from django.db import connections

PIN_COOKIE = "nlmg_primary"
READING_METHODS = ("GET", "HEAD", "OPTIONS")
PRIMARY_ONLY_APPS = {"sessions", "django_tasks_database"}
_replicas_allowed: ContextVar[bool] = ContextVar("nlmg_replicas_allowed", default=False)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def _in_transaction(connection) -> bool:
    """In a transaction of the site's own: one opened by a test case to roll the test back
    does not count, as for Django's own check of ``atomic(durable=True)``."""
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _replicas_allowed.get() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return "default"
        if _in_transaction(connections["default"]):
            return "default"
        aliases = replica_aliases()
        return random.choice(aliases) if aliases else "default"  # noqa: S311 (not for security)

    def db_for_write(self, model, **hints):
        _replicas_allowed.set(False)  # the rest of this request reads what it wrote
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reading = request.method in READING_METHODS
        token = _replicas_allowed.set(reading and PIN_COOKIE not in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _replicas_allowed.reset(token)
        if not reading:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=getattr(settings, "NLMG_REPLICA_PIN_SECONDS", 10),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
