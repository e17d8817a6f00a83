"""The member row comes from the shared cache on reading requests and from the database on
writes; saving or deleting a member is seen at once."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from nlmg.moderation import services as moderation

pytestmark = pytest.mark.django_db


def _member_queries(client, method, path, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, data or {})
    return response, [q["sql"] for q in captured if 'FROM "accounts_user"' in q["sql"]]


def test_reading_pages_take_the_member_from_the_cache(member_client, member):
    member_client.get("/")
    response, queries = _member_queries(member_client, "get", "/wiki/")
    assert response.status_code == 200
    assert queries == []
    assert response.wsgi_request.user == member


def test_writes_read_the_member_from_the_database(member_client):
    member_client.get("/")
    response, queries = _member_queries(
        member_client, "post", "/progress/", {"novel": "5", "film": "0", "drama": "0"}
    )
    assert response.status_code == 302
    assert len(queries) == 1


def test_a_saved_member_is_seen_on_the_next_page(member_client, member, admin_user):
    member_client.get("/")
    moderation.suspend_member(member=member, moderator=admin_user, reason="Spam.", days=3)
    page = member_client.get("/").content.decode()
    assert "suspended" in page.lower()
    member_client.post("/progress/", {"everything": "1"})
    assert member_client.get("/").wsgi_request.user.reading_progress["novel"] > 0


def test_a_password_change_ends_other_sessions_despite_the_cache(member, password):
    phone, laptop = Client(), Client()
    for client in (phone, laptop):
        assert client.login(username=member.username, password=password)
        assert client.get("/").wsgi_request.user.is_authenticated
    response = laptop.post(
        "/accounts/password/change/",
        {
            "old_password": password,
            "new_password1": "another-long-passphrase-77",
            "new_password2": "another-long-passphrase-77",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").wsgi_request.user.is_authenticated
    assert not phone.get("/").wsgi_request.user.is_authenticated


def test_a_deleted_member_is_signed_out(member_client, member):
    member_client.get("/")
    member.delete()
    assert not member_client.get("/").wsgi_request.user.is_authenticated


def test_a_new_group_changes_permissions_at_once(member_client, member):
    from django.contrib.auth.models import Group

    assert "Moderation</a>" not in member_client.get("/").content.decode()
    member.groups.add(Group.objects.get(name="Moderators"))
    assert "Moderation</a>" in member_client.get("/").content.decode()
