"""The electronic file (E-Akte): one file per case, documents with immutable versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import TenantScoped


class CaseFile(TenantScoped):
    """The file (Akte) of a case, classified by the file plan that fixes its retention."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="file")
    reference = models.CharField(_("Aktenzeichen"), max_length=60)
    file_plan = models.CharField(_("Aktenplan"), max_length=40, blank=True)
    retention_years = models.PositiveSmallIntegerField(_("Aufbewahrung (Jahre)"), default=10)
    archive = models.BooleanField(_("archivwürdig"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Akte")
        verbose_name_plural = _("Akten")

    def __str__(self) -> str:
        return self.reference


class Document(TenantScoped):
    class Kind(models.TextChoices):
        UPLOAD = "upload", _("Nachweis")
        NOTICE = "notice", _("Bescheid")
        RECEIPT = "receipt", _("Eingangsbestätigung")
        MESSAGE = "message", _("Nachricht")

    class Origin(models.TextChoices):
        APPLICANT = "applicant", _("Antragsteller/in")
        STAFF = "staff", _("Verwaltung")
        SYSTEM = "system", _("erzeugt")

    file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(_("Titel"), max_length=300)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    origin = models.CharField(_("Herkunft"), max_length=20, choices=Origin.choices)
    visible_to_applicant = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Dokument")
        verbose_name_plural = _("Dokumente")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(TenantScoped):
    """One immutable version of a document, identified by the SHA-256 of its content."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.FileField(max_length=300)
    sha256 = models.CharField(max_length=64, db_index=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    filename = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("Dokumentversion")
        verbose_name_plural = _("Dokumentversionen")
        ordering = ["document", "number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="document_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.filename} v{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("document versions are immutable")
        super().save(*args, **kwargs)
