"""Periodic jobs run by ``rathaus worker``: reminders, reconciliation, monthly batches.

An app registers a job in its ``AppConfig.ready``::

    register_periodic("parking.reminders", send_reminders, every=timedelta(hours=1))

Every worker checks the jobs between two items; a due job's :class:`PeriodicRun` row is locked
with ``SELECT … FOR UPDATE SKIP LOCKED`` (a plain transaction on SQLite, which has one writer),
so with several workers on several nodes each run happens once; the claim is committed before
the job runs, so no lock is held meanwhile (on SQLite that would block every writer). Jobs must
be idempotent and short — long work belongs in tasks they enqueue; each job makes its own
transactions. A failing or crashed job is logged and runs again at its next interval.
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


def run_due_jobs() -> list[str]:
    """Run every job whose interval has passed; returns the names that ran."""
    ran: list[str] = []
    for job in list(_jobs.values()):
        if _run_if_due(job):
            ran.append(job.name)
    return ran


def _claim(job: PeriodicJob) -> bool:
    """Mark a due job as started, in a short transaction: the row lock (SKIP LOCKED) makes sure
    only one worker claims it, and no lock is held while the job runs."""
    PeriodicRun.objects.get_or_create(name=job.name)
    with transaction.atomic():
        rows = PeriodicRun.objects.filter(name=job.name)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        run = rows.first()
        now = timezone.now()
        if run is None:
            return False  # another worker is claiming it right now
        if run.last_started_at is not None and now - run.last_started_at < job.every:
            return False
        run.last_started_at = now
        run.save(update_fields=["last_started_at"])
    return True


def _run_if_due(job: PeriodicJob) -> bool:
    if not _claim(job):
        return False
    error = ""
    try:
        job.function()
    except Exception as exc:  # a failing job must not stop the worker
        logger.exception("periodic job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"[:2000]
    PeriodicRun.objects.filter(name=job.name).update(
        last_finished_at=timezone.now(), last_error=error
    )
    return True
