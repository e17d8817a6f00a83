from django.core.management.base import BaseCommand, CommandError

from discussions.canon import load_starter_threads
from wiki.canon import CanonError


class Command(BaseCommand):
    help = "Create the starter discussion threads from discussions/canon/ (idempotent)."

    def handle(self, *args, **options):
        try:
            created = load_starter_threads()
        except CanonError as exc:
            raise CommandError(
                f"No starter thread was loaded (nothing was written):\n{exc}"
            ) from exc
        self.stdout.write(f"Starter threads: {len(created)} created.")
