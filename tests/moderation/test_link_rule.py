"""The new-member link rule, judged on the rendered HTML and on what the member adds: a link
written any way markdown makes one is refused, links already in an article are not the new
member's, and links to other sites, however written, are marked as such."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from discussions.models import Post
from tests.factories import make_article, make_board_thread, make_thread_reply, make_user
from wiki.models import Article

pytestmark = pytest.mark.django_db

LINK_MESSAGE = "New members cannot post links yet"
SNEAKY_LINKS = [
    "Buy [cheap pills][1] today.\n\n[1]: //spam.example/buy",
    "Buy [cheap pills][pills] today.\n\n[pills]: https://spam.example/buy",
    "Buy [cheap pills](//spam.example/buy) today.",
    "Buy [cheap pills](/\\spam.example/buy) today.",
    "Buy <https://spam.example/buy> today.",
    "Buy ![pills](https://spam.example/pixel.png) today.",
    "Buy >![novel:3] [cheap pills](//spam.example/buy)!< today.",
]


@pytest.fixture
def open_thread(other_member):
    return make_board_thread(author=other_member, title="Open to all")


@pytest.fixture
def newcomer(client_for):
    user = make_user(username="newcomer")
    return user, client_for(user)


@pytest.fixture
def trusted(client_for, open_thread):
    user = make_user(username="veteran", date_joined=timezone.now() - timedelta(days=30))
    for number in range(5):
        make_thread_reply(open_thread, author=user, body=f"Standing post {number}.\n")
    return user, client_for(user)


@pytest.mark.parametrize("body", SNEAKY_LINKS)
def test_a_new_member_cannot_post_a_link_written_any_way(newcomer, open_thread, body):
    """A reference-style link to "//spam.example" got past the rule (it read the source)."""
    user, client = newcomer

    response = client.post(f"/discussions/t/{open_thread.pk}/reply/", {"body": body})

    assert response.status_code == 429, body
    assert LINK_MESSAGE in response.content.decode()
    assert not Post.objects.filter(author=user).exists()


class Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.anchors = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.anchors.append(dict(attrs))


@pytest.mark.parametrize(
    "body, href",
    [
        ("[a][1]\n\n[1]: //spam.example/a", "//spam.example/a"),
        ("[b](//spam.example/b)", "//spam.example/b"),
        ("[c](/\\spam.example/c)", "/\\spam.example/c"),
        ("[d](https://example.org/d)", "https://example.org/d"),
    ],
)
def test_a_link_to_another_site_is_marked_external_and_nofollow_however_written(
    trusted, open_thread, body, href
):
    """Links written "//host" or "/\\host" lead off the site as surely as "https://host"."""
    _, client = trusted
    response = client.post(f"/discussions/t/{open_thread.pk}/reply/", {"body": body})
    assert response.status_code == 302

    reader = Anchors()
    reader.feed(client.get(open_thread.get_absolute_url()).content.decode())
    [anchor] = [a for a in reader.anchors if a.get("href") == href]
    assert anchor.get("class") == "external"
    assert anchor.get("rel") == "nofollow ugc noopener"


def test_an_internal_link_is_not_marked_external(trusted, open_thread):
    _, client = trusted
    client.post(f"/discussions/t/{open_thread.pk}/reply/", {"body": "[the pond](/wiki/the-pond/)"})
    reader = Anchors()
    reader.feed(client.get(open_thread.get_absolute_url()).content.decode())
    [anchor] = [a for a in reader.anchors if a.get("href") == "/wiki/the-pond/"]
    assert "class" not in anchor and "rel" not in anchor


@pytest.fixture
def linked_article():
    return make_article(
        title="Norfolk",
        body="Norfolk is [lost corner](https://example.org/norfolk) country.\n\n"
        "![The coast](/media/uploads/coast.png)\n\nA typo hre.\n",
    )


def edit(client, article, **changes):
    article = Article.objects.select_related("current_revision").get(pk=article.pk)
    content = {**article.current_revision.content(), **changes}
    return client.post(
        f"/wiki/{article.slug}/edit/",
        {"title": content["title"], "kind": content["kind"], "lead": content["lead"],
         "body": content["body"], "base_revision": article.current_revision_id, "save": "1"},
    )  # fmt: skip


def test_a_new_member_may_fix_a_typo_in_an_article_that_has_a_link_and_an_image(
    newcomer, linked_article
):
    """Links already in the article are not the new member's: they were answered 429."""
    _, client = newcomer
    body = linked_article.current_revision.body.replace("hre.", "here.")

    response = edit(client, linked_article, body=body)

    assert response.status_code == 302
    assert "A typo here." in Article.objects.get(pk=linked_article.pk).current_revision.body


@pytest.mark.parametrize(
    "where",
    ["body", "lead", "reference in the body"],
)
def test_a_new_member_may_not_add_a_link_to_an_article_that_has_some(
    newcomer, linked_article, where
):
    _, client = newcomer
    current = linked_article.current_revision
    changes = {
        "body": {"body": current.body + "\nSee [more](https://spam.example/).\n"},
        "lead": {"lead": "Norfolk, see [this](//spam.example/)."},
        "reference in the body": {
            "body": current.body + "\nSee [more][x].\n\n[x]: //spam.example/\n"
        },
    }[where]

    response = edit(client, linked_article, **changes)

    assert response.status_code == 429
    assert LINK_MESSAGE in response.content.decode()
    assert Article.objects.get(pk=linked_article.pk).revision_count == 1


def test_a_new_member_may_edit_their_post_that_quotes_an_address_already_there(
    newcomer, open_thread, settings
):
    """An edit of a post is judged against the post before it: a link it had is not added."""
    user, client = newcomer
    settings.NLMG_NEW_MEMBERS_MAY_LINK = True
    client.post(f"/discussions/t/{open_thread.pk}/reply/", {"body": "See <https://example.org/>"})
    settings.NLMG_NEW_MEMBERS_MAY_LINK = False
    post = Post.objects.get(author=user)

    fixed = client.post(
        f"/discussions/post/{post.pk}/edit/", {"body": "See <https://example.org/>, please."}
    )
    added = client.post(
        f"/discussions/post/{post.pk}/edit/",
        {"body": "See <https://example.org/> and [this](//spam.example/)."},
    )

    assert fixed.status_code == 302
    assert added.status_code == 429
