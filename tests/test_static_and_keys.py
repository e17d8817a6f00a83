"""Static files' cache lifetimes in production, and page caches that development and production
never share."""

from __future__ import annotations

import json
import subprocess
import sys

from django.test import Client

from nlmg.pagecache import page_generation
from tests.servers import ROOT, production_env

LIFETIMES = """
import django, json; django.setup()
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
client = Client()
hashed = staticfiles_storage.url("css/site.css")
answers = [client.get(hashed), client.get("/static/css/site.css")]
print(json.dumps([hashed] + [[r.status_code, r.get("Cache-Control", "")] for r in answers]))
"""


def test_only_hashed_static_files_are_cached_for_ever(collected_static):
    result = subprocess.run(
        [sys.executable, "-c", LIFETIMES], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env=production_env(STATIC_ROOT=str(collected_static)),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    hashed, (hashed_status, hashed_cache), (plain_status, plain_cache) = json.loads(
        result.stdout.strip().splitlines()[-1]
    )

    assert hashed != "/static/css/site.css" and hashed.startswith("/static/css/site.")
    assert hashed_status == 200
    assert "immutable" in hashed_cache and "max-age=315360000" in hashed_cache
    assert plain_status == 200
    assert plain_cache == "max-age=60, public"


def test_development_and_production_pages_have_different_keys(settings):
    settings.DEBUG = True
    development = page_generation()
    settings.DEBUG = False
    production = page_generation()

    assert development != production
    # the content generation they share: a write makes both stale
    assert development.split(".")[1] == production.split(".")[1]


def test_a_page_cached_in_development_is_not_served_in_production(settings, db):
    settings.NLMG_ANONYMOUS_CACHE_SECONDS = 60
    settings.DEBUG = True
    assert Client().get("/")["X-Page-Cache"] == "miss"
    assert Client().get("/")["X-Page-Cache"] == "hit"

    settings.DEBUG = False
    production = Client().get("/")

    assert production["X-Page-Cache"] == "miss"


def test_a_new_collectstatic_is_a_new_flavour(settings):
    from django.contrib.staticfiles.storage import staticfiles_storage

    before = page_generation()
    staticfiles_storage.manifest_hash = "another-collectstatic"
    try:
        assert page_generation() != before
    finally:
        del staticfiles_storage.manifest_hash
