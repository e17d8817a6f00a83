"""Cache invalidation when works or lint terms change (side effects kept in signals)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import progress  # noqa: F401  (registers the login merge)
from .markup.lint import forget_terms
from .models import LintTerm, Point, Work
from .scope import Catalogue


@receiver([post_save, post_delete], sender=Work)
@receiver([post_save, post_delete], sender=Point)
def forget_catalogue(**kwargs):
    # Forgotten again on commit: a request reading the catalogue before the edit commits would
    # otherwise cache the old works for an hour.
    Catalogue.invalidate()
    transaction.on_commit(Catalogue.invalidate)


@receiver([post_save, post_delete], sender=LintTerm)
def forget_lint_terms(**kwargs):
    forget_terms()
    transaction.on_commit(forget_terms)
