"""Moderation permissions, checked in one place."""

MODERATE = "moderation.moderate"
BAN = "moderation.ban_member"


def can_moderate(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(MODERATE))


def can_ban(user) -> bool:
    return can_moderate(user) and user.has_perm(BAN)


def can_flag(user) -> bool:
    from nlmg.accounts.permissions import can_contribute

    return can_contribute(user)
