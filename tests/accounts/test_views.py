import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_signup_creates_member_and_logs_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "tommy",
            "display_name": "Tommy D.",
            "email": "tommy@example.org",
            "password1": "football-in-the-rain-77",
            "password2": "football-in-the-rain-77",
        },
        follow=True,
    )
    assert response.status_code == 200
    user = User.objects.get(username="tommy")
    assert user.display_name == "Tommy D."
    assert response.context["user"] == user
    assert b"Welcome, Tommy D." in response.content


def test_signup_failure_keeps_what_was_typed_and_explains(client, member):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "kathy",
            "display_name": "Another Kathy",
            "email": "someone@example.org",
            "password1": "short",
            "password2": "short",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Another Kathy"' in html
    assert 'value="someone@example.org"' in html
    assert "A user with that username already exists." in html
    assert "This password is too short." in html
    assert User.objects.filter(username="kathy").count() == 1


def test_signup_refuses_common_password(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "rodney",
            "email": "rodney@example.org",
            "password1": "password123",
            "password2": "password123",
        },
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert not User.objects.filter(username="rodney").exists()


def test_login_and_logout(client, member, password):
    response = client.post(
        reverse("accounts:login"), {"username": "kathy", "password": password}, follow=True
    )
    assert response.context["user"] == member
    response = client.post(reverse("accounts:logout"), follow=True)
    assert not response.context["user"].is_authenticated


def test_login_with_wrong_password_says_so(client, member):
    response = client.post(reverse("accounts:login"), {"username": "kathy", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_login_ignores_offsite_next(client, member, password):
    response = client.post(
        reverse("accounts:login"),
        {"username": "kathy", "password": password, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logout_by_get_is_refused(member_client):
    response = member_client.get(reverse("accounts:logout"))
    assert response.status_code == 405


def test_password_reset_sends_working_link(client, member):
    response = client.post(reverse("accounts:password-reset"), {"email": member.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0],
        {"new_password1": "hailsham-sports-pavilion", "new_password2": "hailsham-sports-pavilion"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("hailsham-sports-pavilion") is True


def test_password_reset_for_unknown_address_reveals_nothing(client, member):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


def test_password_change(member_client, member, password):
    response = member_client.post(
        reverse("accounts:password-change"),
        {
            "old_password": password,
            "new_password1": "norfolk-lost-corner-9",
            "new_password2": "norfolk-lost-corner-9",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("norfolk-lost-corner-9") is True


def test_profile_page_is_public(client, member):
    member.bio = "Carer for eleven years."
    member.save()
    response = client.get(reverse("accounts:profile", kwargs={"username": "kathy"}))
    assert response.status_code == 200
    assert "Carer for eleven years." in response.content.decode()
    assert "Edit your profile" not in response.content.decode()


def test_profile_of_unknown_member_is_404(client, db):
    assert client.get("/members/nobody/").status_code == 404


def test_edit_profile_needs_login(client):
    response = client.get(reverse("accounts:edit-profile"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_edit_profile_saves(member_client, member):
    response = member_client.post(
        reverse("accounts:edit-profile"), {"display_name": "Kath", "bio": "Still driving."}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.display_name == "Kath"
    assert member.bio == "Still driving."


def test_edit_profile_escapes_hostile_bio(client, member):
    member.bio = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    member.save()
    html = client.get(member.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
