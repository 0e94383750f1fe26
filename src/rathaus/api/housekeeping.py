"""Retention of the API's own records, run by the worker as the periodic job ``api.housekeeping``.

- Idempotency records are kept for ``RATHAUS_API_IDEMPOTENCY_HOURS`` (48): a client repeating a
  POST with the same ``Idempotency-Key`` later than that is treated as a new request
  (docs/api.md). A record still "in progress" after that long belongs to a request that died.
- The call log is kept for ``RATHAUS_API_CALL_LOG_DAYS`` (180) — long enough to answer who
  changed what through the API; the case history keeps the changes themselves for the case's
  retention period.

Rows are deleted in batches of a few thousand by primary key, each batch its own short
transaction, so the job never holds long locks on tables the API writes to on every call.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from .models import ApiCallLog, IdempotencyRecord

logger = logging.getLogger(__name__)

BATCH = 5000


def _delete_older(model: type[Model], before: object, batch: int) -> int:
    deleted = 0
    while True:
        ids = list(
            model._default_manager.filter(created_at__lt=before)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        model._default_manager.filter(pk__in=ids).delete()
        deleted += len(ids)


def api_housekeeping(*, batch: int = BATCH) -> dict[str, int]:
    """Delete idempotency records and call-log rows past their retention; returns the counts."""
    now = timezone.now()
    hours = int(getattr(settings, "RATHAUS_API_IDEMPOTENCY_HOURS", 48))
    days = int(getattr(settings, "RATHAUS_API_CALL_LOG_DAYS", 180))
    counts = {
        "idempotency": _delete_older(IdempotencyRecord, now - timedelta(hours=hours), batch),
        "call_log": _delete_older(ApiCallLog, now - timedelta(days=days), batch),
    }
    if any(counts.values()):
        logger.info("api housekeeping: %s", counts)
    return counts
