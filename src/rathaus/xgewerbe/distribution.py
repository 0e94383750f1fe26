"""From a notification to one queued message per recipient of the municipality's directory.

``notification_distribute`` is called by the trade app once the receipt certificate (§ 15 GewO)
is issued — § 3 Abs. 5 GewAnzV: "unverzüglich" for the § 3 Abs. 1 recipients. Statistics
offices get their data in one monthly message instead (``statistics.statistics_send_due``).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from rathaus.integrations.outbox import outbox_enqueue

from .matrix import MATRIX, RecipientGroup, receives
from .model import Gewerbeanzeige
from .models import Delivery, Recipient, StatisticsEntry
from .serializer import DEFAULT_VERSION, Reader, serialize

if TYPE_CHECKING:
    from rathaus.cases.models import Case
    from rathaus.core.models import Municipality

#: Groups that never get a message automatically: customs only "where there are indications"
#: of undeclared work (§ 3 Abs. 3 GewAnzV) — a clerk's decision, passed as ``extra_groups``.
ON_REQUEST_ONLY = frozenset({RecipientGroup.ZOLL})


def reader_for(recipient: Recipient) -> Reader:
    return Reader(
        name=recipient.authority, identifier=recipient.identifier, prefix=recipient.prefix
    )


def _folded(text: str) -> str:
    return " ".join(text.casefold().replace("-", " ").split())


def is_previous_office(recipient: Recipient, office_name: str) -> bool:
    """A trade office of the directory is the one a relocated business comes from: its name or
    identifier and the previous office the notification names contain one another (case and
    spacing ignored), e.g. "Bielefeld" and "Gewerbeamt Bielefeld"."""
    named = _folded(office_name)
    if not named:
        return False
    candidates = [_folded(recipient.authority), _folded(recipient.identifier or "")]
    return any(c and (named in c or c in named) for c in candidates)


def recipient_applies(
    recipient: Recipient, notification: Gewerbeanzeige, extra: frozenset[RecipientGroup]
) -> bool:
    group = RecipientGroup(recipient.group)
    row = MATRIX[group]
    if not receives(group, notification.kind):
        return False
    if group in ON_REQUEST_ONLY and group not in extra:
        return False
    if row.only_non_eu and not notification.has_non_eu_person:
        return False
    if group == RecipientGroup.GEWERBEAMT:
        office = notification.previous_office
        return office is not None and is_previous_office(recipient, office.name)
    # the registry court only for registered businesses
    registered = notification.business.register_entry is not None
    return group != RecipientGroup.REGISTERGERICHT or registered


def notification_distribute(
    *,
    municipality: Municipality,
    notification: Gewerbeanzeige,
    case: Case | None,
    extra_groups: frozenset[RecipientGroup] = frozenset(),
    version: str = DEFAULT_VERSION,
) -> list[Delivery]:
    """Queue one message per active recipient that may receive this notification.

    Idempotent per case and recipient: calling it again queues nothing new (and returns only
    the deliveries created now). Statistics recipients are not sent to here; the notification
    is kept for the month's statistics message instead.
    """
    created: list[Delivery] = []
    with transaction.atomic():
        recipients = list(Recipient.objects.of(municipality).filter(active=True))
        if any(r.group == RecipientGroup.STATISTIK for r in recipients):
            StatisticsEntry.objects.get_or_create(
                municipality=municipality,
                record_uuid=notification.uuid,
                defaults={
                    "case": case,
                    "period": timezone.localdate().strftime("%Y-%m"),
                    "notification": notification.model_dump(mode="json"),
                },
            )
        done: set[int] = set()
        if case is not None:
            done = set(
                Delivery.objects.of(municipality)
                .filter(case=case)
                .values_list("recipient_id", flat=True)
            )
        for recipient in recipients:
            if MATRIX[RecipientGroup(recipient.group)].monthly or recipient.pk in done:
                continue
            if not recipient_applies(recipient, notification, extra_groups):
                continue
            message_uuid = str(uuid.uuid4())
            xml = serialize(
                notification,
                recipient_group=recipient.group,
                version=version,
                reader=reader_for(recipient),
                message_uuid=message_uuid,
            )
            delivery = Delivery.objects.create(
                municipality=municipality,
                recipient=recipient,
                case=case,
                group=recipient.group,
                version=version,
                message_uuid=message_uuid,
                xml=xml.decode("utf-8"),
            )
            key = (
                f"xgewerbe:case:{case.pk}:{recipient.pk}"
                if case is not None
                else f"xgewerbe:delivery:{delivery.pk}"
            )
            delivery.outbox_message = outbox_enqueue(
                municipality=municipality,
                kind=recipient.outbox_kind,
                payload={"delivery": delivery.pk},
                dedupe_key=key,
            )
            delivery.save(update_fields=["outbox_message"])
            created.append(delivery)
    return created
