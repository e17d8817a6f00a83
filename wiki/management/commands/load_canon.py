from django.core.management.base import BaseCommand, CommandError

from wiki.canon import CanonError, load_canon


class Command(BaseCommand):
    help = "Load the canon articles from wiki/canon/ (idempotent; member edits are kept)."

    def handle(self, *args, **options):
        try:
            report = load_canon()
        except CanonError as exc:
            raise CommandError(f"The canon was not loaded (nothing was written):\n{exc}") from exc
        self.stdout.write(
            f"Canon: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged."
        )
        for title in report.kept_member_edits:
            self.stdout.write(f"  kept member edits to '{title}' (not overwritten)")
        self.stdout.write(
            f"Glossary: {len(report.terms_created)} created, {len(report.terms_updated)} updated, "
            f"{len(report.terms_removed)} removed, {len(report.terms_unchanged)} unchanged."
        )
        for term in report.kept_admin_terms:
            self.stdout.write(f"  kept an admin's change to the term '{term}' (not overwritten)")
