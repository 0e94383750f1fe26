"""The recipient directory of a municipality and the deliveries of XGewerbeanzeige messages."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import TenantScoped

from .matrix import MATRIX, RecipientGroup

GROUP_CHOICES = [(group.value, MATRIX[group].label) for group in RecipientGroup]


class Recipient(TenantScoped):
    """An authority that receives trade notifications: who, which group (§ 3 GewAnzV), how."""

    class Transport(models.TextChoices):
        HTTP = "http", _("HTTP-Endpunkt (POST application/xml)")
        EMAIL = "email", _("E-Mail mit Anhang")
        DROPFOLDER = "dropfolder", _("Ablageordner für ein OSCI-/XTA-Gateway")

    authority = models.CharField(_("Behörde"), max_length=200)
    group = models.CharField(_("Empfängergruppe"), max_length=40, choices=GROUP_CHOICES)
    prefix = models.CharField(
        _("DVDV-Präfix"),
        max_length=20,
        default="xga",
        help_text=_("Präfix der Behördenkennung im DVDV, z. B. „xga“ oder „azr“."),
    )
    identifier = models.CharField(
        _("Behördenkennung"),
        max_length=60,
        help_text=_("Kennung im DVDV (Behördenkennung), steht im Nachrichtenkopf."),
    )
    transport = models.CharField(_("Übermittlung"), max_length=20, choices=Transport.choices)
    address = models.CharField(
        _("Adresse"),
        max_length=500,
        help_text=_("URL (HTTP), E-Mail-Adresse oder Ordnerpfad (Ablageordner)."),
    )
    active = models.BooleanField(_("Aktiv"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Empfänger")
        verbose_name_plural = _("Empfänger")
        ordering = ["group", "authority"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "group", "authority"], name="xgewerbe_recipient_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.authority} ({self.get_group_display()})"

    @property
    def outbox_kind(self) -> str:
        return f"xgewerbe.{self.transport}"


class Delivery(TenantScoped):
    """One message to one recipient: what was sent, its status and the receipt."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("wartet")
        DELIVERED = "delivered", _("zugestellt")
        FAILED = "failed", _("fehlgeschlagen, wird wiederholt")
        REJECTED = "rejected", _("abgewiesen")

    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="deliveries")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period = models.CharField(
        _("Berichtsmonat"), max_length=7, blank=True, help_text=_("JJJJ-MM (Statistik)")
    )
    outbox_message = models.OneToOneField(
        "integrations.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="xgewerbe_delivery",
    )
    group = models.CharField(_("Empfängergruppe"), max_length=40, choices=GROUP_CHOICES)
    version = models.CharField(_("Version"), max_length=10, default="2.2")
    message_uuid = models.CharField(_("Nachrichten-UUID"), max_length=36)
    records = models.PositiveIntegerField(_("Meldungen"), default=1)
    xml = models.TextField(_("Nachricht"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    receipt = models.CharField(_("Quittung"), max_length=500, blank=True)
    error = models.TextField(_("Fehler"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Zustellung")
        verbose_name_plural = _("Zustellungen")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "case"],
                condition=models.Q(case__isnull=False),
                name="xgewerbe_delivery_once_per_case",
            ),
            models.UniqueConstraint(
                fields=["recipient", "period"],
                condition=~models.Q(period=""),
                name="xgewerbe_delivery_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()} {self.message_uuid}"


class StatisticsEntry(TenantScoped):
    """A notification waiting for the monthly statistics message (§ 3 Abs. 5 GewAnzV)."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    record_uuid = models.CharField(max_length=64)
    period = models.CharField(max_length=7, db_index=True)
    notification = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["period", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "record_uuid"], name="xgewerbe_statistics_once"
            )
        ]
