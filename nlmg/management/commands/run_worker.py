"""``manage.py run_worker``: django-tasks-db's ``db_worker`` (same options), which also puts
back in the queue the tasks that a killed worker left marked running (nlmg.tasks), when it
starts and then at most once a minute, before a task."""

import time

from django.dispatch import receiver
from django_tasks.signals import task_started
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from nlmg.tasks import requeue_stalled

RECOVER_EVERY_SECONDS = 60


class Command(DatabaseWorkerCommand):
    help = "Run a task worker (notifications, email); stop it with Ctrl-C or SIGTERM."

    def handle(self, *args, **options):
        last = {"at": time.monotonic()}

        @receiver(task_started, weak=False)
        def recover_now_and_then(**kwargs):
            if time.monotonic() - last["at"] >= RECOVER_EVERY_SECONDS:
                last["at"] = time.monotonic()
                requeue_stalled()

        requeue_stalled()
        return super().handle(*args, **options)
