"""Whether a member may write at all (suspensions are checked here, in one place)."""


def can_contribute(user) -> bool:
    """Logged in, active, and not suspended or banned."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return not user.is_suspended
