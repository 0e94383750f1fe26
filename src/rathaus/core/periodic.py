"""Periodic jobs run by ``rathaus worker``: reminders, reconciliation, monthly batches.

An app registers a job in its ``AppConfig.ready``::

    register_periodic("parking.reminders", send_reminders, every=timedelta(hours=1))

Every worker checks the jobs between two items; a due job's :class:`PeriodicRun` row is locked
with ``SELECT … FOR UPDATE SKIP LOCKED`` (a plain transaction on SQLite, which has one writer),
so with several workers on several nodes each run happens once. Jobs must be idempotent — a
crash after the job's work but before the bookkeeping runs it again — and short; long work
belongs in tasks they enqueue. A failing job is logged and retried at its next interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from .models import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    function: Callable[[], object]
    every: timedelta


_jobs: dict[str, PeriodicJob] = {}


def register_periodic(name: str, function: Callable[[], object], *, every: timedelta) -> None:
    _jobs[name] = PeriodicJob(name, function, every)


def registered_jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def run_due_jobs(*, now: object = None) -> list[str]:
    """Run every job whose interval has passed; returns the names that ran."""
    ran: list[str] = []
    for job in list(_jobs.values()):
        if _run_if_due(job):
            ran.append(job.name)
    return ran


def _run_if_due(job: PeriodicJob) -> bool:
    PeriodicRun.objects.get_or_create(name=job.name)
    with transaction.atomic():
        rows = PeriodicRun.objects.filter(name=job.name)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        run = rows.first()
        now = timezone.now()
        if run is None:
            return False  # another worker holds it
        if run.last_started_at is not None and now - run.last_started_at < job.every:
            return False
        run.last_started_at = now
        error = ""
        try:
            with transaction.atomic():
                job.function()
        except Exception as exc:  # a failing job must not stop the worker
            logger.exception("periodic job %s failed", job.name)
            error = f"{type(exc).__name__}: {exc}"[:2000]
        run.last_finished_at = timezone.now()
        run.last_error = error
        run.save(update_fields=["last_started_at", "last_finished_at", "last_error"])
    return True
