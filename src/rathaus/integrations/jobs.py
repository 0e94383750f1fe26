"""Queueing background jobs (django-tasks) from inside a domain transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def job_enqueue(task: Any, *args: Any) -> None:
    """Queue ``task(*args)`` for ``rathaus worker``. With the database task backend the job row
    is written in the caller's transaction (durable: committed with what it is about, or not at
    all); any other backend (the immediate one of ``RATHAUS_TASKS_IMMEDIATE``) runs it after the
    commit, so it never sees uncommitted rows."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.compat import task_backends

    if isinstance(task_backends[task.backend], DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: task.enqueue(*args))
