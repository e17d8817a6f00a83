"""Who may do what in the discussions: one function per action."""

from nlmg.accounts.permissions import can_contribute
from nlmg.moderation.permissions import can_moderate

__all__ = ["can_moderate"]


def can_start_thread(user) -> bool:
    return can_contribute(user)


def can_reply(user, thread) -> bool:
    return can_contribute(user) and not thread.is_locked and not thread.is_hidden


def can_edit_post(user, post) -> bool:
    return can_contribute(user) and post.author_id == user.pk and not post.is_removed


def can_delete_post(user, post) -> bool:
    return can_contribute(user) and post.author_id == user.pk and not post.is_deleted


def can_like(user, post) -> bool:
    return can_contribute(user) and not post.is_removed and post.author_id != user.pk
