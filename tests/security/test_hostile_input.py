"""Hostile input through every form of the site, then every page where it shows.

Each payload of the corpus (tests/security/payloads.py) is submitted through the real HTTP
forms, as a browser would post them; then the pages that show the value are fetched and read
with an HTML parser (tests/security/html_checks.py): no script, no event handler, no
javascript:/data:/vbscript: URL, no style, no iframe/object/embed/base, no form or meta that is
not the site's own. A refused value must be refused with a clear error (a form error), and the
page saying so is checked the same way.

The full corpus goes through the markdown body of an article and of a reply (and the editor's
preview); an even slice of 40 payloads through every other field: each field of the article
form (title, lead, every infobox field, tags, scope, edit summary), a new article, post edits,
thread titles, opening posts and tags, flags, moderators' reasons, sign-up, the profile,
search queries and filters, and the progress picker.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from discussions.models import Post, Thread
from nlmg.moderation.models import Flag
from nlmg.moderation.services import flag_content
from nlmg.spoilers.markup import render
from tests.factories import make_article, make_board_thread, make_thread_reply
from tests.security.conftest import assert_response_safe, logged_in
from tests.security.html_checks import (
    comparable,
    fragment_problems,
    stays_on_the_site,
    visible_text,
)
from tests.security.payloads import PAYLOADS, payload_id, sample
from wiki.models import Article
from wiki.services import MAX_BODY_CHARS

pytestmark = pytest.mark.django_db


def as_browsers_send(payload: str) -> str:
    """Browsers submit a lone surrogate (which UTF-8 cannot encode) as U+FFFD."""
    return re.sub("[\ud800-\udfff]", "\ufffd", payload)


ALL = [pytest.param(as_browsers_send(p), id=payload_id(i, p)) for i, p in enumerate(PAYLOADS)]
SOME = [pytest.param(as_browsers_send(p), id=payload_id(PAYLOADS.index(p), p)) for p in sample(40)]
ERROR_MARKERS = ('class="error"', 'class="form-errors"', "errorlist")
CHARACTER_INFOBOX = (
    "full_name", "school", "role", "film_actor", "drama_name", "drama_actor", "first_appearance",
)  # fmt: skip


def refused_clearly(response):
    """A refused value: the form again, with a 400 (or 200 for sign-up) and the error shown."""
    html = response.content.decode()
    assert response.status_code in (200, 400), response.status_code
    assert any(marker in html for marker in ERROR_MARKERS), html[:2000]
    assert_response_safe(response)


def shows(response, value) -> bool:
    return comparable(value) in visible_text(response.content.decode())


def query(**params) -> str:
    return urlencode(params)


def check_pages(client, assert_safe, urls):
    for url in urls:
        assert_safe(client, url)


@pytest.fixture(scope="module")
def shared(django_db_setup, django_db_blocker):
    """The members, articles and thread every test here starts from, made once for the
    module in a transaction rolled back after it; each test runs in its own savepoint (the
    ``db`` fixture), so what one test writes is gone for the next (like setUpTestData)."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from nlmg.spoilers.scope import Catalogue
    from tests.factories import make_user

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            kathy = make_user(username="kathy", display_name="Kathy H.")
            ruth = make_user(username="ruth", display_name="Ruth C.")
            # Ruth has finished every work: every spoiler shows to her as plain content.
            ruth.reading_progress = Catalogue.current().everything()
            ruth.save(update_fields=["reading_progress"])
            lucy = make_user(username="lucy", display_name="Miss Lucy")
            lucy.groups.add(Group.objects.get(name="Moderators"))
            character = make_article(
                title="Ruth",
                kind="character",
                lead="Ruth is one of Kathy's closest friends.",
                body="Ruth grows up at Hailsham.\n\nShe later lives at the Cottages.\n",
                infobox={key: f"Plain {key}" for key in CHARACTER_INFOBOX},
                tags="friendship",
                author=kathy,
            )
            plain = make_article(title="Norfolk", kind="concept", lead="A lost corner.")
            thread = make_board_thread(author=ruth, title="The Sales", body="What did you buy?\n")
            yield {
                "member": kathy.pk,
                "other": ruth.pk,
                "moderator": lucy.pk,
                "character": character.pk,
                "plain": plain.pk,
                "thread": thread.pk,
            }
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def member(db, shared):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=shared["member"])


@pytest.fixture
def other_member(db, shared):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=shared["other"])


@pytest.fixture
def moderator(db, shared):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=shared["moderator"])


@pytest.fixture
def finished_client(other_member):
    """A reader who has finished every work: every spoiler shows as plain content."""
    return logged_in(other_member)


# --- the wiki ---------------------------------------------------------------------------------


@pytest.fixture
def character(shared, db):
    """An article of a kind with many infobox fields, all filled in."""
    return Article.objects.get(pk=shared["character"])


@pytest.fixture
def plain(shared, db):
    """An article with no infobox (the quickest to save)."""
    return Article.objects.get(pk=shared["plain"])


ARTICLE = {"pk": None}


def current_article() -> Article:
    return Article.objects.select_related("current_revision").get(pk=ARTICLE["pk"])


@pytest.fixture(autouse=True)
def _article_under_test(request, shared):
    """The article ``edit`` and ``article_pages`` work on: the plain one for the body, the
    character (with its infobox) otherwise."""
    uses_plain = "plain" in request.fixturenames
    ARTICLE["pk"] = shared["plain"] if uses_plain else shared["character"]


def article_form(article, **changes):
    """What the edit form posts, with ``changes`` applied (field names as on the page)."""
    content = article.current_revision.content()
    data = {
        "title": content["title"],
        "kind": content["kind"],
        "lead": content["lead"],
        "body": content["body"],
        "tags": content["tags"],
        "scope": content["scope"],
        "summary": "An edit.",
        "base_revision": str(article.current_revision_id),
        "infobox_kind": content["kind"],
        "lint_acknowledged": "on",
        "save": "1",
    }
    for key, value in content["infobox"].items():
        data[f"infobox_{key}"] = value
    data.update(changes)
    return data


def edit(client, **changes) -> bool:
    """Save the article's edit form with ``changes``; False when refused (clearly)."""
    article = current_article()
    response = client.post(f"/wiki/{article.slug}/edit/", article_form(article, **changes))
    if response.status_code == 302:
        return True
    refused_clearly(response)
    return False


def article_pages(*names, search=""):
    """The addresses of the article's pages named: read, revision, history, diff, edit,
    recent, home, feed, recent-feed, index, kind, search."""
    article = current_article()
    revision, slug = article.current_revision, article.slug
    urls = {
        "read": f"/wiki/{slug}/",
        "revision": f"/wiki/{slug}/revisions/{revision.number}/",
        "history": f"/wiki/{slug}/history/",
        "diff": f"/wiki/{slug}/diff/?from={revision.parent_id}&to={revision.pk}",
        "edit": f"/wiki/{slug}/edit/",
        "recent": "/wiki/recent/",
        "home": "/",
        "feed": f"/wiki/{slug}/feed/",
        "recent-feed": "/wiki/feeds/recent/",
        "index": "/wiki/",
        "kind": f"/wiki/kind/{article.kind.key}/",
        "search": "/search/?" + query(q=search[:200]),
    }
    return [urls[name] for name in names]


def test_the_posted_fields_are_the_edit_forms_fields(member_client, character):
    """The tests post exactly the names the edit form has (no field left untested)."""
    page = member_client.get("/wiki/ruth/edit/").content.decode()
    form = re.search(r'<form[^>]*class="[^"]*article-form.*?</form>', page, re.S).group(0)
    names = set(re.findall(r'name="([a-z_]+)"', form)) - {"csrfmiddlewaretoken", "preview"}
    # The scope is chosen with one select per work (scope_novel...); the tests post the typed
    # scope, which the field accepts too (tests/spoilers/test_scope_field.py).
    assert {n for n in names if n.startswith("scope_")} == {"scope_novel", "scope_film",
                                                            "scope_drama"}  # fmt: skip
    names = {"scope" if n.startswith("scope_") else n for n in names}
    # lint_acknowledged shows only once the spoiler lint has something to say
    assert names | {"lint_acknowledged"} == set(article_form(character)) | {"is_minor"}


@pytest.mark.parametrize("payload", ALL)
def test_article_body(client, member_client, finished_client, plain, assert_safe, payload):
    body = f"{payload}\n\nThe lost corner of England.\n"
    publishable = "\x00" not in payload and not render(body, max_chars=MAX_BODY_CHARS).errors

    saved = edit(member_client, body=body)

    assert saved == publishable  # what can be published is, and nothing else
    if saved:
        (read,) = article_pages("read")
        assert_safe(client, read)  # a reader at the start of the story: spoilers folded
        assert_safe(finished_client, read)  # one at the end: spoilers as plain text


@pytest.mark.parametrize("payload", SOME)
def test_article_body_on_every_page(
    member_client, finished_client, character, assert_safe, payload
):
    if not edit(member_client, body=f"::: spoiler novel:7\n{payload}\n:::\n\n{payload}\n"):
        return
    pages = article_pages("revision", "diff", "edit", "search", search=payload)
    check_pages(member_client, assert_safe, pages)
    check_pages(finished_client, assert_safe, article_pages("read", "revision"))


@pytest.mark.parametrize("payload", SOME)
def test_article_fields(member_client, finished_client, character, assert_safe, subtests, payload):
    """Each field of the edit form in turn (a refusal of one does not stop the others), then
    every page that shows any of them."""
    infobox = {f"infobox_{key}": f"{payload} {n}" for n, key in enumerate(CHARACTER_INFOBOX)}
    saved = {}
    for field, changes in {
        "title": {"title": payload},
        "lead": {"lead": payload},
        "infobox": infobox,
        "tags": {"tags": f"{payload}, memory"},
        "summary": {"summary": payload, "body": "Ruth, edited.\n"},
    }.items():
        with subtests.test(field=field):
            saved[field] = edit(member_client, **changes)
    pages = article_pages(
        "read", "history", "diff", "edit", "recent", "home", "feed", "recent-feed", "index",
        "kind", "search", search=payload,
    )  # fmt: skip
    check_pages(member_client, assert_safe, pages)
    assert_safe(finished_client, pages[0])
    for tag in current_article().tags.all():
        assert_safe(member_client, reverse("wiki:tag", kwargs={"tag": tag.slug}))
    if saved["title"]:
        assert shows(member_client.get(pages[0]), current_article().title)
    with subtests.test(field="scope"):  # last: a scope hides the article from a new reader
        if edit(member_client, scope=payload):
            check_pages(member_client, assert_safe, article_pages("read", "history", "index"))


@pytest.mark.parametrize("payload", SOME)
def test_new_article_with_every_field_hostile(member_client, assert_safe, payload):
    """The create form, with the payload in every text field at once (a preview first)."""
    data = {
        "title": f"{payload} article"[:200],
        "kind": "place",
        "lead": f"A place. {payload}",
        "body": payload,
        "tags": payload[:400],
        "summary": payload[:300],
        "infobox_location": payload,
        "infobox_place_kind": payload,
        "infobox_kind": "place",
        "lint_acknowledged": "on",
    }
    preview = member_client.post("/wiki/new/", {**data, "preview": "1"})
    assert preview.status_code in (200, 400)
    assert_response_safe(preview)
    response = member_client.post("/wiki/new/", {**data, "save": "1"})
    if response.status_code != 302:
        refused_clearly(response)
        return
    assert_safe(member_client, response["Location"])


def test_the_editor_preview_endpoint(member_client):
    """The markdownx live preview, with the whole corpus."""
    url = reverse("markdownx_markdownify")
    for payload in PAYLOADS:
        response = member_client.post(url, {"content": as_browsers_send(payload)})
        assert response.status_code == 200, payload
        assert fragment_problems(response.content.decode()) == [], payload


# --- the discussions ---------------------------------------------------------------------------


@pytest.fixture
def thread(shared, db):
    return Thread.objects.select_related("author").get(pk=shared["thread"])


@pytest.mark.parametrize("payload", ALL)
def test_reply_body(member_client, finished_client, thread, assert_safe, payload):
    url = f"/discussions/t/{thread.pk}/reply/"
    publishable = (
        "\x00" not in payload and payload.strip() and not render(payload, max_chars=50_000).errors
    )

    response = member_client.post(url, {"body": payload, "scope": "", "lint_acknowledged": "on"})

    assert (response.status_code == 302) == bool(publishable), response.content.decode()[:3000]
    if response.status_code != 302:
        refused_clearly(response)
        return
    assert_safe(member_client, thread.get_absolute_url())
    assert_safe(finished_client, thread.get_absolute_url())


@pytest.mark.parametrize("payload", SOME)
def test_post_edit(member_client, member, moderator_client, thread, assert_safe, payload):
    post = make_thread_reply(thread, author=member, body="My first thought.\n")
    response = member_client.post(
        f"/discussions/post/{post.pk}/edit/", {"body": payload, "lint_acknowledged": "on"}
    )

    if response.status_code != 302:
        refused_clearly(response)
        return
    flag_content(target=post, reporter=thread.author, reason="spam")  # for the queue
    urls = [
        f"/discussions/post/{post.pk}/history/",
        thread.get_absolute_url(),
        f"/discussions/t/{thread.pk}/reply/?quote={post.pk}",
        f"/discussions/post/{post.pk}/edit/",
    ]
    check_pages(member_client, assert_safe, urls)
    assert_safe(moderator_client, "/moderation/")


def new_thread(client, **fields):
    data = {"board": "the-novel", "title": "Plain title", "body": "Plain body.", "scope": ""}
    data.update(fields, lint_acknowledged="on")
    response = client.post("/discussions/new/", data)
    if response.status_code == 302:
        return Thread.objects.exclude(title="The Sales").latest("pk")
    refused_clearly(response)
    return None


@pytest.mark.parametrize("payload", SOME)
def test_thread_title_opening_post_and_tags(
    member_client, finished_client, moderator_client, member, assert_safe, subtests, payload
):
    threads = []
    for field, fields in {
        "title": {"title": payload},
        "opening post and tags": {"body": payload, "tags": f"{payload[:100]}, sales"},
    }.items():
        with subtests.test(field=field):
            if thread := new_thread(member_client, **fields):
                flag_content(target=thread, reporter=member, reason="spam")
                flag_content(target=thread.opening_post, reporter=member, reason="spam")
                threads.append(thread)
    for thread in threads:
        page = assert_safe(member_client, thread.get_absolute_url())
        assert shows(page, thread.title)
        assert_safe(finished_client, thread.get_absolute_url())
    if threads:
        check_pages(member_client, assert_safe, ["/discussions/the-novel/", "/"])
        assert_safe(moderator_client, "/moderation/")


# --- moderation -------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", SOME)
def test_flag_note(member_client, moderator_client, thread, assert_safe, payload):
    post = make_thread_reply(thread, author=thread.author, body="Buy my essays.\n")
    response = member_client.post(
        f"/moderation/flag/?post={post.pk}", {"reason": "spam", "note": payload}
    )

    if response.status_code != 302:
        refused_clearly(response)
        return
    assert Flag.objects.count() == 1
    page = assert_safe(moderator_client, "/moderation/")
    assert shows(page, Flag.objects.get().note)


@pytest.mark.parametrize("payload", SOME)
def test_moderation_reason(moderator_client, other_member, thread, assert_safe, payload):
    """A moderator's reason is shown to the member (warnings, suspensions) and in the log."""
    post = make_thread_reply(thread, author=other_member, body="Rude.\n")
    response = moderator_client.post(
        "/moderation/act/",
        {
            "content_type": ContentType.objects.get_for_model(Post).pk,
            "object_id": post.pk,
            "action": "hide_warn",
            "reason": payload[:500],
        },
    )
    assert response.status_code == 302
    check_pages(moderator_client, assert_safe, ["/moderation/log/", "/moderation/members/ruth/"])
    assert_safe(logged_in(other_member), "/")  # the warning, shown to its member


# --- members ----------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", SOME)
def test_signup_fields(moderator_client, assert_safe, subtests, payload):
    from django.contrib.auth import get_user_model

    for field in ("username", "display_name", "email"):
        with subtests.test(field=field):
            client = logged_in(None)
            data = {
                "username": f"newcomer-{field}",
                "display_name": "New Comer",
                "email": f"newcomer-{field}@example.org",
                "password1": "a-long-unusual-passphrase-90",
                "password2": "a-long-unusual-passphrase-90",
                field: payload,
            }
            response = client.post("/accounts/signup/", data)
            if response.status_code != 302:
                refused_clearly(response)
                continue
            user = get_user_model().objects.latest("date_joined")
            check_pages(client, assert_safe, [user.get_absolute_url(), "/"])
            assert_safe(moderator_client, f"/moderation/members/{user.username}/")


@pytest.mark.parametrize("payload", SOME)
def test_profile_fields(
    member_client, member, moderator_client, other_member, assert_safe, subtests, payload
):
    flag_content(target=member, reporter=other_member, reason="abuse")  # the queue shows it
    for field in ("display_name", "bio"):
        with subtests.test(field=field):
            data = {"display_name": "Kathy H.", "bio": "I am a carer.", field: payload}
            response = member_client.post("/accounts/profile/", data)
            if response.status_code != 302:
                refused_clearly(response)
                continue
            member.refresh_from_db()
            page = assert_safe(member_client, member.get_absolute_url())
            assert shows(page, getattr(member, field).replace("\n", " "))
            assert_safe(member_client, "/")
            assert_safe(moderator_client, "/moderation/")
            assert_safe(moderator_client, "/moderation/members/kathy/")


# --- search, filters and the progress picker ---------------------------------------------------


@pytest.mark.parametrize("payload", SOME)
def test_search_queries_and_filters(client, moderator_client, assert_safe, payload):
    make_article(title="Hailsham", body="Hailsham is a school with a pavilion.\n")
    page = assert_safe(client, "/search/?" + query(q=payload))
    if payload.strip() and "\x00" not in payload and len(payload.strip()) <= 200:
        assert shows(page, payload.strip())
    assert_safe(client, "/search/?" + query(q=f"Hailsham {payload}"))
    response = client.get("/search/?" + query(q=payload, go="1"))
    assert response.status_code in (200, 302, 400)
    assert_response_safe(response)
    suggest = client.get("/search/suggest/?" + query(q=payload))
    assert suggest.status_code in (200, 400)
    if suggest.status_code == 200:
        assert suggest["Content-Type"] == "application/json"
    allow = (200, 400) if "\x00" in payload else (200,)  # a NUL in an address: 400
    assert_safe(client, "/wiki/?" + query(q=payload), allow=allow)  # the header's search box
    assert_safe(client, "/wiki/recent/?" + query(author=payload, kind=payload), allow=allow)
    assert_safe(
        moderator_client, "/moderation/log/?" + query(actor=payload, model=payload), allow=allow
    )


@pytest.mark.parametrize("payload", SOME)
def test_progress_picker(client, assert_safe, payload):
    response = client.post("/progress/", {"novel": payload, "film": "0", "next": payload})
    assert response.status_code in (302, 400)
    assert_response_safe(response)
    if response.status_code == 302:
        assert stays_on_the_site(response["Location"])
    response = client.post("/progress/", {"novel": "3", "film": "0", "next": payload})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert stays_on_the_site(response["Location"])
    allow = (200, 400) if "\x00" in payload else (200,)
    assert_safe(client, "/progress/?" + query(next=payload), allow=allow)
    assert_safe(client, "/")
