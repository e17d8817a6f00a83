import pytest

pytestmark = pytest.mark.django_db


def test_home_page_says_what_the_site_is(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Never Let Me Go" in html
    assert 'href="#main"' in html
    assert "<main" in html and "<nav" in html


def test_healthz_reports_database_cache_and_task_queue(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "cache": "ok",
        "tasks": {"ready": 0, "oldest_ready_seconds": 0, "running": 0, "failed_last_hour": 0},
    }


def test_healthz_reports_the_backlog_of_the_task_queue(client, task_queue):
    from datetime import timedelta

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from nlmg.mail import send_email

    for _ in range(3):
        send_email.enqueue({"to": []})
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=5))

    tasks = client.get("/healthz").json()["tasks"]

    assert tasks["ready"] == 3
    assert 299 <= tasks["oldest_ready_seconds"] <= 330


def test_healthz_is_503_when_the_cache_is_away(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        }
    }
    response = client.get("/healthz")
    body = response.json()

    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["cache"].startswith("unreachable:")


def test_unknown_page_is_404(client):
    assert client.get("/no-such-page/").status_code == 404
