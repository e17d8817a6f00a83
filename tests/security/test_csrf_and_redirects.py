"""CSRF on every state-changing form, the progress picker's own cross-site check, open
redirects refused on every ``next``, and passwords checked by Django's validators."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from discussions.models import Like, Post, Thread
from nlmg.moderation.models import Flag, Warning
from tests.factories import edit_article, make_article, make_board_thread, make_thread_reply
from tests.security.conftest import logged_in
from tests.security.html_checks import stays_on_the_site

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def scene(member, other_member, moderator):
    """An article with two revisions, a thread by ruth with a reply by ruth, a warning for
    kathy: something for every form to act on."""
    article = make_article(title="Hailsham", author=other_member)
    edit_article(article, author=other_member, body="Hailsham has a pond.\n")
    thread = make_board_thread(author=other_member, title="The Sales")
    reply = make_thread_reply(thread, author=other_member, body="I bought a tape.\n")
    warning = Warning.objects.create(user=member, by_name="lucy", reason="Be kind.")
    return {
        "thread": thread.pk,
        "reply": reply.pk,
        "warning": warning.pk,
        "ct": ContentType.objects.get_for_model(Post).pk,
    }


# (who, url, data): every form that changes something.
STATE_CHANGING = {
    "sign-up": (None, "/accounts/signup/", {"username": "newcomer", "email": "n@example.org",
                                            "password1": "x-unusual-passphrase-1",
                                            "password2": "x-unusual-passphrase-1"}),
    "log-in": (None, "/accounts/login/", {"username": "kathy", "password": "{password}"}),
    "password reset": (None, "/accounts/password/reset/", {"email": "kathy@example.org"}),
    "log-out": ("member", "/accounts/logout/", {}),
    "password change": ("member", "/accounts/password/change/", {
        "old_password": "{password}", "new_password1": "x-unusual-passphrase-2",
        "new_password2": "x-unusual-passphrase-2"}),
    "profile": ("member", "/accounts/profile/", {"display_name": "Evil", "bio": "Evil"}),
    "article create": ("member", "/wiki/new/", {"title": "Norfolk", "kind": "place",
                                                "lead": "A county.", "body": "Lost corner.",
                                                "save": "1"}),
    "article edit": ("member", "/wiki/hailsham/edit/", {"title": "Hailsham", "kind": "place",
                                                        "lead": "A school.", "body": "Evil.",
                                                        "save": "1"}),
    "undo": ("member", "/wiki/hailsham/revisions/2/undo/", {}),
    "revert": ("member", "/wiki/hailsham/revisions/1/revert/", {}),
    "protect": ("moderator", "/wiki/hailsham/protect/", {"protect": "1"}),
    "feature": ("moderator", "/wiki/hailsham/feature/", {"feature": "1"}),
    "delete": ("moderator", "/wiki/hailsham/delete/", {"delete": "1"}),
    "new thread": ("member", "/discussions/new/", {"board": "the-novel", "title": "Evil",
                                                   "body": "Evil."}),
    "reply": ("member", "/discussions/t/{thread}/reply/", {"body": "Evil."}),
    "post edit": ("other_member", "/discussions/post/{reply}/edit/", {"body": "Evil."}),
    "post delete": ("other_member", "/discussions/post/{reply}/delete/", {}),
    "like": ("member", "/discussions/post/{reply}/like/", {"like": "1"}),
    "follow": ("member", "/discussions/t/{thread}/follow/", {"follow": "1"}),
    "notifications read": ("member", "/notifications/read/", {}),
    "thread moderate": ("moderator", "/discussions/t/{thread}/moderate/", {"action": "lock"}),
    "post moderate": ("moderator", "/discussions/post/{reply}/moderate/", {"action": "hide"}),
    "flag": ("member", "/moderation/flag/?post={reply}", {"reason": "spam"}),
    "moderation act": ("moderator", "/moderation/act/", {"content_type": "{ct}",
                                                         "object_id": "{reply}",
                                                         "action": "hide"}),
    "suspend": ("moderator", "/moderation/members/ruth/", {"reason": "Evil.", "days": "3"}),
    "warning acknowledgement": ("member", "/moderation/warnings/{warning}/ack/", {}),
    "editor preview": ("member", "/markdownx/markdownify/", {"content": "*x*"}),
    "editor upload": ("member", "/markdownx/upload/", {}),
}  # fmt: skip


def snapshot():
    """Everything the forms above can change."""
    from nlmg.moderation.models import ModerationEvent
    from wiki.models import Article, Revision

    return (
        User.objects.count(),
        sorted(User.objects.values_list("username", "display_name", "password", "last_login")),
        Revision.objects.count(),
        list(Article.objects.values_list("is_protected", "is_featured", "is_deleted")),
        Thread.objects.count(),
        sorted(Post.objects.values_list("body", "is_deleted", "is_hidden")),
        Like.objects.count(),
        Flag.objects.count(),
        ModerationEvent.objects.count(),
        list(Warning.objects.values_list("is_acknowledged", flat=True)),
    )


def fill(data: dict, ids: dict) -> dict:
    return {k: v.format(**ids) for k, v in data.items()}


@pytest.mark.parametrize(("who", "url", "data"), STATE_CHANGING.values(), ids=STATE_CHANGING)
def test_a_post_without_a_csrf_token_is_refused(request, scene, password, who, url, data):
    user = request.getfixturevalue(who) if who else None
    client = logged_in(user, enforce_csrf_checks=True)
    ids = {**scene, "password": password}
    before = snapshot()

    response = client.post(url.format(**ids), fill(data, ids))

    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("who", "url", "data"),
    [STATE_CHANGING[name] for name in ("reply", "like", "flag", "moderation act", "log-in")],
    ids=["reply", "like", "flag", "moderation act", "log-in"],
)
def test_the_same_post_with_the_pages_token_goes_through(request, scene, password, who, url, data):
    """The refusals above are the CSRF check, not something else: with the token they work."""
    user = request.getfixturevalue(who) if who else None
    client = logged_in(user, enforce_csrf_checks=True)
    ids = {**scene, "password": password}
    page = client.get("/accounts/login/" if user is None else "/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    before = snapshot()

    response = client.post(url.format(**ids), {**fill(data, ids), "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert snapshot() != before


# --- the progress picker: CSRF-exempt, refuses cross-site posts itself -------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "http://testserver"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_REFERER": "https://evil.example/page"},
        {"HTTP_REFERER": "http://evil.example/?http://testserver/"},
    ],
    ids=lambda h: " ".join(f"{k[5:]}={v}" for k, v in h.items()),
)
def test_the_progress_picker_refuses_cross_site_posts(client, member, headers):
    for reader in (client, logged_in(member)):
        response = reader.post("/progress/", {"everything": "1", "next": "/"}, **headers)
        assert response.status_code == 403
        assert "sessionid" not in response.cookies or reader is not client
    member.refresh_from_db()
    assert member.reading_progress == {}


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_SEC_FETCH_SITE": "none"},
        {"HTTP_ORIGIN": "http://testserver"},
        {"HTTP_REFERER": "http://testserver/wiki/"},
        {},
    ],
    ids=["same-origin", "typed address", "same origin", "same-site referer", "no browser"],
)
def test_the_progress_picker_accepts_its_own_pages(client, headers):
    response = client.post("/progress/", {"everything": "1", "next": "/wiki/"}, **headers)
    assert response.status_code == 302
    assert response["Location"] == "/wiki/"


# --- open redirects -----------------------------------------------------------------------------

EVIL_NEXT = [
    "https://evil.example",
    "https://evil.example/wiki/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "https:evil.example",
    "https:/\\evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "http://testserver@evil.example/",
    "http://evil.example\\@testserver/",
    "//testserver.evil.example/",
    "\x00//evil.example",
]


def test_the_redirect_checker_knows_the_tricks():
    assert [url for url in EVIL_NEXT if stays_on_the_site(url)] == []
    assert all(
        stays_on_the_site(url)
        for url in ("/", "/wiki/", "wiki/", "?a=1", "#x", "http://testserver/x", "http:x")
    )


@pytest.fixture
def warned(member):
    return Warning.objects.create(user=member, by_name="lucy", reason="Be kind.")


def redirect_answers(member, other_member, moderator, password, warned, evil):
    """Every place that follows a ``next``, given ``evil``: {name: response}."""
    reply = make_thread_reply(
        make_board_thread(author=other_member), author=other_member, body="Hi.\n"
    )
    content_type = ContentType.objects.get_for_model(Post).pk
    already_in = logged_in(member)
    return {
        "log-in": Client().post(
            "/accounts/login/", {"username": "kathy", "password": password, "next": evil}
        ),
        "log-in (query)": Client().post(
            "/accounts/login/?" + _query(next=evil), {"username": "kathy", "password": password}
        ),
        "log-in when already in": already_in.get("/accounts/login/?" + _query(next=evil)),
        "progress": Client().post("/progress/", {"everything": "1", "next": evil}),
        "progress (query)": Client().post("/progress/?" + _query(next=evil), {"nothing": "1"}),
        "progress (referer)": Client().post(
            "/progress/", {"nothing": "1"}, HTTP_ORIGIN="http://testserver", HTTP_REFERER=evil
        ),
        "warning acknowledgement": logged_in(member).post(
            f"/moderation/warnings/{warned.pk}/ack/", {"next": evil}
        ),
        "moderation act": logged_in(moderator).post(
            "/moderation/act/",
            {
                "content_type": content_type,
                "object_id": reply.pk,
                "action": "dismiss",
                "next": evil,
            },
        ),  # fmt: skip
        "log-out": logged_in(member).post("/accounts/logout/", {"next": evil}),
        "log-out (query)": logged_in(member).post("/accounts/logout/?" + _query(next=evil)),
    }


def _query(**params):
    from urllib.parse import urlencode

    return urlencode(params)


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_no_next_parameter_redirects_off_the_site(
    member, other_member, moderator, password, warned, evil
):
    answers = redirect_answers(member, other_member, moderator, password, warned, evil)
    for name, response in answers.items():
        assert response.status_code in (302, 400), (name, response.status_code)
        if response.status_code == 302:
            assert stays_on_the_site(response["Location"]), (name, response["Location"])


def test_a_same_site_next_is_followed(member, other_member, moderator, password, warned):
    answers = redirect_answers(member, other_member, moderator, password, warned, "/wiki/")
    for name, response in answers.items():
        assert response.status_code == 302, name
        if "referer" not in name:
            assert response["Location"] == "/wiki/", name


def test_the_login_form_does_not_carry_an_offsite_next(client):
    page = client.get("/accounts/login/?" + _query(next="https://evil.example/")).content.decode()
    assert "evil.example" not in page.split("<form", 1)[1].split("</form>", 1)[0]


# --- passwords ----------------------------------------------------------------------------------

WEAK = {
    "too short": ("Ab1-x", "This password is too short."),
    "too common": ("password123", "This password is too common."),
    "only digits": ("86753091234567", "This password is entirely numeric."),
    "like the username": ("newcomer2024", "The password is too similar to the username."),
    "like the email": ("newcomer@example", "The password is too similar to the email"),
}


@pytest.mark.parametrize(("weak", "message"), WEAK.values(), ids=WEAK)
def test_sign_up_checks_passwords_with_djangos_validators(client, weak, message):
    response = client.post(
        "/accounts/signup/",
        {"username": "newcomer", "email": "newcomer@example.org", "password1": weak,
         "password2": weak},
    )  # fmt: skip
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.parametrize(("weak", "message"), WEAK.values(), ids=WEAK)
def test_password_change_checks_passwords_with_djangos_validators(password, weak, message):
    user = User.objects.create_user(
        username="newcomer", email="newcomer@example.org", password=password
    )
    response = logged_in(user).post(
        "/accounts/password/change/",
        {"old_password": password, "new_password1": weak, "new_password2": weak},
    )
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    user.refresh_from_db()
    assert user.check_password(password)


def test_a_strong_password_is_accepted_at_sign_up_and_change(client, password):
    response = client.post(
        "/accounts/signup/",
        {"username": "newcomer", "email": "newcomer@example.org",
         "password1": "tape-of-judy-bridgewater", "password2": "tape-of-judy-bridgewater"},
    )  # fmt: skip
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    response = logged_in(user).post(
        "/accounts/password/change/",
        {"old_password": "tape-of-judy-bridgewater", "new_password1": "norfolk-lost-corner-9",
         "new_password2": "norfolk-lost-corner-9"},
    )  # fmt: skip
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("norfolk-lost-corner-9")


def test_the_password_change_needs_the_old_password(member, password):
    response = logged_in(member).post(
        "/accounts/password/change/",
        {"old_password": "not-it-at-all", "new_password1": "norfolk-lost-corner-9",
         "new_password2": "norfolk-lost-corner-9"},
    )  # fmt: skip
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.check_password(password)
