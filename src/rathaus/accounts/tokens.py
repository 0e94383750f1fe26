"""Signed, expiring links for e-mail verification and change of address.

A link carries the user id and the address it is about, signed with ``SECRET_KEY`` (salted per
purpose) and time-stamped. It is only honoured while the account still has the address it was
made for, so a link turns useless once it has been used or the address changed again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from rathaus.core.errors import ErrorCode, RathausError

VERIFY_SALT = "rathaus.accounts.verify-email"
CHANGE_SALT = "rathaus.accounts.change-email"


def make_token(*, salt: str, **data: Any) -> str:
    return signing.dumps(data, salt=salt, compress=True)


def read_token(token: str, *, salt: str, max_age: int | None = None) -> dict[str, Any]:
    """The token's data; raises RathausError ACCOUNT_LINK_EXPIRED or ACCOUNT_LINK_INVALID."""
    if max_age is None:
        max_age = settings.RATHAUS_EMAIL_LINK_MAX_AGE
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise RathausError(
            ErrorCode.ACCOUNT_LINK_EXPIRED,
            _("Der Link ist abgelaufen. Bitte fordern Sie einen neuen an."),
        ) from exc
    except signing.BadSignature as exc:
        raise RathausError(ErrorCode.ACCOUNT_LINK_INVALID, _("Der Link ist ungültig.")) from exc
    if not isinstance(data, dict):
        raise RathausError(ErrorCode.ACCOUNT_LINK_INVALID, _("Der Link ist ungültig."))
    return data
