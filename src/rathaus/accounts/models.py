"""People who log in: citizens (and businesses) in the portal, staff in the back office."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rathaus.core.models import Municipality


class TrustLevel(models.IntegerChoices):
    """Level of assurance of a login (eIDAS / BundID): what a service may require."""

    NONE = 0, _("ohne Anmeldung")
    BASIC = 1, _("Basisregistrierung")
    SUBSTANTIAL = 2, _("substanziell")
    HIGH = 3, _("hoch")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_superuser=True, is_platform_operator=True, kind=User.Kind.STAFF)
        extra.setdefault("email_verified_at", timezone.now())
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One account model for everyone; ``kind`` separates citizens from staff.

    Citizens' accounts are platform-wide (like BundID), their applications belong to one
    municipality each. Staff belong to municipalities through :class:`StaffMembership`.
    """

    class Kind(models.TextChoices):
        CITIZEN = "citizen", _("Bürgerin/Bürger oder Unternehmen")
        STAFF = "staff", _("Verwaltung")

    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CITIZEN)
    first_name = models.CharField(_("Vorname"), max_length=150, blank=True)
    last_name = models.CharField(_("Nachname"), max_length=150, blank=True)
    email_verified_at = models.DateTimeField(_("E-Mail bestätigt am"), null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_platform_operator = models.BooleanField(
        _("Plattformbetrieb"),
        default=False,
        help_text=_("Betreibt die Installation für alle Kommunen (IT-Dienstleister)."),
    )
    date_joined = models.DateTimeField(default=timezone.now)
    # External identity (OIDC subject at a broker such as BundID or Servicekonto.NRW)
    external_issuer = models.CharField(max_length=300, blank=True)
    external_subject = models.CharField(max_length=300, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]

    class Meta:
        verbose_name = _("Konto")
        verbose_name_plural = _("Konten")
        constraints = [
            models.UniqueConstraint(
                fields=["external_issuer", "external_subject"],
                condition=~models.Q(external_subject=""),
                name="unique_external_identity",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_staff(self) -> bool:  # Django's name; we have no Django admin for citizens
        return self.kind == self.Kind.STAFF

    @property
    def is_citizen(self) -> bool:
        return self.kind == self.Kind.CITIZEN


class Profile(models.Model):
    """Personal data given once and offered again in every form (once-only)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    salutation = models.CharField(_("Anrede"), max_length=30, blank=True)
    birth_date = models.DateField(_("Geburtsdatum"), null=True, blank=True)
    street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postcode = models.CharField(_("PLZ"), max_length=5, blank=True)
    city = models.CharField(_("Ort"), max_length=100, blank=True)
    phone = models.CharField(_("Telefon"), max_length=50, blank=True)
    company_name = models.CharField(_("Firma"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Profil")
        verbose_name_plural = _("Profile")

    def __str__(self) -> str:
        return f"Profil {self.user_id}"


class StaffRole(models.TextChoices):
    CLERK = "clerk", _("Sachbearbeitung")
    TEAM_LEAD = "team_lead", _("Teamleitung")
    ADMIN = "admin", _("Kommunale Administration")


class StaffMembership(models.Model):
    """A staff member's role in one municipality."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=StaffRole.choices, default=StaffRole.CLERK)

    class Meta:
        verbose_name = _("Mitarbeit")
        verbose_name_plural = _("Mitarbeit")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality} ({self.role})"
