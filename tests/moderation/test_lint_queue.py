"""Content published over spoiler-lint warnings reaches the moderation queue ("possible
untagged spoiler"), and a moderator sets its scope, wraps the sentence or marks it checked,
each logged (issue 16, findings 4 and 5)."""

import pytest
from django.test import Client

from discussions.models import Post
from nlmg.moderation.models import ModerationEvent
from nlmg.spoilers.models import LintReport

pytestmark = pytest.mark.django_db

BODY = "The Sales were fun. In the end Ruth completes after her second donation."


@pytest.fixture
def published_anyway(member_client, thread):
    response = member_client.post(
        f"/discussions/t/{thread.pk}/reply/", {"body": BODY, "lint_acknowledged": "on"}
    )
    assert response.status_code == 302
    return Post.objects.get(body=BODY)


def test_a_post_published_anyway_is_in_the_queue_with_its_report(
    published_anyway, moderator_client
):
    response = moderator_client.get("/moderation/")

    page = response.content.decode()
    (item,) = response.context["lint_items"]
    assert item["target"] == published_anyway
    assert "Published over spoiler warnings" in page
    assert "Possible untagged spoiler" in page
    assert "<strong>“completes”</strong>" in page
    assert "In the end Ruth completes after her second donation." in page
    assert "Wrap the sentence in novel:17 film:cottages" in page


def test_a_moderator_sets_the_scope_of_a_post_from_its_report(
    published_anyway, moderator_client, moderator, act
):
    report = LintReport.objects.get()

    act(
        moderator_client,
        published_anyway,
        "set_scope",
        reason="Untagged spoiler",
        value="novel:19 film:completion",
        report=report.pk,
    )

    published_anyway.refresh_from_db()
    assert published_anyway.scope == "novel:19 film:completion"
    event = ModerationEvent.objects.get(action="set_scope")
    assert event.actor == moderator and event.reason == "Untagged spoiler"
    assert event.changes() == [
        ("scope", "none", "Novel, Part Three, ch. 19 / Film: Completion (1994)")
    ]
    reader = Client()  # a new visitor (the author reads their own post whole)
    assert (
        "Ruth completes"
        not in reader.get(published_anyway.thread.get_absolute_url()).content.decode()
    )


def test_a_moderator_wraps_the_sentence_as_a_new_version_and_the_report_is_checked(
    published_anyway, moderator_client, moderator, act
):
    report = LintReport.objects.get()

    act(moderator_client, published_anyway, "wrap", reason="spoiler", report=report.pk,
        value="completes")  # fmt: skip

    published_anyway.refresh_from_db()
    assert published_anyway.body == (
        "The Sales were fun. >![novel:17 film:cottages] In the end Ruth completes after her "
        "second donation.!<"
    )
    (version,) = published_anyway.edits.all()
    assert version.body == BODY and version.edited_by == moderator
    report.refresh_from_db()
    assert report.is_resolved is True
    assert {e.action for e in ModerationEvent.objects.all()} == {"wrap", "resolve_lint"}
    assert moderator_client.get("/moderation/").context["lint_items"] == []


def test_marking_a_report_checked_leaves_the_post_and_logs_it(
    published_anyway, moderator_client, act
):
    report = LintReport.objects.get()

    act(moderator_client, published_anyway, "resolve_lint", reason="fine", report=report.pk)

    published_anyway.refresh_from_db()
    assert published_anyway.body == BODY
    assert LintReport.objects.get().is_resolved is True
    assert ModerationEvent.objects.get().action == "resolve_lint"


def test_members_cannot_act_on_reports(published_anyway, member_client, act):
    response = act(
        member_client, published_anyway, "resolve_lint", report=LintReport.objects.get().pk
    )

    assert response.status_code == 403
    assert LintReport.objects.get().is_resolved is False
