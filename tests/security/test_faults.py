"""Faults: the database going away in the middle of a request gives the friendly 503 page,
and the site recovers by itself when it is back; a failing notification or email never
fails the post that caused it."""

from __future__ import annotations

import contextlib
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone

from discussions.models import Notification, Post
from tests.factories import make_article, make_board_thread, make_thread_reply, make_user
from tests.security.conftest import logged_in

ROOT = Path(__file__).resolve().parents[2]
FRIENDLY = "The site cannot reach its database just now"


def terminate_backend(pid: int) -> None:
    """Kill the server process behind one connection, from another connection."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as killer:
        killer.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.fixture
def kill_mid_request(monkeypatch):
    """``kill_mid_request(module, name)``: the first call of ``module.name`` during a request
    first terminates the request's database connection (after the request's first queries,
    so Django's health check at the start of the request cannot notice)."""

    def arm(module, name):
        original = getattr(module, name)
        fired = []

        def sabotaged(*args, **kwargs):
            if not fired:
                fired.append(True)
                terminate_backend(connection.connection.info.backend_pid)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, sabotaged)
        return fired

    return arm


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("who", ["anonymous", "member"])
def test_the_database_going_away_mid_request_gives_the_friendly_503_and_the_site_recovers(
    kill_mid_request, who
):
    from wiki import views as wiki_views

    member = make_user(username="kathy")
    make_article(title="Hailsham", body="Hailsham has a pond.\n")
    client = logged_in(member if who == "member" else None)
    assert client.get("/wiki/hailsham/").status_code == 200
    fired = kill_mid_request(wiki_views, "gate")

    response = client.get("/wiki/hailsham/")

    assert fired, "the sabotage did not run"
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Back in a moment" in page and FRIENDLY in page
    assert response["Content-Security-Policy"]  # still behind the security headers
    # The next request reconnects by itself.
    again = client.get("/wiki/hailsham/")
    assert again.status_code == 200
    assert "Hailsham has a pond." in again.content.decode()
    health = client.get("/healthz").json()
    assert (health["status"], health["database"]) == ("ok", "ok")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_going_away_during_a_post_loses_nothing_half_written(kill_mid_request):
    """A reply whose connection dies while it is being saved: a 503, and either the whole
    reply or none of it (one transaction) when the database is back."""
    from discussions import services

    author = make_user(username="kathy")
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")
    client = logged_in(author)
    client.get("/")
    kill_mid_request(services, "_notify")

    response = client.post(f"/discussions/t/{thread.pk}/reply/", {"body": "Lost in the post."})

    assert response.status_code == 503
    assert FRIENDLY in response.content.decode()
    thread.refresh_from_db()
    replies = Post.objects.filter(thread=thread, is_opening=False)
    assert replies.count() == thread.reply_count == 0
    again = client.post(f"/discussions/t/{thread.pk}/reply/", {"body": "Posted again."})
    assert again.status_code == 302
    thread.refresh_from_db()
    assert thread.reply_count == 1


@contextlib.contextmanager
def database_away():
    """The database stops answering (every new connection is refused) until the block ends."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="9")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def production_caching(settings):
    """The page, reader and member caches on, as in production: what touches the database
    before a view runs (the session, the member) then runs outside the view."""
    settings.NLMG_ANONYMOUS_CACHE_SECONDS = 60
    settings.NLMG_READER_CACHE_SECONDS = 300
    settings.NLMG_FRAGMENT_CACHE_SECONDS = 300


def assert_unavailable_page(response, label=""):
    assert response.status_code == 503, (label, response.status_code)
    assert response["Retry-After"] == "30"
    assert response["Content-Security-Policy"]
    page = response.content.decode()
    assert "Back in a moment" in page and FRIENDLY in page, label
    assert "has been lost" not in page  # it claims nothing it cannot know
    return page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    "who", ["no cookie", "reader with a session", "member", "member, session not cached"]
)
def test_every_page_while_the_database_is_away_is_the_friendly_503(production_caching, who):
    """The page cache reads the session and the member before any view runs; a database that
    cannot be reached there gave a 500 (a visitor with a session cookie), not the 503."""
    from django.core.cache import cache

    make_article(title="Hailsham", body="Hailsham has a pond.\n")
    client = Client(raise_request_exception=False)
    if who.startswith("member"):
        client.force_login(make_user(username="kathy"))
    elif who == "reader with a session":
        client.post("/progress/", {"everything": "1"}, HTTP_SEC_FETCH_SITE="same-origin")
        assert settings.SESSION_COOKIE_NAME in client.cookies
        client.get("/")  # shows (and so drops) the "progress saved" message
    urls = ["/", "/wiki/hailsham/", "/wiki/hailsham/history/", "/discussions/", "/search/?q=pond"]
    if who.startswith("member"):
        urls += ["/wiki/hailsham/edit/", "/notifications/"]
    cache.clear()  # nothing to serve from the cache: every page needs the database
    if who == "member":
        assert client.get("/").status_code == 200  # the session and member are cached now
    with database_away():
        for url in urls:
            response = client.get(url)
            if response.status_code == 200 and response.get("X-Page-Cache") == "hit":
                continue  # a page kept from before the outage is still good to read
            assert_unavailable_page(response, url)
    assert client.get("/wiki/hailsham/").status_code == 200  # back by itself


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_session_that_cannot_be_saved_while_the_database_is_away_is_the_friendly_503(
    production_caching,
):
    """The session is saved after the view, by a middleware: a database that cannot be
    reached there is the 503 page too, not the 400 of a session "interrupted"."""
    client = Client(raise_request_exception=False)
    client.post("/progress/", {"everything": "1"}, HTTP_SEC_FETCH_SITE="same-origin")
    client.get("/")  # the session is in the cache now; saving it needs the database
    with database_away():
        response = client.post("/progress/", {"nothing": "1"}, HTTP_SEC_FETCH_SITE="same-origin")
    assert_unavailable_page(response)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("session_cached", [True, False])
def test_a_members_edit_while_the_database_is_away_hands_back_what_was_typed(
    production_caching, session_cached
):
    """The 503 page after a POST holds every text sent, in read-only boxes to copy, and says
    it may not have been saved; never the CSRF page, never "nothing was lost"."""
    from django.core.cache import cache

    make_article(title="Hailsham", body="Hailsham has a pond.\n")
    client = Client(raise_request_exception=False, enforce_csrf_checks=True)
    client.force_login(make_user(username="kathy"))
    form = client.get("/wiki/hailsham/edit/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    base = re.search(r'name="base_revision" value="(\d+)"', form).group(1)
    if not session_cached:
        cache.clear()
    body = "Hailsham has a pond.\n\nA long paragraph <b>typed</b> & kept, 'quoted'.\n"
    with database_away():
        response = client.post(
            "/wiki/hailsham/edit/",
            {"csrfmiddlewaretoken": token, "title": "Hailsham", "kind": "place",
             "lead": "Hailsham is a school.", "body": body, "summary": "Fix the pond",
             "base_revision": base, "save": "1"},
        )  # fmt: skip
    page = assert_unavailable_page(response)
    assert "may not have been saved" in page
    boxes = dict(
        re.findall(r'<textarea[^>]* name="([^"]+)" readonly[^>]*>(.*?)</textarea>', page, re.S)
    )
    assert (
        html.unescape(boxes["body"]) == body.replace("\n", "\r\n")
        or html.unescape(boxes["body"]) == body
    )
    assert html.unescape(boxes["summary"]) == "Fix the pond"
    assert html.unescape(boxes["lead"]) == "Hailsham is a school."
    assert token not in page and "base_revision" not in boxes
    assert "<b>typed</b>" not in page  # escaped, not markup


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_edit_still_deadlocked_after_the_retries_hands_back_what_was_typed(monkeypatch):
    """A save that PostgreSQL keeps aborting (deadlocked three times) is a 503 saying it may
    not have been saved, with the text to copy; the article is unchanged."""
    from wiki import services
    from wiki.models import Article

    article = make_article(title="Hailsham", body="Hailsham has a pond.\n")
    attempts = []

    def deadlocked(*args, **kwargs):
        attempts.append(1)
        with connection.cursor() as cursor:
            cursor.execute("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40P01'; END $$")

    monkeypatch.setattr(services, "render_content", deadlocked)
    client = logged_in(make_user(username="kathy"), raise_request_exception=False)
    response = client.post(
        "/wiki/hailsham/edit/",
        {"title": "Hailsham", "kind": "place", "lead": "Hailsham is a school.",
         "body": "My careful paragraph.", "base_revision": article.current_revision_id,
         "save": "1"},
    )  # fmt: skip

    assert len(attempts) == 3
    assert response.status_code == 503
    page = response.content.decode()
    assert "too busy" in page and "may not have been saved" in page
    assert "My careful paragraph." in page
    assert Article.objects.get(pk=article.pk).revision_count == 1


@pytest.fixture(scope="module", autouse=True)
def _restore_migrated_rows(django_db_setup, django_db_blocker):
    """The transactional tests here flush every table; put back the migrations' rows."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)
            connection.close()


def test_a_stopped_database_gives_the_friendly_503_in_a_fresh_process(tmp_path):
    """A server pointed at a database that does not answer: every page is the 503 page, for a
    visitor with a session cookie too (the session is read before any view runs)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="nlmg.settings",
        DATABASE_URL="postgres://nobody@127.0.0.1:9/nowhere",
        NLMG_CACHE_DIR=str(tmp_path / "cache"),  # not var/cache/nowhere
    )
    code = (
        "import django; django.setup();"
        "from django.test.utils import setup_test_environment; setup_test_environment();"
        "from django.test import Client; c = Client(raise_request_exception=False);"
        "s = Client(raise_request_exception=False); s.cookies['sessionid'] = 'x' * 32;"
        "import json; out = [];"
        "[out.append([u, r.status_code, r.get('Retry-After'), "
        "'cannot reach its database' in r.content.decode()]) "
        "for u in ('/', '/wiki/hailsham/', '/discussions/', '/search/?q=x') "
        "for client in (c, s) for r in [client.get(u)]];"
        "print(json.dumps(out))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    for url, status, retry_after, friendly in json.loads(result.stdout.strip().splitlines()[-1]):
        assert (status, retry_after, friendly) == (503, "30", True), url


# --- failing notifications and emails ----------------------------------------------------------


@pytest.fixture
def conversation(db, settings):
    settings.NLMG_EMAIL_NOTIFICATIONS = True
    starter = make_user(username="starter", email="starter@example.org")
    thread = make_board_thread(author=starter, title="The Sales")
    post = make_thread_reply(thread, author=starter, body="What did you buy?\n")
    return starter, thread, post


def test_a_failing_email_never_fails_the_reply_and_is_sent_when_the_server_is_back(
    conversation, member, settings, task_queue
):
    """The reply queues its notifications; the email they queue meets a mail server that is
    down, fails, and is tried again later, when it goes out."""
    from django_tasks_db.models import DBTaskResult

    _, thread, post = conversation
    settings.EMAIL_BACKEND = "nlmg.mail.QueuedEmailBackend"
    settings.NLMG_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.NLMG_TASK_RETRY_SECONDS = 3600

    response = logged_in(member).post(
        f"/discussions/t/{thread.pk}/reply/?parent={post.pk}",
        {"body": "A tape.", "parent": post.pk},
    )
    task_queue()

    assert response.status_code == 302
    reply = Post.objects.get(body="A tape.")
    assert Notification.objects.filter(post=reply).count() == 1  # in-site notification kept
    emails = DBTaskResult.objects.filter(task_path="nlmg.mail.send_email")
    assert sorted(emails.values_list("status", flat=True)) == ["FAILED", "READY"]
    assert mail.outbox == []

    settings.NLMG_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    emails.filter(status="READY").update(run_after=timezone.now())
    task_queue()

    assert [m.to for m in mail.outbox] == [["starter@example.org"]]
    assert "A tape" not in mail.outbox[0].body  # a link, never the text (spoilers)


def test_a_broken_mail_backend_never_fails_the_reply(
    conversation, member, settings, django_capture_on_commit_callbacks
):
    _, thread, _ = conversation
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(member).post(
            f"/discussions/t/{thread.pk}/reply/", {"body": "Sent anyway."}
        )

    assert response.status_code == 302
    assert Post.objects.filter(body="Sent anyway.").exists()


def test_emails_are_sent_when_the_server_works(
    conversation, member, django_capture_on_commit_callbacks
):
    """The two tests above are not vacuous: with a working backend the email goes out."""
    _, thread, _ = conversation
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(member).post(f"/discussions/t/{thread.pk}/reply/", {"body": "Hello."})
    assert [m.to for m in mail.outbox] == [["starter@example.org"]]


def test_failing_notifications_never_fail_a_reply_to_a_post(conversation, member, monkeypatch):
    _, thread, post = conversation

    def broken(*args, **kwargs):
        raise RuntimeError("the notification table is on fire")

    monkeypatch.setattr(Notification.objects, "bulk_create", broken)

    response = logged_in(member).post(
        f"/discussions/t/{thread.pk}/reply/", {"body": "Still here.", "parent": post.pk}
    )

    assert response.status_code == 302
    reply = Post.objects.get(body="Still here.")
    assert reply.parent_id == post.pk
    post.refresh_from_db()
    assert post.child_count == 1
    assert not Notification.objects.filter(post=reply).exists()


def test_a_failing_password_reset_email_is_not_a_500(client, member, settings):
    """Django logs the failure and shows the usual "sent" page (which reveals nothing)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    response = client.post("/accounts/password/reset/", {"email": member.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"


def test_an_edit_that_hits_an_error_hands_back_what_was_typed(db, monkeypatch):
    """Not only the database: any error after a POST answers a 500 page holding the texts."""
    from wiki import services

    article = make_article(title="Hailsham", body="Hailsham has a pond.\n")

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "save_revision", broken)
    client = logged_in(make_user(username="kathy"), raise_request_exception=False)
    response = client.post(
        "/wiki/hailsham/edit/",
        {"title": "Hailsham", "kind": "place", "lead": "Hailsham is a school.",
         "body": "My careful paragraph.", "base_revision": article.current_revision_id,
         "save": "1"},
    )  # fmt: skip

    assert response.status_code == 500
    page = response.content.decode()
    assert "may not have been saved" in page and "My careful paragraph." in page
