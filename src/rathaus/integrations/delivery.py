"""Delivering outbox messages: claim with a lease, hand to the transport, record the outcome.

The contract (details in ``docs/outbox-and-worker.md``):

- A message is *claimed* by setting a lease (``locked_by``, ``locked_until``) with a conditional
  UPDATE that only succeeds when nobody else holds a valid lease. On PostgreSQL the candidates
  are picked with ``SELECT … FOR UPDATE SKIP LOCKED`` first, so concurrent workers do not even
  contend for the same rows; SQLite has no row locks, but serialises writers, and the
  conditional UPDATE alone is enough there.
- The transport runs *outside* any transaction (no lock is held while talking to the network).
- Success: ``delivered``. Failure: ``attempts + 1`` and the next attempt after an exponential
  backoff with jitter; after ``RATHAUS_OUTBOX_MAX_ATTEMPTS`` (or a permanent error) ``dead``.
- A worker that dies mid-delivery leaves its lease behind; once it has expired, another worker
  takes the message up again. Delivery is therefore *at least once*: every attempt carries the
  message's stable ``uid`` so receivers can recognise a repetition.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import get_random_string

from .models import OutboxMessage
from .transports import (
    DeliveryDeferred,
    PermanentDeliveryError,
    get_transport,
    is_ordered,
    registered_kinds,
)

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 2000


def new_worker_id() -> str:
    """Unique per process: host, pid and a random suffix (pids repeat across containers)."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{get_random_string(8)}"[:64]


def backoff_delay(attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: base · 2^(attempts-1), capped, plus 0–25 % jitter so
    that messages which failed together (a receiver was down) do not return together."""
    base = settings.RATHAUS_OUTBOX_BACKOFF_BASE
    cap = settings.RATHAUS_OUTBOX_BACKOFF_MAX
    seconds = min(cap, base * 2 ** max(0, attempts - 1))
    return timedelta(seconds=seconds * random.uniform(1.0, 1.25))


def _due(now: datetime) -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now),
        status=OutboxMessage.Status.PENDING,
        next_attempt_at__lte=now,
        kind__in=registered_kinds(),
    )


def outbox_has_due(*, now: datetime | None = None) -> bool:
    """Cheap read, outside any transaction: lets an idle worker poll without taking SQLite's
    write lock every second."""
    return _due(now or timezone.now()).exists()


def outbox_claim(*, worker_id: str, limit: int = 1) -> list[OutboxMessage]:
    """Lease up to ``limit`` due messages to ``worker_id``. Never returns a message that another
    worker holds a valid lease on."""
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.RATHAUS_OUTBOX_LEASE_SECONDS)
    with transaction.atomic():
        candidates = _due(now).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # The conditional UPDATE is the claim itself: it re-checks status and lease, so it is
        # safe without row locks (SQLite) and against anything the SELECT could have missed.
        _due(now).filter(pk__in=ids).update(locked_by=worker_id, locked_until=lease_until)
    return list(
        OutboxMessage.objects.select_related("municipality")
        .filter(pk__in=ids, locked_by=worker_id, locked_until=lease_until)
        .order_by("next_attempt_at", "pk")
    )


@dataclass(frozen=True)
class DeliveryResult:
    message_id: int
    status: str
    error: str = ""


def outbox_deliver(*, message: OutboxMessage, worker_id: str) -> DeliveryResult:
    """Hand a claimed message to its transport and record the outcome."""
    result = _attempt(message=message, worker_id=worker_id)
    if result.status == OutboxMessage.Status.DELIVERED:
        _record_delivered([message.pk])
    return result


def _attempt(*, message: OutboxMessage, worker_id: str) -> DeliveryResult:
    """Run the transport; failures and deferrals are recorded here, a success by the caller
    (``_record_delivered``, in bulk for a batch)."""
    transport = get_transport(message.kind)
    try:
        if transport is None:  # unregistered since the claim: leave it for a worker that knows it
            raise RuntimeError(f"no transport registered for kind {message.kind!r}")
        transport(message)
    except DeliveryDeferred as exc:
        return _record_deferral(message=message, worker_id=worker_id, exc=exc)
    except Exception as exc:  # every failure is recorded; the worker must keep running
        return _record_failure(message=message, worker_id=worker_id, exc=exc)
    logger.info("outbox message %s (%s) delivered", message.pk, message.kind)
    return DeliveryResult(message.pk, OutboxMessage.Status.DELIVERED)


def _record_delivered(ids: list[int]) -> None:
    """Mark delivered messages, one UPDATE for many.

    Not conditional on the lease: the transport succeeded, whoever holds the row now. Should a
    second worker have taken over an expired lease meanwhile, it will send a duplicate with
    the same uid — the lease must outlast any delivery (see RATHAUS_OUTBOX_LEASE_SECONDS)."""
    if not ids:
        return
    updated = OutboxMessage.objects.filter(pk__in=ids, status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.DELIVERED,
        delivered_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
        locked_by="",
        locked_until=None,
    )
    if updated != len(ids):
        logger.warning(
            "%s of %s delivered outbox messages were no longer pending",
            len(ids) - updated,
            len(ids),
        )


def outbox_release(*, messages: list[OutboxMessage], worker_id: str) -> None:
    """Give back the leases of claimed messages that were not attempted (the worker stops)."""
    OutboxMessage.objects.filter(
        pk__in=[m.pk for m in messages],
        status=OutboxMessage.Status.PENDING,
        locked_by=worker_id,
    ).update(locked_by="", locked_until=None)


def _record_deferral(
    *, message: OutboxMessage, worker_id: str, exc: DeliveryDeferred
) -> DeliveryResult:
    """Not an attempt: the transport asked to come back later (e.g. an earlier message of the
    same ordering key is still undelivered). Attempts and the last error stay as they are."""
    OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxMessage.Status.PENDING, locked_by=worker_id
    ).update(
        next_attempt_at=max(exc.until, timezone.now()),
        locked_by="",
        locked_until=None,
    )
    logger.info("outbox message %s (%s) deferred: %s", message.pk, message.kind, exc)
    return DeliveryResult(message.pk, OutboxMessage.Status.PENDING, str(exc))


def _record_failure(*, message: OutboxMessage, worker_id: str, exc: Exception) -> DeliveryResult:
    attempts = message.attempts + 1
    error = f"{exc.__class__.__name__}: {exc}"[:MAX_ERROR_LENGTH]
    dead = (
        isinstance(exc, PermanentDeliveryError) or attempts >= settings.RATHAUS_OUTBOX_MAX_ATTEMPTS
    )
    status = OutboxMessage.Status.DEAD if dead else OutboxMessage.Status.PENDING
    now = timezone.now()
    OutboxMessage.objects.filter(
        pk=message.pk, status=OutboxMessage.Status.PENDING, locked_by=worker_id
    ).update(
        status=status,
        attempts=attempts,
        last_error=error,
        next_attempt_at=now if dead else now + backoff_delay(attempts),
        locked_by="",
        locked_until=None,
    )
    log = logger.error if dead else logger.warning
    log(
        "outbox message %s (%s) attempt %s failed%s: %s",
        message.pk,
        message.kind,
        attempts,
        " – dead-lettered" if dead else "",
        error,
    )
    return DeliveryResult(message.pk, status, error)


def outbox_batch_size() -> int:
    """``RATHAUS_OUTBOX_BATCH`` (setting or environment variable), default 20."""
    value = getattr(settings, "RATHAUS_OUTBOX_BATCH", None) or os.environ.get(
        "RATHAUS_OUTBOX_BATCH", ""
    )
    try:
        return max(1, int(value)) if value else 20
    except ValueError:
        return 20


def outbox_deliver_due(
    *,
    worker_id: str,
    limit: int | None = None,
    batch: int | None = None,
    stopping: Callable[[], bool] | None = None,
) -> list[DeliveryResult]:
    """Deliver due messages until none is due (or ``limit`` are done).

    Messages are claimed ``batch`` at a time (``RATHAUS_OUTBOX_BATCH``, default 20) — one round
    trip for many leases — and delivered one after the other in claim order; the successes of a
    batch are recorded with one UPDATE. Before a message whose transport is ``ordered`` (it
    checks that earlier messages of its ordering key were delivered) the successes so far are
    recorded first. When ``stopping()`` turns true the rest of the batch is given back."""
    size = max(1, batch or outbox_batch_size())
    results: list[DeliveryResult] = []
    while limit is None or len(results) < limit:
        want = size if limit is None else min(size, limit - len(results))
        claimed = outbox_claim(worker_id=worker_id, limit=want)
        if not claimed:
            break
        delivered: list[int] = []
        try:
            for index, message in enumerate(claimed):
                if index and stopping is not None and stopping():
                    outbox_release(messages=claimed[index:], worker_id=worker_id)
                    return results
                if delivered and is_ordered(message.kind):
                    _record_delivered(delivered)
                    delivered = []
                result = _attempt(message=message, worker_id=worker_id)
                if result.status == OutboxMessage.Status.DELIVERED:
                    delivered.append(message.pk)
                results.append(result)
        finally:
            _record_delivered(delivered)
    return results
