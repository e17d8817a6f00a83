"""Two members editing the same article at once: merge when possible, never lose an edit."""

import html as html_lib

import pytest

from tests.factories import make_article
from wiki.models import Revision

pytestmark = pytest.mark.django_db

BODY = (
    "Hailsham has a pond behind the house.\n"
    "\n"
    "The pavilion overlooks the sports field.\n"
    "\n"
    "Every term there is a Sale.\n"
)


@pytest.fixture
def both_editing(member_client, other_client, form_values):
    """Kathy (A) and Ruth (B) have both opened the edit form at revision 1."""
    article = make_article(title="Hailsham", body=BODY)
    form_a = form_values(member_client.get("/wiki/hailsham/edit/"))
    form_b = form_values(other_client.get("/wiki/hailsham/edit/"))
    assert form_a["base_revision"] == form_b["base_revision"] == str(article.current_revision_id)
    return article, form_a, form_b


def save(client, form, **changes):
    return client.post("/wiki/hailsham/edit/", {**form, **changes, "save": "1"})


def test_changes_to_different_paragraphs_are_merged(member_client, other_client, both_editing):
    article, form_a, form_b = both_editing
    body_a = BODY.replace("a pond behind", "a reedy pond behind")
    body_b = BODY.replace("there is a Sale", "there is a Sale and an Exchange")
    assert save(member_client, form_a, body=body_a, summary="Reeds").status_code == 302

    response = save(other_client, form_b, body=body_b, summary="Exchanges")

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.revision_count == 3
    merged = article.current_revision
    assert merged.action == Revision.Action.MERGE
    assert "a reedy pond behind" in merged.body
    assert "a Sale and an Exchange" in merged.body
    assert merged.parent.body == body_a
    page = other_client.get(response["Location"]).content.decode()
    assert "your changes did not overlap and were merged with theirs" in page


def test_changes_to_the_same_line_return_409_with_both_versions_and_nothing_saved(
    member_client, other_client, both_editing, form_values
):
    article, form_a, form_b = both_editing
    body_a = BODY.replace("a pond behind the house", "a pond full of reeds")
    body_b = BODY.replace("a pond behind the house", "a pond where Tommy sulks")
    save(member_client, form_a, body=body_a)
    a_revision = Revision.objects.get(article=article, number=2)

    response = save(other_client, form_b, body=body_b, summary="Tommy at the pond")

    assert response.status_code == 409
    page = response.content.decode()
    assert "Edit conflict: nothing was lost" in page
    resubmit = form_values(response)
    assert resubmit["body"] == body_b
    assert resubmit["summary"] == "Tommy at the pond"
    assert resubmit["base_revision"] == str(a_revision.pk)
    their_text = page.split('id="their-body"', 1)[1].split("</textarea>", 1)[0]
    assert "a pond full of reeds" in html_lib.unescape(their_text)
    assert '<table class="diff">' in page
    assert "Hailsham has a pond <del>full</del> <del>of</del> <del>reeds</del>." in page
    assert "Hailsham has a pond <ins>where</ins> <ins>Tommy</ins> <ins>sulks</ins>." in page
    assert [row.kind for row in response.context["diff_rows"] if row.kind != "equal"] == ["replace"]
    article.refresh_from_db()
    assert article.revision_count == 2
    assert article.current_revision.body == body_a


def test_saving_again_from_the_conflict_form_succeeds(
    member_client, other_client, both_editing, form_values
):
    article, form_a, form_b = both_editing
    save(member_client, form_a, body=BODY.replace("a pond behind the house", "a reedy pond"))
    conflict = save(
        other_client, form_b, body=BODY.replace("a pond behind the house", "a pond for sulking")
    )
    assert conflict.status_code == 409
    resubmit = form_values(conflict)
    resubmit["body"] = BODY.replace("a pond behind the house", "a reedy pond for sulking")

    response = other_client.post("/wiki/hailsham/edit/", {**resubmit, "save": "1"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.revision_count == 3
    assert "a reedy pond for sulking" in article.current_revision.body
    assert article.current_revision.action == Revision.Action.EDIT
    assert article.current_revision.parent.number == 2


def test_an_edit_saved_after_someone_renamed_the_article_is_merged_not_lost(
    member_client, other_client, both_editing
):
    article, form_a, form_b = both_editing
    save(member_client, form_a, title="Hailsham House")
    body_b = BODY.replace("there is a Sale", "there is a Sale and an Exchange")

    response = other_client.post(
        "/wiki/hailsham/edit/", {**form_b, "body": body_b, "save": "1"}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/wiki/hailsham-house/"
    article.refresh_from_db()
    assert article.revision_count == 3
    assert article.title == "Hailsham House"
    assert "a Sale and an Exchange" in article.current_revision.body
