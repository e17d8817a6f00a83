"""Operations a newcomer meets first: the embedded server's start-up errors, make status and
make stop, make admin without a terminal, a port already in use, gunicorn's control socket."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from nlmg import embedded_db
from nlmg.embedded_db import EmbeddedDatabaseError, _explain, running_pid, start, status, stop

ROOT = Path(__file__).resolve().parent.parent


def start_error(pgdata: Path) -> str:
    with pytest.raises(EmbeddedDatabaseError) as failure:
        start(pgdata)
    return str(failure.value)


# --- start-up errors name the real cause --------------------------------------------------------


def test_a_data_folder_under_proc_is_not_called_a_full_disk():
    message = start_error(Path("/proc/nlmg-test/pgdata"))

    assert "virtual file system" in message
    assert "full" not in message
    assert "NLMG_PGDATA" in message


def test_a_data_folder_directly_in_proc_is_not_called_a_full_disk():
    message = start_error(Path("/proc/nlmg-test-pgdata"))

    assert message.startswith("/proc is on a virtual file system")


def test_a_data_folder_under_sys_is_a_virtual_file_system():
    assert "virtual file system" in start_error(Path("/sys/nlmg-test/pgdata"))


def test_a_path_through_a_file_names_the_file_and_no_log(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("a file where a folder should be")

    message = start_error(blocker / "var" / "pgdata")

    assert message.startswith(f"{blocker} is a file, not a folder")
    assert "/log" not in message  # a log under a file cannot exist, so none is offered


def test_a_data_folder_that_is_a_file_says_so(tmp_path):
    blocker = tmp_path / "pgdata"
    blocker.write_text("")

    assert start_error(blocker).startswith(f"{blocker} is a file, not a folder")


def test_a_read_only_file_system_says_so(tmp_path):
    error = OSError(errno.EROFS, "Read-only file system", str(tmp_path / "pgdata"))

    message = _explain(error, tmp_path / "pgdata")

    assert "read-only file system" in message
    assert "full" not in message


def test_no_space_left_is_a_full_disk(tmp_path):
    error = OSError(errno.ENOSPC, "No space left on device")

    assert "disk holding" in _explain(error, tmp_path / "pgdata")


def test_a_full_disk_reported_in_the_postgres_log_is_a_full_disk(tmp_path):
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "log").write_text(
        '2026-12-04 10:00:00 UTC [42] PANIC:  could not write to file "pg_wal/xlogtemp.42": '
        "No space left on device\n"
    )

    assert "is full" in _explain(RuntimeError("pg_ctl failed"), pgdata)


def test_a_permission_refused_names_the_folder(tmp_path):
    pgdata = tmp_path / "pgdata"
    error = PermissionError(errno.EACCES, "Permission denied", str(pgdata))

    message = _explain(error, pgdata)

    assert message.startswith(f"permission was refused on {pgdata}")
    assert "pgserver" in message


def test_another_server_holding_the_lock_says_how_to_stop_it(tmp_path):
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "log").write_text(
        'FATAL:  lock file "postmaster.pid" already exists\n'
        "HINT:  Is another postmaster (PID 4242) running in data directory?\n"
        'FATAL:  lock file "postmaster.pid" already exists\n'
    )

    message = _explain(RuntimeError("pg_ctl failed"), pgdata)

    assert "another PostgreSQL already holds" in message
    assert "make stop" in message


def test_an_unknown_failure_quotes_the_log_and_points_at_it(tmp_path):
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    (pgdata / "log").write_text('FATAL:  invalid value for parameter "shared_buffers": "x"\n')

    message = _explain(RuntimeError("pg_ctl failed"), pgdata)

    assert 'invalid value for parameter "shared_buffers"' in message
    assert f"see {pgdata / 'log'}" in message


def test_an_unknown_failure_without_a_log_offers_none(tmp_path):
    message = _explain(RuntimeError("pg_ctl exited with 1"), tmp_path / "pgdata")

    assert "pg_ctl exited with 1" in message
    assert "/log" not in message


# --- make status, make stop --------------------------------------------------------------------


def test_status_and_stop_of_an_embedded_server(tmp_path):
    pgdata = tmp_path / "pgdata"
    assert "is not running" in status(pgdata)

    start(pgdata)
    try:
        pid = running_pid(pgdata)
        assert pid is not None
        assert f"is running (pid {pid}), data in {pgdata}" in status(pgdata)
        assert "make stop" in status(pgdata)
    finally:
        stopped = stop(pgdata)

    assert stopped == f"database: stopped the embedded PostgreSQL (pid {pid}, data in {pgdata})."
    assert running_pid(pgdata) is None
    assert "is not running" in status(pgdata)
    assert "nothing to stop" in stop(pgdata)


def test_make_status_never_starts_the_server(tmp_path):
    env = {**os.environ, "NLMG_PGDATA": str(tmp_path / "pgdata")}
    env.pop("DATABASE_URL", None)

    result = subprocess.run(
        ["make", "--no-print-directory", "status"], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "is not running" in result.stdout
    assert not (tmp_path / "pgdata").exists()


def test_status_with_database_url_names_that_server(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://site@db.internal:6543/nlmg")

    assert "PostgreSQL at db.internal:6543/nlmg" in status(tmp_path)
    assert embedded_db.main(["x", "stop"]) == 0


# --- make admin --------------------------------------------------------------------------------


def make_admin(**env: str) -> subprocess.CompletedProcess:
    """`make admin` with no terminal, on this test run's database."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SUPERUSER_")}
    if not os.environ.get("DATABASE_URL"):
        full["NLMG_DB_NAME"] = settings.DATABASES["default"]["NAME"]
    full.update(env)
    return subprocess.run(
        ["make", "--no-print-directory", "admin"], cwd=ROOT, env=full, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="needs the embedded server")
def test_make_admin_without_a_terminal_or_variables_fails_loudly(db):
    result = make_admin()

    assert result.returncode != 0
    assert "DJANGO_SUPERUSER_USERNAME" in result.stderr
    assert "DJANGO_SUPERUSER_PASSWORD" in result.stderr
    assert "skipped" not in result.stdout + result.stderr


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="needs the embedded server")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_make_admin_without_a_terminal_creates_the_administrator_from_the_environment():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    result = make_admin(
        DJANGO_SUPERUSER_USERNAME="miss-emily",
        DJANGO_SUPERUSER_EMAIL="emily@example.org",
        DJANGO_SUPERUSER_PASSWORD="a-long-admin-passphrase-42",
    )

    assert result.returncode == 0, result.stderr
    assert "created the administrator 'miss-emily'" in result.stdout
    admin = get_user_model().objects.get(username="miss-emily")
    assert admin.is_superuser is True
    # Made with the default hasher of the real settings (the tests' own is MD5).
    assert PBKDF2PasswordHasher().verify("a-long-admin-passphrase-42", admin.password) is True


# --- ports, gunicorn ---------------------------------------------------------------------------


def test_a_port_in_use_says_how_to_pick_another():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "nlmg.ops", "check-port", "127.0.0.1", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"make run PORT={port + 1}" in result.stderr


def test_a_free_port_passes_the_check():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = subprocess.run(
        [sys.executable, "-m", "nlmg.ops", "check-port", "127.0.0.1", str(port)], cwd=ROOT,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0


def test_make_serve_starts_gunicorn_without_a_shared_control_socket():
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "serve"], cwd=ROOT, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    commands = dry_run.stdout.replace("\\\n", " ").splitlines()
    gunicorn_lines = [line for line in commands if "bin/gunicorn" in line]

    assert gunicorn_lines
    assert all("--no-control-socket" in line for line in gunicorn_lines)
