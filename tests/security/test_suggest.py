"""/search/suggest/ answers titles as they are written, markup and all, in JSON: safe only
because the answer is JSON (never read as a page) and because whatever shows suggestions
inserts each title as text. Both are pinned here."""

import json
import re
from pathlib import Path

import pytest

from tests.factories import make_article

ROOT = Path(__file__).resolve().parents[2]
HOSTILE_TITLE = 'Hailsham <img src=x onerror="alert(1)"> & <script>alert(2)</script>'
# Ways of turning a string into markup in the browser.
AS_MARKUP = re.compile(
    r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|createContextualFragment"
    r"|DOMParser|\.html\(|srcdoc"
)


@pytest.mark.django_db
def test_suggestions_are_json_with_nosniff_and_titles_raw(client):
    make_article(title=HOSTILE_TITLE)

    response = client.get("/search/suggest/", {"q": "hail"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "text/html" not in response["Content-Type"]
    titles = [r["title"] for r in json.loads(response.content)["results"]]
    assert titles == [HOSTILE_TITLE]  # raw: whoever shows it must insert it as text


def test_no_script_of_the_site_inserts_suggestions_as_markup():
    """A type-ahead reading /search/suggest/ must set textContent (or an option's value and
    label), never innerHTML and the like: the titles are raw."""
    scripts = sorted((ROOT / "static" / "js").rglob("*.js"))
    assert scripts, "no scripts found"
    offenders = [
        str(path.relative_to(ROOT))
        for path in scripts
        if "suggest" in (text := path.read_text()) and AS_MARKUP.search(text)
    ]
    assert offenders == []
    templates = [
        path
        for path in (ROOT / "templates").rglob("*.html")
        if "search/suggest" in path.read_text() or "search-suggest" in path.read_text()
    ]
    for path in templates:  # any inline use would be refused by the CSP anyway
        assert "<script>" not in path.read_text(), path
