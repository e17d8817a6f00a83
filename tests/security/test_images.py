"""Images come from this site only: an image in a post or an article loads from the uploads
(under MEDIA_URL), or it becomes a plain link, so no post can have its readers' browsers call
another server (and log their addresses). The Content-Security-Policy says the same."""

from html.parser import HTMLParser

import pytest

from tests.factories import make_board_thread
from tests.security.conftest import logged_in

pytestmark = pytest.mark.django_db

UPLOAD = "/media/uploads/2026/12/0123456789abcdef.png"
ELSEWHERE = [
    ("![pixel](https://tracker.example/p.png)", "https://tracker.example/p.png"),
    ("![pixel](http://tracker.example/p.png)", "http://tracker.example/p.png"),
    ("![pixel](//tracker.example/p.png)", "//tracker.example/p.png"),
    ("![pixel](/\\tracker.example/p.png)", "/\\tracker.example/p.png"),
    ("![pixel][t]\n\n[t]: https://tracker.example/p.png", "https://tracker.example/p.png"),
    ("![pixel](/notifications/?seen=1)", "/notifications/?seen=1"),
    ("![pixel](/media/../notifications/)", "/media/../notifications/"),
    (
        "![pixel](/media/uploads/x.png?next=/notifications/)",
        "/media/uploads/x.png?next=/notifications/",
    ),
    ("![pixel](uploads/2026/12/0123456789abcdef.png)", "uploads/2026/12/0123456789abcdef.png"),
]


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.stack, self.nested_anchor = [], [], False

    def handle_starttag(self, tag, attrs):
        if tag == "a" and "a" in self.stack:
            self.nested_anchor = True
        if tag not in ("img", "br", "input", "meta", "link", "hr"):
            self.stack.append(tag)
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass


def post_page(body):
    from tests.factories import make_user

    member = make_user(username="kathy")
    thread = make_board_thread(author=member, title="Pictures")
    client = logged_in(member)
    response = client.post(f"/discussions/t/{thread.pk}/reply/", {"body": f"See {body}"})
    assert response.status_code == 302, response.content.decode()[:300]
    page = client.get(thread.get_absolute_url()).content.decode()
    reader = Tags()
    reader.feed(page)
    return reader


@pytest.mark.parametrize("body, address", ELSEWHERE)
def test_an_image_from_anywhere_but_the_uploads_becomes_a_plain_link(body, address):
    reader = post_page(body)

    images = [attrs.get("src") for tag, attrs in reader.tags if tag == "img"]
    assert images == [], images
    [link] = [attrs for tag, attrs in reader.tags if tag == "a" and attrs.get("href") == address]
    if "tracker" in address:
        assert link.get("class") == "external"
        assert link.get("rel") == "nofollow ugc noopener"


def test_an_uploaded_image_stays_an_image():
    reader = post_page(f"![The coast]({UPLOAD})")
    assert [attrs.get("src") for tag, attrs in reader.tags if tag == "img"] == [UPLOAD]


def test_a_linked_image_from_elsewhere_becomes_the_links_text_not_a_link_in_a_link():
    reader = post_page("[![pixel](https://tracker.example/p.png)](https://example.org/)")
    assert not [attrs for tag, attrs in reader.tags if tag == "img"]
    assert reader.nested_anchor is False
    assert [a for t, a in reader.tags if t == "a" and a.get("href") == "https://example.org/"]


def test_the_live_preview_shows_images_from_elsewhere_as_links(member_client):
    response = member_client.post(
        "/markdownx/markdownify/", {"content": "![pixel](https://tracker.example/p.png)"}
    )
    assert "<img" not in response.content.decode()
    assert 'href="https://tracker.example/p.png"' in response.content.decode()


def test_the_policy_loads_images_and_styles_from_this_site_only(client):
    from tests.security.test_headers import policy

    csp = policy(client.get("/"))
    assert csp["img-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
