import pytest

pytestmark = pytest.mark.django_db


def test_home_page_says_what_the_site_is(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Never Let Me Go" in html
    assert 'href="#main"' in html
    assert "<main" in html and "<nav" in html


def test_healthz_reports_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_unknown_page_is_404(client):
    assert client.get("/no-such-page/").status_code == 404
