"""Security headers on every kind of answer, and cookies as production sets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import make_article, make_board_thread
from tests.security.conftest import logged_in

ROOT = Path(__file__).resolve().parents[2]


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    header = response.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = [w.lower() for w in words[1:]]
    return directives


def assert_security_headers(response, label=""):
    csp = policy(response)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts, label
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:", "blob:"):
        assert unsafe not in scripts, (label, unsafe, scripts)
    assert csp["default-src"] == ["'self'"], label
    assert csp["frame-ancestors"] == ["'none'"], label
    assert csp["object-src"] == ["'none'"], label
    assert csp["base-uri"] in (["'self'"], ["'none'"]), label
    assert csp["form-action"] == ["'self'"], label
    assert response["X-Content-Type-Options"] == "nosniff", label
    assert response["Referrer-Policy"] in (
        "same-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    )
    assert response["X-Frame-Options"] == "DENY", label
    assert "camera=()" in response["Permissions-Policy"], label
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", label


@pytest.mark.django_db
def test_every_kind_of_answer_carries_the_security_headers(member, moderator, client):
    make_article(title="Hailsham", author=member)
    thread = make_board_thread(author=member)
    member_client = logged_in(member)
    answers = {
        "home": client.get("/"),
        "article": client.get("/wiki/hailsham/"),
        "editor": member_client.get("/wiki/hailsham/edit/"),
        "thread": member_client.get(thread.get_absolute_url()),
        "search": client.get("/search/?q=hailsham"),
        "suggest (JSON)": client.get("/search/suggest/?q=hai"),
        "feed": client.get("/wiki/feeds/recent/"),
        "log-in": client.get("/accounts/login/"),
        "moderation queue": logged_in(moderator).get("/moderation/"),
        "preview": member_client.post("/markdownx/markdownify/", {"content": "*hi*"}),
        "redirect": client.get("/wiki/hailsham/edit/"),
        "404": client.get("/no-such-page/"),
        "403": member_client.get("/moderation/"),
        "400": client.get("/search/?q=%00"),
        "400 (unknown host)": client.get("/", HTTP_HOST="evil.example"),
        "405": member_client.get("/discussions/post/1/like/"),
        "health": client.get("/healthz"),
        "admin": logged_in(None).get("/admin/login/"),
    }
    for label, response in answers.items():
        assert response.status_code != 500, label
        assert_security_headers(response, label)


@pytest.mark.django_db
def test_the_editor_needs_no_inline_script_or_style(member):
    """The markdownx editor works under the policy: its scripts and styles are files of our
    own origin, and the page has no inline script, handler or style attribute for it."""
    from tests.security.html_checks import PageChecker

    make_article(title="Hailsham", author=member)
    page = logged_in(member).get("/wiki/hailsham/edit/").content.decode()
    checker = PageChecker()
    checker.feed(page)
    assert checker.problems == []
    assert checker.counts["script"] >= 1  # the editor's own script, from /static/
    assert 'src="/static/markdownx/js/markdownx' in page
    assert 'data-markdownx-urls-path="/markdownx/markdownify/"' in page
    assert 'data-markdownx-upload-urls-path="/markdownx/upload/"' in page


# --- production settings, in a fresh process ----------------------------------------------------

# Static files without the manifest (a fresh clone has not run collectstatic); the rest is
# production as configured.
STATIC_WITHOUT_MANIFEST = (
    "from django.conf import settings as s;"
    "s.STORAGES = {**s.STORAGES, 'staticfiles': "
    "{'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}};"
)
PRODUCTION_REQUESTS = (
    """
import json
import django
django.setup()
"""
    + STATIC_WITHOUT_MANIFEST
    + """
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client

def cookie(response, name):
    morsel = response.cookies[name]
    return {"secure": bool(morsel["secure"]), "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"]}

client = Client()
plain = client.get("/accounts/login/")
login_page = client.get("/accounts/login/", secure=True)
progress = client.post("/progress/", {"everything": "1", "next": "/"}, secure=True,
                       HTTP_SEC_FETCH_SITE="same-origin")
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "login": login_page.status_code,
    "hsts": login_page.get("Strict-Transport-Security", ""),
    "csp": login_page.get("Content-Security-Policy", ""),
    "csrf_cookie": cookie(login_page, "csrftoken"),
    "progress": progress.status_code,
    "session_cookie": cookie(progress, "sessionid"),
}))
"""
)


def production_env() -> dict[str, str]:
    """DEBUG off and a real secret, on this test run's own database."""
    database = settings.DATABASES["default"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="nlmg.settings",
        DJANGO_DEBUG="0",
        SECRET_KEY="p" * 20 + "-a-long-random-production-secret-for-the-test-0123456789",
        ALLOWED_HOSTS="nlmg.example.org",
    )
    if os.environ.get("DATABASE_URL"):
        from urllib.parse import quote

        env["DATABASE_URL"] = (
            f"postgres://{quote(database['USER'])}:{quote(database['PASSWORD'] or '')}@"
            f"{quote(database['HOST'], safe='')}:{database['PORT'] or 5432}/{database['NAME']}"
        )
    else:
        env["NLMG_DB_NAME"] = database["NAME"]
    return env


def test_production_cookies_are_secure_and_http_only(django_db_setup):
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_REQUESTS],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    assert answers["plain"] == [301, "https://testserver/accounts/login/"]
    assert answers["login"] == 200
    assert answers["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "script-src 'self'" in answers["csp"]
    assert answers["csrf_cookie"]["secure"] is True
    assert answers["csrf_cookie"]["samesite"] == "Lax"
    assert answers["progress"] == 302
    assert answers["session_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_debug_is_off_and_no_settings_leak_in_production_errors(django_db_setup):
    code = (
        "import django; django.setup();"
        + STATIC_WITHOUT_MANIFEST
        + "from django.test.utils import setup_test_environment; setup_test_environment();"
        "from django.test import Client; c = Client();"
        "r = c.get('/no-such-page/?x={{settings.SECRET_KEY}}', secure=True);"
        "page = r.content.decode(); print(r.status_code);"
        "print('-a-long-random-production-secret' in page or 'Traceback' in page)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["404", "False"]


def test_a_client_without_cookies_gets_no_session_cookie(client, db):
    """Reading does not start a session: nothing to steal, and pages can be cached."""
    response = Client().get("/")
    assert "sessionid" not in response.cookies
