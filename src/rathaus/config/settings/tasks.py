"""Background work: the database-backed task queue (django-tasks) and the outbox worker.

See ``docs/outbox-and-worker.md`` for what each number means for delivery guarantees.
"""

from .env import env_bool, env_int

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("RATHAUS_TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

# Attempts before a message is dead-lettered. With the backoff below (60 s · 2^n, at most 12 h
# between two attempts, plus 0–25 % jitter) twelve attempts span at least 29 hours: a receiver
# may be down over a night and a day without anything being dead-lettered.
RATHAUS_OUTBOX_MAX_ATTEMPTS = env_int("RATHAUS_OUTBOX_MAX_ATTEMPTS", 12)
RATHAUS_OUTBOX_BACKOFF_BASE = env_int("RATHAUS_OUTBOX_BACKOFF_BASE", 60)  # seconds
RATHAUS_OUTBOX_BACKOFF_MAX = env_int("RATHAUS_OUTBOX_BACKOFF_MAX", 12 * 3600)  # seconds
# How long a claimed message belongs to one worker. Must be longer than any single delivery
# (EMAIL_TIMEOUT, webhook timeouts); when a worker dies, its message is taken up again after it.
RATHAUS_OUTBOX_LEASE_SECONDS = env_int("RATHAUS_OUTBOX_LEASE_SECONDS", 300)
# Seconds the worker idles when there is nothing to do (``rathaus worker --sleep`` overrides).
RATHAUS_WORKER_SLEEP = env_int("RATHAUS_WORKER_SLEEP", 1)
# /healthz reports the worker as missing when no heartbeat is younger than this.
RATHAUS_WORKER_HEARTBEAT_MAX_AGE = env_int("RATHAUS_WORKER_HEARTBEAT_MAX_AGE", 60)
# Periodic jobs (reminders, reconciliation, monthly batches — rathaus.core.periodic) run in the
# worker loop; switch off for workers that should only deliver.
RATHAUS_WORKER_PERIODIC = env_bool("RATHAUS_WORKER_PERIODIC", True)
