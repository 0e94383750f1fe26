"""Invitations of staff: the e-mail a municipal admin's invitation sends, with a link to choose
the password (``staffauth:invitation``), and the mail telling an existing staff account that it
now has access to another municipality.

The link is Django's password-reset token with its own salt and lifetime
(``RATHAUS_STAFF_INVITATION_DAYS``, default 7: a new colleague may open it days later, unlike a
reset link, which lasts two hours). It is good once: choosing the password changes the hash the
token is made from.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _

from rathaus.core.models import Municipality

from .models import User
from .services import UrlFor, send_account_mail


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's reset token under another salt, valid for ``RATHAUS_STAFF_INVITATION_DAYS``
    instead of ``PASSWORD_RESET_TIMEOUT`` (Django reads that setting inside ``check_token``)."""

    key_salt = "rathaus.accounts.staff-invitation"

    def check_token(self, user: User | None, token: str | None) -> bool:
        if not (user and token):
            return False
        ts_b36, _sep, _hash = token.partition("-")
        try:
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        max_age = settings.RATHAUS_STAFF_INVITATION_DAYS * 24 * 60 * 60
        return (self._num_seconds(self._now()) - ts) <= max_age


invitation_tokens = InvitationTokenGenerator()


def is_pending(user: User) -> bool:
    """True while the invited person has not chosen a password yet."""
    return not user.has_usable_password()


def _inviter(invited_by: User | None) -> str:
    return str(invited_by) if invited_by is not None else _("Der Plattformbetrieb")


def invitation_send(
    *, user: User, municipality: Municipality, invited_by: User | None, url_for: UrlFor
) -> None:
    """Queue the invitation: who invited whom to which back office, and the password link."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_tokens.make_token(user)
    send_account_mail(
        municipality=municipality,
        to=user.email,
        template="staff_invitation",
        context={
            "user": user,
            "invited_by": _inviter(invited_by),
            "url": url_for("staffauth:invitation", uidb64=uid, token=token),
            "days": settings.RATHAUS_STAFF_INVITATION_DAYS,
        },
    )  # no dedupe key: each invitation is a deliberate act (a resend too)


def access_granted_send(
    *, user: User, municipality: Municipality, invited_by: User | None, url_for: UrlFor
) -> None:
    """Queue the notice that an existing staff account may now use this municipality's back
    office (it signs in with its password as before)."""
    send_account_mail(
        municipality=municipality,
        to=user.email,
        template="staff_access_granted",
        context={
            "user": user,
            "invited_by": _inviter(invited_by),
            "url": url_for("staffauth:login"),
        },
    )
