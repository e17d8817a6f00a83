"""Flagging content, and the queue of open flags."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from nlmg.moderation.models import Flag
from tests.factories import make_board_thread, make_thread_reply, make_user

pytestmark = pytest.mark.django_db


def flags_on(target):
    return Flag.objects.filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    )


def test_member_flags_a_post_with_reason_and_note(flag, other_member, reply):
    response = flag(other_member, "post", reply, reason="abuse", note="Rude to Ruth.")

    assert response.status_code == 302
    assert response["Location"].startswith(f"/discussions/post/{reply.pk}/")
    stored = flags_on(reply).get()
    assert stored.reason == Flag.Reason.ABUSE
    assert stored.note == "Rude to Ruth."
    assert stored.reporter == other_member
    assert stored.reporter_name == "ruth"
    assert stored.status == Flag.Status.OPEN


def test_member_flags_a_thread_with_reason_and_note(flag, other_member, thread):
    response = flag(other_member, "thread", thread, reason="spoiler", note="Title spoils.")

    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    stored = flags_on(thread).get()
    assert (stored.reason, stored.note, stored.reporter) == (
        "spoiler",
        "Title spoils.",
        other_member,
    )


def test_member_flags_an_article_revision_with_reason_and_note(flag, member, article):
    revision = article.current_revision

    response = flag(member, "revision", revision, reason="spam", note="Vandalism.")

    assert response.status_code == 302
    assert response["Location"] == f"/wiki/hailsham/revisions/{revision.number}/"
    stored = flags_on(revision).get()
    assert (stored.reason, stored.note, stored.reporter) == ("spam", "Vandalism.", member)


def test_member_flags_another_member_with_reason_and_note(flag, member, other_member):
    response = flag(member, "user", other_member, reason="other", note="A spam account.")

    assert response.status_code == 302
    assert response["Location"] == "/members/ruth/"
    stored = flags_on(other_member).get()
    assert (stored.reason, stored.note, stored.reporter) == ("other", "A spam account.", member)


def test_flag_form_names_what_is_flagged(client_for, other_member, thread):
    response = client_for(other_member).get(f"/moderation/flag/?thread={thread.pk}")

    assert response.status_code == 200
    assert "The gallery at Hailsham" in response.content.decode()


def test_flag_without_a_reason_is_refused_with_the_form(client_for, other_member, reply):
    response = client_for(other_member).post(f"/moderation/flag/?post={reply.pk}", {"note": "x"})

    assert response.status_code == 400
    assert flags_on(reply).exists() is False


def test_flagging_twice_keeps_one_flag(client_for, other_member, reply):
    """A double click on "Send flag" stores one flag and says it was already sent."""
    client = client_for(other_member)
    url = f"/moderation/flag/?post={reply.pk}"

    first = client.post(url, {"reason": "spam"}, follow=True)
    second = client.post(url, {"reason": "abuse", "note": "again"}, follow=True)

    assert first.status_code == second.status_code == 200
    assert "Thank you: the moderators will look at it." in first.content.decode()
    assert "You have already flagged this" in second.content.decode()
    assert flags_on(reply).count() == 1
    assert flags_on(reply).get().reason == "spam"


def test_flags_from_several_members_group_into_one_queue_entry_with_the_count(
    flag, moderator_client, reply, other_member
):
    for reporter in (other_member, make_user(), make_user()):
        flag(reporter, "post", reply, reason="abuse", note=f"from {reporter.username}")

    response = moderator_client.get("/moderation/")

    assert response.status_code == 200
    items = response.context["items"]
    assert len(items) == 1
    assert items[0]["target"] == reply
    assert items[0]["group"]["count"] == 3
    page = response.content.decode()
    assert "3 flags" in page
    assert page.count('class="queue-item"') == 1
    assert "from ruth" in page


def _age_flags(target, minutes):
    flags_on(target).update(created_at=timezone.now() - timedelta(minutes=minutes))


@pytest.fixture
def two_flagged_threads(flag, member, other_member):
    """An older thread with one flag, and a newer thread with two."""
    older = make_board_thread(author=member, title="Older flagged thread")
    newer = make_board_thread(author=member, title="Newer flagged thread")
    flag(other_member, "thread", older)
    flag(other_member, "thread", newer)
    flag(make_user(), "thread", newer)
    _age_flags(older, 30)
    _age_flags(newer, 10)
    return older, newer


def test_queue_lists_oldest_flags_first_by_default(moderator_client, two_flagged_threads):
    older, newer = two_flagged_threads

    response = moderator_client.get("/moderation/")

    assert [item["target"] for item in response.context["items"]] == [older, newer]
    page = response.content.decode()
    assert page.index("Older flagged thread") < page.index("Newer flagged thread")


def test_queue_lists_most_flagged_first_when_asked(moderator_client, two_flagged_threads):
    older, newer = two_flagged_threads

    response = moderator_client.get("/moderation/?order=most")

    assert [item["target"] for item in response.context["items"]] == [newer, older]
    page = response.content.decode()
    assert page.index("Newer flagged thread") < page.index("Older flagged thread")


def test_queue_shows_spoilers_open_and_marked_with_their_scope(
    flag, moderator_client, thread, other_member
):
    spoiler_post = make_thread_reply(
        thread,
        author=other_member,
        body="Ruth's secret: >![novel:22] she tells them about Madame's address!<\n",
    )
    flag(make_user(), "post", spoiler_post, reason="spoiler")

    response = moderator_client.get("/moderation/")

    page = response.content.decode()
    assert 'class="preview-spoiler"' in page
    assert 'data-preview-scope="novel:22"' in page
    assert "Spoiler: Novel, Part Three, ch. 22" in page
    assert "she tells them about Madame" in page
    preview = page[page.index('class="queue-preview') : page.index('class="queue-actions"')]
    assert "she tells them about Madame" in preview
    assert "<details" not in preview


def test_queue_shows_the_flagged_content_author_and_flag_notes(
    flag, moderator_client, reply, other_member
):
    flag(other_member, "post", reply, reason="abuse", note="Unkind about Tommy.")

    page = moderator_client.get("/moderation/").content.decode()

    assert "Madame never explained the gallery." in page
    assert 'href="/moderation/members/kathy/"' in page
    assert "Abuse or harassment" in page
    assert "Unkind about Tommy." in page


def test_queue_leaves_out_dismissed_flags(flag, moderator_client, act, reply, other_member):
    flag(other_member, "post", reply)
    act(moderator_client, reply, "dismiss")

    response = moderator_client.get("/moderation/")

    assert response.context["items"] == []
    assert "No open flags" in response.content.decode()


def _flag_one_of_each_kind(flag, reporter, article):
    author = make_user()
    thread = make_board_thread(author=author, title=f"Budget thread {author.username}")
    post = make_thread_reply(thread, author=author, body="Budget reply.\n")
    for key, target in [
        ("thread", thread),
        ("post", post),
        ("user", author),
        ("revision", article.current_revision),
    ]:
        flag(reporter, key, target)


def test_queue_renders_in_a_fixed_number_of_queries(
    flag, moderator_client, other_member, article, django_assert_max_num_queries
):
    """The queue's query count does not grow with the number of flagged items."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _flag_one_of_each_kind(flag, other_member, article)
    with CaptureQueriesContext(connection) as small:
        assert len(moderator_client.get("/moderation/").context["items"]) == 4
    budget = len(small)
    for _ in range(3):
        _flag_one_of_each_kind(flag, make_user(), article)

    with django_assert_max_num_queries(budget):
        response = moderator_client.get("/moderation/")

    assert len(response.context["items"]) == 13  # the revision's flags group into one item


def test_audit_log_renders_in_a_fixed_number_of_queries(
    act, flag, moderator_client, other_member, article, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _flag_one_of_each_kind(flag, other_member, article)
    for item in moderator_client.get("/moderation/").context["items"][:2]:
        act(moderator_client, item["target"], "dismiss")
    with CaptureQueriesContext(connection) as small:
        moderator_client.get("/moderation/log/")
    budget = len(small)
    for item in moderator_client.get("/moderation/").context["items"]:
        act(moderator_client, item["target"], "dismiss")

    with django_assert_max_num_queries(budget):
        response = moderator_client.get("/moderation/log/")

    assert len(response.context["page"].object_list) == 4
