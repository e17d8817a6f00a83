"""Admin smoke test: every registered model's changelist and one object's change form open."""

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import edit_article, make_board_thread, make_thread_reply

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def one_of_each(
    act, flag, client, client_for, moderator_client, member, other_member, article, task_queue
):
    """At least one row of every model the project registers in the admin, made as the site
    makes them (tasks through the queue, so its results exist too)."""
    thread = make_board_thread(author=member, title="Admin smoke thread")
    thread.tags.set(["hailsham"])
    reply = make_thread_reply(thread, author=other_member, body="A reply.\n")
    make_thread_reply(thread, author=member, parent=reply, body="A nested reply.\n")
    client_for(member).post(f"/discussions/post/{reply.pk}/like/")
    client_for(other_member).post(f"/discussions/post/{reply.pk}/edit/", {"body": "Edited."})
    flag(member, "post", reply, reason="abuse", note="Rude.")
    act(moderator_client, reply, "hide_warn", reason="Rude.")
    act(moderator_client, reply, "suspend", reason="Rude again.", days=2)
    client.post("/accounts/login/", {"username": "kathy", "password": "wrong"})
    edit_article(article, title="Hailsham House", body="See [[Norfolk]].\n")
    moderator_client.post(  # a moderator: new members could not write this often
        f"/discussions/t/{thread.pk}/reply/",
        {"body": "And then Ruth completes.", "lint_acknowledged": "on"},
    )
    task_queue()


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_admin_changelist_and_change_form_open_for_a_superuser(
    one_of_each, superuser_client, model
):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"build a {opts.label} in the one_of_each fixture"
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    listing = superuser_client.get(changelist)
    form = superuser_client.get(change)

    assert listing.status_code == 200, changelist
    assert form.status_code == 200, change


def test_admin_index_lists_the_moderation_models(superuser_client):
    response = superuser_client.get("/admin/")

    assert response.status_code == 200
    page = response.content.decode()
    for path in ("moderationevent", "flag", "suspension", "warning", "loginattempt"):
        assert f'href="/admin/moderation/{path}/"' in page


def test_admin_searches_and_filters_flags(one_of_each, superuser_client):
    response = superuser_client.get("/admin/moderation/flag/?status=actioned&q=Rude")

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_locking_a_thread_in_the_admin_goes_through_the_action_and_is_logged(
    superuser_client, admin, thread
):
    from nlmg.moderation.models import ModerationEvent

    response = superuser_client.post(
        "/admin/discussions/thread/",
        {"action": "lock_thread", "_selected_action": [thread.pk]},
        follow=True,
    )

    assert response.status_code == 200
    thread.refresh_from_db()
    assert thread.is_locked is True
    event = ModerationEvent.objects.get()
    assert (event.action, event.actor, event.reason) == ("lock", admin, "from the admin")
    assert event.changes() == [("state", "open", "locked")]


def test_the_admin_shows_moderated_state_read_only(superuser_client, thread):
    form = superuser_client.get(f"/admin/discussions/thread/{thread.pk}/change/").content.decode()

    for field in ("is_locked", "is_pinned", "is_hidden", "scope", "title"):
        assert f'name="{field}"' not in form, field
    superuser_client.post(
        f"/admin/discussions/thread/{thread.pk}/change/",
        {"is_locked": "on", "title": "Changed around the log", "author_name": "kathy"},
    )
    thread.refresh_from_db()
    assert thread.is_locked is False and thread.title != "Changed around the log"
