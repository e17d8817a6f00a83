"""The moderation contract: what a kind of content declares so that flags, the queue, the abuse
guards and the audit log can act on it without knowing it by name.

A content app registers each model from its ``AppConfig.ready()``, the way models are
registered with the admin::

    moderation.register(Post, key="post", actions={"hide": hide_content, ...})

The model itself fulfils ``Moderatable``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from django.db.models import Model, Q


@runtime_checkable
class Moderatable(Protocol):
    """What moderation needs of a piece of content."""

    pk: int

    def get_absolute_url(self) -> str: ...

    def moderation_title(self) -> str:
        """How people name it: "Reply by ruth in “The Sales” (The novel)"."""

    def moderation_state(self) -> dict:
        """The state moderators change, as plain data (logged before and after each action)."""

    def moderation_preview(self) -> str:
        """Its stored HTML, for a moderator to read (hidden content too)."""

    @property
    def moderation_owner(self):
        """The member who wrote it, or None."""


@dataclass(frozen=True)
class ContentKind:
    """One registered kind of content.

    - ``key``: its name in flag addresses (``/moderation/flag/?post=12``);
    - ``actions``: the named moderator actions that apply to it, by action name;
    - ``written_by``/``written_at``: the fields the new-member write limit counts;
    - ``standing``: which of a member's items count toward being trusted (None: none do);
    - ``hidden_by_flags``: several flags from trusted members hide it until a moderator looks;
    - ``flaggable``: members may flag it (an article is flagged through its revisions);
    - ``related``: what to ``select_related`` to name it in the queue and the log.
    """

    model: type[Model]
    key: str
    actions: Mapping[str, Callable] = field(default_factory=dict)
    written_by: str | None = None
    written_at: str = "created_at"
    standing: Q | None = None
    hidden_by_flags: bool = False
    flaggable: bool = True
    related: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def model_name(self) -> str:
        return self.model._meta.model_name


_KINDS: dict[type[Model], ContentKind] = {}


def register(model: type[Model], **options) -> ContentKind:
    """Make a model moderatable (idempotent: registering again replaces the entry)."""
    kind = ContentKind(model=model, **options)
    _KINDS[model] = kind
    return kind


def kinds() -> list[ContentKind]:
    return list(_KINDS.values())


def kind_of(target) -> ContentKind | None:
    """The registered kind of a model or an instance (proxy models count as their model)."""
    model = target if isinstance(target, type) else type(target)
    return _KINDS.get(model) or _KINDS.get(model._meta.concrete_model)


def kind_by_key(key: str) -> ContentKind | None:
    return next((kind for kind in _KINDS.values() if kind.key == key), None)
