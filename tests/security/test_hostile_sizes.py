# ruff: noqa: E501  (the tables of cases read best one case a line)
"""Hostile sizes and bytes through the forms: over-long values, a 10 MB body, invalid UTF-8,
NUL bytes and deeply nested markdown. Each gets a clear answer (a form error or a 400 page
that says what went wrong), never a 500, and quickly: the limits are checked before anything
is rendered, so no worker hangs on a pathological text."""

from __future__ import annotations

import time

import markdown
import pytest
from django.contrib.contenttypes.models import ContentType

from discussions.models import Post, Thread
from tests.factories import make_article, make_board_thread, make_thread_reply
from tests.security.conftest import assert_response_safe
from wiki.models import Article

pytestmark = pytest.mark.django_db

SECONDS = 10  # generous: a hang or a quadratic blow-up takes minutes
MB = 1024 * 1024
ERROR_MARKERS = ('class="error"', 'class="form-errors"', "preview-errors", "errorlist")


@pytest.fixture
def conversions(monkeypatch):
    """The length of every text Python-Markdown is asked to convert during the test."""
    lengths: list[int] = []
    original = markdown.Markdown.convert

    def convert(self, source):
        lengths.append(len(source))
        return original(self, source)

    monkeypatch.setattr(markdown.Markdown, "convert", convert)
    return lengths


def timed(send, *args, **kwargs):
    started = time.monotonic()
    response = send(*args, **kwargs)
    elapsed = time.monotonic() - started
    assert elapsed < SECONDS, f"{elapsed:.1f} s"
    assert response.status_code != 500
    assert_response_safe(response)
    return response


def assert_clear_error(response, *phrases, status=400):
    assert response.status_code == status, response.status_code
    html = response.content.decode()
    if response.get("Content-Type", "").startswith("text/html"):
        assert any(marker in html for marker in ERROR_MARKERS) or "<h1>" in html, html[:2000]
    for phrase in phrases:
        assert phrase in html, (phrase, html[:3000])


@pytest.fixture
def article(member):
    return make_article(title="Ruth", kind="character", author=member)


def edit_data(article, **changes):
    content = article.current_revision.content()
    data = {
        "title": content["title"],
        "kind": content["kind"],
        "lead": content["lead"],
        "body": content["body"],
        "tags": "",
        "scope": "",
        "summary": "An edit.",
        "base_revision": str(article.current_revision_id),
        "infobox_kind": content["kind"],
        "lint_acknowledged": "on",
        "save": "1",
    }
    data.update(changes)
    return data


@pytest.fixture
def thread(other_member):
    return make_board_thread(author=other_member, title="The Sales", body="What did you buy?\n")


# --- over-long values -------------------------------------------------------------------------

LONG_ARTICLE_FIELDS = [
    ("title", 10_000, "at most 200 characters"),
    ("lead", 100_000, "at most 2000 characters"),
    ("summary", 10_000, "at most 300 characters"),
    ("tags", 10_000, "at most 500 characters"),
    ("scope", 10_000, "at most 200 characters"),
    ("infobox_full_name", 100_000, "at most 2000 characters"),
    ("body", 300_000, "the text is too long"),
    ("body", 2 * MB, "the text is too long"),
]


@pytest.mark.parametrize(("field", "size", "message"), LONG_ARTICLE_FIELDS)
def test_over_long_article_fields_are_form_errors(
    member_client, article, conversions, field, size, message
):
    response = timed(
        member_client.post, "/wiki/ruth/edit/", edit_data(article, **{field: "x" * size})
    )
    assert_clear_error(response, message)
    assert Article.objects.get().revision_count == 1
    assert max(conversions, default=0) < 10_000  # refused before rendering


def test_over_long_tag_is_a_form_error(member_client, article):
    """One tag longer than the tag table holds (100 characters), within the field's 500."""
    response = timed(
        member_client.post, "/wiki/ruth/edit/", edit_data(article, tags="t" * 150 + ", memory")
    )
    assert_clear_error(response, "at most 100 characters")
    assert Article.objects.get().revision_count == 1


def test_over_long_thread_tag_is_a_form_error(member_client):
    response = timed(
        member_client.post,
        "/discussions/new/",
        {"board": "the-novel", "title": "Tags", "body": "Body.", "tags": "t" * 150},
    )
    assert_clear_error(response, "at most 100 characters")
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    ("url", "data", "message", "status"),
    [
        ("/discussions/new/", {"board": "the-novel", "title": "t" * 10_000, "body": "x"}, "200", 400),
        ("/discussions/new/", {"board": "the-novel", "title": "T", "body": "x" * 60_000}, "long", 400),
        ("/discussions/new/", {"board": "the-novel", "title": "T", "body": "x", "scope": "s" * 9999}, "200", 400),
        ("/discussions/t/{thread}/reply/", {"body": "x" * 60_000}, "the text is too long", 400),
        ("/discussions/t/{thread}/reply/", {"body": "x" * 2 * MB}, "the text is too long", 400),
        ("/discussions/t/{thread}/reply/", {"body": "x", "scope": "s" * 10_000}, "200", 400),
        ("/discussions/post/{post}/edit/", {"body": "x" * 60_000}, "the text is too long", 400),
        ("/moderation/flag/?post={post}", {"reason": "spam", "note": "n" * 10_000}, "500", 400),
        ("/accounts/profile/", {"display_name": "d" * 10_000}, "at most 60 characters", 200),
        ("/accounts/profile/", {"bio": "b" * 100_000}, "at most 1000 characters", 200),
    ],
)  # fmt: skip
def test_over_long_values_in_discussion_and_member_forms_are_form_errors(
    member_client, member, thread, conversions, url, data, message, status
):
    post = make_thread_reply(thread, author=member, body="Reply.\n")
    posts_before = Post.objects.count()
    url = url.format(thread=thread.pk, post=post.pk)
    response = timed(member_client.post, url, data)
    assert_clear_error(response, message, status=status)
    assert Post.objects.count() == posts_before
    assert max(conversions, default=0) < 10_000


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "u" * 10_000, "at most 150 characters"),
        ("display_name", "d" * 1_000, "at most 60 characters"),
        ("email", "e" * 300 + "@example.org", "at most 254 characters"),
        ("email", "e" * 100 + "@" + ("d" * 60 + ".") * 3 + "org", "at most 254 characters"),
        ("password1", "p" * 100_000, "The two password fields didn"),
    ],
)
def test_over_long_sign_up_values_are_form_errors(client, field, value, message):
    from django.contrib.auth import get_user_model

    data = {
        "username": "newcomer",
        "email": "newcomer@example.org",
        "password1": "a-long-unusual-passphrase-90",
        "password2": "a-long-unusual-passphrase-90",
        field: value,
    }
    response = timed(client.post, "/accounts/signup/", data)
    assert_clear_error(response, message, status=200)
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_over_long_preview_is_refused_before_rendering(member_client, conversions):
    response = timed(member_client.post, "/markdownx/markdownify/", {"content": "x" * 300_000})
    assert_clear_error(response, "too long to preview")
    assert conversions == []


def test_over_long_search_query_is_cut_short(client):
    response = timed(client.get, "/search/", {"q": "hailsham " * 20_000})
    assert response.status_code == 200


def test_ten_megabyte_post_is_a_readable_400(member_client, article, thread):
    """Django refuses a form body over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) before reading it;
    the 400 page says so."""
    for url, data in (
        ("/wiki/ruth/edit/", edit_data(article, body="x" * 10 * MB)),
        (f"/discussions/t/{thread.pk}/reply/", {"body": "x" * 10 * MB}),
        ("/markdownx/markdownify/", {"content": "x" * 10 * MB}),
        ("/accounts/profile/", {"bio": "x" * 10 * MB}),
    ):
        response = timed(member_client.post, url, data)
        assert_clear_error(response, "What you sent is too large", "2.5 MB", "Nothing was saved")
    assert Article.objects.get().revision_count == 1
    assert Post.objects.count() == 1


def test_ten_megabytes_past_the_csrf_check_is_the_same_readable_400(member):
    """With CSRF enforced, the check reads the body first: still the 400 page, not a 500."""
    import re

    from tests.security.conftest import logged_in

    client = logged_in(member, enforce_csrf_checks=True)
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', client.get("/").content.decode()
    )
    data = {"content": "x" * 10 * MB, "csrfmiddlewaretoken": token.group(1)}
    response = timed(client.post, "/markdownx/markdownify/", data)
    assert_clear_error(response, "What you sent is too large")


def test_too_many_fields_is_a_readable_400(member_client, article):
    data = edit_data(article, **{f"extra{n}": "x" for n in range(2_000)})
    response = timed(member_client.post, "/wiki/ruth/edit/", data)
    assert_clear_error(response, "too many fields")
    assert Article.objects.get().revision_count == 1


# --- invalid UTF-8 and NUL bytes --------------------------------------------------------------

INVALID_UTF8 = b"\xff\xfe\xc3\x28\xa0\xa1\xe2\x28\xa1\xed\xa0\x80\xf0\x28\x8c\xbc\xc0\xaf"


def test_invalid_utf8_in_a_form_body_is_read_as_replacement_characters(member_client, thread):
    """Percent-encoded bytes that are not UTF-8 (what a browser sends) become U+FFFD."""
    from urllib.parse import quote_from_bytes

    body = b"body=Hello+" + quote_from_bytes(INVALID_UTF8).encode() + b"+there"
    response = timed(
        member_client.post,
        f"/discussions/t/{thread.pk}/reply/",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    post = Post.objects.get(thread=thread, is_opening=False)
    assert post.body.startswith("Hello \ufffd") and post.body.endswith(" there")


def test_raw_invalid_utf8_in_a_form_body_is_not_a_500(member_client, thread):
    """Raw bytes (no browser sends them) are read as Latin-1 by Django: text, not an error."""
    body = b"body=Hello+" + INVALID_UTF8 + b"+there"
    response = timed(
        member_client.post,
        f"/discussions/t/{thread.pk}/reply/",
        body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code in (302, 400)


def test_invalid_utf8_in_a_multipart_body_is_not_a_500(member_client, article):
    boundary = "BoUnDaRy"
    fields = edit_data(article)
    fields["title"] = "Ruth"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
        if k != "body"
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="body"\r\n\r\n'.encode()
        + b"Ruth " + INVALID_UTF8 + b"\r\n"
    )  # fmt: skip
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    response = timed(
        member_client.post,
        "/wiki/ruth/edit/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code in (302, 400)


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%FF%FE%C3%28",
        "/search/?q=%FF&go=1",
        "/search/suggest/?q=%C0%AF",
        "/wiki/recent/?author=%FF%FE&kind=%C3%28",
        "/wiki/?q=%ED%A0%80",
        "/progress/?next=%FF%FE",
        "/members/%FF%FE/",
        "/wiki/%FF%FE/",
        "/discussions/%FF/",
        "/accounts/login/?next=%FF%FE",
    ],
)
def test_invalid_utf8_in_a_query_string_or_path_is_not_a_500(client, url):
    response = timed(client.get, url)
    assert response.status_code in (200, 302, 400, 404)


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/search/?q=Hailsham%00&go=1",
        "/search/suggest/?q=%00",
        "/wiki/recent/?author=%00",
        "/wiki/recent/?kind=%00",
        "/wiki/?q=%00",
        "/wiki/hailsham/diff/?from=%00&to=1",
        "/wiki/kind/%00/",
        "/members/%00/",
        "/wiki/%00/",
        "/progress/?next=%00",
        "/accounts/login/?next=/%00",
        "/discussions/the-novel/?page=%00",
        "/moderation/log/?actor=%00&model=%00&action=%00",
    ],
)
def test_nul_bytes_in_a_query_string_or_path_are_not_a_500(moderator_client, url):
    make_article(title="Hailsham")
    response = timed(moderator_client.get, url)
    assert response.status_code in (200, 302, 400, 404)


def test_nul_bytes_in_article_fields_are_form_errors(member_client, article):
    for field in ("title", "lead", "body", "summary", "tags", "scope", "infobox_full_name"):
        response = timed(
            member_client.post, "/wiki/ruth/edit/", edit_data(article, **{field: "Ruth\x00C."})
        )
        assert_clear_error(response, "Null characters are not allowed")
    assert Article.objects.get().revision_count == 1


NUL_POSTS = {
    "reply": ("member", "/discussions/t/{thread}/reply/", {"body": "a\x00b"}),
    "new thread": ("member", "/discussions/new/", {"board": "the-novel", "title": "a\x00", "body": "b"}),
    "new thread board": ("member", "/discussions/new/", {"board": "\x00", "title": "a", "body": "b"}),
    "flag": ("member", "/moderation/flag/?post={post}", {"reason": "spam", "note": "\x00"}),
    "flag reason": ("member", "/moderation/flag/?post={post}", {"reason": "\x00"}),
    "post edit": ("member", "/discussions/post/{post}/edit/", {"body": "\x00"}),
    "profile": ("member", "/accounts/profile/", {"display_name": "\x00", "bio": "\x00"}),
    "preview": ("member", "/markdownx/markdownify/", {"content": "a\x00b"}),
    "password change": ("member", "/accounts/password/change/", {"old_password": "\x00", "new_password1": "\x00", "new_password2": "\x00"}),
    "follow": ("member", "/discussions/t/{thread}/follow/", {"follow": "\x00"}),
    "like": ("member", "/discussions/post/{post}/like/", {"like": "\x00"}),
    "sign-up": (None, "/accounts/signup/", {"username": "a\x00", "email": "a\x00@example.org"}),
    "log-in": (None, "/accounts/login/", {"username": "kathy\x00", "password": "x\x00"}),
    "log-in next": (None, "/accounts/login/", {"username": "kathy", "password": "x", "next": "/\x00"}),
    "progress": (None, "/progress/", {"novel": "\x00", "next": "/\x00"}),
    "password reset": (None, "/accounts/password/reset/", {"email": "kathy@example.org\x00"}),
    "moderation act": ("moderator", "/moderation/act/", {"content_type": "{ct}", "object_id": "{post}", "action": "hide", "reason": "\x00"}),
    "moderation act next": ("moderator", "/moderation/act/", {"content_type": "{ct}", "object_id": "{post}", "action": "dismiss", "next": "/\x00"}),
    "suspend": ("moderator", "/moderation/members/ruth/", {"reason": "\x00", "days": "2"}),
    "lift": ("moderator", "/moderation/members/ruth/", {"lift": "1", "reason": "\x00"}),
    "retitle": ("moderator", "/discussions/t/{thread}/moderate/", {"action": "retitle", "value": "\x00"}),
    "move": ("moderator", "/discussions/t/{thread}/moderate/", {"action": "move", "value": "\x00"}),
    "lock reason": ("moderator", "/discussions/t/{thread}/moderate/", {"action": "lock", "reason": "\x00"}),
    "post scope": ("moderator", "/discussions/post/{post}/moderate/", {"action": "scope", "value": "\x00"}),
    "post hide reason": ("moderator", "/discussions/post/{post}/moderate/", {"action": "hide", "reason": "\x00"}),
    "protect reason": ("moderator", "/wiki/ruth/protect/", {"protect": "1", "reason": "\x00"}),
    "feature reason": ("moderator", "/wiki/ruth/feature/", {"feature": "1", "reason": "\x00"}),
    "delete reason": ("moderator", "/wiki/ruth/delete/", {"delete": "1", "reason": "\x00"}),
    "new article title": ("member", "/wiki/new/?title=%00", {}),
    "new article kind": ("member", "/wiki/new/", {"kind": "\x00", "title": "x", "save": "1"}),
    "undo": ("member", "/wiki/ruth/revisions/1/undo/", {"summary": "\x00"}),
}  # fmt: skip


@pytest.mark.parametrize(("who", "url", "data"), NUL_POSTS.values(), ids=NUL_POSTS.keys())
def test_nul_bytes_in_posted_values_are_refused_not_500s(
    request, member, other_member, thread, article, who, url, data
):
    from tests.security.conftest import logged_in

    user = request.getfixturevalue(who) if who else None
    post = make_thread_reply(thread, author=other_member, body="Reply.\n")
    ids = {"thread": thread.pk, "post": post.pk, "ct": ContentType.objects.get_for_model(Post).pk}
    data = {k: v.format(**ids) for k, v in data.items()}
    posts_before = Post.objects.count()
    response = timed(logged_in(user).post, url.format(**ids), data)
    assert response.status_code in (200, 302, 400, 403), response.status_code
    if response.status_code == 400:
        assert_clear_error(response)
    assert Post.objects.count() == posts_before
    assert Article.objects.get().revision_count == 1


# --- deeply nested and pathological markdown --------------------------------------------------

NESTED = {
    "10,000 quote levels": ">" * 10_000 + " deep",
    "10,000 spaced quote levels": "> " * 10_000 + "deep",
    "10,000 list levels": "- " * 10_000 + "deep",
    "10,000 ordered list levels": "1. " * 10_000 + "deep",
    "400 ever deeper indented list items": "".join(" " * (2 * n) + "- x\n" for n in range(400)),
    "5,000 nested spoiler blocks": "::: spoiler novel:1\n" * 5_000 + "x\n" + ":::\n" * 5_000,
    "5,000 nested spoilers in quotes": "".join(
        "> " * n + "::: spoiler novel:1\n" for n in range(1, 200)
    ),
    "100,000 [": "[" * 100_000,
    "50,000 [ and (": "[(" * 50_000,
    "50,000 ![": "![" * 50_000,
    "100,000 (": "(" * 100_000,
}
PATHOLOGICAL = {
    "100,000 *": "*" * 100_000,
    "100,000 _": "_" * 100_000,
    "alternating *_": "*_" * 50_000,
    "100,000 `": "`" * 100_000,
    "100,000 <": "<" * 100_000,
    "50,000 &#": "&#" * 50_000,
    "50,000 >!": ">!" * 50_000,
    "25,000 >!x!<": ">!x!<" * 25_000,
    "50,000 [[": "[[" * 50_000,
    "100,000 |": "|" * 100_000,
    "a 2,000-column table": "|" + "a|" * 2_000 + "\n|" + "-|" * 2_000 + "\n|" + "b|" * 2_000,
    "100,000 newlines": "\n" * 100_000 + "x",
    "10,000 footnotes": "".join(f"x[^{n}]\n\n[^{n}]: y\n" for n in range(5_000)),
    "10,000 headings": "## h\n" * 10_000,
    "10,000 links": "[a](https://example.org/) " * 7_000,
    "a 150,000-character word": "w" * 150_000,
    "code fence never closed": "```\n" + "x\n" * 50_000,
}
NESTING_MESSAGES = (
    "nesting is too deep",
    "nested more than",
    "too many unclosed",
    "lines without a blank line",
    "too much markup",
)


@pytest.mark.parametrize("text", NESTED.values(), ids=NESTED.keys())
def test_deeply_nested_markdown_is_refused_before_rendering(
    member_client, article, conversions, text
):
    response = timed(member_client.post, "/wiki/ruth/edit/", edit_data(article, body=text))
    assert_clear_error(response)
    assert any(m in response.content.decode() for m in NESTING_MESSAGES)
    assert Article.objects.get().revision_count == 1
    assert max(conversions, default=0) < 10_000
    preview = timed(member_client.post, "/markdownx/markdownify/", {"content": text})
    assert preview.status_code == 200
    assert any(m in preview.content.decode() for m in NESTING_MESSAGES)


@pytest.mark.parametrize("text", NESTED.values(), ids=NESTED.keys())
def test_deeply_nested_markdown_in_a_reply_is_refused(member_client, thread, text):
    response = timed(member_client.post, f"/discussions/t/{thread.pk}/reply/", {"body": text})
    assert_clear_error(response)
    assert Post.objects.filter(is_opening=False).count() == 0


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_markdown_is_saved_or_refused_quickly(member_client, client, article, text):
    response = timed(member_client.post, "/wiki/ruth/edit/", edit_data(article, body=text))
    if response.status_code != 302:
        assert_clear_error(response)
        return
    timed(client.get, "/wiki/ruth/")
    timed(member_client.get, "/wiki/ruth/edit/")
    revision = Article.objects.get().current_revision
    timed(client.get, f"/wiki/ruth/diff/?from={revision.parent_id}&to={revision.pk}")
    preview = timed(member_client.post, "/markdownx/markdownify/", {"content": text})
    assert preview.status_code == 200
