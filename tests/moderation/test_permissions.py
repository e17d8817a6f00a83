"""The permission matrix: every moderation URL and every moderator-only write in the wiki and
the discussions, tried by every role. No member reaches a moderator action; no moderator
reaches an admin-only one (a ban, lifting a ban, the Django admin)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from nlmg.moderation.models import ModerationEvent
from tests.factories import make_board_thread, make_thread_reply

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "suspended", "moderator", "admin"]

# Expected outcomes.
OK = "ok"  # 200, or 302 back to the content; the action is logged when it writes
LOGIN = "login"  # anonymous: 302 to the log-in page, or 403
FORBIDDEN = "403"
ADMIN_LOGIN = "admin-login"  # 302 to the Django admin's own log-in page
BAN_REFUSED = "ban-refused"  # the form again (400) saying only admins can ban
LIFT_REFUSED = "lift-refused"  # back to the member page saying only admins can lift a ban

MODERATOR_ONLY = {
    "anonymous": LOGIN,
    "member": FORBIDDEN,
    "suspended": FORBIDDEN,
    "moderator": OK,
    "admin": OK,
}
ADMIN_PAGE = {
    "anonymous": ADMIN_LOGIN,
    "member": ADMIN_LOGIN,
    "suspended": ADMIN_LOGIN,
    "moderator": ADMIN_LOGIN,
    "admin": OK,
}


def row(method, url, data=None, *, setup=(), writes=True, expect=None):
    return {
        "method": method,
        "url": url,
        "data": data,
        "setup": setup,
        "writes": writes and method == "post",
        "expect": {**MODERATOR_ONLY, **(expect or {})},
    }


def act(action, target="reply", **extra):
    return {"content_type": f"{{ct_{target}}}", "object_id": f"{{{target}}}", "action": action,
            "reason": "Matrix.", **extra}  # fmt: skip


def thread_action(action, value=""):
    return {"action": action, "value": value, "reason": "Matrix."}


URLS = {
    # The moderation app.
    "queue": row("get", "/moderation/"),
    "queue-most-flagged": row("get", "/moderation/?order=most"),
    "log": row("get", "/moderation/log/"),
    "log-filtered": row("get", "/moderation/log/?action=hide&model=post&actor=lucy"),
    "member-page": row("get", "/moderation/members/ruth/"),
    "member-suspend": row("post", "/moderation/members/ruth/", {"reason": "Matrix.", "days": "2"}),
    "member-lift": row("post", "/moderation/members/ruth/", {"lift": "1"}, setup=["suspend_ruth"]),
    "act-dismiss": row("post", "/moderation/act/", act("dismiss"), setup=["flag_reply"]),
    "act-hide": row("post", "/moderation/act/", act("hide")),
    "act-hide-warn": row("post", "/moderation/act/", act("hide_warn")),
    "act-suspend": row("post", "/moderation/act/", act("suspend", days="2")),
    "act-restore": row("post", "/moderation/act/", act("restore"), setup=["hide_reply"]),
    "act-hide-revision": row("post", "/moderation/act/", act("hide", target="revision")),
    "act-restore-revision": row(
        "post", "/moderation/act/", act("restore", target="revision"), setup=["revert_revision"]
    ),
    # Flagging is for every member who may write (not for suspended ones).
    "flag-form": row(
        "get",
        "/moderation/flag/?post={reply}",
        expect={"member": OK, "suspended": FORBIDDEN},
    ),
    "flag": row(
        "post",
        "/moderation/flag/?thread={thread}",
        {"reason": "spam"},
        writes=False,
        expect={"member": OK, "suspended": FORBIDDEN},
    ),
    # The discussions' moderator tools.
    "thread-lock": row("post", "/discussions/t/{thread}/moderate/", thread_action("lock")),
    "thread-unlock": row(
        "post", "/discussions/t/{thread}/moderate/", thread_action("unlock"), setup=["lock"]
    ),
    "thread-pin": row("post", "/discussions/t/{thread}/moderate/", thread_action("pin")),
    "thread-unpin": row(
        "post", "/discussions/t/{thread}/moderate/", thread_action("unpin"), setup=["pin"]
    ),
    "thread-move": row(
        "post", "/discussions/t/{thread}/moderate/", thread_action("move", "site-talk")
    ),
    "thread-retitle": row(
        "post", "/discussions/t/{thread}/moderate/", thread_action("retitle", "New title")
    ),
    "thread-hide": row("post", "/discussions/t/{thread}/moderate/", thread_action("hide")),
    "thread-restore": row(
        "post",
        "/discussions/t/{thread}/moderate/",
        thread_action("restore"),
        setup=["hide_thread"],
    ),
    "post-hide": row("post", "/discussions/post/{reply}/moderate/", thread_action("hide")),
    "post-restore": row(
        "post",
        "/discussions/post/{reply}/moderate/",
        thread_action("restore"),
        setup=["hide_reply"],
    ),
    "post-scope": row(
        "post", "/discussions/post/{reply}/moderate/", thread_action("set_scope", "novel:22")
    ),
    # The wiki's moderator tools.
    "wiki-protect": row("post", "/wiki/hailsham/protect/", {"protect": "1"}),
    "wiki-unprotect": row("post", "/wiki/hailsham/protect/", {"protect": "0"}, setup=["protect"]),
    "wiki-edit-protected": row(
        "get",
        "/wiki/hailsham/edit/",
        setup=["protect"],
        expect={"anonymous": LOGIN},
    ),
    "wiki-feature": row("post", "/wiki/hailsham/feature/", {"feature": "1"}),
    "wiki-unfeature": row("post", "/wiki/hailsham/feature/", {"feature": "0"}, setup=["feature"]),
    "wiki-delete": row("post", "/wiki/hailsham/delete/", {"delete": "1"}),
    "wiki-undelete": row("post", "/wiki/hailsham/delete/", {"delete": "0"}, setup=["delete"]),
    # Admin only.
    "ban": row(
        "post",
        "/moderation/members/ruth/",
        {"reason": "Matrix.", "ban": "on"},
        expect={"moderator": BAN_REFUSED},
    ),
    "lift-ban": row(
        "post",
        "/moderation/members/ruth/",
        {"lift": "1"},
        setup=["ban_ruth"],
        expect={"moderator": LIFT_REFUSED},
    ),
    "admin-index": row("get", "/admin/", expect=ADMIN_PAGE),
    "admin-works": row("get", "/admin/spoilers/work/", expect=ADMIN_PAGE),
    "admin-work-change": row("get", "/admin/spoilers/work/{work}/change/", expect=ADMIN_PAGE),
    "admin-boards": row("get", "/admin/discussions/board/", expect=ADMIN_PAGE),
    "admin-board-add": row("get", "/admin/discussions/board/add/", expect=ADMIN_PAGE),
    "admin-kinds": row("get", "/admin/wiki/articlekind/", expect=ADMIN_PAGE),
    "admin-members": row("get", "/admin/accounts/user/", expect=ADMIN_PAGE),
    "admin-events": row("get", "/admin/moderation/moderationevent/", expect=ADMIN_PAGE),
}

KNOWN_BUGS: dict = {}


def cases():
    for name in URLS:
        for role in ROLES:
            marks = []
            if (name, role) in KNOWN_BUGS:
                marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[(name, role)])]
            yield pytest.param(name, role, id=f"{name}-{role}", marks=marks)


@pytest.fixture
def world(member, other_member, suspended_member, moderator, admin, content_type_of):
    """Users of every role, and a thread and reply by ruth for them to act on."""
    from nlmg.spoilers.models import Work

    thread = make_board_thread(author=other_member, title="The gallery at Hailsham")
    reply = make_thread_reply(thread, author=other_member, body="A matrix reply.\n")
    return {
        "users": {
            "anonymous": None,
            "member": member,
            "suspended": suspended_member,
            "moderator": moderator,
            "admin": admin,
        },
        "ruth": other_member,
        "thread": thread,
        "reply": reply,
        "ids": {
            "thread": thread.pk,
            "reply": reply.pk,
            "work": Work.objects.get(key="novel").pk,
            "ct_reply": content_type_of(reply),
        },
    }


def _add_article(world, article, content_type_of):
    """The wiki rows also need an article (slow to build, so only for them)."""
    world["article"] = article
    world["revision"] = article.current_revision
    world["ids"].update(
        revision=article.current_revision.pk, ct_revision=content_type_of(article.current_revision)
    )


def _setup(world, step):
    thread, reply, ruth = world["thread"], world["reply"], world["ruth"]
    if step == "lock":
        thread.set_locked(True)
    elif step == "pin":
        thread.set_pinned(True)
    elif step == "hide_thread":
        thread.hide(by=None)
    elif step == "hide_reply":
        reply.hide(by=None)
    elif step == "flag_reply":
        from nlmg.moderation.services import flag_content

        flag_content(target=reply, reporter=world["users"]["member"], reason="spam")
    elif step == "revert_revision":
        from wiki.services import hide_revision

        hide_revision(target=world["revision"], moderator=None)
    elif step in ("protect", "feature", "delete"):
        field = {"protect": "is_protected", "feature": "is_featured", "delete": "is_deleted"}[step]
        article = world["article"]
        type(article).objects.filter(pk=article.pk).update(**{field: True})
    elif step == "suspend_ruth":
        ruth.suspended_until = timezone.now() + timedelta(days=2)
        ruth.save(update_fields=["suspended_until"])
    elif step == "ban_ruth":
        ruth.is_banned = True
        ruth.save(update_fields=["is_banned"])


def _format(value, ids):
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize(("name", "role"), list(cases()))
def test_permission_matrix(world, client_for, content_type_of, request, name, role):
    spec = URLS[name]
    if spec["url"].startswith("/wiki/") or "revision" in name:
        _add_article(world, request.getfixturevalue("article"), content_type_of)
    for step in spec["setup"]:
        _setup(world, step)
    ids = world["ids"]
    url = _format(spec["url"], ids)
    data = {k: _format(v, ids) for k, v in (spec["data"] or {}).items()}
    client = client_for(world["users"][role])
    events_before = ModerationEvent.objects.count()
    ruth_banned_before = type(world["ruth"]).objects.get(pk=world["ruth"].pk).is_banned

    send = getattr(client, spec["method"])
    response = send(url, data) if data else send(url)

    expected = spec["expect"][role]
    new_events = ModerationEvent.objects.count() - events_before
    location = response.get("Location", "")
    if expected == OK:
        assert response.status_code in (200, 302), response.content.decode()[:300]
        assert not location.startswith(("/accounts/login/", "/admin/login/"))
        if spec["writes"]:
            assert new_events >= 1
            event = ModerationEvent.objects.order_by("-pk").first()
            assert event.actor == world["users"][role]
        return
    assert new_events == 0
    if expected == LOGIN:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert location.startswith("/accounts/login/?next=")
    elif expected == FORBIDDEN:
        assert response.status_code == 403
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302
        assert location.startswith("/admin/login/?next=")
    elif expected == BAN_REFUSED:
        assert response.status_code == 400
        assert "Only admins can ban a member permanently." in response.content.decode()
        assert type(world["ruth"]).objects.get(pk=world["ruth"].pk).is_banned is False
    elif expected == LIFT_REFUSED:
        assert response.status_code == 302
        followed = client.get(location)
        assert "Only admins can lift a ban." in followed.content.decode()
        assert type(world["ruth"]).objects.get(pk=world["ruth"].pk).is_banned is True
        assert ruth_banned_before is True
    else:  # pragma: no cover
        raise AssertionError(expected)


def test_moderators_group_has_exactly_the_moderation_permissions():
    group = Group.objects.get(name="Moderators")

    names = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}

    assert names == {
        "moderation.moderate",
        "moderation.view_moderationevent",
        "moderation.view_flag",
        "moderation.change_flag",
        "wiki.edit_protected_article",
        "wiki.protect_article",
        "wiki.delete_article_page",
    }
    assert "moderation.ban_member" not in names


def test_moderators_are_not_staff(moderator):
    assert moderator.is_staff is False
    assert moderator.has_perm("moderation.moderate") is True
    assert moderator.has_perm("moderation.ban_member") is False


def test_moderator_sees_the_moderation_link_and_a_member_does_not(moderator_client, member_client):
    assert 'href="/moderation/"' in moderator_client.get("/").content.decode()
    assert 'href="/moderation/"' not in member_client.get("/").content.decode()


def test_refused_member_sees_why(member_client):
    response = member_client.get("/moderation/")

    assert response.status_code == 403
    assert "Only moderators can do that." in response.content.decode()


def test_content_type_of_a_model_without_the_contract_is_not_found(moderator_client, world):
    group_type = ContentType.objects.get_for_model(Group)
    group = Group.objects.get(name="Moderators")

    response = moderator_client.post(
        "/moderation/act/",
        {"content_type": group_type.pk, "object_id": group.pk, "action": "hide"},
    )

    assert response.status_code == 404
    assert ModerationEvent.objects.exists() is False
