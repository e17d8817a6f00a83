"""Who may write at all, and who may moderate: checked in one place."""

MODERATE = "moderation.moderate"
BAN = "moderation.ban_member"


def can_contribute(user) -> bool:
    """Logged in, active, and not suspended or banned (suspensions are moderation's)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return not user.is_suspended


def can_moderate(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(MODERATE))


def can_ban(user) -> bool:
    return can_moderate(user) and user.has_perm(BAN)


def can_flag(user) -> bool:
    return can_contribute(user)
