"""Two app servers behind one address: two gunicorn instances (production settings) on two
loopback ports, sharing this test run's PostgreSQL database and one Redis, with a task worker
beside them. Each test writes through one and reads through the other."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from django.db import connection

from tests.factories import make_article, make_board_thread, make_user
from tests.servers import ROOT, Browser, Gunicorn, production_env, shown_text

PASSWORD = "a-long-test-passphrase-42"
SPOILER_ARTICLE = (
    "Hailsham is a school in the English countryside.\n\n"
    "::: spoiler novel:7\n"
    "Miss Lucy tells the students what they are for.\n"
    ":::\n"
)
SECRET = "Miss Lucy tells the students"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def server_member(username: str, **fields):
    """A member whose password the servers can check: hashed with the production settings'
    hasher (the tests' own MD5 is not among theirs), with few iterations to stay quick."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user = make_user(username=username, **fields)
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "saltsalt" + username, iterations=1000)
    user.save(update_fields=["password"])
    return user


@pytest.fixture(scope="module")
def cluster(django_db_setup, collected_static, redis_url, tmp_path_factory):
    """Servers A and B and one task worker, started once for this module (their HOME is an
    empty folder, where gunicorn's default control socket would appear)."""
    home = tmp_path_factory.mktemp("home")
    media = tmp_path_factory.mktemp("media")
    env = production_env(
        STATIC_ROOT=str(collected_static),
        REDIS_URL=redis_url,
        MEDIA_ROOT=str(media),
        HOME=str(home),
        NLMG_TASK_RETRY_SECONDS="1",
    )
    env.pop("XDG_RUNTIME_DIR", None)
    logs = tmp_path_factory.mktemp("logs")
    servers = []
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "--no-startup-delay"],
        cwd=ROOT, env=env, stdout=open(logs / "worker.log", "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
        start_new_session=True,
    )  # fmt: skip
    try:
        servers.append(Gunicorn(env, log=logs / "a.log"))
        servers.append(Gunicorn(env, log=logs / "b.log"))
        yield {"a": servers[0].base, "b": servers[1].base, "home": home, "media": media}
    finally:
        for server in servers:
            server.stop()
        os.killpg(worker.pid, 15)
        worker.wait(30)


@pytest.fixture(autouse=True)
def _empty_redis(cluster, redis_url):
    """Each test starts with an empty shared cache, as its database starts fresh."""
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()


@pytest.fixture(scope="module", autouse=True)
def _restore_migrated_rows(django_db_setup, django_db_blocker):
    """The transactional tests here flush every table; put back the migrations' rows."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)
            connection.close()


def test_both_servers_answer_and_share_no_control_socket(cluster):
    for base in (cluster["a"], cluster["b"]):
        status, page = Browser().get(base + "/healthz")
        assert status == 200, page
    assert not (cluster["home"] / ".gunicorn").exists()


def test_a_write_on_one_is_visible_on_the_other_at_once(cluster):
    server_member("kathy")
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")
    url = thread.get_absolute_url()
    reader = Browser()
    assert "Kathy’s new reply" not in reader.get(cluster["b"] + url)[1]  # now cached on B's side
    writer = Browser()
    assert writer.log_in(cluster["a"], "kathy", PASSWORD) == 302

    posted = writer.post(
        cluster["a"] + f"/discussions/t/{thread.pk}/reply/", {"body": "Kathy’s new reply."}
    )

    assert posted == 302
    assert "Kathy’s new reply." in reader.get(cluster["b"] + url)[1]
    assert "Kathy’s new reply." in writer.get(cluster["b"] + url)[1]


def test_progress_lowered_on_one_leaves_no_spoiler_on_the_other(cluster):
    make_article(title="Hailsham", body=SPOILER_ARTICLE)
    reader = Browser()
    progress = {"film": "0", "drama": "0", "next": "/"}
    assert reader.post(cluster["a"] + "/progress/", {**progress, "novel": "12"}) == 302
    for _ in range(3):  # the message page, then kept pages at this progress
        status, page = reader.get(cluster["b"] + "/wiki/hailsham/")
    assert SECRET in shown_text(page)

    assert reader.post(cluster["a"] + "/progress/", {**progress, "novel": "3"}) == 302
    page = reader.get(cluster["b"] + "/wiki/hailsham/")[1]

    assert SECRET not in shown_text(page)
    assert "Hailsham is a school" in shown_text(page)


def test_a_members_progress_lowered_on_one_leaves_no_spoiler_on_the_other(cluster):
    server_member("kathy")
    make_article(title="Hailsham", body=SPOILER_ARTICLE)
    reader = Browser()
    assert reader.log_in(cluster["a"], "kathy", PASSWORD) == 302
    progress = {"film": "0", "drama": "0", "next": "/"}
    reader.post(cluster["a"] + "/progress/", {**progress, "novel": "12"})
    for _ in range(3):
        page = reader.get(cluster["b"] + "/wiki/hailsham/")[1]
    assert SECRET in shown_text(page)

    reader.post(cluster["b"] + "/progress/", {**progress, "novel": "3"})
    page = reader.get(cluster["a"] + "/wiki/hailsham/")[1]

    assert SECRET not in shown_text(page)


def test_a_session_and_its_progress_made_on_one_are_used_by_the_other(cluster):
    server_member("kathy", display_name="Kathy H.")
    reader = Browser()
    assert reader.log_in(cluster["a"], "kathy", PASSWORD) == 302
    reader.post(cluster["a"] + "/progress/", {"novel": "9", "film": "0", "drama": "0", "next": "/"})

    status, page = reader.get(cluster["b"] + "/notifications/")

    assert status == 200  # members only: B knows the session A made
    assert "kathy" in page.lower()
    assert "ch. 9" in page or "chapter 9" in page.lower()


def test_a_members_rate_limit_counts_across_both_servers(cluster):
    server_member("newcomer")  # joined now: a new member
    thread = make_board_thread(author=make_user(username="ruth"), title="Norfolk")
    reader = Browser()
    assert reader.log_in(cluster["a"], "newcomer", PASSWORD) == 302
    reply = f"/discussions/t/{thread.pk}/reply/"

    answers = [
        reader.post(cluster[server] + reply, {"body": f"Thought number {n}."})
        for n, server in enumerate("abab")
    ]

    assert answers == [302, 302, 302, 429]


def test_log_in_throttling_counts_across_both_servers(cluster):
    server_member("kathy")
    attacker = Browser()
    for server in "ababa":  # five failures, split between the two
        assert attacker.log_in(cluster[server], "kathy", "wrong-password") == 200

    assert Browser().log_in(cluster["b"], "kathy", PASSWORD) == 429


def test_a_notification_made_by_the_worker_reaches_a_reader_on_the_other(cluster):
    server_member("kathy")
    ruth = server_member("ruth")
    thread = make_board_thread(author=ruth, title="The Sales")
    writer, follower = Browser(), Browser()
    writer.log_in(cluster["a"], "kathy", PASSWORD)
    follower.log_in(cluster["b"], "ruth", PASSWORD)

    writer.post(cluster["a"] + f"/discussions/t/{thread.pk}/reply/", {"body": "A tape."})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page = follower.get(cluster["b"] + "/notifications/")[1]
        if "replied in a thread you follow" in page:
            break
        time.sleep(0.3)

    assert "kathy replied in a thread you follow" in " ".join(shown_text(page).split())


def test_an_upload_on_one_is_served_by_the_other_in_production_mode(cluster):
    import io
    import json
    import urllib.request

    from PIL import Image

    server_member("kathy")
    member = Browser()
    member.log_in(cluster["a"], "kathy", PASSWORD)
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(picture, format="PNG")

    status, body = member.upload(
        cluster["a"] + "/markdownx/upload/", "image", "tape.png", picture.getvalue()
    )

    assert status == 200, body
    address = json.loads(body)["image_code"][len("![](") : -1]
    assert address.startswith("/media/uploads/")
    with urllib.request.urlopen(cluster["b"] + address, timeout=30) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"] == "image/png"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Content-Disposition"].startswith("inline; filename=")
        assert Image.open(io.BytesIO(answer.read())).size == (40, 30)
