from datetime import timedelta

import pytest
from django.utils import timezone

from rathaus.core import periodic
from rathaus.core.models import PeriodicRun
from rathaus.integrations.worker import Worker


@pytest.fixture
def jobs(monkeypatch):
    monkeypatch.setattr(periodic, "_jobs", {})
    return periodic


@pytest.mark.django_db
def test_a_due_job_runs_once_per_interval_and_a_failure_is_recorded(jobs):
    calls = []
    jobs.register_periodic("test.tick", lambda: calls.append(1), every=timedelta(hours=1))

    def broken():
        raise RuntimeError("kaputt")

    jobs.register_periodic("test.broken", broken, every=timedelta(hours=1))
    assert jobs.run_due_jobs() == ["test.tick", "test.broken"]
    assert jobs.run_due_jobs() == []
    assert calls == [1]
    assert "kaputt" in PeriodicRun.objects.get(name="test.broken").last_error
    PeriodicRun.objects.filter(name="test.tick").update(
        last_started_at=timezone.now() - timedelta(hours=2)
    )
    assert jobs.run_due_jobs() == ["test.tick"]
    assert calls == [1, 1]


@pytest.mark.django_db
def test_the_worker_runs_periodic_jobs_only_when_enabled(jobs):
    calls = []
    jobs.register_periodic("test.tick", lambda: calls.append(1), every=timedelta(hours=1))
    Worker(sleep=0).run(once=True)
    assert calls == []
    Worker(sleep=0, periodic=True).run(once=True)
    assert calls == [1]
