"""Writing to the outbox. Call inside the transaction of the change that causes the message.

Nothing here sends anything: the worker (``rathaus worker``) delivers what was committed, so a
rolled-back change never sends its message and a committed one is never lost.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rathaus.accounts.permissions import is_municipal_admin
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality

from .models import OutboxMessage

if TYPE_CHECKING:
    from rathaus.accounts.models import User

logger = logging.getLogger(__name__)


def outbox_enqueue(
    *,
    municipality: Municipality,
    kind: str,
    payload: dict[str, Any],
    dedupe_key: str = "",
) -> OutboxMessage:
    """Queue a message for delivery. With a ``dedupe_key`` the same message is queued only once
    per municipality and kind, so a retried caller cannot send it twice."""
    if dedupe_key:
        # INSERT … ON CONFLICT DO NOTHING (SQLite: INSERT OR IGNORE) and read back what is
        # stored: two statements without a savepoint, where get_or_create needed four. A
        # concurrent transaction queueing the same key makes the INSERT wait for its commit.
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    municipality=municipality, kind=kind, dedupe_key=dedupe_key, payload=payload
                )
            ],
            ignore_conflicts=True,
        )
        return OutboxMessage.objects.get(
            municipality=municipality, kind=kind, dedupe_key=dedupe_key
        )
    return OutboxMessage.objects.create(municipality=municipality, kind=kind, payload=payload)


def email_enqueue(
    *,
    municipality: Municipality,
    to: str,
    subject: str,
    body: str,
    dedupe_key: str = "",
    reply_to: str = "",
) -> OutboxMessage:
    """Queue an e-mail (plain text). It should carry no more personal data than needed and link
    to the portal for the details."""
    return outbox_enqueue(
        municipality=municipality,
        kind="email",
        payload={"to": to, "subject": subject, "body": body, "reply_to": reply_to},
        dedupe_key=dedupe_key,
    )


def outbox_replay(*, message: OutboxMessage, actor: User) -> OutboxMessage:
    """Send a dead (or failing) message again, now, with a fresh set of attempts.

    Only the municipality's admins may do this. The last error stays visible until the next
    attempt overwrites it. Raises RathausError(PERMISSION_DENIED) or
    RathausError(TRANSITION_NOT_ALLOWED) for a message that was already delivered.
    """
    if not is_municipal_admin(actor, message.municipality):
        raise RathausError(
            ErrorCode.PERMISSION_DENIED,
            _("Nur die Administration der Kommune darf Nachrichten erneut senden."),
        )
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status == OutboxMessage.Status.DELIVERED:
            raise RathausError(
                ErrorCode.TRANSITION_NOT_ALLOWED,
                _("Die Nachricht wurde bereits zugestellt."),
            )
        # A message that is being delivered right now keeps its lease: resetting it here would
        # let a second worker send it in parallel.
        OutboxMessage.objects.filter(pk=locked.pk).update(
            status=OutboxMessage.Status.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
        )
    logger.info(
        "outbox message %s (%s, %s) replayed by user %s after %s attempts",
        locked.pk,
        locked.kind,
        locked.status,
        actor.pk,
        locked.attempts,
    )
    locked.refresh_from_db()
    return locked
