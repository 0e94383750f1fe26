"""Changes to the recipient directory (municipal admins only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rathaus.accounts.permissions import is_municipal_admin
from rathaus.core.errors import ErrorCode, RathausError

from .models import Recipient

if TYPE_CHECKING:
    from rathaus.accounts.models import User
    from rathaus.core.models import Municipality

FIELDS = ("authority", "group", "prefix", "identifier", "transport", "address", "active")


def _check(actor: User, municipality: Municipality) -> None:
    if not is_municipal_admin(actor, municipality):
        raise RathausError(
            ErrorCode.PERMISSION_DENIED,
            _("Nur die Administration der Kommune darf Empfänger verwalten."),
        )


def recipient_save(
    *,
    municipality: Municipality,
    actor: User,
    data: dict[str, Any],
    recipient: Recipient | None = None,
) -> Recipient:
    """Create a recipient (``recipient=None``) or change one of this municipality."""
    _check(actor, municipality)
    if recipient is not None and recipient.municipality_id != municipality.pk:
        raise RathausError(ErrorCode.NOT_FOUND, _("Diesen Empfänger gibt es nicht."))
    target = recipient or Recipient(municipality=municipality)
    for name in FIELDS:
        if name in data:
            setattr(target, name, data[name])
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise RathausError(
            ErrorCode.INVALID_INPUT,
            _("Diese Behörde ist für diese Empfängergruppe schon eingetragen."),
        ) from None
    return target
