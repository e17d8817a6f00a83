"""``manage.py run_worker``: django-tasks-db's ``db_worker`` (the same options) made to last:
it puts back in the queue the tasks a killed worker left marked running (at start, then at most
once a minute), and a database error (the server restarting, a task row deleted under it) is
logged and the loop starts again after a pause instead of ending the worker."""

import logging
import os
import time

from django.core.management.base import CommandError
from django.db import DatabaseError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from nlmg.tasks import requeue_stalled

logger = logging.getLogger("nlmg.tasks")
RECOVER_EVERY_SECONDS = 60
PAUSE_AFTER_ERROR_SECONDS = 5


class SiteWorker(db_worker.Worker):
    def run(self) -> None:
        self._recovered_at = 0.0
        while True:
            try:
                self._recover_now_and_then()
                super().run()
                return
            except DatabaseError:
                if not self.running:
                    return
                logger.exception("the task worker lost the database; starting again shortly")
                self.running_task = False
                connections.close_all()
                time.sleep(PAUSE_AFTER_ERROR_SECONDS)

    def run_task(self, db_task_result) -> None:
        self._recover_now_and_then()
        super().run_task(db_task_result)

    def _recover_now_and_then(self) -> None:
        if time.monotonic() - self._recovered_at >= RECOVER_EVERY_SECONDS:
            self._recovered_at = time.monotonic()
            requeue_stalled()


class Command(db_worker.Command):
    help = "Run a task worker (notifications, email); stop it with Ctrl-C or SIGTERM."

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay,
               reload, max_tasks, worker_id, exclude_queues, **options):  # fmt: skip
        """db_worker's own handle(), building this module's SiteWorker."""
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = SiteWorker(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=excluded,
        )  # fmt: skip
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child that runs the tasks
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
