"""The shared cache of more than one app server, on a real Redis (a redis-server of this test
session): the cache itself, sessions, whole pages and gated fragments, and the abuse guards
(log-in throttling, new members' write limits) running with it."""

from __future__ import annotations

import pytest
import redis
from django.core.cache.backends.redis import RedisCache
from django.test import Client

from nlmg.cache import generation, new_generation
from tests.factories import make_article, make_board_thread, make_user
from tests.servers import shown_text

pytestmark = pytest.mark.django_db

SPOILER_ARTICLE = (
    "Hailsham is a school in the English countryside.\n\n"
    "::: spoiler novel:7\n"
    "Miss Lucy tells the students what they are for.\n"
    ":::\n"
)
SECRET = "Miss Lucy tells the students"


def redis_keys(url: str, pattern: str = "*") -> list[str]:
    client = redis.Redis.from_url(url)
    try:
        return [key.decode() for key in client.keys(pattern)]
    finally:
        client.close()


def other_process_cache(url: str) -> RedisCache:
    """A second client of the same Redis, as another app server has."""
    return RedisCache(url, {"KEY_PREFIX": "nlmg"})


def test_two_clients_see_each_others_writes_deletes_and_expiry(redis_cache):
    from django.core.cache import cache

    other = other_process_cache(redis_cache)
    cache.set("session:abc", {"reading_progress": {"novel": 4}}, 60)
    assert other.get("session:abc") == {"reading_progress": {"novel": 4}}
    other.set("session:abc", {"reading_progress": {"novel": 2}}, 60)
    assert cache.get("session:abc") == {"reading_progress": {"novel": 2}}
    other.delete("session:abc")
    assert cache.get("session:abc") is None
    cache.set("gone", 1, -1)
    assert other.get("gone") is None


def test_generations_are_shared_and_a_lost_one_starts_anew(redis_cache):
    from django.core.cache import cache

    first = generation("pages:generation")
    assert other_process_cache(redis_cache).get("pages:generation") == first
    assert new_generation("pages:generation") != first
    cache.delete("pages:generation")
    assert generation("pages:generation") != first


def test_a_session_is_kept_in_redis_and_read_back(redis_cache, member, password):
    client = Client()
    response = client.post("/accounts/login/", {"username": "kathy", "password": password})

    assert response.status_code == 302
    session_key = client.cookies["sessionid"].value
    assert any(session_key in key for key in redis_keys(redis_cache))
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=session_key).delete()  # the cache alone answers now
    assert client.get("/notifications/").status_code == 200


def test_a_public_page_is_cached_in_redis_and_a_write_makes_it_stale(redis_cache, settings):
    settings.NLMG_ANONYMOUS_CACHE_SECONDS = 60
    make_article(title="Hailsham", body="Hailsham has a pond.\n")

    assert Client().get("/wiki/hailsham/")["X-Page-Cache"] == "miss"
    assert Client().get("/wiki/hailsham/")["X-Page-Cache"] == "hit"
    assert any(":page:" in key for key in redis_keys(redis_cache))
    make_article(title="Cottages", body="The Cottages are in the country.\n")

    assert Client().get("/wiki/hailsham/")["X-Page-Cache"] == "miss"


def test_lowering_progress_never_shows_a_cached_spoiler(redis_cache, settings):
    settings.NLMG_READER_CACHE_SECONDS = 300
    settings.NLMG_FRAGMENT_CACHE_SECONDS = 300
    make_article(title="Hailsham", body=SPOILER_ARTICLE)
    reader = Client()
    reader.post("/progress/", {"novel": "12", "film": "0", "drama": "0", "next": "/"})
    reader.get("/wiki/hailsham/")  # shows the "progress saved" message: not kept
    assert SECRET in shown_text(reader.get("/wiki/hailsham/").content.decode())
    assert reader.get("/wiki/hailsham/")["X-Page-Cache"] == "hit"

    reader.post("/progress/", {"novel": "3", "film": "0", "drama": "0", "next": "/"})
    page = reader.get("/wiki/hailsham/").content.decode()

    assert SECRET not in shown_text(page)
    assert "Hailsham is a school" in shown_text(page)


def test_log_in_throttling_holds_with_redis_sessions(redis_cache, member, password, settings):
    client = Client()
    for _ in range(settings.NLMG_LOGIN_FAILURES_PER_ACCOUNT):
        assert (
            client.post("/accounts/login/", {"username": "kathy", "password": "wrong"}).status_code
            == 200
        )

    refused = Client().post("/accounts/login/", {"username": "kathy", "password": password})

    assert refused.status_code == 429
    assert "Too many failed log-ins for this account" in refused.content.decode()


def test_a_new_members_write_limit_holds_with_redis_sessions(redis_cache, settings):
    settings.NLMG_TRUSTED_AFTER_HOURS = 24
    settings.NLMG_NEW_MEMBER_WRITES_PER_MINUTE = 3
    newcomer = make_user(username="newcomer")
    thread = make_board_thread(author=make_user(username="ruth"), title="Norfolk")
    client = Client()
    client.force_login(newcomer)
    url = f"/discussions/t/{thread.pk}/reply/"

    answers = [client.post(url, {"body": f"Thought {n}."}).status_code for n in range(4)]

    assert answers == [302, 302, 302, 429]
