"""Shared fixtures: members of each role, logged-in clients."""

import pytest
from django.conf import settings

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
# Whole-page caching is tested on its own (tests/test_page_cache.py);
# elsewhere it would hide the template context that tests inspect.
settings.NLMG_ANONYMOUS_CACHE_SECONDS = 0
settings.NLMG_FRAGMENT_CACHE_SECONDS = 0
settings.NLMG_READER_CACHE_SECONDS = 0

from tests.factories import make_user  # noqa: E402

PASSWORD = "a-long-test-passphrase-42"


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
