"""Three-way merge of article content, for edits that started from an older revision."""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher


def merge_lines(base: list[str], mine: list[str], theirs: list[str]) -> tuple[list[str], bool]:
    """diff3-style merge; returns (merged lines, clean). Where both sides changed the same
    region differently the merge is not clean and ``mine`` wins in the returned lines."""
    regions = _sync_regions(base, mine, theirs)
    out: list[str] = []
    clean = True
    iz = ia = ib = 0
    for zstart, zend, astart, aend, bstart, bend in regions:
        base_chunk, mine_chunk, their_chunk = base[iz:zstart], mine[ia:astart], theirs[ib:bstart]
        if base_chunk or mine_chunk or their_chunk:
            if mine_chunk == their_chunk or their_chunk == base_chunk:
                out.extend(mine_chunk)
            elif mine_chunk == base_chunk:
                out.extend(their_chunk)
            else:
                clean = False
                out.extend(mine_chunk)
        out.extend(base[zstart:zend])
        iz, ia, ib = zend, aend, bend
    return out, clean


def _sync_regions(base, a, b):
    """Regions of ``base`` unchanged in both ``a`` and ``b``, with their places in each."""
    matches_a = SequenceMatcher(None, base, a, autojunk=False).get_matching_blocks()
    matches_b = SequenceMatcher(None, base, b, autojunk=False).get_matching_blocks()
    regions = []
    i = j = 0
    while i < len(matches_a) and j < len(matches_b):
        abase, amatch, alen = matches_a[i]
        bbase, bmatch, blen = matches_b[j]
        start, end = max(abase, bbase), min(abase + alen, bbase + blen)
        if start < end:
            astart, bstart = amatch + (start - abase), bmatch + (start - bbase)
            length = end - start
            regions.append((start, end, astart, astart + length, bstart, bstart + length))
        if abase + alen < bbase + blen:
            i += 1
        else:
            j += 1
    regions.append((len(base), len(base), len(a), len(a), len(b), len(b)))
    return regions


def merge_text(base: str, mine: str, theirs: str) -> tuple[str, bool]:
    if mine == theirs or theirs == base:
        return mine, True
    if mine == base:
        return theirs, True
    merged, clean = merge_lines(base.split("\n"), mine.split("\n"), theirs.split("\n"))
    return "\n".join(merged), clean


def merge_value(base, mine, theirs):
    if mine == theirs or theirs == base:
        return mine, True
    if mine == base:
        return theirs, True
    return mine, False


@dataclass
class MergeResult:
    content: dict
    conflicts: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.conflicts


TEXT_FIELDS = ("lead", "body")
VALUE_FIELDS = ("title", "kind", "scope", "tags")


def merge_content(base: dict, mine: dict, theirs: dict) -> MergeResult:
    """Merge every field of article content; ``conflicts`` names the fields that clash."""
    merged: dict = {}
    conflicts: list[str] = []
    for name in TEXT_FIELDS:
        merged[name], clean = merge_text(
            base.get(name, ""), mine.get(name, ""), theirs.get(name, "")
        )
        if not clean:
            conflicts.append(name)
    for name in VALUE_FIELDS:
        merged[name], clean = merge_value(base.get(name), mine.get(name), theirs.get(name))
        if not clean:
            conflicts.append(name)
    infobox = {}
    base_box, mine_box, their_box = (
        base.get("infobox") or {},
        mine.get("infobox") or {},
        theirs.get("infobox") or {},
    )
    for key in sorted(set(base_box) | set(mine_box) | set(their_box)):
        value, clean = merge_text(
            base_box.get(key, ""), mine_box.get(key, ""), their_box.get(key, "")
        )
        if value:
            infobox[key] = value
        if not clean:
            conflicts.append(f"infobox:{key}")
    merged["infobox"] = infobox
    return MergeResult(merged, conflicts)
