from django.core.management.base import BaseCommand

from discussions.canon import load_starter_threads


class Command(BaseCommand):
    help = "Create the starter discussion threads from discussions/canon/ (idempotent)."

    def handle(self, *args, **options):
        created = load_starter_threads()
        self.stdout.write(f"Starter threads: {len(created)} created.")
