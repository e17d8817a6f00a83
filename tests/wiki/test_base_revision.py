"""The revision an edit began from comes from the form, so it can be anything: one of another
article, one that does not exist, not a number. Each is a 400 with the form and the text kept
(it was a 500), and the next save starts from the current revision."""

import html

import pytest

from tests.factories import make_article
from wiki.models import Article

pytestmark = pytest.mark.django_db

TYPED = "Hailsham has a pond, and this paragraph was typed with care."


@pytest.fixture
def articles(db):
    return make_article(title="Hailsham"), make_article(title="Norfolk")


@pytest.mark.parametrize("base", ["other article", "missing", "huge", "not a number"])
def test_an_edit_from_a_revision_not_of_this_article_is_a_400_that_keeps_the_text(
    member_client, form_values, articles, base
):
    hailsham, norfolk = articles
    data = form_values(member_client.get("/wiki/hailsham/edit/"))
    data["body"] = TYPED
    data["base_revision"] = {
        "other article": str(norfolk.current_revision_id),
        "missing": "987654321",
        "huge": str(10**30),
        "not a number": "x1",
    }[base]

    response = member_client.post("/wiki/hailsham/edit/", {**data, "save": "1"})

    assert response.status_code == 400
    assert "not one of this article's revisions" in html.unescape(response.content.decode())
    again = form_values(response)
    assert again["body"].strip() == TYPED
    assert again["base_revision"] == str(hailsham.current_revision_id)
    assert Article.objects.get(pk=hailsham.pk).revision_count == 1
    # Saved again as it stands, it goes through, from the current revision.
    assert member_client.post("/wiki/hailsham/edit/", {**again, "save": "1"}).status_code == 302
    assert TYPED in Article.objects.get(pk=hailsham.pk).current_revision.body
    assert Article.objects.get(pk=norfolk.pk).revision_count == 1


def test_the_service_refuses_a_base_revision_of_another_article(articles):
    from wiki.services import ContentError, save_revision

    hailsham, norfolk = articles
    with pytest.raises(ContentError) as refused:
        save_revision(
            article=hailsham,
            author=None,
            author_name="test",
            content={**hailsham.current_revision.content(), "body": "Changed.\n"},
            base_revision_id=norfolk.current_revision_id,
        )
    assert "base_revision" in refused.value.errors
