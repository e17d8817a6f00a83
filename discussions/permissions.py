"""Who may do what in the discussions: one function per action."""

from nlmg.moderation.permissions import can_contribute, can_moderate

__all__ = ["can_moderate"]


def can_start_thread(user) -> bool:
    return can_contribute(user)


def can_reply(user, thread, parent=None) -> bool:
    return can_contribute(user) and not reply_closed(thread, parent)


def reply_closed(thread, parent=None) -> str:
    """Why no one may reply here (to the thread, or under ``parent``), or "" when they may."""
    if thread.is_hidden:
        return "This thread was removed by a moderator: it takes no new replies."
    if thread.is_locked:
        return "This thread is locked: it takes no new replies."
    if parent is not None and parent.is_hidden:
        return "The post you are replying to was removed by a moderator: it takes no replies."
    if parent is not None and parent.is_deleted:
        return "The post you are replying to was deleted by its author: it takes no replies."
    return ""


def can_edit_post(user, post) -> bool:
    return (
        can_contribute(user)
        and post.author_id == user.pk
        and not post.is_removed
        and not edit_closed(post.thread)
    )


def edit_closed(thread) -> str:
    """Why the posts of this thread can no longer be edited, or "" when they can."""
    if thread.is_hidden:
        return "This thread was removed by a moderator: its posts can no longer be edited."
    if thread.is_locked:
        return "This thread is locked: its posts can no longer be edited."
    return ""


def can_read_post_history(user, post) -> bool:
    """A post's earlier versions are readable while the post is: not hidden by a moderator,
    not deleted by its author, not in a hidden thread. Moderators read them all."""
    if can_moderate(user):
        return True
    return not post.is_removed and not post.thread.is_hidden


def can_delete_post(user, post) -> bool:
    return can_contribute(user) and post.author_id == user.pk and not post.is_deleted


def can_like(user, post) -> bool:
    return can_contribute(user) and not post.is_removed and post.author_id != user.pk
