"""Work that leaves the request: the task queue (django-tasks, stored in PostgreSQL by
django-tasks-db) and what it adds for this site.

A task enqueued inside a transaction is a row written in that transaction: it exists if and
only if the write that asked for it commits. django-tasks runs each task once; ``retried_task``
adds retries: a failing attempt is recorded as failed (with its traceback, in the admin's task
results) and a next attempt is enqueued to run later, with a growing delay, up to
``NLMG_TASK_ATTEMPTS`` attempts. Tasks are written to be run again safely.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.db.models import Min
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)

ATTEMPT = "attempt"


def retry_delay(attempt: int) -> timedelta:
    """How long to wait before the attempt after ``attempt``: doubling from
    NLMG_TASK_RETRY_SECONDS, at most an hour."""
    base = getattr(settings, "NLMG_TASK_RETRY_SECONDS", 10)
    return timedelta(seconds=min(base * 2 ** (attempt - 1), 3600))


def retried_task(function: Callable | None = None, **task_options):
    """``@task`` whose failures are retried. The function gets its arguments as given; the
    attempt number travels as an extra keyword argument of the queued task."""

    def decorate(function: Callable):
        @wraps(function)
        def run(*args, **kwargs):
            attempt = kwargs.pop(ATTEMPT, 1)
            try:
                return function(*args, **kwargs)
            except Exception:
                _retry_later(queued, args, kwargs, attempt)
                raise

        queued = task(**task_options)(run)
        return queued

    return decorate(function) if function is not None else decorate


def _retry_later(queued, args: tuple, kwargs: dict, attempt: int) -> None:
    attempts = getattr(settings, "NLMG_TASK_ATTEMPTS", 8)
    name = queued.module_path
    if attempt >= attempts:
        logger.error(
            "task %s failed %d times; giving up (see its results in the admin)", name, attempt
        )
        return
    backend = queued.get_backend()
    if not backend.supports_defer:  # the immediate backend (tests): the caller sees the failure
        logger.warning("task %s failed and its backend cannot retry later", name)
        return
    delay = retry_delay(attempt)
    queued.using(run_after=timezone.now() + delay).enqueue(
        *args, **kwargs, **{ATTEMPT: attempt + 1}
    )
    logger.warning("task %s failed (attempt %d); retrying in %s", name, attempt, delay)


def requeue_stalled(older_than: timedelta | None = None) -> int:
    """Put back in the queue the tasks a worker claimed and never finished (a worker killed
    mid-task leaves its task marked running). Returns how many."""

    if older_than is None:
        older_than = timedelta(seconds=getattr(settings, "NLMG_TASK_STALLED_SECONDS", 600))
    count = (
        DBTaskResult.objects.running()
        .filter(started_at__lt=timezone.now() - older_than)
        .update(status=TaskResultStatus.READY)
    )
    if count:
        logger.warning("put %d stalled task(s) back in the queue", count)
    return count


def backlog() -> dict:
    """The queue at a glance, for /healthz and make status: tasks ready to run, the age in
    seconds of the oldest, tasks running, and failures in the last hour."""

    now = timezone.now()
    ready = DBTaskResult.objects.ready()
    oldest = ready.aggregate(oldest=Min("enqueued_at"))["oldest"]
    return {
        "ready": ready.count(),
        "oldest_ready_seconds": round((now - oldest).total_seconds()) if oldest else 0,
        "running": DBTaskResult.objects.running().count(),
        "failed_last_hour": DBTaskResult.objects.failed()
        .filter(finished_at__gte=now - timedelta(hours=1))
        .count(),
    }
