"""Background work of the payments app (django-tasks, run by ``rathaus worker``)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django_tasks import task

from .services import payments_reconcile

RECONCILE_EVERY = timedelta(minutes=5)


def reconcile_after() -> timedelta:
    """``RATHAUS_PAYMENT_RECONCILE_MINUTES`` (default 10): how long a pending online payment
    waits for its return or notification before the platform is asked."""
    return timedelta(minutes=int(getattr(settings, "RATHAUS_PAYMENT_RECONCILE_MINUTES", 10)))


@task()
def payments_reconcile_task() -> int:
    """Query the platform about stale pending payments (outside the periodic job's transaction,
    since it talks to the network)."""
    return payments_reconcile(older_than=reconcile_after())


def reconcile_enqueue() -> None:
    """The periodic job (every 5 minutes): only queues the task."""
    payments_reconcile_task.enqueue()
