"""Spoiler lint: revealing terms used outside any spoiler that covers them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.cache import cache

from ..scope import Catalogue, ScopeError

LINT_CACHE_KEY = "spoilers:lint-terms:v1"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class LintWarning:
    term: str
    scope: str  # the scope to wrap the sentence in
    label: str
    sentence: str
    note: str = ""

    @property
    def message(self) -> str:
        return f'"{self.term}" looks like a spoiler for {self.label}: wrap it?'


def active_terms() -> list[tuple[str, str, str]]:
    terms = cache.get(LINT_CACHE_KEY)
    if terms is None:
        from ..models import LintTerm

        terms = list(LintTerm.objects.filter(is_active=True).values_list("term", "scope", "note"))
        cache.set(LINT_CACHE_KEY, terms, 60 * 10)
    return terms


def forget_terms() -> None:
    cache.delete(LINT_CACHE_KEY)


def lint_segments(segments, catalogue: Catalogue, terms=None) -> list[LintWarning]:
    """One warning per (term, sentence) used where no enclosing spoiler implies its scope."""
    warnings: list[LintWarning] = []
    seen = set()
    for term, scope_text, note in active_terms() if terms is None else terms:
        try:
            term_scope = catalogue.parse(scope_text)
        except ScopeError:
            continue
        pattern = re.compile(rf"(?<!\w){re.escape(term)}(?!\w)", re.IGNORECASE)
        for segment in segments:
            if not pattern.search(segment.text):
                continue
            covered = any(
                (scope := catalogue.parse_stored(s)).generic or scope.implies(term_scope)
                for s in segment.scopes
            )
            if covered:
                continue
            for sentence in SENTENCE_END.split(segment.text):
                if pattern.search(sentence) and (term.lower(), sentence) not in seen:
                    seen.add((term.lower(), sentence))
                    warnings.append(
                        LintWarning(
                            term,
                            term_scope.to_string(catalogue),
                            term_scope.label(catalogue),
                            sentence.strip()[:300],
                            note,
                        )
                    )
    return warnings
