"""The background worker: outbox deliveries and django-tasks jobs in one loop.

Why one process and one thread for both: the project's background work is small and I/O bound
(a mail, a webhook, a PDF), one supervised process per node is easier to run than two, and a
single loop makes "finish the current item, then exit" on SIGTERM trivial. Tasks are claimed
and run with django-tasks-db's own code (``get_locked`` + ``claim`` + ``Worker.run_task``), so
they behave exactly as under its ``db_worker`` command. The loop alternates: one batch of
outbox messages (``RATHAUS_OUTBOX_BATCH``, default 20), one task, repeat — neither kind can
starve the other. Where one kind needs its own capacity, run ``rathaus worker --no-tasks`` and
``rathaus worker --no-outbox`` as separate services.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time
from datetime import timedelta
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone

from .delivery import new_worker_id, outbox_batch_size, outbox_deliver_due, outbox_has_due
from .models import OutboxMessage, WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_EVERY = 5.0  # seconds between two heartbeat writes
PERIODIC_CHECK_EVERY = 30.0  # seconds between two looks at the periodic jobs


def _refresh_connections() -> None:
    """Drop dead or too old database connections between two items, as Django does between two
    requests — except inside an atomic block (the worker run in-process by a test)."""
    if not any(c.in_atomic_block for c in connections.all(initialized_only=True)):
        close_old_connections()


class Worker:
    def __init__(
        self,
        *,
        worker_id: str | None = None,
        sleep: float | None = None,
        outbox: bool = True,
        tasks: bool = True,
        periodic: bool | None = None,
    ) -> None:
        self.worker_id = worker_id or new_worker_id()
        self.periodic = (
            getattr(settings, "RATHAUS_WORKER_PERIODIC", True) if periodic is None else periodic
        )
        self._next_periodic_check = 0.0
        self.sleep = settings.RATHAUS_WORKER_SLEEP if sleep is None else sleep
        self.outbox = outbox
        self.tasks = tasks
        self._stop = threading.Event()
        self._stop_signal: int | None = None
        self._last_beat = 0.0
        self._task_runners: dict[str, Any] = {}

    # --- lifecycle -----------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        # Ctrl-C reaches ``rathaus serve`` and the worker together, and serve then sends
        # SIGTERM: so only a *second Ctrl-C* means "give up now" (the lease recovers the
        # message); SIGTERM always waits for the current item (supervisors SIGKILL after their
        # own timeout anyway).
        if self._stop.is_set() and signum == signal.SIGINT and self._stop_signal == signum:
            logger.warning("worker %s: second Ctrl-C, exiting now", self.worker_id)
            sys.exit(1)
        self._stop_signal = signum
        logger.info(
            "worker %s: %s received, finishing the current item",
            self.worker_id,
            signal.Signals(signum).name,
        )
        self._stop.set()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, *, once: bool = False) -> int:
        """Work until stopped (or, with ``once``, until nothing is due). Returns the number of
        outbox messages and tasks handled."""
        logger.info(
            "worker %s started (outbox=%s, tasks=%s, once=%s)",
            self.worker_id,
            self.outbox,
            self.tasks,
            once,
        )
        done = 0
        try:
            while not self.stopping:
                _refresh_connections()
                try:
                    self.heartbeat()
                    worked = self.step()
                except DatabaseError:
                    # The database restarted or SQLite stayed locked: nothing is lost (all state
                    # is in the database), try again after a pause.
                    logger.exception("worker %s: database error, retrying", self.worker_id)
                    _refresh_connections()
                    worked = 0
                    if once:
                        raise
                done += worked
                if not worked:
                    if once:
                        break
                    self._stop.wait(self.sleep)
        finally:
            self._remove_heartbeat()
            logger.info("worker %s stopped after %s items", self.worker_id, done)
        return done

    def step(self) -> int:
        """One turn: due periodic jobs, at most one batch of outbox messages and one task."""
        worked = 0
        if self.periodic and time.monotonic() >= self._next_periodic_check:
            from rathaus.core.periodic import run_due_jobs

            self._next_periodic_check = time.monotonic() + PERIODIC_CHECK_EVERY
            worked += len(run_due_jobs())
        if self.outbox and outbox_has_due():
            # one batch of leases per turn (RATHAUS_OUTBOX_BATCH), then a task
            worked += len(
                outbox_deliver_due(
                    worker_id=self.worker_id,
                    limit=outbox_batch_size(),
                    stopping=lambda: self.stopping,
                )
            )
        if self.tasks and not self.stopping:
            worked += self._run_one_task()
        return worked

    # --- django-tasks --------------------------------------------------------------------------

    def _database_backends(self) -> list[str]:
        from django_tasks_db import DatabaseBackend
        from django_tasks_db.compat import task_backends

        return [
            alias
            for alias in getattr(settings, "TASKS", {})
            if isinstance(task_backends[alias], DatabaseBackend)
        ]

    def _run_one_task(self) -> int:
        from django_tasks_db.management.commands.db_worker import Worker as TaskRunner
        from django_tasks_db.models import DBTaskResult
        from django_tasks_db.utils import exclusive_transaction

        for alias in self._database_backends():
            ready = DBTaskResult.objects.ready().filter(backend_name=alias)
            if not ready.exists():  # a plain read first: no write lock while idle
                continue
            with exclusive_transaction(ready.db):
                task_result = ready.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
            if task_result is None:
                continue
            runner = self._task_runners.get(alias)
            if runner is None:
                runner = self._task_runners[alias] = TaskRunner(
                    queue_names=["*"],
                    interval=self.sleep,
                    batch=False,
                    backend_name=alias,
                    startup_delay=False,
                    max_tasks=None,
                    worker_id=self.worker_id,
                    excluded_queue_names=[],
                )
            runner.run_task(task_result)
            return 1
        return 0

    # --- heartbeat -----------------------------------------------------------------------------

    def heartbeat(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_beat < HEARTBEAT_EVERY:
            return
        first = self._last_beat == 0.0
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "seen_at": timezone.now(),
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )
        if first:  # forget workers that vanished without saying goodbye (SIGKILL, power loss)
            WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - timedelta(days=1)).delete()
        self._last_beat = now

    def _remove_heartbeat(self) -> None:
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("worker %s: could not remove its heartbeat", self.worker_id)


def worker_health() -> dict[str, object]:
    """The ``worker`` entry of ``/healthz``: not required (the web works without a worker, mails
    just wait), but visible to monitoring."""
    try:
        return _worker_health()
    except DatabaseError as exc:  # the database check reports the outage; stay optional here
        return {"ok": False, "required": False, "error": exc.__class__.__name__}


def _worker_health() -> dict[str, object]:
    now = timezone.now()
    max_age = settings.RATHAUS_WORKER_HEARTBEAT_MAX_AGE
    recent = WorkerHeartbeat.objects.filter(seen_at__gte=now - timedelta(seconds=max_age))
    last_seen = (
        WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    )
    result: dict[str, object] = {
        "ok": False,
        "required": False,
        "workers": recent.count(),
        "outbox_due": OutboxMessage.objects.filter(
            status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now
        ).count(),
        "outbox_dead": OutboxMessage.objects.filter(status=OutboxMessage.Status.DEAD).count(),
    }
    if last_seen is None:
        result["error"] = "no worker seen"
        return result
    age = (now - last_seen).total_seconds()
    result["last_seen_seconds"] = int(age)
    result["ok"] = age <= max_age
    if not result["ok"]:
        result["error"] = "worker not seen recently"
    return result
