"""Whole pages from the cache: public ones for readers without a session; for readers with
progress and members, pages kept per (audience, progress) with their own account menu and CSRF
token put back. Any content write makes both stale."""

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tests.factories import make_user
from wiki.services import save_revision

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.NLMG_ANONYMOUS_CACHE_SECONDS = 60
    settings.NLMG_READER_CACHE_SECONDS = 300


def make_article(author, body="Plain text."):
    return save_revision(
        article=None,
        author=author,
        content={
            "title": "Norfolk",
            "kind": "place",
            "lead": "England's lost corner.",
            "body": body,
        },
    ).article


def test_anonymous_page_is_cached_and_public(client, member):
    article = make_article(member)
    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert set(second["Cache-Control"].split(", ")) == {"public", "max-age=0", "must-revalidate"}
    assert second["ETag"] == first["ETag"]
    assert "Cookie" in second["Vary"]
    assert "csrfmiddlewaretoken" not in second.content.decode()


def test_a_browser_revalidating_an_unchanged_page_gets_a_304(client, member):
    article = make_article(member)
    etag = client.get(article.get_absolute_url())["ETag"]

    response = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert "max-age=0" in response["Cache-Control"]


def test_a_post_a_moderator_hides_is_gone_from_the_next_anonymous_page(client, member):
    from discussions.services import reply_to_thread, start_thread
    from nlmg.moderation.services import hide_content
    from tests.factories import make_board, make_user

    moderator = make_user(username="lucy")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    thread = start_thread(board=make_board(), author=member, title="Norfolk", body="Lost things.")
    post = reply_to_thread(thread=thread, author=member, body="Buy cheap cassettes now.")
    first = client.get(thread.get_absolute_url())
    assert "Buy cheap cassettes" in first.content.decode()

    hide_content(target=post, moderator=moderator, reason="advert")
    again = client.get(thread.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200
    assert "Buy cheap cassettes" not in again.content.decode()


def test_an_edit_makes_the_cached_page_stale(client, member):
    article = make_article(member)
    client.get(article.get_absolute_url())
    save_revision(
        article=article,
        author=member,
        content={**article.current_revision.content(), "body": "The tape was found here."},
    )
    response = client.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "The tape was found here." in response.content.decode()


def test_reader_with_progress_gets_a_private_page_kept_for_that_progress(client, member):
    article = make_article(member, body=">![novel:15] They find the tape!<")
    client.get(article.get_absolute_url())
    client.post("/progress/", {"novel": "23", "film": "0", "drama": "0"})
    with_message = client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in with_message  # "Progress saved" is for this reader only
    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert "private" in second["Cache-Control"] and "public" not in second["Cache-Control"]
    assert second.content == first.content
    assert 'class="spoiler-reached"' in second.content.decode()

    client.post("/progress/", {"novel": "3", "film": "0", "drama": "0"})
    client.get("/")
    earlier = client.get(article.get_absolute_url())
    assert earlier["X-Page-Cache"] == "miss"
    assert "They find the tape!" not in earlier.content.decode()


def test_member_pages_are_kept_per_audience_each_with_its_own_account_menu(
    client, member, other_member, django_assert_max_num_queries
):
    author = make_user(username="tommy", display_name="Tommy D.")
    article = make_article(author)
    client.force_login(member)
    first = client.get(article.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"
    assert "Kathy H." in first.content.decode()

    other = Client()
    other.force_login(other_member)
    other.get(f"/members/{other_member.username}/")  # their row, permissions and counts cached
    with django_assert_max_num_queries(0):
        hit = other.get(article.get_absolute_url())
    page = hit.content.decode()
    assert hit["X-Page-Cache"] == "hit"
    assert "private" in hit["Cache-Control"] and "Cookie" in hit["Vary"]
    assert "Ruth C." in page and "Kathy H." not in page
    assert "\x00" not in page
    # Apart from the account menu and the token, the page is the one the first member got.
    assert _without_menu_and_tokens(page) == _without_menu_and_tokens(first.content.decode())


def test_a_kept_page_carries_a_csrf_token_that_works_for_its_reader(member, other_member):
    article = make_article(member)
    first = Client(enforce_csrf_checks=True)
    first.force_login(member)
    first.get(article.get_absolute_url())
    second = Client(enforce_csrf_checks=True)
    second.force_login(other_member)
    hit = second.get(article.get_absolute_url())
    assert hit["X-Page-Cache"] == "hit"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', hit.content.decode())[1]
    response = second.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in second.session


def test_moderators_are_a_different_audience_from_members(client, member, other_member):
    from django.contrib.auth.models import Group

    article = make_article(member)
    other_member.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(member)
    client.get(article.get_absolute_url())
    moderator = Client()
    moderator.force_login(other_member)
    response = moderator.get(article.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "/protect/" in response.content.decode()
    assert "/protect/" not in client.get(article.get_absolute_url()).content.decode()


def test_a_message_after_an_action_is_shown_once_and_never_kept(client, member):
    article = make_article(member)
    client.force_login(member)
    client.get(article.get_absolute_url())
    edit = client.post(
        f"{article.get_absolute_url()}edit/",
        {
            **{k: v for k, v in article.current_revision.content().items() if v is not None},
            "kind": "place",
            "body": "Norfolk, where lost things go.",
            "summary": "more",
            "base_revision": article.current_revision.pk,
        },
        follow=True,
    )
    assert edit.redirect_chain, edit.content.decode()[:2000]
    with_message = edit.content.decode()
    assert 'class="message' in with_message
    again = client.get(article.get_absolute_url())
    assert 'class="message' not in again.content.decode()
    assert "Norfolk, where lost things go." in again.content.decode()


def test_a_warned_member_is_served_fresh_pages_with_the_warning(client, member, admin_user):
    from nlmg.moderation import services as moderation

    article = make_article(member)
    client.force_login(member)
    client.get(article.get_absolute_url())
    moderation.warn_member(moderator=admin_user, member=member, reason="Tag your spoilers.")
    response = client.get(article.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "Tag your spoilers." in response.content.decode()


def test_pages_not_marked_same_for_audience_are_never_kept(client, member):
    client.force_login(member)
    client.get("/notifications/")
    assert "X-Page-Cache" not in client.get("/notifications/")
    assert "X-Page-Cache" not in client.get(f"/members/{member.username}/")


def _without_menu_and_tokens(html: str) -> str:
    html = re.sub(r"<!--account-menu-->.*?<!--/account-menu-->", "", html, flags=re.S)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_progress_picker_refuses_cross_site_posts(client):
    response = client.post("/progress/", {"everything": "1"}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    response = client.post("/progress/", {"everything": "1"}, HTTP_SEC_FETCH_SITE="cross-site")
    assert response.status_code == 403
    response = client.post(
        "/progress/", {"everything": "1"}, HTTP_ORIGIN="http://testserver", follow=True
    )
    assert response.status_code == 200
    assert "Finished everything" in response.content.decode()


def test_article_content_is_shared_by_readers_at_the_same_progress_and_refreshed_on_edit(
    client, member, other_member, settings
):
    settings.NLMG_FRAGMENT_CACHE_SECONDS = 300
    article = make_article(
        member, body="Ruth waits. >![novel:19 film:completion] Ruth completes.!<"
    )
    client.force_login(member)
    first = client.get(article.get_absolute_url()).content.decode()
    assert 'class="spoiler-withheld spoiler-withheld--inline"' in first
    assert "Ruth completes." not in first

    other = client.__class__()
    other.force_login(other_member)
    assert "Ruth completes." not in other.get(article.get_absolute_url()).content.decode()
    shown = other.get(article.get_absolute_url() + "?spoiler=b-1").content.decode()
    assert "Ruth completes." in shown
    assert "Ruth completes." not in other.get(article.get_absolute_url()).content.decode()

    other.post("/progress/", {"everything": "1"})
    reached = other.get(article.get_absolute_url()).content.decode()
    assert "spoiler-withheld" not in reached
    assert "Ruth completes." in reached

    save_revision(
        article=article,
        author=member,
        content={**article.current_revision.content(), "body": "Ruth waits by the boat."},
    )
    assert "Ruth waits by the boat." in client.get(article.get_absolute_url()).content.decode()


def test_pages_are_kept_per_host_and_scheme(client, member, settings):
    settings.ALLOWED_HOSTS = ["testserver", "nlmg.example.org"]
    article = make_article(member)
    client.get(article.get_absolute_url())
    assert client.get(article.get_absolute_url())["X-Page-Cache"] == "hit"
    other_host = client.get(article.get_absolute_url(), HTTP_HOST="nlmg.example.org")
    assert other_host["X-Page-Cache"] == "miss"
    assert client.get(article.get_absolute_url(), secure=True)["X-Page-Cache"] == "miss"
