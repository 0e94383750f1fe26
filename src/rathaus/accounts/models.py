"""People who log in: citizens (and businesses) in the portal, staff in the back office."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, transaction
from django.db.models import F
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

    def bump_access_version(self, user_ids: Iterable[int | None]) -> None:
        """Stamp "the staff access facts of these users changed" (see ``accounts.access``): one
        atomic ``UPDATE … SET access_version = access_version + 1``, never read-modify-write."""
        ids = {pk for pk in user_ids if pk is not None}
        if ids:
            self.filter(pk__in=ids).update(access_version=F("access_version") + 1)

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
    #: The access stamp: bumped whenever the user's staff memberships or confirmed OTP devices
    #: change, so the staff gate may trust facts cached in the session at the same stamp (see
    #: ``accounts.access``). Only ever written by ``UserManager.bump_access_version``.
    access_version = models.PositiveIntegerField(default=1, editable=False)

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

    def save(self, *args: Any, **kwargs: Any) -> None:
        # An update never writes the access stamp back: an instance loaded before a bump would
        # otherwise reset it, and session facts cached at the old stamp would count as fresh.
        # (Like Django's own save of an instance with deferred fields: only the loaded ones.)
        if (
            not self._state.adding
            and kwargs.get("update_fields") is None
            and not kwargs.get("force_insert")
            and kwargs.get("using", self._state.db) == self._state.db
            and not args
        ):
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.attname
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.attname not in deferred
                and field.attname != "access_version"
            ]
        super().save(*args, **kwargs)

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


class StaffMembershipQuerySet(models.QuerySet):
    """Bulk writes bump the access stamp of the users concerned, as single saves and deletes do
    (``accounts.signals``): Django sends no signals for ``update``, ``bulk_create`` and
    ``bulk_update``."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic(using=self.db):
            before = dict(self.values_list("pk", "user_id"))
            rows = super().update(**kwargs)
            users = set(before.values())
            if "user" in kwargs or "user_id" in kwargs:  # moved: the new owners change too
                users |= set(self._owners(before))
            User.objects.bump_access_version(users)
        return rows

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        objs = list(objs)
        with transaction.atomic(using=self.db):
            created = super().bulk_create(objs, *args, **kwargs)
            User.objects.bump_access_version(obj.user_id for obj in objs)
        return created

    def bulk_update(
        self, objs: Iterable[Any], fields: Iterable[str], *args: Any, **kwargs: Any
    ) -> int:
        objs, fields = list(objs), list(fields)
        with transaction.atomic(using=self.db):
            users = {obj.user_id for obj in objs}
            if "user" in fields or "user_id" in fields:  # moved: the old owners change too
                users |= set(self._owners(obj.pk for obj in objs))
            rows = super().bulk_update(objs, fields, *args, **kwargs)
            User.objects.bump_access_version(users)
        return rows

    def _owners(self, pks: Iterable[int]) -> list[int]:
        rows = self.model._default_manager.using(self.db).filter(pk__in=list(pks))
        return list(rows.values_list("user_id", flat=True))


class StaffMembership(models.Model):
    """A staff member's role in one municipality. Every change bumps the member's
    ``User.access_version`` (single saves and deletes in ``accounts.signals``, bulk writes in
    the queryset)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=StaffRole.choices, default=StaffRole.CLERK)

    objects = StaffMembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("Mitarbeit")
        verbose_name_plural = _("Mitarbeit")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality} ({self.role})"
