"""Cache invalidation when works or lint terms change (side effects kept in signals)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import progress  # noqa: F401  (registers the login merge)
from .markup.lint import forget_terms
from .models import LintTerm, Point, Work
from .scope import Catalogue


@receiver([post_save, post_delete], sender=Work)
@receiver([post_save, post_delete], sender=Point)
def forget_catalogue(**kwargs):
    Catalogue.invalidate()


@receiver([post_save, post_delete], sender=LintTerm)
def forget_lint_terms(**kwargs):
    forget_terms()
