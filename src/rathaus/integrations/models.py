"""The transactional outbox: messages written in the same transaction as the change that causes
them, delivered afterwards by the worker at least once (see ``docs/outbox-and-worker.md``)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import TenantScoped


class OutboxMessage(TenantScoped):
    """One message to deliver. ``status`` only moves pending → delivered or pending → dead
    (and dead → pending by a replay); who is delivering it right now is the lease
    (``locked_by`` until ``locked_until``), which expires by itself when a worker dies."""

    class Status(models.TextChoices):
        PENDING = "pending", _("wartet")
        DELIVERED = "delivered", _("zugestellt")
        DEAD = "dead", _("gescheitert")

    uid = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Stable id sent along with every attempt (Message-ID, idempotency key).",
    )
    kind = models.CharField(max_length=40, help_text="email, webhook, xoev …")
    payload = models.JSONField()
    dedupe_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Ausgehende Nachricht")
        verbose_name_plural = _("Ausgehende Nachrichten")
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="outbox_dedupe",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def has_failed(self) -> bool:
        """Pending but already tried: shown as "failed, retrying" on the dead-letter page."""
        return self.status == self.Status.PENDING and self.attempts > 0


class WorkerHeartbeat(models.Model):
    """One row per running worker process, touched every few seconds; ``/healthz`` reads the
    newest. In the database (not the cache) because web and worker are separate processes and
    the default cache is per process."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("Hintergrund-Worker")
        verbose_name_plural = _("Hintergrund-Worker")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"
