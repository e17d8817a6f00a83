"""Saving refused: every typed word stays in the form, the error names its line, nothing saved."""

import pytest
from django.contrib.contenttypes.models import ContentType

from nlmg.spoilers.models import LintReport
from tests.factories import make_article
from wiki.models import Article, Revision

pytestmark = pytest.mark.django_db


def typed(**overrides):
    data = {
        "title": "The Gallery",
        "kind": "concept",
        "lead": "The Gallery is where Madame is said to take the best student art.",
        "body": "The students wonder about it.\n\nNobody has seen it.\n",
        "tags": "hailsham, art",
        "scope": "",
        "summary": "Start the Gallery article",
        "infobox_also_called": "Madame's gallery",
    }
    data.update(overrides)
    return data


def assert_form_keeps(response, data, form_values):
    values = form_values(response)
    for name in ("title", "kind", "lead", "tags", "summary", "infobox_also_called"):
        assert values[name] == data[name], name
    assert values["body"].rstrip("\n") == data["body"].rstrip("\n")


def test_bad_spoiler_scope_is_refused_with_its_line_and_keeps_the_text(member_client, form_values):
    data = typed(body="Intro.\n\n::: spoiler novel:99\nMadame keeps the art.\n:::\n")

    response = member_client.post("/wiki/new/", {**data, "save": "1"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 3:" in html
    assert "is not a point of novel" in html
    assert_form_keeps(response, data, form_values)
    assert Article.objects.count() == 0
    assert Revision.objects.count() == 0


def test_unclosed_spoiler_block_is_refused_with_its_line(member_client, form_values):
    article = make_article(title="The Gallery", kind="concept")
    data = typed(
        body="Intro.\n\nMore.\n\n::: spoiler novel:22\nWhat the Gallery was for.\n",
        base_revision=str(article.current_revision_id),
    )

    response = member_client.post("/wiki/the-gallery/edit/", {**data, "save": "1"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 5: this spoiler block is never closed with &quot;:::&quot;." in html
    assert_form_keeps(response, data, form_values)
    article.refresh_from_db()
    assert article.revision_count == 1


def test_spoiler_markup_in_the_lead_is_refused(member_client, form_values):
    data = typed(lead="The Gallery >![novel:22] never existed!<.")

    response = member_client.post("/wiki/new/", {**data, "save": "1"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "the lead must be spoiler-free: move spoiler markup into the body." in html
    assert_form_keeps(response, data, form_values)
    assert Article.objects.count() == 0


def test_bad_article_scope_is_refused(member_client, form_values):
    data = typed(scope="novel:chapter-twenty")

    response = member_client.post("/wiki/new/", {**data, "save": "1"})

    assert response.status_code == 400
    assert "is not a point of novel" in response.content.decode()
    assert form_values(response)["scope"] == "novel:chapter-twenty"
    assert Article.objects.count() == 0


def test_preview_shows_the_rendered_text_with_spoilers_marked_and_saves_nothing(
    member_client, form_values
):
    data = typed(
        body="The students **wonder** about it.\n\n"
        "::: spoiler novel:22 film:completion\nMiss Emily explains what it was for.\n:::\n"
    )

    response = member_client.post("/wiki/new/", {**data, "preview": "1"})

    assert response.status_code == 200
    html = response.content.decode()
    preview = html.split('id="preview-title"', 1)[1].split("</section>", 1)[0]
    assert "<strong>wonder</strong>" in preview
    assert 'class="preview-spoiler"' in preview
    assert "Spoiler: Novel, Part Three, ch. 22 / Film: Completion (1994)" in preview
    assert "Miss Emily explains what it was for." in preview
    assert "<details" not in preview
    assert_form_keeps(response, data, form_values)
    assert Article.objects.count() == 0


def test_preview_of_invalid_markup_shows_the_error(member_client):
    data = typed(body="Intro.\n\n::: spoiler film:nowhere\nHidden.\n:::\n")

    response = member_client.post("/wiki/new/", {**data, "preview": "1"})

    html = response.content.decode()
    assert "Line 3:" in html
    assert "is not a point of film" in html
    assert Article.objects.count() == 0


def test_spoiler_lint_refuses_an_unwrapped_revealing_term(member_client, form_values):
    data = typed(body="Every student completes in the end.\n")

    response = member_client.post("/wiki/new/", {**data, "save": "1"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "&quot;completes&quot; looks like a spoiler for" in html
    assert 'name="lint_acknowledged"' in html
    assert "Publish anyway" in html
    assert_form_keeps(response, data, form_values)
    assert Article.objects.count() == 0
    assert LintReport.objects.count() == 0


def test_spoiler_lint_publishes_anyway_when_ticked_and_records_a_report(member_client, member):
    data = typed(body="Every student completes in the end.\n")

    response = member_client.post("/wiki/new/", {**data, "lint_acknowledged": "on", "save": "1"})

    assert response.status_code == 302
    article = Article.objects.get(title="The Gallery")
    report = LintReport.objects.get()
    assert report.content_type == ContentType.objects.get_for_model(Revision)
    assert report.object_id == article.current_revision_id
    assert report.author == member
    assert [t["term"] for t in report.terms] == ["completes"]
    assert report.terms[0]["sentence"] == "Every student completes in the end."


def test_spoiler_lint_accepts_a_term_inside_a_covering_spoiler(member_client):
    data = typed(body="Intro.\n\n>![novel:part-2 film:cottages] Every student completes.!<\n")

    response = member_client.post("/wiki/new/", {**data, "save": "1"})

    assert response.status_code == 302
    assert LintReport.objects.count() == 0


def field_block(html: str, field_id: str) -> str:
    """The markup of the form field whose input has this id (its label, help and errors)."""
    at = html.index(f'id="{field_id}"')
    start = html.rindex('<div class="field', 0, at)
    return html[start : html.index("</div>", at)]


def test_a_lint_warning_about_the_summary_is_shown_beside_the_summary(member_client):
    data = typed(summary="Explain that every student completes")

    response = member_client.post("/wiki/new/", {**data, "save": "1"})

    html = response.content.decode()
    assert response.status_code == 400
    assert "looks like a spoiler" in field_block(html, "id_summary")
    assert "looks like a spoiler" not in field_block(html, "id_body")
    summary = html[
        html.index('id="lint-summary"') : html.index("</div>", html.index("lint-summary"))
    ]
    assert '<a href="#id_summary">Edit summary</a>: “completes” reveals' in summary
    assert 'name="lint_acknowledged"' in summary  # "Publish anyway" explained, at the top
    assert html.index('id="lint-summary"') < html.index('id="id_title"')


def test_a_lint_warning_about_an_infobox_value_is_shown_beside_that_value(member_client):
    data = typed(infobox_also_called="What every student completes")

    html = member_client.post("/wiki/new/", {**data, "save": "1"}).content.decode()

    assert "looks like a spoiler" in field_block(html, "id_infobox_also_called")


def test_publish_anyway_is_kept_when_the_form_comes_back_for_another_reason(member_client):
    data = typed(body="Every student completes.\n", scope="novel:99")

    html = member_client.post(
        "/wiki/new/", {**data, "lint_acknowledged": "on", "save": "1"}
    ).content.decode()

    assert '<input type="hidden" name="lint_acknowledged" value="on">' in html
