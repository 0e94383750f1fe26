"""Running the background jobs in tests, the way ``rathaus worker`` runs them."""

from __future__ import annotations


def tasks_run() -> int:
    """Run every queued django-tasks job (e.g. the receipt of a just-submitted application)
    with the real worker loop, without outbox deliveries; returns the number of jobs run."""
    from rathaus.integrations.worker import Worker

    return Worker(outbox=False, tasks=True, periodic=False, sleep=0).run(once=True)
