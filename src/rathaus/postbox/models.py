"""The citizen's postbox (Postfach): messages about their cases, delivered in the portal."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import TenantScoped


class PostboxMessage(TenantScoped):
    class Kind(models.TextChoices):
        STATUS = "status", _("Statusänderung")
        QUESTION = "question", _("Rückfrage")
        NOTICE = "notice", _("Bescheid")
        RECEIPT = "receipt", _("Eingangsbestätigung")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(_("Betreff"), max_length=300)
    body = models.TextField(_("Nachricht"), blank=True)
    document = models.ForeignKey(
        "records.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # While the document is still to come: the background job that renders it
    # ({"task": module path, "args": [...]}); cleared when it is attached. A job that failed or
    # whose worker died is queued again from here (``postbox.services.postbox_documents_retry``).
    document_job = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Postfach-Nachricht")
        verbose_name_plural = _("Postfach-Nachrichten")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["case", "-created_at"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(document_job__isnull=False),
                name="postbox_document_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.subject
