"""Retention of idempotency records and the call log (the worker's ``api.housekeeping`` job)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rathaus.api.housekeeping import api_housekeeping
from rathaus.api.models import ApiCallLog, IdempotencyRecord
from rathaus.core.periodic import registered_jobs


def test_old_records_go_recent_ones_stay(full_api, case, settings):
    settings.RATHAUS_API_IDEMPOTENCY_HOURS = 48
    settings.RATHAUS_API_CALL_LOG_DAYS = 180
    api = full_api
    for key in ("old-1", "old-2", "old-3", "new"):
        response = api.post(f"/cases/{case.reference}/notes", {"text": key}, Idempotency_Key=key)
        assert response.status_code == 201
    now = timezone.now()
    IdempotencyRecord.objects.filter(key__startswith="old").update(
        created_at=now - timedelta(hours=49)
    )
    calls = list(ApiCallLog.objects.order_by("pk").values_list("pk", flat=True))
    assert len(calls) == 4
    ApiCallLog.objects.filter(pk__in=calls[:3]).update(created_at=now - timedelta(days=181))

    counts = api_housekeeping(batch=2)  # several batches

    assert counts == {"idempotency": 3, "call_log": 3}
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert list(ApiCallLog.objects.values_list("pk", flat=True)) == calls[3:]
    # a forgotten key is a new request again; a remembered one is still replayed
    again = api.post(f"/cases/{case.reference}/notes", {"text": "old-1"}, Idempotency_Key="old-1")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    replay = api.post(f"/cases/{case.reference}/notes", {"text": "new"}, Idempotency_Key="new")
    assert replay["Idempotent-Replayed"] == "true"
    assert api_housekeeping() == {"idempotency": 0, "call_log": 0}


def test_the_worker_runs_it():
    assert "api.housekeeping" in {job.name for job in registered_jobs()}
