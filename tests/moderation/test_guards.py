"""Abuse guards: posting limits and links for new members, honeypots, log-in throttling."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from discussions.models import Post, Thread
from nlmg.moderation.models import LoginAttempt
from tests.factories import make_board_thread, make_thread_reply, make_user

pytestmark = pytest.mark.django_db

LIMIT_MESSAGE = "New members can post or edit 3 times a minute; please wait a moment"
LINK_MESSAGE = "New members cannot post links yet"
ROBOT_MESSAGE = "This form was filled in by a robot"


@pytest.fixture
def open_thread(other_member):
    return make_board_thread(author=other_member, title="Open to all")


@pytest.fixture
def newcomer(db, client_for):
    """A member who joined a minute ago, logged in."""
    user = make_user(username="newcomer")
    return user, client_for(user)


@pytest.fixture
def trusted(db, client_for, open_thread):
    """A member of a month's standing with five posts that stand."""
    user = make_user(username="veteran", date_joined=timezone.now() - timedelta(days=30))
    for number in range(5):
        make_thread_reply(open_thread, author=user, body=f"Standing post {number}.\n")
    return user, client_for(user)


def reply(client, thread, body, **extra):
    return client.post(f"/discussions/t/{thread.pk}/reply/", {"body": body, **extra})


def page(response):
    return response.content.decode()


# Rate limits


def test_new_members_fourth_post_within_a_minute_is_refused_with_429_and_text_kept(
    newcomer, open_thread
):
    user, client = newcomer
    for number in range(3):
        assert reply(client, open_thread, f"Reply number {number}.").status_code == 302

    response = reply(client, open_thread, "My fourth thought about Norfolk.")

    assert response.status_code == 429
    assert LIMIT_MESSAGE in page(response)
    assert "Your text is kept below." in page(response)
    assert "My fourth thought about Norfolk." in page(response)
    assert Post.objects.filter(author=user).count() == 3


def test_new_member_may_post_again_once_the_minute_has_passed(newcomer, open_thread):
    user, client = newcomer
    for number in range(3):
        reply(client, open_thread, f"Reply number {number}.")
    Post.objects.filter(author=user).update(created_at=timezone.now() - timedelta(seconds=61))

    response = reply(client, open_thread, "After a pause.")

    assert response.status_code == 302
    assert Post.objects.filter(author=user).count() == 4


def test_new_members_threads_count_toward_the_limit(newcomer, open_thread):
    user, client = newcomer
    for number in range(3):
        reply(client, open_thread, f"Reply number {number}.")

    response = client.post(
        "/discussions/new/",
        {"board": "the-novel", "title": "My own thread", "body": "About the boathouse."},
    )

    assert response.status_code == 429
    assert LIMIT_MESSAGE in page(response)
    assert "About the boathouse." in page(response)
    assert Thread.objects.filter(author=user).exists() is False


def test_new_members_wiki_edits_count_toward_the_limit(newcomer, open_thread):
    user, client = newcomer
    for number in range(3):
        reply(client, open_thread, f"Reply number {number}.")

    response = client.post(
        "/wiki/new/",
        {
            "title": "Norfolk",
            "kind": "place",
            "lead": "Norfolk is a county in England.",
            "body": "The lost corner of England.\n",
            "save": "1",
        },
    )

    assert response.status_code == 429
    assert LIMIT_MESSAGE in page(response)
    assert "The lost corner of England." in page(response)


def test_new_member_cannot_post_links(newcomer, open_thread):
    user, client = newcomer

    response = reply(client, open_thread, "See https://example.org/hailsham for more.")

    assert response.status_code == 429
    assert LINK_MESSAGE in page(response)
    assert "https://example.org/hailsham" in page(response)
    assert Post.objects.filter(author=user).exists() is False


@pytest.mark.parametrize(
    "body",
    ["Read www.example.org today.", "A [link](/wiki/hailsham/) here.", "<mailto:x@example.org>"],
)
def test_new_member_cannot_post_links_in_any_form(newcomer, open_thread, body):
    _, client = newcomer

    response = reply(client, open_thread, body)

    assert response.status_code == 429
    assert LINK_MESSAGE in page(response)


def test_new_member_may_write_an_address_without_a_link(newcomer, open_thread):
    _, client = newcomer

    response = reply(client, open_thread, "It is at example dot org, no link.")

    assert response.status_code == 302


def test_member_with_five_standing_posts_but_joined_today_is_still_new(client_for, open_thread):
    user = make_user(username="eager")
    for number in range(5):
        make_thread_reply(open_thread, author=user, body=f"Eager post {number}.\n")
    Post.objects.filter(author=user).update(created_at=timezone.now() - timedelta(minutes=5))

    response = reply(client_for(user), open_thread, "See https://example.org/.")

    assert response.status_code == 429
    assert LINK_MESSAGE in page(response)


def test_old_account_with_removed_posts_is_still_new(client_for, open_thread):
    user = make_user(username="rude", date_joined=timezone.now() - timedelta(days=30))
    for number in range(5):
        make_thread_reply(open_thread, author=user, body=f"Rude post {number}.\n")
    Post.objects.filter(author=user).update(created_at=timezone.now() - timedelta(minutes=5))
    Post.objects.filter(author=user)[:1].get().hide(by=None)

    response = reply(client_for(user), open_thread, "See https://example.org/.")

    assert response.status_code == 429
    assert LINK_MESSAGE in page(response)


def test_trusted_member_is_not_rate_limited(trusted, open_thread):
    user, client = trusted

    statuses = [reply(client, open_thread, f"Quick reply {n}.").status_code for n in range(5)]

    assert statuses == [302] * 5
    assert Post.objects.filter(author=user).count() == 10


def test_trusted_member_may_post_links(trusted, open_thread):
    user, client = trusted

    response = reply(client, open_thread, "See https://example.org/hailsham for more.")

    assert response.status_code == 302
    assert Post.objects.filter(author=user, body__contains="https://example.org").exists()


def test_moderator_is_not_rate_limited(client_for, moderator, open_thread):
    client = client_for(moderator)

    statuses = [
        reply(client, open_thread, f"https://example.org/{n}").status_code for n in range(4)
    ]

    assert statuses == [302] * 4


def test_rate_limit_follows_the_setting(settings, newcomer, open_thread):
    settings.NLMG_NEW_MEMBER_WRITES_PER_MINUTE = 1
    _, client = newcomer
    reply(client, open_thread, "First.")

    response = reply(client, open_thread, "Second.")

    assert response.status_code == 429
    assert "New members can post or edit 1 times a minute" in page(response)


# Honeypots


SIGN_UP = {
    "username": "formbot",
    "display_name": "",
    "email": "bot@example.org",
    "password1": "a-long-test-passphrase-42",
    "password2": "a-long-test-passphrase-42",
}


def test_sign_up_form_has_an_empty_honeypot_field(client):
    response = client.get("/accounts/signup/")

    assert 'name="website"' in page(response)


def test_sign_up_with_the_honeypot_filled_is_refused_and_creates_no_account(client):
    response = client.post("/accounts/signup/", {**SIGN_UP, "website": "http://spam.example"})

    assert response.status_code == 400
    assert ROBOT_MESSAGE in page(response)
    assert get_user_model().objects.filter(username="formbot").exists() is False
    assert "_auth_user_id" not in client.session


def test_sign_up_with_the_honeypot_empty_creates_the_account(client):
    response = client.post("/accounts/signup/", {**SIGN_UP, "website": ""})

    assert response.status_code == 302
    assert get_user_model().objects.filter(username="formbot").exists() is True


def test_reply_with_the_honeypot_filled_is_refused_and_not_posted(member_client, open_thread):
    response = reply(member_client, open_thread, "Buy cheap watches.", website="spam.example")

    assert response.status_code == 400
    assert ROBOT_MESSAGE in page(response)
    assert open_thread.posts.count() == 1


def test_new_thread_with_the_honeypot_filled_is_refused_and_not_posted(member_client, member):
    response = member_client.post(
        "/discussions/new/",
        {"board": "the-novel", "title": "Cheap", "body": "Watches.", "website": "x"},
    )

    assert response.status_code == 400
    assert ROBOT_MESSAGE in page(response)
    assert Thread.objects.filter(author=member).exists() is False


def test_reply_and_thread_forms_carry_the_honeypot_field(member_client, open_thread):
    reply_form = member_client.get(f"/discussions/t/{open_thread.pk}/reply/")
    thread_form = member_client.get("/discussions/new/")

    assert 'name="website"' in page(reply_form)
    assert 'name="website"' in page(thread_form)


# Log-in throttling


def log_in(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_account_is_throttled_after_repeated_failures_even_with_the_right_password(
    client, member, password
):
    for _ in range(settings.NLMG_LOGIN_FAILURES_PER_ACCOUNT):
        assert log_in(client, "kathy", "wrong-password").status_code == 200

    response = log_in(client, "kathy", password)

    assert response.status_code == 429
    assert "Too many failed log-ins for this account" in page(response)
    assert "_auth_user_id" not in client.session
    assert 'value="kathy"' in page(response)


def test_account_throttle_ignores_the_case_of_the_username(client, member, password):
    for _ in range(settings.NLMG_LOGIN_FAILURES_PER_ACCOUNT):
        log_in(client, "Kathy", "wrong-password")

    assert log_in(client, "KATHY", password).status_code == 429


def test_failures_below_the_limit_do_not_stop_a_right_password(client, member, password):
    for _ in range(settings.NLMG_LOGIN_FAILURES_PER_ACCOUNT - 1):
        log_in(client, "kathy", "wrong-password")

    response = log_in(client, "kathy", password)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_account_throttle_ends_after_the_window(client, member, password):
    for _ in range(settings.NLMG_LOGIN_FAILURES_PER_ACCOUNT):
        log_in(client, "kathy", "wrong-password")
    LoginAttempt.objects.update(created_at=timezone.now() - timedelta(minutes=16))

    assert log_in(client, "kathy", password).status_code == 302


def test_address_is_throttled_after_repeated_failures_across_accounts(client, member, password):
    address = {"REMOTE_ADDR": "203.0.113.7"}
    for number in range(settings.NLMG_LOGIN_FAILURES_PER_ADDRESS):
        assert log_in(client, f"guess{number}", "wrong", **address).status_code == 200

    response = log_in(client, "kathy", password, **address)

    assert response.status_code == 429
    assert "Too many failed log-ins from your network" in page(response)
    assert "_auth_user_id" not in client.session


def test_address_throttle_does_not_stop_other_addresses(client, member, password):
    for number in range(settings.NLMG_LOGIN_FAILURES_PER_ADDRESS):
        log_in(client, f"guess{number}", "wrong", REMOTE_ADDR="203.0.113.7")

    response = log_in(client, "kathy", password, REMOTE_ADDR="198.51.100.2")

    assert response.status_code == 302


def test_failed_log_ins_are_recorded_with_the_address(client, member):
    log_in(client, "kathy", "wrong", REMOTE_ADDR="203.0.113.7")

    attempt = LoginAttempt.objects.get()
    assert (attempt.username, attempt.address) == ("kathy", "203.0.113.7")
