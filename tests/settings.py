"""The test suite's settings: the site's own, plus a kind of content only the tests know
(tests/contentapp), which proves that content joins moderation by registering, with no change
to nlmg/. The test-only tweaks (caches, hashers) are in tests/conftest.py."""

from nlmg.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.contentapp"]  # noqa: F405
