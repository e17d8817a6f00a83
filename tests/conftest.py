"""Shared fixtures: members of each role, logged-in clients."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test.signals import setting_changed

# Tests render templates without running collectstatic first; the manifest storage used in
# production is exercised by tests/test_settings.py in a subprocess.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# One process per test run: local memory, so concurrent runs never share entries. The shared
# file cache of production is tested in tests/test_cache.py.
settings.CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}
}
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A stand-in read replica for tests/test_replicas.py: a second connection to the test database
# (TEST MIRROR). No query goes there unless a test installs the replica router.
settings.DATABASES.setdefault(
    "replica1", {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}
)
# Tasks run at once, in the request that queues them, where a test is about something else;
# the queue itself (PostgreSQL, a worker, retries) is tested with the `task_queue` fixture.
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
settings.TASKS = IMMEDIATE_TASKS
setting_changed.send(sender=None, setting="TASKS", value=IMMEDIATE_TASKS, enter=True)
# Whole-page caching is tested on its own (tests/test_page_cache.py);
# elsewhere it would hide the template context that tests inspect.
settings.NLMG_ANONYMOUS_CACHE_SECONDS = 0
settings.NLMG_FRAGMENT_CACHE_SECONDS = 0
settings.NLMG_READER_CACHE_SECONDS = 0

from tests.factories import make_user  # noqa: E402

PASSWORD = "a-long-test-passphrase-42"


@pytest.fixture(scope="session", autouse=True)
def _remove_the_test_runs_cache_folder():
    """Processes started by tests on this run's database (production settings, no REDIS_URL)
    keep their file cache in var/cache/<test database>: removed when the run ends."""
    yield
    name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name:
        shutil.rmtree(Path(settings.BASE_DIR) / "var" / "cache" / name, ignore_errors=True)
    # tests/test_settings.py's processes on other databases keep theirs here
    shutil.rmtree(
        Path(tempfile.gettempdir()) / f"nlmg-test-cache-{os.getpid()}", ignore_errors=True
    )


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache (pages, the works catalogue, lint terms)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def member(db):
    return make_user(username="kathy", display_name="Kathy H.", password=PASSWORD)


@pytest.fixture
def other_member(db):
    return make_user(username="ruth", display_name="Ruth C.", password=PASSWORD)


@pytest.fixture
def admin_user(db):
    return make_user(username="emily", is_staff=True, is_superuser=True, password=PASSWORD)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def moderator(db, password):
    """A member of the Moderators group (not staff): moderation's permissions but the ban."""
    from django.contrib.auth.models import Group

    user = make_user(username="lucy", display_name="Miss Lucy", password=password)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def moderator_client(moderator):
    from django.test import Client

    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def suspended_member(db, password):
    """A member suspended for three more days (may read, not write)."""
    from datetime import timedelta

    from django.utils import timezone

    return make_user(
        username="tommy",
        password=password,
        suspended_until=timezone.now() + timedelta(days=3),
        suspension_reason="Shouting in the pavilion.",
    )


@pytest.fixture
def set_progress():
    """Set a client's reading progress the way a reader does: POST /progress/.

    ``set_progress(client, novel=12)``, ``set_progress(client, film="hailsham")``,
    ``set_progress(client, everything=True)`` or ``set_progress(client, nothing=True)``.
    """

    def set_it(client, *, everything=False, nothing=False, **points):
        data = {"next": "/"}
        if everything:
            data["everything"] = "1"
        elif nothing:
            data["nothing"] = "1"
        else:
            data.update({"novel": "0", "film": "0", "drama": "0"})
            data.update({work: str(point) for work, point in points.items()})
        response = client.post("/progress/", data)
        assert response.status_code == 302, response.content.decode()[:500]
        return response

    return set_it


@pytest.fixture(scope="module")
def shared_canon(django_db_setup, django_db_blocker):
    """The canon loaded once for a module of tests, in a transaction rolled back after it.

    Each test still runs in its own savepoint (the ``db`` fixture), so a test that writes
    leaves the canon as loaded for the next one, the way Django's setUpTestData works.
    """
    from django.db import transaction

    from wiki.canon import load_canon

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield load_canon()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def task_queue(settings):
    """The production queue: tasks are rows in the test database, run by ``run_tasks()``."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.NLMG_TASK_RETRY_SECONDS = 0
    return run_tasks


def run_tasks() -> int:
    """Run the queue's worker loop (django-tasks-db's db_worker) in this process until no
    task is ready; returns how many tasks it ran. Between tasks the real worker drops database
    connections past their age; here the test's transaction holds the connection, so that
    housekeeping (only) is left out."""
    from unittest import mock

    from django_tasks_db.management.commands import db_worker

    worker = db_worker.Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="pytest", excluded_queue_names=[],
    )  # fmt: skip
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()
    return worker._run_tasks


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """collectstatic of the production settings (hashed names, a manifest), once a session."""
    from tests.servers import collect_static

    return collect_static(tmp_path_factory.mktemp("staticfiles"))


# --- a real Redis -------------------------------------------------------------------------------

# CI (.ci/run) sets this: there a Redis test that cannot run fails instead of being skipped.
REDIS_REQUIRED = os.environ.get("NLMG_REQUIRE_REDIS_TESTS", "") not in ("", "0")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """A redis-server of this test session on a free loopback port (nothing saved to disk),
    stopped at the end. Without Debian's redis-server the tests that need it are skipped
    (apt-get install redis-server), except in CI, where they fail."""
    from tests.servers import free_port

    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        message = "redis-server not found: apt-get install redis-server to run the Redis tests"
        if REDIS_REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("redis")
    port = free_port()
    process = subprocess.Popen(
        [
            binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
            "--appendonly", "no", "--dir", str(folder), "--protected-mode", "yes",
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 30
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)
    client.close()
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def redis_cache(settings, redis_url):
    """The production cache for more than one app server: this session's Redis, emptied
    before and after the test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "nlmg",
        }
    }
    from django.core.cache import cache

    cache.clear()
    yield redis_url
    cache.clear()
