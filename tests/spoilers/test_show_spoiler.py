"""Showing one withheld spoiler: on the page without JavaScript (``?spoiler=<id>``) and alone
(``/spoilers/<source>/<pk>/<field>/<n>/``), with the permissions of the page it belongs to."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from discussions.models import Post
from tests.factories import edit_article, make_article, make_thread, make_user
from tests.spoilers.helpers import elements
from wiki.models import Article

pytestmark = pytest.mark.django_db

BODY = """\
Open text about the school.

::: spoiler novel:14 film:cottages
The possible in Norfolk does not look like Ruth.

::: spoiler novel:22
Madame lives by the sea in LITTLEHAMPTON-SECRET.
:::
:::

Tommy draws >!ANIMALS-SECRET!< in the end.
"""


@pytest.fixture
def article(db):
    return make_article(
        title="Norfolk", body=BODY, infobox={"location": "East >![novel:12] CROMER-SECRET!<"}
    )


def fragment(client, source, pk, field, n):
    return client.get(f"/spoilers/{source}/{pk}/{field}/{n}/")


def test_the_page_links_each_placeholder_to_itself_and_to_its_fragment(client, article):
    page = client.get("/wiki/norfolk/").content.decode()
    revision = article.current_revision_id

    assert 'href="?spoiler=b-1#spoiler-b-1"' in page
    assert f'data-fragment="/spoilers/revision/{revision}/body/1/"' in page
    assert f'data-fragment="/spoilers/revision/{revision}/infobox-location/1/"' in page
    for secret in ("possible in Norfolk", "LITTLEHAMPTON", "ANIMALS", "CROMER"):
        assert secret not in page


def test_without_javascript_the_page_shows_the_spoiler_asked_for_and_nothing_else(client, article):
    page = client.get("/wiki/norfolk/?spoiler=b-1").content.decode()

    assert "The possible in Norfolk does not look like Ruth." in page
    assert 'id="spoiler-b-1" tabindex="-1"' in page
    assert "LITTLEHAMPTON" not in page  # nested, not asked for
    assert "ANIMALS" not in page and "CROMER" not in page
    assert '<meta name="robots" content="noindex">' in page


def test_show_every_spoiler_on_the_page_changes_nothing_of_the_progress(client, article):
    page = client.get("/wiki/norfolk/").content.decode()
    assert 'href="?spoiler=all"' in page
    assert "3 spoilers beyond your progress are withheld" in " ".join(page.split())

    everything = client.get("/wiki/norfolk/?spoiler=all").content.decode()
    for secret in ("possible in Norfolk", "LITTLEHAMPTON", "ANIMALS", "CROMER"):
        assert secret in everything
    assert "possible in Norfolk" not in client.get("/wiki/norfolk/").content.decode()
    assert "Spoiler-safe: nothing read yet" in everything


def test_the_fragment_holds_that_spoiler_alone_with_nested_ones_withheld(client, article):
    response = fragment(client, "revision", article.current_revision_id, "body", 1)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["X-Robots-Tag"] == "noindex"
    html = response.content.decode()
    assert html.startswith('<div class="spoiler-shown" id="spoiler-b-1"')
    assert "The possible in Norfolk" in html
    assert "LITTLEHAMPTON" not in html and "Open text" not in html and "ANIMALS" not in html
    assert 'id="spoiler-b-2"' in html  # the nested one, still a placeholder


def test_a_nested_spoiler_is_served_with_what_encloses_it_cut_away(client, article):
    html = fragment(client, "revision", article.current_revision_id, "body", 2).content.decode()

    assert html.startswith('<div class="spoiler-shown" id="spoiler-b-2"')
    assert "LITTLEHAMPTON-SECRET" in html
    assert "possible in Norfolk" not in html


def test_infobox_and_inline_spoilers_are_served_too(client, article):
    revision = article.current_revision_id
    inline = fragment(client, "revision", revision, "body", 3).content.decode()
    infobox = fragment(client, "revision", revision, "infobox-location", 1).content.decode()

    assert inline.startswith('<span class="spoiler-shown spoiler-shown--inline"')
    assert "ANIMALS-SECRET" in inline
    assert "CROMER-SECRET" in infobox


def test_a_spoiler_the_reader_has_reached_is_part_of_the_page_not_a_fragment(
    client, article, set_progress
):
    set_progress(client, novel=14)

    response = fragment(client, "revision", article.current_revision_id, "body", 1)

    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/spoilers/nothing/1/body/1/",
        "/spoilers/revision/999999/body/1/",
        "/spoilers/revision/{revision}/body/99/",
        "/spoilers/revision/{revision}/body/0/",
        "/spoilers/revision/{revision}/title/1/",
        "/spoilers/revision/{revision}/infobox-role/1/",
        "/spoilers/post/{revision}/summary/1/",
        "/spoilers/revision/99999999999999999999999/body/1/",
    ],
)
def test_a_spoiler_that_does_not_exist_answers_404(client, article, path):
    response = client.get(path.format(revision=article.current_revision_id))

    assert response.status_code == 404


def test_an_old_revision_keeps_its_own_spoilers(client, article):
    old = article.current_revision
    edit_article(article, body="Nothing secret now.\n")

    html = fragment(client, "revision", old.pk, "body", 1).content.decode()

    assert "The possible in Norfolk" in html


def test_hostile_markup_inside_a_shown_spoiler_stays_inert(client):
    author = make_user(username="hostile")
    thread = make_thread(
        author=author,
        body='Fine. >![novel:22] <script>alert(1)</script> <img src=x onerror="alert(2)">!<',
    )
    post = thread.opening_post

    html = fragment(client, "post", post.pk, "body", 1).content.decode()

    tags = elements(html)
    assert [t for t, _ in tags if t in ("script", "img")] == []
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    assert "&lt;script&gt;" in html


# --- the permission matrix for reading one spoiler --------------------------------------------

ROLES = ["anonymous", "member", "author", "moderator", "admin"]


@pytest.fixture
def people(db):
    moderator = make_user(username="lucy")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    return {
        "anonymous": None,
        "member": make_user(username="ruth"),
        "author": make_user(username="kathy"),
        "moderator": moderator,
        "admin": make_user(username="emily", is_staff=True, is_superuser=True),
    }


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def hidden_post(people):
    thread = make_thread(author=people["author"], body="Open >![novel:22] SECRET!<")
    thread.opening_post.hide(by=people["moderator"], reason="test")
    return "post", thread.opening_post.pk


def hidden_thread(people):
    thread = make_thread(author=people["author"], body="Open >![novel:22] SECRET!<")
    thread.hide(by=people["moderator"], reason="test")
    return "post", thread.opening_post.pk


def deleted_post(people):
    thread = make_thread(author=people["author"], body="Open.")
    from tests.factories import make_post

    post = make_post(thread=thread, author=people["author"], body="A >![novel:22] SECRET!< b.")
    Post.objects.filter(pk=post.pk).update(is_deleted=True)
    return "post", post.pk


def hidden_post_version(people):
    from discussions.services import edit_post

    thread = make_thread(author=people["author"], body="Was >![novel:22] SECRET!< once.")
    post = edit_post(post=thread.opening_post, editor=people["author"], body="Now plain.")
    post.hide(by=people["moderator"], reason="test")
    return "post-version", post.edits.get().pk


def deleted_article(people):
    article = make_article(title="Gone", body="A >![novel:22] SECRET!< here.\n")
    Article.objects.filter(pk=article.pk).update(is_deleted=True)
    return "revision", article.current_revision_id


def visible_post(people):
    thread = make_thread(author=people["author"], body="Open >![novel:22] SECRET!<")
    return "post", thread.opening_post.pk


CASES = {
    visible_post: {"anonymous": 200, "member": 200, "author": 200, "moderator": 200, "admin": 200},
    hidden_post: {"anonymous": 404, "member": 404, "author": 404, "moderator": 200, "admin": 200},
    hidden_thread: {"anonymous": 404, "member": 404, "author": 404, "moderator": 200, "admin": 200},
    hidden_post_version: {
        "anonymous": 404, "member": 404, "author": 404, "moderator": 200, "admin": 200,
    },
    deleted_post: {"anonymous": 404, "member": 404, "author": 404, "moderator": 404, "admin": 404},
    deleted_article: {
        "anonymous": 404, "member": 404, "author": 404, "moderator": 200, "admin": 200,
    },
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES), ids=lambda case: case.__name__)
@pytest.mark.parametrize("role", ROLES)
def test_a_spoiler_is_served_to_exactly_those_who_may_read_its_page(people, case, role):
    source, pk = case(people)

    response = fragment(client_for(people[role]), source, pk, "body", 1)

    assert response.status_code == CASES[case][role]
    assert (b"SECRET" in response.content) is (response.status_code == 200)
