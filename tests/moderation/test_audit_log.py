"""The audit log: every action is listed and filterable, and no entry can be changed or
deleted, in code or in the admin."""

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import RequestFactory

from nlmg.moderation.models import ModerationEvent
from nlmg.spoilers.models import LintReport
from tests.factories import make_board_thread, make_thread_reply

pytestmark = pytest.mark.django_db

Action = ModerationEvent.Action
# Every action is used (REVERT by the admin's "revert to this revision").
UNUSED_ACTIONS: set = set()


@pytest.fixture
def every_action(
    act, flag, moderator_client, superuser_client, member, other_member, thread, reply, article
):
    """Every moderation action through HTTP: moderators do all but the ban and the admin's
    revert, the admin does those."""
    spare = make_thread_reply(thread, author=other_member, body="Spare reply.\n")
    flag(other_member, "post", reply)
    act(moderator_client, reply, "dismiss", reason="r-dismiss")
    dismissal = ModerationEvent.objects.get(action="dismiss")
    moderator_client.post(f"/moderation/log/{dismissal.pk}/undo/", {"reason": "r-reopen"})
    act(moderator_client, reply, "hide_warn", reason="r-hide-warn")
    act(moderator_client, reply, "restore", reason="r-restore")
    act(moderator_client, spare, "suspend", reason="r-suspend", days=2)
    moderator_client.post("/moderation/members/ruth/", {"lift": "1", "reason": "r-lift"})
    superuser_client.post("/moderation/members/ruth/", {"reason": "r-ban", "ban": "on"})
    for action, value in [
        ("lock", ""),
        ("unlock", ""),
        ("pin", ""),
        ("unpin", ""),
        ("move", "site-talk"),
        ("retitle", "A retitled thread"),
    ]:
        moderator_client.post(
            f"/discussions/t/{thread.pk}/moderate/",
            {"action": action, "value": value, "reason": f"r-{action}"},
        )
    moderator_client.post(
        f"/discussions/post/{reply.pk}/moderate/",
        {"action": "set_scope", "value": "novel:22", "reason": "r-scope"},
    )
    linted = make_thread_reply(thread, author=member, body="Then Ruth completes.\n")
    report = LintReport.objects.create(
        content_type=ContentType.objects.get_for_model(linted),
        object_id=linted.pk,
        author=member,
        terms=[{"field": "body", "term": "completes", "scope": "novel:19", "sentence": "x"}],
    )
    act(moderator_client, linted, "wrap", reason="r-wrap", report=report.pk, value="completes")
    other = LintReport.objects.create(
        content_type=report.content_type, object_id=linted.pk, author=member, terms=report.terms
    )
    act(moderator_client, linted, "resolve_lint", reason="r-lint", report=other.pk)
    act(moderator_client, article.current_revision, "hide", reason="r-revision")
    superuser_client.post(
        "/admin/wiki/revision/",
        {"action": "revert_to", "_selected_action": [article.current_revision_id]},
    )
    for url, data in [
        ("/wiki/hailsham/protect/", {"protect": "1"}),
        ("/wiki/hailsham/protect/", {"protect": "0"}),
        ("/wiki/hailsham/feature/", {"feature": "1"}),
        ("/wiki/hailsham/feature/", {"feature": "0"}),
        ("/wiki/hailsham/delete/", {"delete": "1"}),
        ("/wiki/hailsham/delete/", {"delete": "0"}),
    ]:
        moderator_client.post(url, {**data, "reason": "r-wiki"})
    return ModerationEvent.objects.all()


def test_every_moderation_action_is_recorded(every_action):
    recorded = set(every_action.values_list("action", flat=True))

    assert recorded == {a.value for a in Action} - UNUSED_ACTIONS


def test_audit_log_page_lists_every_action(moderator_client, every_action):
    response = moderator_client.get("/moderation/log/")

    assert response.status_code == 200
    listed = list(response.context["page"].object_list)
    assert listed == list(ModerationEvent.objects.all())
    assert len(listed) == every_action.count() >= 20
    page = response.content.decode()
    for action in {e.action for e in listed}:
        label = Action(action).label
        assert f"<td>{label[0].upper()}{label[1:]} " in page, action
    assert "r-suspend" in page
    assert "A retitled thread" in page
    assert "<li>state: open → locked</li>" in page
    assert "<li>scope: none → Novel, Part Three, ch. 22</li>" in page


def test_audit_log_lists_newest_first(moderator_client, every_action):
    listed = list(moderator_client.get("/moderation/log/").context["page"].object_list)

    assert [e.pk for e in listed] == sorted((e.pk for e in listed), reverse=True)


def test_audit_log_filters_by_action(moderator_client, every_action):
    response = moderator_client.get("/moderation/log/?action=lock")

    listed = list(response.context["page"].object_list)
    assert [(e.action, e.reason) for e in listed] == [("lock", "r-lock")]
    assert '<option value="lock" selected>' in response.content.decode()


def test_audit_log_filters_by_moderator(moderator_client, every_action):
    by_admin = list(moderator_client.get("/moderation/log/?actor=emily").context["page"])
    by_moderator = list(moderator_client.get("/moderation/log/?actor=LUCY").context["page"])

    assert [e.action for e in by_admin] == [Action.REVERT, Action.BAN]
    assert {e.actor_name for e in by_moderator} == {"lucy"}
    assert len(by_moderator) == every_action.count() - 2


def test_audit_log_filters_by_object_type(moderator_client, every_action, article, thread):
    def listed(model):
        page = moderator_client.get(f"/moderation/log/?model={model}").context["page"]
        return {(e.action, e.object_id) for e in page.object_list}

    assert listed("article") == {
        (action, article.pk)
        for action in (
            "protect", "unprotect", "feature", "unfeature", "delete", "undelete", "revert"
        )
    }  # fmt: skip
    assert listed("thread") == {
        (action, thread.pk) for action in ("lock", "unlock", "pin", "unpin", "move", "retitle")
    }
    assert {action for action, _ in listed("user")} == {"warn", "suspend", "lift", "ban"}
    assert {action for action, _ in listed("revision")} == {"hide"}
    assert {action for action, _ in listed("post")} == {
        "dismiss",
        "reopen",
        "hide",
        "restore",
        "set_scope",
        "wrap",
        "resolve_lint",
    }


def test_audit_log_filters_combine(moderator_client, every_action):
    page = moderator_client.get("/moderation/log/?action=hide&model=post&actor=lucy").context[
        "page"
    ]

    assert [(e.action, e.reason) for e in page.object_list] == [("hide", "r-hide-warn")]


# Append-only


@pytest.fixture
def event(act, moderator_client, reply):
    act(moderator_client, reply, "hide", reason="Rude.")
    return ModerationEvent.objects.get()


def test_saving_an_existing_event_raises(event):
    event.reason = "Rewritten."

    with pytest.raises(PermissionError):
        event.save()

    assert ModerationEvent.objects.get().reason == "Rude."


def test_deleting_an_event_raises(event):
    with pytest.raises(PermissionError):
        event.delete()

    assert ModerationEvent.objects.count() == 1


def test_queryset_update_of_events_raises(event):
    with pytest.raises(PermissionError):
        ModerationEvent.objects.filter(pk=event.pk).update(reason="Rewritten.")

    with pytest.raises(PermissionError):
        ModerationEvent.objects.all().update(reason="Rewritten.")

    assert ModerationEvent.objects.get().reason == "Rude."


def test_queryset_delete_of_events_raises(event):
    with pytest.raises(PermissionError):
        ModerationEvent.objects.filter(pk=event.pk).delete()

    with pytest.raises(PermissionError):
        ModerationEvent.objects.all().delete()

    assert ModerationEvent.objects.count() == 1


def test_bulk_update_of_events_raises(event):
    event.reason = "Rewritten."

    with pytest.raises(PermissionError), transaction.atomic():
        ModerationEvent.objects.bulk_update([event], ["reason"])

    assert ModerationEvent.objects.get().reason == "Rude."


def test_event_admin_offers_no_add_change_or_delete_to_a_superuser(event, admin):
    model_admin = admin_site_model_admin(ModerationEvent)
    request = RequestFactory().get("/admin/moderation/moderationevent/")
    request.user = admin

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_delete_permission(request, event) is False
    assert model_admin.has_view_permission(request, event) is True
    assert "delete_selected" not in model_admin.get_actions(request)


def admin_site_model_admin(model):
    return admin.site._registry[model]


def test_event_admin_lists_events_read_only(superuser_client, event):
    response = superuser_client.get("/admin/moderation/moderationevent/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Rude." in page
    assert "/admin/moderation/moderationevent/add/" not in page
    assert 'value="delete_selected"' not in page


def test_event_admin_change_form_is_read_only_and_refuses_a_post(superuser_client, event):
    url = f"/admin/moderation/moderationevent/{event.pk}/change/"

    form = superuser_client.get(url)
    response = superuser_client.post(
        url,
        {
            "actor_name": "someone-else",
            "action": "restore",
            "object_repr": "x",
            "reason": "Rewritten.",
            "before": "{}",
            "after": "{}",
            "object_id": event.object_id,
            "content_type": event.content_type_id,
            "created_at_0": "2020-01-01",
            "created_at_1": "00:00:00",
        },
    )

    assert form.status_code == 200
    assert 'name="_save"' not in form.content.decode()
    assert response.status_code == 403
    event = ModerationEvent.objects.get()
    assert (event.actor_name, event.action, event.reason) == ("lucy", "hide", "Rude.")


def test_event_admin_add_and_delete_views_are_refused_for_a_superuser(superuser_client, event):
    add = superuser_client.post("/admin/moderation/moderationevent/add/", {"reason": "x"})
    delete = superuser_client.post(
        f"/admin/moderation/moderationevent/{event.pk}/delete/", {"post": "yes"}
    )
    bulk_delete = superuser_client.post(
        "/admin/moderation/moderationevent/",
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )

    assert add.status_code == 403
    assert delete.status_code == 403
    assert bulk_delete.status_code in (200, 302)
    assert ModerationEvent.objects.count() == 1


def test_events_survive_the_deletion_of_their_target_thread(moderator_client, member):
    thread = make_board_thread(author=member, title="Doomed thread")
    moderator_client.post(f"/discussions/t/{thread.pk}/moderate/", {"action": "lock"})
    thread_pk = thread.pk

    thread.posts.update(root=None, parent=None)
    thread.delete()

    event = ModerationEvent.objects.get()
    assert (event.object_id, event.object_repr) == (thread_pk, "Thread “Doomed thread” (The Novel)")
