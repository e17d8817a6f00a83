"""Reads from replicas through the router (DATABASE_REPLICA_URLS), tested with a second alias:
a second connection to this run's test database stands in for a replica. It does not see what
the test's transaction has not committed, as a lagging replica would not."""

from __future__ import annotations

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import make_article, make_board_thread, make_user
from tests.test_settings import run_python

pytestmark = pytest.mark.django_db(databases=["default", "replica1"])


@pytest.fixture(autouse=True)
def _close_the_replica():
    yield
    connections["replica1"].close()  # or the test database cannot be dropped at the end


@pytest.fixture
def replicated(settings):
    settings.DATABASE_ROUTERS = ["nlmg.replicas.ReplicaRouter"]
    settings.MIDDLEWARE = ["nlmg.replicas.ReplicaMiddleware", *settings.MIDDLEWARE]


def queries(alias: str):
    return CaptureQueriesContext(connections[alias])


def test_a_reading_request_reads_from_the_replica(replicated):
    with queries("default") as primary, queries("replica1") as replica:
        response = Client().get("/wiki/")

    assert response.status_code == 200
    assert len(replica) > 0
    assert len(primary) == 0


def test_writes_and_the_reads_of_a_writing_request_stay_on_the_primary(replicated, member):
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")
    client = Client()
    client.force_login(member)

    with queries("default") as primary, queries("replica1") as replica:
        response = client.post(f"/discussions/t/{thread.pk}/reply/", {"body": "Hello."})

    assert response.status_code == 302
    assert len(primary) > 0
    assert len(replica) == 0


def test_a_member_reads_their_own_write_at_once(replicated, member):
    """Right after posting, the member's pages come from the primary (the replica, like a
    lagging one, has not seen the reply yet), then from the replica again."""
    thread = make_board_thread(author=make_user(username="ruth"), title="The Sales")
    client = Client()
    client.force_login(member)
    client.post(f"/discussions/t/{thread.pk}/reply/", {"body": "Kathy’s fresh reply."})

    with queries("replica1") as replica:
        page = client.get(thread.get_absolute_url())

    assert len(replica) == 0
    assert "Kathy’s fresh reply." in page.content.decode()
    assert client.cookies["nlmg_primary"]["max-age"] == 10

    client.cookies.pop("nlmg_primary")  # the pin has run out
    with queries("replica1") as replica:
        client.get("/wiki/")
    assert len(replica) > 0


def test_reads_inside_a_transaction_stay_on_the_primary(replicated):
    from django.db import transaction

    from nlmg.replicas import ReplicaRouter, _replicas_allowed
    from wiki.models import Article

    token = _replicas_allowed.set(True)
    try:
        assert ReplicaRouter().db_for_read(Article) == "replica1"
        with transaction.atomic():
            assert ReplicaRouter().db_for_read(Article) == "default"
    finally:
        _replicas_allowed.reset(token)


def test_outside_requests_everything_reads_from_the_primary(replicated):
    from wiki.models import Article

    make_article(title="Hailsham")
    with queries("replica1") as replica:
        assert Article.objects.filter(title="Hailsham").exists() is True
    assert len(replica) == 0


def test_replica_urls_make_aliases_a_router_and_the_middleware():
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s;"
        "print(sorted(s.DATABASES), s.DATABASES['replica2']['HOST'], s.DATABASE_ROUTERS,"
        " s.MIDDLEWARE[0])",
        DATABASE_URL="postgres://site@primary.internal:5432/nlmg",
        DATABASE_REPLICA_URLS="postgres://site@r1.internal/nlmg, postgres://site@r2.internal/nlmg",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "['default',", "'replica1',", "'replica2']", "r2.internal",
        "['nlmg.replicas.ReplicaRouter']", "nlmg.replicas.ReplicaMiddleware",
    ]  # fmt: skip


def test_healthz_reports_each_replica(settings):
    settings.DATABASE_REPLICA_URLS = ["postgres://site@r1.internal/nlmg"]

    report = Client().get("/healthz").json()

    assert report["status"] == "ok"
    assert report["replicas"] == {"replica1": "ok"}
