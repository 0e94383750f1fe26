"""Account services (writes): registration, e-mail verification and change, deletion.

Views call these; they send their e-mails through the outbox (``email_enqueue``) in the same
transaction as the change, so a mail is queued exactly when the change happened. E-mails are
queued in the name of the municipality whose portal the person uses (``municipality``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality
from rathaus.integrations.outbox import email_enqueue

from . import tokens
from .models import Profile, User

#: Builds an absolute URL for a URL name and keyword arguments (the view passes one that keeps
#: the request's host and ``/m/<slug>/`` prefix).
UrlFor = Callable[..., str]


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def send_account_mail(
    *,
    municipality: Municipality,
    to: str,
    template: str,
    context: dict[str, object],
    dedupe_key: str = "",
) -> None:
    """Queue ``accounts/mail/<template>_{subject,body}.txt`` in the municipality's name (with
    a ``dedupe_key``: once per key, see ``outbox_enqueue``)."""
    context = {"municipality": municipality, **context}
    subject = render_to_string(f"accounts/mail/{template}_subject.txt", context).strip()
    body = render_to_string(f"accounts/mail/{template}_body.txt", context)
    email_enqueue(
        municipality=municipality,
        to=to,
        subject=" ".join(subject.split()),
        body=body,
        dedupe_key=dedupe_key,
    )


def normalize_email(email: str) -> str:
    return User.objects.normalize_email(email.strip()).lower()


def verification_send(*, user: User, municipality: Municipality, url_for: UrlFor) -> None:
    """Queue an e-mail with a link that confirms the account's address."""
    # The random part makes every resend a new message (the outbox dedupes by token).
    token = tokens.make_token(
        salt=tokens.VERIFY_SALT, u=user.pk, e=user.email, n=secrets.token_urlsafe(6)
    )
    send_account_mail(
        municipality=municipality,
        to=user.email,
        template="verify",
        context={"user": user, "url": url_for("accounts:verify_email", token=token)},
        dedupe_key=f"account-verify:{_digest(token)}",
    )


@dataclass(frozen=True)
class Registration:
    user: User | None  # None when the address was already registered (not revealed to the UI)


def account_register(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    municipality: Municipality,
    url_for: UrlFor,
) -> Registration:
    """Create a citizen account and queue the verification e-mail.

    If the address already has an account, nothing is created; its owner gets a mail saying
    so (with the way to reset the password). The caller shows the same page in both cases, so
    the form cannot be used to find out who has an account.
    """
    email = normalize_email(email)
    with transaction.atomic():
        existing = User.objects.filter(email=email).first()
        if existing is not None:
            send_account_mail(
                municipality=municipality,
                to=existing.email,
                template="already_registered",
                context={
                    "user": existing,
                    "login_url": url_for("accounts:login"),
                    "reset_url": url_for("accounts:password_reset"),
                },
                dedupe_key=f"account-exists:{existing.pk}:{timezone.now():%Y%m%d%H}",
            )
            return Registration(user=None)
        user = User.objects.create_user(
            email, password, first_name=first_name.strip(), last_name=last_name.strip()
        )
        Profile.objects.create(user=user)
        verification_send(user=user, municipality=municipality, url_for=url_for)
    return Registration(user=user)


def email_verify(*, token: str) -> User:
    """Mark the address in ``token`` as confirmed. Raises RathausError for a bad link."""
    data = tokens.read_token(token, salt=tokens.VERIFY_SALT)
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(pk=int(data.get("u") or 0), is_active=True)
            .first()
        )
        if user is None or user.email != data.get("e"):
            raise RathausError(ErrorCode.ACCOUNT_LINK_INVALID, _("Der Link ist ungültig."))
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
    return user


def email_change_request(
    *, user: User, new_email: str, municipality: Municipality, url_for: UrlFor
) -> None:
    """Send a confirmation link to the new address and a notice to the old one.

    The address changes only when the link is followed (:func:`email_change_confirm`). If the
    new address belongs to another account, no link is sent, but the caller shows the same
    answer (no enumeration); the confirmation would fail anyway.
    """
    new_email = normalize_email(new_email)
    token = tokens.make_token(salt=tokens.CHANGE_SALT, u=user.pk, old=user.email, new=new_email)
    with transaction.atomic():
        if not User.objects.filter(email=new_email).exists():
            send_account_mail(
                municipality=municipality,
                to=new_email,
                template="change_confirm",
                context={
                    "user": user,
                    "url": url_for("accounts:email_change_confirm", token=token),
                },
                dedupe_key=f"account-change:{_digest(token)}",
            )
        send_account_mail(
            municipality=municipality,
            to=user.email,
            template="change_notice",
            context={"user": user, "reset_url": url_for("accounts:password_reset")},
            dedupe_key=f"account-change-notice:{_digest(token)}",
        )


def email_change_confirm(*, token: str) -> User:
    """Switch the account to the new address in ``token``; it counts as confirmed."""
    data = tokens.read_token(token, salt=tokens.CHANGE_SALT)
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(pk=int(data.get("u") or 0), is_active=True)
            .first()
        )
        if user is None or user.email != data.get("old"):
            raise RathausError(ErrorCode.ACCOUNT_LINK_INVALID, _("Der Link ist ungültig."))
        new_email = str(data.get("new", ""))
        if User.objects.filter(email=new_email).exclude(pk=user.pk).exists():
            raise RathausError(
                ErrorCode.ACCOUNT_EMAIL_TAKEN,
                _("Diese E-Mail-Adresse gehört bereits zu einem anderen Konto."),
            )
        user.email = new_email
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email", "email_verified_at"])
    return user


def password_changed_notify(
    *, user: User, municipality: Municipality | None, url_for: UrlFor
) -> None:
    """Tell the owner that the password changed (so a stranger's change does not go unnoticed)."""
    if municipality is None:
        return
    send_account_mail(
        municipality=municipality,
        to=user.email,
        template="password_changed",
        context={"user": user, "reset_url": url_for("accounts:password_reset")},
        dedupe_key=f"account-password:{user.pk}:{timezone.now().isoformat()}",
    )


@dataclass(frozen=True)
class Deletion:
    drafts_deleted: int
    applications_kept: int


def account_delete(*, user: User, municipality: Municipality | None) -> Deletion:
    """Delete a citizen account with its profile and its drafts.

    Submitted applications and their cases stay for their legal retention period: their
    foreign key to the user is SET_NULL and the case keeps the applicant's name. Uploaded files
    of deleted drafts are removed from storage after the commit.
    """
    from rathaus.applications.models import Application, Upload

    if not user.is_citizen:
        raise RathausError(
            ErrorCode.PERMISSION_DENIED, _("Nur Bürgerkonten können hier gelöscht werden.")
        )
    with transaction.atomic():
        drafts = Application.objects.filter(
            applicant=user,
            status__in=[Application.Status.DRAFT, Application.Status.DISCARDED],
        )
        files = [str(u.file.name) for u in Upload.objects.filter(application__in=drafts) if u.file]
        kept = Application.objects.filter(applicant=user).exclude(pk__in=drafts).count()
        drafts_deleted = drafts.count()
        drafts.delete()
        email = user.email
        user.delete()
        if municipality is not None:
            send_account_mail(
                municipality=municipality,
                to=email,
                template="deleted",
                context={"kept": kept},
                dedupe_key=f"account-deleted:{_digest(email)}:{timezone.now():%Y%m%d%H%M%S}",
            )

        def remove_files() -> None:
            from django.core.files.storage import default_storage

            for name in files:
                default_storage.delete(name)

        transaction.on_commit(remove_files)
    return Deletion(drafts_deleted=drafts_deleted, applications_kept=kept)
