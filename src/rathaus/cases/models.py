"""Cases (Vorgänge): the procedure a submitted application starts.

This is the minimal core that submission needs (reference number, first state); the case-work
issue extends it with the full state machine, assignment and deadlines.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rathaus.applications.models import Application, Channel
from rathaus.catalog.models import Service
from rathaus.core.models import TenantScoped


class CaseState(models.TextChoices):
    RECEIVED = "received", _("eingegangen")
    IN_PROGRESS = "in_progress", _("in Bearbeitung")
    QUESTION = "question", _("Rückfrage")
    DECIDED = "decided", _("entschieden")
    CLOSED = "closed", _("abgeschlossen")
    WITHDRAWN = "withdrawn", _("zurückgezogen")


class Case(TenantScoped):
    reference = models.CharField(_("Aktenzeichen"), max_length=60)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cases")
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="case", null=True, blank=True
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
    )
    applicant_name = models.CharField(_("Antragsteller/in"), max_length=300, blank=True)
    state = models.CharField(
        _("Status"), max_length=20, choices=CaseState.choices, default=CaseState.RECEIVED
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Vorgang")
        verbose_name_plural = _("Vorgänge")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "reference"], name="case_reference")
        ]
        indexes = [models.Index(fields=["municipality", "state", "-created_at"])]

    def __str__(self) -> str:
        return self.reference


class ReferenceCounter(TenantScoped):
    """Per municipality, pattern scope and year: the last number handed out (never reused)."""

    scope = models.CharField(max_length=100)
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "scope", "year"], name="reference_counter_unique"
            )
        ]
