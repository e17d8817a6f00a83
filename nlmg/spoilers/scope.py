"""Scopes: which (work, point) pairs a piece of content spoils, and the catalogue of works.

A scope such as ``novel:19 film:completion`` is visible to a reader who has reached at least one
of its points. ``novel:part-2`` stands for the last chapter of Part Two. Parsing validates every
token against the works in the database and names the bad token in its error.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from django.core.cache import cache

CATALOGUE_CACHE_KEY = "spoilers:catalogue:v1"
CATALOGUE_STAMP_KEY = "spoilers:catalogue:stamp"
_memo: tuple | None = None  # (stamp, Catalogue) last built in this process
_database_spec: Callable[[], list[dict]] | None = None  # installed by use_database()
GENERIC = "*"  # the token of a generic spoiler: nobody ever reaches it


def use_database(spec: Callable[[], list[dict]]) -> None:
    """Where ``Catalogue.from_database`` reads the works: the spoilers app's models."""
    global _database_spec
    _database_spec = spec


class ScopeError(ValueError):
    """A scope that does not parse; the message names the bad token."""


@dataclass(frozen=True)
class PointInfo:
    work_key: str
    position: int
    key: str
    label: str
    short_label: str


@dataclass(frozen=True)
class WorkInfo:
    key: str
    title: str
    short_title: str
    points: tuple[PointInfo, ...]
    aliases: Mapping[str, int] = field(default_factory=dict)

    @property
    def last_position(self) -> int:
        return self.points[-1].position if self.points else 0

    def point(self, position: int) -> PointInfo | None:
        if 1 <= position <= len(self.points):
            return self.points[position - 1]
        return None


@dataclass(frozen=True)
class Scope:
    """An immutable set of (work key, position) pairs; empty means no spoiler."""

    pairs: frozenset[tuple[str, int]] = frozenset()
    generic: bool = False

    def __bool__(self) -> bool:
        return bool(self.pairs) or self.generic

    def is_reached(self, progress: Mapping[str, int]) -> bool:
        """True when the reader has reached at least one of the scope's points."""
        if self.generic:
            return False
        if not self.pairs:
            return True
        return any(progress.get(work, 0) >= position for work, position in self.pairs)

    def tokens(self, catalogue: Catalogue) -> list[str]:
        """Canonical tokens in catalogue order, e.g. ["novel:19", "film:completion"]."""
        if self.generic:
            return [GENERIC]
        out = []
        for work in catalogue.works.values():
            for work_key, position in sorted(self.pairs):
                if work_key == work.key and (point := work.point(position)):
                    out.append(f"{work.key}:{point.key}")
        return out

    def to_string(self, catalogue: Catalogue) -> str:
        return " ".join(self.tokens(catalogue))

    def label(self, catalogue: Catalogue) -> str:
        """Human words: "Novel, Part Three, ch. 22 / Film: Completion (1994)"."""
        if self.generic:
            return "spoiler"
        parts = []
        for work in catalogue.works.values():
            for work_key, position in sorted(self.pairs):
                if work_key == work.key and (point := work.point(position)):
                    parts.append(point_label(work, point))
        return " / ".join(parts)

    def implies(self, other: Scope) -> bool:
        """True when every reader who reached this scope has also reached ``other``."""
        if other.generic or self.generic:
            return self.generic and other.generic
        if not other.pairs:
            return True
        if not self.pairs:
            return False
        return all(any(w == ow and p >= op for ow, op in other.pairs) for w, p in self.pairs)

    def union(self, other: Scope) -> Scope:
        return Scope(self.pairs | other.pairs, self.generic and other.generic)


def point_label(work: WorkInfo, point: PointInfo) -> str:
    """A point's label that names its work: "Novel, Part Two, ch. 12", "Film: The Cottages"."""
    if point.label.lower().startswith(work.short_title.lower()):
        return point.label
    return f"{work.short_title.capitalize()}, {point.label}"


NO_SCOPE = Scope()
GENERIC_SCOPE = Scope(generic=True)


class Catalogue:
    """The works and their points, loaded from the database and cached across processes."""

    def __init__(self, works: Iterable[WorkInfo]):
        self.works: dict[str, WorkInfo] = {w.key: w for w in works}

    @classmethod
    def from_spec(cls, spec: Iterable[dict]) -> Catalogue:
        """Build from plain data: [{key, title, short_title, points: [{key, label, ...}]}]."""
        works = []
        for w in spec:
            points = []
            aliases: dict[str, int] = {}
            for position, p in enumerate(w["points"], start=1):
                points.append(
                    PointInfo(
                        w["key"], position, p["key"], p["label"], p.get("short_label", p["label"])
                    )
                )
                aliases[p["key"]] = position
                if p.get("part_key"):
                    aliases[p["part_key"]] = position  # the last point of the part wins
            works.append(WorkInfo(w["key"], w["title"], w["short_title"], tuple(points), aliases))
        return cls(works)

    @classmethod
    def from_database(cls) -> Catalogue:
        """The works in the database, read by the loader the spoilers app installs when it is
        ready (``use_database``): this module stays free of models."""
        if _database_spec is None:
            raise RuntimeError("The works catalogue can be read once the spoilers app is ready.")
        return cls.from_spec(_database_spec())

    @classmethod
    def current(cls) -> Catalogue:
        """The catalogue of the database, from the shared cache when it is there.

        The shared cache holds the spec and a stamp; each process keeps the Catalogue built
        from the stamp it last saw, so most calls cost one small cache read.
        """
        global _memo
        stamp = cache.get(CATALOGUE_STAMP_KEY)
        if stamp is not None and _memo is not None and _memo[0] == stamp:
            return _memo[1]
        spec = cache.get(CATALOGUE_CACHE_KEY) if stamp is not None else None
        if spec is None:
            catalogue = cls.from_database()
            stamp = uuid.uuid4().hex
            cache.set_many(
                {CATALOGUE_CACHE_KEY: catalogue.to_spec(), CATALOGUE_STAMP_KEY: stamp}, 60 * 60
            )
        else:
            catalogue = cls.from_spec(spec)
        _memo = (stamp, catalogue)
        return catalogue

    @staticmethod
    def invalidate() -> None:
        global _memo
        cache.delete_many([CATALOGUE_CACHE_KEY, CATALOGUE_STAMP_KEY])
        _memo = None

    def to_spec(self) -> list[dict]:
        return [
            {
                "key": w.key,
                "title": w.title,
                "short_title": w.short_title,
                "points": [
                    {
                        "key": p.key,
                        "label": p.label,
                        "short_label": p.short_label,
                        "part_key": next(
                            (
                                alias
                                for alias, pos in w.aliases.items()
                                if pos == p.position and alias != p.key
                            ),
                            "",
                        ),
                    }
                    for p in w.points
                ],
            }
            for w in self.works.values()
        ]

    def resolve_token(self, token: str) -> tuple[str, int]:
        if ":" not in token:
            raise ScopeError(
                f'"{token}" is not a scope token: write work:point, e.g. novel:12 or film:cottages.'
            )
        work_key, _, point_key = token.partition(":")
        work = self.works.get(work_key.strip().lower())
        if work is None:
            known = ", ".join(self.works) or "none"
            raise ScopeError(f'unknown work "{work_key}" in "{token}" (known works: {known}).')
        position = work.aliases.get(point_key.strip().lower())
        if position is None:
            first = work.points[0].key if work.points else "?"
            last = work.points[-1].key if work.points else "?"
            raise ScopeError(
                f'"{point_key}" is not a point of {work.key} in "{token}" '
                f"(points run from {first} to {last})."
            )
        return work.key, position

    def parse(self, text: str) -> Scope:
        """Parse "novel:19 film:completion" (spaces or commas between tokens)."""
        tokens = [t for t in text.replace(",", " ").split() if t]
        if not tokens:
            return NO_SCOPE
        return Scope(frozenset(self.resolve_token(t) for t in tokens))

    def parse_stored(self, text: str) -> Scope:
        """Parse a scope stored in rendered HTML; unknown tokens make it generic (never shown)."""
        if text.strip() == GENERIC:
            return GENERIC_SCOPE
        try:
            return self.parse(text)
        except ScopeError:
            return GENERIC_SCOPE

    def everything(self) -> dict[str, int]:
        return {w.key: w.last_position for w in self.works.values()}

    def clamp(self, progress: Mapping[str, int]) -> dict[str, int]:
        """Keep only known works, with positions within range."""
        out = {}
        for key, work in self.works.items():
            try:
                value = int(progress.get(key, 0))
            except (TypeError, ValueError, OverflowError):
                value = 0
            out[key] = max(0, min(value, work.last_position))
        return out
