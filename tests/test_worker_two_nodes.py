"""Two worker processes (two "nodes") on one database never run the same background job twice.

Runs on SQLite and, with ``DATABASE_URL=postgres://…``, on PostgreSQL, where the workers claim
jobs with ``SELECT … FOR UPDATE SKIP LOCKED``. Outbox messages: see
``test_worker_crash.py::test_several_workers_never_deliver_the_same_mail_twice``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django_tasks_db.models import DBTaskResult

from rathaus.integrations.tests.processes import SharedDatabase, WorkerProcess
from rathaus.integrations.tests.tasks import add

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def workers() -> Iterator[list[WorkerProcess]]:
    started: list[WorkerProcess] = []
    yield started
    for worker in started:
        worker.stop()


def test_two_workers_never_run_the_same_task_twice(tmp_path, workers, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Given forty queued jobs
    results = [add.enqueue(n, 1) for n in range(40)]
    shared_db = SharedDatabase(tmp_path)
    shared_db.push()

    # When two workers take jobs from the same database at the same time
    for name in ("node-a", "node-b"):
        workers.append(
            WorkerProcess(
                database=shared_db, smtp_port=1, name=name, args=["--once", "--no-outbox"]
            )
        )
    for worker in workers:
        assert worker.wait(90) == 0, worker.log

    # Then every job ran exactly once: one claim each, all succeeded with their own result
    shared_db.pull()
    rows = {str(row.id): row for row in DBTaskResult.objects.all()}
    assert len(rows) == 40
    for n, result in enumerate(results):
        row = rows[str(result.id)]
        assert row.status == "SUCCESSFUL", (row.status, workers[0].log, workers[1].log)
        assert len(row.worker_ids) == 1 and row.worker_ids[0] in {"node-a", "node-b"}
        assert row.return_value == n + 1
