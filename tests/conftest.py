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
