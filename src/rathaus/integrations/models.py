"""The transactional outbox: messages written in the same transaction as the change that causes
them, delivered afterwards by the worker at least once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import TenantScoped


class OutboxMessage(TenantScoped):
    class Status(models.TextChoices):
        PENDING = "pending", _("wartet")
        DELIVERED = "delivered", _("zugestellt")
        DEAD = "dead", _("gescheitert")

    kind = models.CharField(max_length=40, help_text="email, webhook, xoev …")
    payload = models.JSONField()
    dedupe_key = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
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
