"""Cases (Vorgänge): the procedure a submitted application starts.

The state machine lives in :mod:`rathaus.cases.workflow`, every write in
:mod:`rathaus.cases.services`, the hash-chained history in :mod:`rathaus.cases.events`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.applications.models import Application, Channel
from rathaus.catalog.models import Service
from rathaus.core.models import Municipality, Office, TenantScoped

DEFAULT_REFERENCE_PATTERN = "{file_plan}-{year}-{number:06d}"

DEFAULT_LEGAL_REMEDY = _(
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Klage bei dem "
    "zuständigen Verwaltungsgericht erhoben werden. Die Klage ist schriftlich oder zur "
    "Niederschrift der Urkundsbeamtin oder des Urkundsbeamten der Geschäftsstelle zu erheben; "
    "sie kann auch elektronisch nach Maßgabe des § 55a VwGO eingereicht werden."
)


class CaseState(models.TextChoices):
    RECEIVED = "received", _("eingegangen")
    IN_PROGRESS = "in_progress", _("in Bearbeitung")
    QUESTION = "question", _("Rückfrage")
    DECIDED = "decided", _("entschieden")
    CLOSED = "closed", _("abgeschlossen")
    WITHDRAWN = "withdrawn", _("zurückgezogen")


#: States in which nobody works on the case any more (the rest are "open").
FINISHED_STATES = (CaseState.DECIDED, CaseState.CLOSED, CaseState.WITHDRAWN)
OPEN_STATES = tuple(state for state in CaseState if state not in FINISHED_STATES)


class Outcome(models.TextChoices):
    GRANTED = "granted", _("bewilligt")
    REJECTED = "rejected", _("abgelehnt")
    PARTLY_GRANTED = "partly_granted", _("teilweise bewilligt")


class CaseSettings(models.Model):
    """Per-municipality settings of case work: reference pattern, letterhead, legal remedy."""

    municipality = models.OneToOneField(
        Municipality, on_delete=models.CASCADE, related_name="case_settings"
    )
    reference_pattern = models.CharField(
        _("Muster für Aktenzeichen"),
        max_length=100,
        default=DEFAULT_REFERENCE_PATTERN,
        help_text=_(
            "Platzhalter: {file_plan} (Aktenplan), {service} (Leistung), {year}, "
            "{number:06d} (laufende Nummer)."
        ),
    )
    letterhead_office = models.ForeignKey(
        Office,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Dienststelle im Briefkopf"),
    )
    legal_remedy = models.TextField(_("Rechtsbehelfsbelehrung"), blank=True)

    class Meta:
        verbose_name = _("Einstellungen der Vorgangsbearbeitung")
        verbose_name_plural = _("Einstellungen der Vorgangsbearbeitung")

    def __str__(self) -> str:
        return f"CaseSettings {self.municipality_id}"


class Team(TenantScoped):
    """A group of staff handling a set of services (e.g. the tax office for dog tax)."""

    name = models.CharField(_("Name"), max_length=200)
    key = models.SlugField(_("Schlüssel"), max_length=80)
    services = models.ManyToManyField(
        Service, related_name="teams", blank=True, verbose_name=_("Leistungen")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams", blank=True, verbose_name=_("Mitglieder")
    )

    class Meta:
        verbose_name = _("Team")
        verbose_name_plural = _("Teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="team_key_per_tenant")
        ]

    def __str__(self) -> str:
        return self.name


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
    applicant_email = models.EmailField(_("E-Mail für Benachrichtigungen"), blank=True)
    state = models.CharField(
        _("Status"), max_length=20, choices=CaseState.choices, default=CaseState.RECEIVED
    )
    outcome = models.CharField(
        _("Entscheidung"), max_length=20, choices=Outcome.choices, blank=True
    )
    decided_automatically = models.BooleanField(_("automatisch entschieden"), default=False)
    channel = models.CharField(
        _("Eingangskanal"), max_length=10, choices=Channel.choices, default=Channel.ONLINE
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("Bearbeitung"),
    )
    due_date = models.DateField(_("Frist"), null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Head of the hash chain of CaseEvents: lets `audit verify` notice a removed last event.
    history_head = models.CharField(max_length=64, blank=True)
    history_length = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Vorgang")
        verbose_name_plural = _("Vorgänge")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "reference"], name="case_reference")
        ]
        indexes = [
            models.Index(fields=["municipality", "state", "-created_at"]),
            models.Index(fields=["municipality", "id"], name="case_inbox_new"),
            models.Index(fields=["municipality", "due_date", "id"], name="case_inbox_due"),
            models.Index(
                fields=["municipality", "service", "state", "-created_at"], name="case_by_service"
            ),
            models.Index(fields=["municipality", "assignee", "state"], name="case_by_assignee"),
            models.Index(fields=["municipality", "applicant_name"], name="case_by_name"),
            # the inbox filtered by state, newest first (keyset paging on id)
            models.Index(fields=["municipality", "state", "id"], name="case_inbox_state"),
            # the API's case list: sorted by last change, then id (sync with next_cursor)
            models.Index(fields=["municipality", "updated_at", "id"], name="case_api_changes"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state not in FINISHED_STATES

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_date and self.is_open and self.due_date < timezone.localdate())


class CaseQuestion(TenantScoped):
    """A question (Rückfrage) to the applicant, with a deadline and, later, the answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("Frage"))
    deadline = models.DateField(_("Antwort bis"), null=True, blank=True)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    asked_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("Antwort"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Rückfrage")
        verbose_name_plural = _("Rückfragen")
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return f"Rückfrage {self.pk} zu {self.case_id}"


class CaseEvent(TenantScoped):
    """One entry of a case's history. Append-only and hash-chained (see ``cases/events.py``)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_label = models.CharField(max_length=300, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("Ereignis")
        verbose_name_plural = _("Ereignisse")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq")]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.kind}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)


class CaseTrackingToken(TenantScoped):
    """A secret link with which an applicant without account follows the case. Only the
    SHA-256 of the token is stored."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tracking_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Tracking {self.case_id}"


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
