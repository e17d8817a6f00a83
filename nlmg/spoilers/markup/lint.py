"""Spoiler lint: revealing terms used outside any spoiler that covers them.

The glossary (``LintTerm`` rows) is read once and cached; its patterns are compiled once per
process for each glossary seen: one alternation of every form finds the few segments worth a
closer look, and each term's own pattern then says which terms they use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache

from ..models import LintTerm
from ..scope import Catalogue, ScopeError
from .gating import Segment

LINT_CACHE_KEY = "spoilers:lint-terms:v2"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
WORD = "word"
PHRASE = "phrase"


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


@dataclass(frozen=True)
class Term:
    """One glossary entry: a term, its other forms, how they match, where it is revealed."""

    term: str
    scope: str
    note: str = ""
    forms: tuple[str, ...] = ()
    match: str = WORD

    @classmethod
    def of(cls, entry) -> Term:
        """A Term from a Term or a tuple (term, scope, note[, forms[, match]])."""
        if isinstance(entry, Term):
            return entry
        term, scope, note, *rest = entry
        forms = tuple(rest[0]) if rest else ()
        match = rest[1] if len(rest) > 1 else WORD
        return cls(term, scope, note, forms, match)

    @property
    def all_forms(self) -> tuple[str, ...]:
        """The term then its forms, each once (any case), longest first within the rest."""
        seen, out = set(), []
        for form in (self.term, *sorted(self.forms, key=len, reverse=True)):
            form = " ".join(form.split())
            if form and form.lower() not in seen:
                seen.add(form.lower())
                out.append(form)
        return tuple(out)

    def form_pattern(self, form: str) -> str:
        if self.match == PHRASE:
            return r"[\s\-]+".join(re.escape(word) for word in re.split(r"[\s\-]+", form))
        body = r"\s+".join(re.escape(word) for word in form.split())
        return rf"(?<!\w){body}(?!\w)"


@dataclass(frozen=True)
class Glossary:
    """Compiled patterns for one tuple of terms."""

    terms: tuple[Term, ...]
    any_term: re.Pattern | None
    patterns: tuple[tuple[Term, tuple[tuple[str, re.Pattern], ...]], ...]

    def matches(self, text: str) -> list[tuple[Term, tuple[tuple[str, re.Pattern], ...]]]:
        """(term, its compiled forms) for each term the text uses."""
        if self.any_term is None or not self.any_term.search(text):
            return []
        return [
            (term, forms)
            for term, forms in self.patterns
            if any(pattern.search(text) for _, pattern in forms)
        ]


@lru_cache(maxsize=8)
def compile_glossary(terms: tuple[Term, ...]) -> Glossary:
    """Compile once per glossary (the cached term tuple is the key)."""
    patterns = []
    alternatives = []
    for term in terms:
        forms = []
        for form in term.all_forms:
            source = term.form_pattern(form)
            alternatives.append(source)
            forms.append((form, re.compile(source, re.IGNORECASE)))
        if forms:
            patterns.append((term, tuple(forms)))
    any_term = re.compile("|".join(alternatives), re.IGNORECASE) if alternatives else None
    return Glossary(terms, any_term, tuple(patterns))


def active_terms() -> tuple[Term, ...]:
    """The active glossary, cached across requests (forgotten when a term is saved)."""
    terms = cache.get(LINT_CACHE_KEY)
    if terms is None:
        terms = tuple(
            Term(t.term, t.scope, t.note, tuple(t.form_list), t.match)
            for t in LintTerm.objects.filter(is_active=True)
        )
        cache.set(LINT_CACHE_KEY, terms, 60 * 10)
    return terms


def forget_terms() -> None:
    cache.delete(LINT_CACHE_KEY)


def _glossary(terms) -> Glossary:
    if terms is None:
        terms = active_terms()
    return compile_glossary(tuple(Term.of(t) for t in terms))


def lint_segments(segments, catalogue: Catalogue, terms=None) -> list[LintWarning]:
    """One warning per (term, sentence) used where no enclosing spoiler implies its scope.

    ``terms`` defaults to the active glossary; it may be Terms or (term, scope, note) tuples.
    """
    glossary = _glossary(terms)
    warnings: list[LintWarning] = []
    seen = set()
    scopes = {}
    for segment in segments:
        for term, forms in glossary.matches(segment.text):
            if term.scope not in scopes:
                try:
                    scopes[term.scope] = catalogue.parse(term.scope)
                except ScopeError:
                    scopes[term.scope] = None
            term_scope = scopes[term.scope]
            if term_scope is None:
                continue
            covered = any(
                (scope := catalogue.parse_stored(s)).generic or scope.implies(term_scope)
                for s in segment.scopes
            )
            if covered:
                continue
            for sentence in SENTENCE_END.split(segment.text):
                form = next((f for f, pattern in forms if pattern.search(sentence)), None)
                if form is not None and (term.term.lower(), sentence) not in seen:
                    seen.add((term.term.lower(), sentence))
                    warnings.append(
                        LintWarning(
                            form,
                            term_scope.to_string(catalogue),
                            term_scope.label(catalogue),
                            sentence.strip()[:300],
                            term.note,
                        )
                    )
    return warnings


def lint_text(text: str, catalogue: Catalogue | None = None, terms=None) -> list[LintWarning]:
    """Lint one plain string read outside any spoiler (a thread title, a tag)."""
    text = " ".join((text or "").split())
    if not text:
        return []
    return lint_segments([Segment(text, ())], catalogue or Catalogue.current(), terms=terms)
