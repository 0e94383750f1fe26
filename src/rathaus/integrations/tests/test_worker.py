"""The worker loop in-process: outbox and django-tasks jobs, heartbeat and /healthz."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rathaus.integrations.models import OutboxMessage, WorkerHeartbeat
from rathaus.integrations.outbox import email_enqueue
from rathaus.integrations.worker import Worker

from .tasks import add

pytestmark = pytest.mark.django_db


def test_worker_once_delivers_mail_and_runs_tasks_then_exits(smtp, musterstadt):
    message = email_enqueue(municipality=musterstadt, to="a@example.org", subject="s", body="b")
    result = add.enqueue(2, 3)

    call_command("worker", "--once", verbosity=0)

    assert len(smtp.wait_for(1)) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DELIVERED
    task_result = DBTaskResult.objects.get(pk=result.id)
    assert task_result.status == "SUCCESSFUL"
    assert task_result.return_value == 5
    assert not WorkerHeartbeat.objects.exists()  # a worker that exits says goodbye


def test_worker_without_tasks_leaves_them_queued(smtp, musterstadt):
    result = add.enqueue(1, 1)
    call_command("worker", "--once", "--no-tasks", verbosity=0)
    assert DBTaskResult.objects.get(pk=result.id).status == "READY"


def test_worker_refuses_to_do_nothing():
    with pytest.raises(CommandError):
        call_command("worker", "--no-tasks", "--no-outbox")


def test_healthz_shows_a_missing_worker_without_failing(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert worker["required"] is False


def test_healthz_reports_a_live_worker_and_forgets_a_silent_one(client, musterstadt):
    email_enqueue(municipality=musterstadt, to="a@example.org", subject="s", body="b")
    worker = Worker(worker_id="test-worker")
    worker.heartbeat(force=True)

    check = client.get("/healthz").json()["checks"]["worker"]
    assert check["ok"] is True
    assert check["workers"] == 1
    assert check["outbox_due"] == 1

    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=61))
    response = client.get("/healthz")
    assert response.status_code == 200
    check = response.json()["checks"]["worker"]
    assert check["ok"] is False
    assert check["last_seen_seconds"] >= 61
