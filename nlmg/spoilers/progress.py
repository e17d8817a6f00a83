"""Reader progress: how far a reader is in each work ({work key: position}, 0 = not started).

Anonymous readers keep it in their session, members on their profile; logging in merges the
two, the furthest point winning per work.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .scope import Catalogue

SESSION_KEY = "reading_progress"
REQUEST_CACHE = "_nlmg_progress"


def reader_progress(request) -> dict[str, int]:
    """The asking reader's progress, clamped to the works that exist (cached per request)."""
    cached = getattr(request, REQUEST_CACHE, None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        raw = user.reading_progress or {}
    elif hasattr(request, "session") and request.session.session_key is not None:
        raw = request.session.get(SESSION_KEY, {})
    else:
        raw = {}
    progress = Catalogue.current().clamp(raw)
    setattr(request, REQUEST_CACHE, progress)
    return progress


def save_progress(request, progress: Mapping[str, int]) -> dict[str, int]:
    """Store the reader's progress where it belongs (profile or session)."""
    clean = Catalogue.current().clamp(progress)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        user.reading_progress = clean
        user.save(update_fields=["reading_progress"])
    else:
        request.session[SESSION_KEY] = clean
    setattr(request, REQUEST_CACHE, clean)
    return clean


def merge_progress(*progresses: Mapping[str, int]) -> dict[str, int]:
    """The furthest point per work."""
    merged: dict[str, int] = {}
    for progress in progresses:
        for key, value in (progress or {}).items():
            try:
                merged[key] = max(merged.get(key, 0), int(value))
            except (TypeError, ValueError):
                continue
    return merged


def progress_key(progress: Mapping[str, int]) -> str:
    """A short canonical string for cache keys: "drama=0,film=2,novel=12"."""
    return ",".join(f"{k}={progress[k]}" for k in sorted(progress))


def progress_summary(progress: Mapping[str, int], catalogue: Catalogue | None = None) -> str:
    """A few words for the header: "Novel ch. 12 · Film: The Cottages · Drama: not started"."""
    catalogue = catalogue or Catalogue.current()
    works = list(catalogue.works.values())
    if all(progress.get(w.key, 0) == 0 for w in works):
        return "Spoiler-safe: nothing read yet"
    if all(progress.get(w.key, 0) >= w.last_position for w in works):
        return "Finished everything: no spoilers hidden"
    parts = []
    for work in works:
        position = progress.get(work.key, 0)
        if position == 0:
            parts.append(f"{work.short_title.capitalize()}: not started")
        elif position >= work.last_position:
            parts.append(f"{work.short_title.capitalize()}: finished")
        else:
            parts.append(f"{work.short_title.capitalize()}: {work.point(position).short_label}")
    return " · ".join(parts)


@receiver(user_logged_in)
def merge_session_progress_on_login(sender, request, user, **kwargs):
    """Logging in keeps the furthest point per work of the session's and the profile's progress.

    Django's login() keeps the session data when it rotates the session key, so the anonymous
    progress is still in request.session here.
    """
    if request is None or not hasattr(request, "session"):
        return
    session_progress = request.session.get(SESSION_KEY) or {}
    if not session_progress:
        return
    merged = Catalogue.current().clamp(merge_progress(user.reading_progress, session_progress))
    if merged != user.reading_progress:
        user.reading_progress = merged
        user.save(update_fields=["reading_progress"])
    request.session.pop(SESSION_KEY, None)
    if hasattr(request, REQUEST_CACHE):
        delattr(request, REQUEST_CACHE)
