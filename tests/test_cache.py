"""The default cache without REDIS_URL: files shared by every process, and generation tokens."""

import importlib

import pytest

from nlmg.cache import SharedFileCache, generation, new_generation


def _cache(directory, **options):
    return SharedFileCache(str(directory), {"OPTIONS": options})


def test_the_default_cache_is_the_shared_file_cache_under_var(monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    import nlmg.settings

    settings_module = importlib.reload(nlmg.settings)
    default = settings_module.CACHES["default"]
    assert default["BACKEND"] == "nlmg.cache.SharedFileCache"
    name = settings_module.DATABASES["default"]["NAME"]
    assert default["LOCATION"].endswith(f"var/cache/{name}")


def test_two_processes_see_each_others_writes_and_deletes(tmp_path):
    worker_a, worker_b = _cache(tmp_path), _cache(tmp_path)
    worker_a.set("session:abc", {"reading_progress": {"novel": 4}}, 60)
    assert worker_b.get("session:abc") == {"reading_progress": {"novel": 4}}
    worker_b.set("session:abc", {"reading_progress": {"novel": 2}}, 60)
    assert worker_a.get("session:abc") == {"reading_progress": {"novel": 2}}
    worker_a.delete("session:abc")
    assert worker_b.get("session:abc") is None


def test_expired_entries_are_gone(tmp_path):
    cache = _cache(tmp_path)
    cache.set("page", "<html>", -1)
    assert cache.get("page") is None


def test_the_cache_is_culled_when_full(tmp_path, monkeypatch):
    monkeypatch.setattr(SharedFileCache, "CULL_EVERY", 1)
    cache = _cache(tmp_path, MAX_ENTRIES=20, CULL_FREQUENCY=2)
    for number in range(100):
        cache.set(f"key{number}", number, 60)
    assert len(list(tmp_path.glob("*.djcache"))) <= 21


def test_the_directory_is_not_listed_on_every_write(tmp_path, monkeypatch):
    listings = []
    original = SharedFileCache._list_cache_files
    monkeypatch.setattr(
        SharedFileCache, "_list_cache_files", lambda self: listings.append(1) or original(self)
    )
    cache = _cache(tmp_path, MAX_ENTRIES=10)
    for number in range(50):
        cache.set(f"key{number}", number, 60)
    assert len(listings) < 10


@pytest.mark.usefixtures("fresh_cache")
def test_generations_are_fresh_tokens_and_a_lost_one_starts_anew():
    from django.core.cache import cache

    first = generation("test:generation")
    assert generation("test:generation") == first
    seen = {first}
    for _ in range(100):
        seen.add(new_generation("test:generation"))
    assert len(seen) == 101
    cache.delete("test:generation")
    assert generation("test:generation") not in seen
