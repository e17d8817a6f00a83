"""The queue's one-click actions through /moderation/act/, each with its undo, and the member
page's suspensions and bans."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from nlmg.moderation.models import Flag, ModerationEvent, Suspension, Warning

pytestmark = pytest.mark.django_db

REMOVED = "Removed by a moderator."


def open_flags(target):
    return Flag.objects.open().filter(
        content_type=ContentType.objects.get_for_model(target), object_id=target.pk
    )


def reply_to(client, thread, body="Back to the Cottages, then.\n"):
    return client.post(f"/discussions/t/{thread.pk}/reply/", {"body": body})


def until_text(user):
    return timezone.localtime(user.suspended_until).strftime("%d %B %Y, %H:%M")


def test_dismiss_closes_the_flags_and_leaves_the_content(
    flag, act, moderator_client, moderator, reply, other_member, last_event
):
    flag(other_member, "post", reply)

    response = act(moderator_client, reply, "dismiss", reason="Not abusive.")

    assert response.status_code == 302
    assert response["Location"] == "/moderation/"
    assert open_flags(reply).exists() is False
    stored = Flag.objects.get()
    assert stored.status == Flag.Status.DISMISSED
    assert stored.resolved_by == moderator
    reply.refresh_from_db()
    assert reply.is_hidden is False
    event = last_event()
    assert (event.actor, event.action, event.target, event.reason) == (
        moderator,
        ModerationEvent.Action.DISMISS,
        reply,
        "Not abusive.",
    )
    assert event.after["flags_dismissed"] == 1
    assert len(event.after["flags"]) == 1  # kept, so that the dismissal can be undone


def test_dismissed_content_can_be_flagged_again_and_returns_to_the_queue(
    flag, act, moderator_client, reply, other_member
):
    flag(other_member, "post", reply)
    act(moderator_client, reply, "dismiss")

    flag(other_member, "post", reply, reason="abuse", note="It got worse.")

    items = moderator_client.get("/moderation/").context["items"]
    assert [item["target"] for item in items] == [reply]
    assert items[0]["group"]["count"] == 1


def test_hide_shows_removed_in_place_and_keeps_the_tree_of_replies(
    flag, act, moderator_client, moderator, client, thread, reply, nested_reply, last_event
):
    flag(nested_reply.author, "post", reply)

    response = act(moderator_client, reply, "hide", reason="Personal attack.")

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.is_hidden is True
    assert reply.hidden_by == moderator
    assert reply.hide_reason == "Personal attack."
    assert open_flags(reply).exists() is False
    page = client.get(thread.get_absolute_url()).content.decode()
    assert REMOVED in page
    assert "Madame never explained the gallery." not in page
    assert "Miss Emily explains it later." in page
    assert page.index(REMOVED) < page.index("Miss Emily explains it later.")
    event = last_event()
    assert (event.actor, event.action, event.target, event.reason) == (
        moderator,
        ModerationEvent.Action.HIDE,
        reply,
        "Personal attack.",
    )
    assert event.before == {"is_hidden": False, "is_deleted": False, "scope": ""}
    assert event.after["is_hidden"] is True


def test_restore_brings_a_hidden_post_back(
    act, moderator_client, moderator, client, thread, reply, nested_reply, last_event
):
    act(moderator_client, reply, "hide", reason="Personal attack.")

    response = act(moderator_client, reply, "restore", reason="Appeal accepted.")

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.is_hidden is False
    assert reply.hidden_by is None
    page = client.get(thread.get_absolute_url()).content.decode()
    assert REMOVED not in page
    assert "Madame never explained the gallery." in page
    assert "Miss Emily explains it later." in page
    event = last_event()
    assert (event.actor, event.action, event.target, event.reason) == (
        moderator,
        ModerationEvent.Action.RESTORE,
        reply,
        "Appeal accepted.",
    )
    assert event.before["is_hidden"] is True


def test_hidden_post_shows_a_restore_button_in_the_queue(
    flag, act, moderator_client, reply, other_member
):
    flag(other_member, "post", reply)
    act(moderator_client, reply, "hide")
    flag(other_member, "post", reply, note="still here")

    page = moderator_client.get("/moderation/").content.decode()

    assert 'value="restore"' in page
    assert 'value="hide"' not in page


def test_hide_and_warn_hides_and_warns_the_author(
    flag, act, moderator_client, moderator, member, reply, other_member
):
    flag(other_member, "post", reply)

    response = act(moderator_client, reply, "hide_warn", reason="Keep it civil.")

    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.is_hidden is True
    warning = Warning.objects.get()
    assert (warning.user, warning.by_name, warning.reason) == (member, "lucy", "Keep it civil.")
    assert warning.is_acknowledged is False
    actions = list(
        ModerationEvent.objects.order_by("pk").values_list("action", "object_id", "reason")
    )
    assert actions == [
        (ModerationEvent.Action.HIDE, reply.pk, "Keep it civil."),
        (ModerationEvent.Action.WARN, member.pk, "Keep it civil."),
    ]


def test_hide_and_warn_is_undone_by_restore(act, moderator_client, reply):
    act(moderator_client, reply, "hide_warn", reason="Keep it civil.")

    act(moderator_client, reply, "restore", reason="Misread it.")

    reply.refresh_from_db()
    assert reply.is_hidden is False


def test_suspend_the_author_refuses_their_posts_with_reason_and_end(
    flag, act, moderator_client, moderator, client_for, member, reply, thread, last_event
):
    flag(thread.author, "post", reply)
    before = timezone.now()

    response = act(moderator_client, reply, "suspend", reason="Repeated insults.", days=3)

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_suspended is True
    assert before + timedelta(days=3) <= member.suspended_until
    assert member.suspended_until <= timezone.now() + timedelta(days=3)
    assert member.suspension_reason == "Repeated insults."
    suspension = Suspension.objects.get()
    assert (suspension.user, suspension.by, suspension.reason) == (
        member,
        moderator,
        "Repeated insults.",
    )
    refused = reply_to(client_for(member), thread)
    assert refused.status_code == 403
    page = refused.content.decode()
    assert "suspended from posting and editing until" in page
    assert until_text(member) in page
    assert "Repeated insults." in page
    assert thread.posts.count() == 2
    event = last_event(action=ModerationEvent.Action.SUSPEND)
    assert (event.actor, event.target, event.reason) == (moderator, member, "Repeated insults.")
    assert event.before == {"suspended_until": None, "is_banned": False, "suspension_reason": ""}
    assert open_flags(reply).exists() is False


def test_suspended_member_can_still_read(act, moderator_client, client_for, member, reply, thread):
    act(moderator_client, reply, "suspend", reason="Repeated insults.", days=3)

    response = client_for(member).get(thread.get_absolute_url())

    assert response.status_code == 200
    assert "Madame never explained the gallery." in response.content.decode()


def test_suspended_member_can_post_again_after_the_suspension_ends(
    act, moderator_client, client_for, member, reply, thread
):
    act(moderator_client, reply, "suspend", reason="Repeated insults.", days=1)
    member.refresh_from_db()
    member.suspended_until = timezone.now() - timedelta(minutes=1)
    member.save(update_fields=["suspended_until"])

    response = reply_to(client_for(member), thread)

    assert response.status_code == 302
    assert thread.posts.count() == 3


def test_lifting_a_suspension_on_the_member_page_lets_them_post(
    act, moderator_client, moderator, client_for, member, reply, thread, last_event
):
    act(moderator_client, reply, "suspend", reason="Repeated insults.", days=7)
    page = moderator_client.get("/moderation/members/kathy/").content.decode()
    assert "Suspended until" in page
    assert 'name="lift"' in page

    response = moderator_client.post(
        "/moderation/members/kathy/", {"lift": "1", "reason": "Apologised."}, follow=True
    )

    assert response.status_code == 200
    assert "kathy may post again." in response.content.decode()
    member.refresh_from_db()
    assert member.is_suspended is False
    assert member.suspended_until is None
    assert member.suspension_reason == ""
    assert Suspension.objects.get().lifted_by_name == "lucy"
    event = last_event()
    assert (event.actor, event.action, event.target, event.reason) == (
        moderator,
        ModerationEvent.Action.LIFT,
        member,
        "Apologised.",
    )
    assert event.before["suspended_until"] is not None
    assert reply_to(client_for(member), thread).status_code == 302


def test_moderator_suspends_from_the_member_page_for_some_days(
    moderator_client, moderator, member, last_event
):
    response = moderator_client.post(
        "/moderation/members/kathy/", {"reason": "Spoilers in titles.", "days": "2"}
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_suspended is True
    assert member.is_banned is False
    assert member.suspended_until > timezone.now() + timedelta(days=1, hours=23)
    event = last_event()
    assert (event.actor, event.action, event.target) == (
        moderator,
        ModerationEvent.Action.SUSPEND,
        member,
    )


def test_moderator_ban_attempt_is_refused_with_a_message(moderator_client, member):
    response = moderator_client.post(
        "/moderation/members/kathy/", {"reason": "Spam.", "days": "", "ban": "on"}
    )

    assert response.status_code == 400
    assert "Only admins can ban a member permanently." in response.content.decode()
    member.refresh_from_db()
    assert member.is_banned is False
    assert member.is_suspended is False
    assert ModerationEvent.objects.exists() is False


def test_admin_bans_a_member_who_is_then_refused(
    superuser_client, admin, client_for, member, thread, last_event
):
    response = superuser_client.post(
        "/moderation/members/kathy/", {"reason": "Spam bot.", "days": "", "ban": "on"}
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_banned is True
    assert Suspension.objects.get().ends_at is None
    event = last_event()
    assert (event.actor, event.action, event.target, event.reason) == (
        admin,
        ModerationEvent.Action.BAN,
        member,
        "Spam bot.",
    )
    assert event.before["is_banned"] is False
    refused = reply_to(client_for(member), thread)
    assert refused.status_code == 403
    assert "Your account is banned from posting and editing. Reason: Spam bot." in (
        refused.content.decode()
    )


def test_moderator_cannot_lift_a_ban(superuser_client, moderator_client, member):
    superuser_client.post("/moderation/members/kathy/", {"reason": "Spam bot.", "ban": "on"})

    response = moderator_client.post("/moderation/members/kathy/", {"lift": "1"}, follow=True)

    assert "Only admins can lift a ban." in response.content.decode()
    member.refresh_from_db()
    assert member.is_banned is True


def test_admin_lifts_a_ban(superuser_client, client_for, member, thread, last_event):
    superuser_client.post("/moderation/members/kathy/", {"reason": "Spam bot.", "ban": "on"})

    response = superuser_client.post("/moderation/members/kathy/", {"lift": "1", "reason": "Ok"})

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_banned is False
    assert last_event().action == ModerationEvent.Action.LIFT
    assert reply_to(client_for(member), thread).status_code == 302


def test_suspending_without_a_reason_is_refused(moderator_client, member):
    response = moderator_client.post("/moderation/members/kathy/", {"reason": "", "days": "3"})

    assert response.status_code == 400
    member.refresh_from_db()
    assert member.is_suspended is False


def test_hide_that_changes_nothing_leaves_the_flags_open_and_says_so(
    flag, act, moderator_client, member, article
):
    """Hiding a revision that is no longer the article's current one changes nothing, so its
    flags stay in the queue for another decision instead of vanishing unlogged."""
    old = article.revisions.get(number=1)
    flag(member, "revision", old, reason="spam")

    response = act(moderator_client, old, "hide", reason="Old vandalism.", follow=True)

    assert "Nothing changed" in response.content.decode()
    assert open_flags(old).count() == 1
    assert [item["target"] for item in response.context["items"]] == [old]
    assert ModerationEvent.objects.exists() is False


def test_act_returns_to_a_local_next_address(act, moderator_client, content_type_of, reply):
    response = moderator_client.post(
        "/moderation/act/",
        {
            "content_type": content_type_of(reply),
            "object_id": reply.pk,
            "action": "hide",
            "next": reply.get_absolute_url(),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reply.get_absolute_url()


def test_act_ignores_an_off_site_next_address(moderator_client, content_type_of, reply):
    response = moderator_client.post(
        "/moderation/act/",
        {
            "content_type": content_type_of(reply),
            "object_id": reply.pk,
            "action": "hide",
            "next": "https://evil.example/phish",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/moderation/"


def test_act_with_an_unknown_action_changes_nothing(moderator_client, content_type_of, reply):
    response = moderator_client.post(
        "/moderation/act/",
        {"content_type": content_type_of(reply), "object_id": reply.pk, "action": "delete"},
        follow=True,
    )

    assert "That action does not apply here." in response.content.decode()
    reply.refresh_from_db()
    assert reply.is_hidden is False
    assert ModerationEvent.objects.exists() is False


@pytest.fixture
def failing_warnings(db):
    """A real database fault: inserting a warning fails (a trigger raises), so the second half
    of "hide and warn" cannot happen."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_warning() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'warnings refused for the test'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_warning BEFORE INSERT ON moderation_warning "
            "FOR EACH ROW EXECUTE FUNCTION refuse_warning()"
        )
    yield


def test_when_the_warning_fails_hide_and_warn_changes_nothing(
    failing_warnings, flag, moderator, other_member, reply
):
    from django.db import DatabaseError

    from nlmg.moderation.models import Flag
    from nlmg.moderation.services import hide_and_warn

    flag(other_member, "post", reply)

    with pytest.raises(DatabaseError):
        hide_and_warn(target=reply, moderator=moderator, reason="Rude")

    reply.refresh_from_db()
    assert reply.is_hidden is False
    assert ModerationEvent.objects.exists() is False
    assert Flag.objects.open().count() == 1
