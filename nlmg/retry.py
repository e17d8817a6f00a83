"""Running a transaction again when PostgreSQL aborted it to break a deadlock or a serialization
conflict: the other transaction went through, and this one, started afresh, will too."""

from __future__ import annotations

import functools
import logging
import random
import time

from django.db import OperationalError, connections

logger = logging.getLogger(__name__)

# SQLSTATEs of the "transaction rollback" class that mean "try the whole transaction again".
RETRYABLE_SQLSTATES = {"40P01": "deadlock detected", "40001": "serialization failure"}


def is_retryable(exc: BaseException) -> bool:
    """True for an error PostgreSQL raised to abort this transaction in favour of another."""
    cause = exc.__cause__ if isinstance(exc, OperationalError) else exc
    return getattr(cause, "sqlstate", None) in RETRYABLE_SQLSTATES


def retry_on_conflict(func=None, *, attempts: int = 3, using: str = "default"):
    """Decorate a service whose body is one transaction: when PostgreSQL aborts it with a
    deadlock or a serialization failure, call it again (up to ``attempts`` times in all, after
    a short random pause). Called inside an outer transaction it runs once, since only the
    outermost transaction can be started again; the error then reaches the caller's retry."""

    def decorate(service):
        @functools.wraps(service)
        def wrapper(*args, **kwargs):
            if connections[using].in_atomic_block:
                return service(*args, **kwargs)
            for attempt in range(1, attempts + 1):
                try:
                    return service(*args, **kwargs)
                except OperationalError as exc:
                    if attempt == attempts or not is_retryable(exc):
                        raise
                    logger.warning(
                        "%s: %s, attempt %d of %d; trying again",
                        service.__qualname__,
                        RETRYABLE_SQLSTATES[exc.__cause__.sqlstate],
                        attempt,
                        attempts,
                    )
                    time.sleep(random.uniform(0.005, 0.05) * attempt)  # noqa: S311

        return wrapper

    return decorate(func) if func is not None else decorate
