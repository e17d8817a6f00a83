"""Fixtures for the spoiler engine's tests."""

import pytest

from nlmg.spoilers.markup.lint import forget_terms
from nlmg.spoilers.scope import Catalogue


@pytest.fixture(autouse=True)
def fresh_caches():
    """The catalogue and lint terms are cached across requests; a test that edits works must
    not leave its catalogue behind for the next one (its rows are rolled back, the cache is not)."""
    Catalogue.invalidate()
    forget_terms()
    yield
    Catalogue.invalidate()
    forget_terms()
