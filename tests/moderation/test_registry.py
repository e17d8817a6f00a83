"""The moderation contract: a kind of content only the tests know (tests/contentapp's fan
works) is flagged, queued, hidden, logged and restored by its registration alone, with no
change to nlmg/moderation; and the guards count it."""

import pytest

from nlmg.moderation import registry
from nlmg.moderation.guards import recent_writes
from nlmg.moderation.models import Flag, ModerationEvent
from tests.contentapp.models import Fanwork
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def fanwork(member):
    return Fanwork.objects.create(
        title="Tommy's giraffe", author=member, body_html="<p>A sketch.</p>"
    )


def test_the_fan_work_kind_is_registered_from_its_own_app():
    kind = registry.kind_of(Fanwork)

    assert kind.key == "fanwork"
    assert set(kind.actions) == {"hide", "restore"}
    assert registry.kind_by_key("fanwork") is kind


def test_a_new_kind_of_content_is_flagged_queued_hidden_logged_and_restored(
    client_for, moderator_client, other_member, moderator, fanwork, content_type_of
):
    flagged = client_for(other_member).post(
        f"/moderation/flag/?fanwork={fanwork.pk}", {"reason": "spam", "note": "Not a fan work."}
    )
    assert flagged.status_code == 302
    assert Flag.objects.open().get().target == fanwork

    queue = moderator_client.get("/moderation/")
    (item,) = queue.context["items"]
    assert item["title"] == "Fan work “Tommy's giraffe”"
    assert "A sketch." in queue.content.decode()

    moderator_client.post(
        "/moderation/act/",
        {"content_type": content_type_of(fanwork), "object_id": fanwork.pk, "action": "hide",
         "reason": "Spam"},
    )  # fmt: skip
    fanwork.refresh_from_db()
    assert fanwork.is_hidden is True
    event = ModerationEvent.objects.get()
    assert (event.action, event.object_repr, event.actor) == (
        "hide", "Fan work “Tommy's giraffe”", moderator,
    )  # fmt: skip
    assert event.changes() == [("state", "visible", "hidden")]
    assert Flag.objects.open().exists() is False

    moderator_client.post(f"/moderation/log/{event.pk}/undo/", {"reason": "A real one"})
    fanwork.refresh_from_db()
    assert fanwork.is_hidden is False
    assert ModerationEvent.objects.filter(action="restore").count() == 1


def test_the_new_member_write_limit_counts_the_new_kind_too(member, fanwork):
    before = recent_writes(member, 60)
    Fanwork.objects.create(title="Another", author=member)

    assert recent_writes(member, 60) == before + 1


def test_enough_flags_from_trusted_members_hide_it_until_a_moderator_looks(
    client_for, fanwork, settings
):
    settings.NLMG_TRUSTED_AFTER_HOURS = 0
    settings.NLMG_TRUSTED_AFTER_POSTS = 0
    settings.NLMG_TRUSTED_FLAGS_TO_HIDE = 3
    for n in range(3):
        client_for(make_user(username=f"trusted{n}")).post(
            f"/moderation/flag/?fanwork={fanwork.pk}", {"reason": "abuse"}
        )
        fanwork.refresh_from_db()
        assert fanwork.is_hidden is (n == 2)

    event = ModerationEvent.objects.get()
    assert (event.action, event.actor_name) == ("hide", "system")
    assert "3 flags from trusted members" in event.reason
    assert Flag.objects.open().count() == 3  # still for a moderator to decide


def test_flags_from_new_members_do_not_hide_anything(client_for, fanwork, settings):
    settings.NLMG_TRUSTED_FLAGS_TO_HIDE = 2
    for n in range(4):  # joined today: new members
        client_for(make_user(username=f"new{n}")).post(
            f"/moderation/flag/?fanwork={fanwork.pk}", {"reason": "abuse"}
        )

    fanwork.refresh_from_db()
    assert fanwork.is_hidden is False
