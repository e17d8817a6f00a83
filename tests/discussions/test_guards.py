"""Abuse guards on posting: new members' rate limit and link ban, and the honeypot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from discussions.models import Post, Thread
from tests.discussions.conftest import logged_in
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db

RATE_LIMITED = "New members can post or edit 3 times a minute; please wait a moment"
NO_LINKS = "New members cannot post links yet"


@pytest.fixture(autouse=True)
def _new_member_limits(settings):
    settings.NLMG_TRUSTED_AFTER_HOURS = 24
    settings.NLMG_TRUSTED_AFTER_POSTS = 5
    settings.NLMG_NEW_MEMBER_WRITES_PER_MINUTE = 3
    settings.NLMG_NEW_MEMBERS_MAY_LINK = False


@pytest.fixture
def newcomer(db):
    return make_user(username="newcomer")


@pytest.fixture
def newcomer_client(newcomer):
    return logged_in(newcomer)


def replies_by(user):
    return Post.objects.filter(author=user).count()


def test_new_member_may_post_up_to_the_limit_in_a_minute(newcomer_client, newcomer, thread):
    for n in range(3):
        response = newcomer_client.post(
            f"/discussions/t/{thread.pk}/reply/", {"body": f"Hello number {n}."}
        )
        assert response.status_code == 302

    assert replies_by(newcomer) == 3


def test_new_member_past_the_limit_is_refused_with_a_clear_message_and_keeps_the_text(
    newcomer_client, newcomer, thread
):
    for n in range(3):
        newcomer_client.post(f"/discussions/t/{thread.pk}/reply/", {"body": f"Hello {n}."})

    response = newcomer_client.post(
        f"/discussions/t/{thread.pk}/reply/", {"body": "One more thing about Hailsham."}
    )

    assert response.status_code == 429
    assert RATE_LIMITED in response.content.decode()
    assert "One more thing about Hailsham." in response.content.decode()
    assert replies_by(newcomer) == 3
    thread.refresh_from_db()
    assert thread.reply_count == 3


def test_new_member_past_the_limit_cannot_start_a_thread(newcomer_client, newcomer, thread):
    for n in range(3):
        make_post(thread=thread, author=newcomer, body=f"Hello {n}.")

    response = newcomer_client.post(
        "/discussions/new/",
        {"board": "the-novel", "title": "My first thread", "body": "About the Exchanges."},
    )

    assert response.status_code == 429
    assert RATE_LIMITED in response.content.decode()
    assert "About the Exchanges." in response.content.decode()
    assert Thread.objects.filter(title="My first thread").exists() is False


def test_new_member_posts_written_over_a_minute_ago_do_not_count(newcomer_client, newcomer, thread):
    for n in range(3):
        make_post(thread=thread, author=newcomer, body=f"Hello {n}.")
    Post.objects.filter(author=newcomer).update(created_at=timezone.now() - timedelta(minutes=2))

    response = newcomer_client.post(f"/discussions/t/{thread.pk}/reply/", {"body": "Back again."})

    assert response.status_code == 302


def test_new_member_cannot_post_links_and_keeps_the_text(newcomer_client, newcomer, thread):
    body = "Great cover art at http://example.com/cover.jpg"

    response = newcomer_client.post(f"/discussions/t/{thread.pk}/reply/", {"body": body})

    assert response.status_code >= 400
    assert NO_LINKS in response.content.decode()
    assert body in response.content.decode()
    assert replies_by(newcomer) == 0


def test_new_member_cannot_start_a_thread_with_a_link(newcomer_client):
    response = newcomer_client.post(
        "/discussions/new/",
        {"board": "the-novel", "title": "Cheap books", "body": "Buy at https://spam.example/"},
    )

    assert response.status_code >= 400
    assert NO_LINKS in response.content.decode()
    assert Thread.objects.exists() is False


def test_new_member_cannot_edit_a_link_into_a_post(newcomer_client, newcomer, thread):
    post = make_post(thread=thread, author=newcomer, body="Plain words.")

    response = newcomer_client.post(
        f"/discussions/post/{post.pk}/edit/", {"body": "Now see http://spam.example/"}
    )

    assert response.status_code >= 400
    assert NO_LINKS in response.content.decode()
    post.refresh_from_db()
    assert post.body == "Plain words."


def test_trusted_member_may_post_links_and_more_often(thread):
    veteran = make_user(username="veteran", date_joined=timezone.now() - timedelta(days=30))
    for n in range(5):
        make_post(thread=thread, author=veteran, body=f"Older post {n}.")
    client = logged_in(veteran)

    response = client.post(
        f"/discussions/t/{thread.pk}/reply/", {"body": "The cover: http://example.com/cover.jpg"}
    )

    assert response.status_code == 302


def test_member_of_a_day_with_few_posts_is_still_new(thread):
    recent = make_user(username="recent", date_joined=timezone.now() - timedelta(days=2))
    client = logged_in(recent)

    response = client.post(f"/discussions/t/{thread.pk}/reply/", {"body": "See http://x.example"})

    assert NO_LINKS in response.content.decode()


def test_moderators_are_never_limited_as_new_members(moderator_client, thread):
    for n in range(4):
        response = moderator_client.post(
            f"/discussions/t/{thread.pk}/reply/", {"body": f"Rules, part {n}: http://x.example"}
        )
        assert response.status_code == 302


def test_filled_honeypot_on_a_reply_is_refused_and_nothing_is_posted(other_client, thread):
    response = other_client.post(
        f"/discussions/t/{thread.pk}/reply/",
        {"body": "Buy cheap watches.", "website": "http://spam.example"},
    )

    assert response.status_code == 400
    assert "filled in by a robot" in response.content.decode()
    assert Post.objects.filter(is_opening=False).exists() is False


def test_filled_honeypot_on_a_new_thread_is_refused_and_nothing_is_posted(member_client):
    response = member_client.post(
        "/discussions/new/",
        {
            "board": "the-novel",
            "title": "Watches",
            "body": "Buy cheap watches.",
            "website": "spam",
        },
    )

    assert response.status_code == 400
    assert "filled in by a robot" in response.content.decode()
    assert Thread.objects.exists() is False


def test_reply_forms_carry_an_empty_honeypot(other_client, thread):
    page = other_client.get(thread.get_absolute_url()).content.decode()
    form = other_client.get(f"/discussions/t/{thread.pk}/reply/").content.decode()
    new = other_client.get("/discussions/new/").content.decode()

    for html in (page, form, new):
        assert '<input type="text" name="website" id="id_website" tabindex="-1"' in html


def test_new_member_past_the_limit_cannot_edit_and_keeps_the_text(
    newcomer_client, newcomer, thread
):
    posts = [make_post(thread=thread, author=newcomer, body=f"Hello {n}.") for n in range(3)]

    response = newcomer_client.post(
        f"/discussions/post/{posts[0].pk}/edit/", {"body": "Hello, edited."}
    )

    assert response.status_code == 429
    assert RATE_LIMITED in response.content.decode()
    assert "Hello, edited." in response.content.decode()
    posts[0].refresh_from_db()
    assert posts[0].body == "Hello 0."
