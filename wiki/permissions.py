"""Who may do what in the wiki: one function per action."""

from nlmg.moderation.guards import suspension_message
from nlmg.moderation.permissions import can_contribute

EDIT_PROTECTED = "wiki.edit_protected_article"
PROTECT = "wiki.protect_article"
DELETE = "wiki.delete_article_page"


def can_create_article(user) -> bool:
    return can_contribute(user)


def can_edit_article(user, article) -> bool:
    if not can_contribute(user):
        return False
    if article.is_protected and not user.has_perm(EDIT_PROTECTED):
        return False
    return not article.is_deleted


def can_protect_article(user) -> bool:
    return can_contribute(user) and user.has_perm(PROTECT)


def can_delete_article(user) -> bool:
    return can_contribute(user) and user.has_perm(DELETE)


def can_read_article(user, article) -> bool:
    """A deleted article's pages (history, revisions, diffs, links) are read only by those
    who may restore it."""
    return not article.is_deleted or can_delete_article(user)


def edit_refusal(user, article) -> str:
    """Why this reader may not edit, in words for the page."""
    if not user.is_authenticated:
        return "Log in to edit the wiki."
    if user.is_suspended:
        return suspension_message(user)
    if article.is_protected and not user.has_perm(EDIT_PROTECTED):
        return "This article is protected: only moderators can edit it."
    if article.is_deleted:
        return "This article has been deleted."
    return "Your account cannot edit at the moment."
