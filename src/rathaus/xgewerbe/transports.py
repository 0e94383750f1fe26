"""Delivery of XGewerbeanzeige messages: HTTP endpoint, e-mail attachment, drop folder.

Each is an outbox transport (``rathaus.integrations.transports``): the worker calls it with
the outbox message, whose payload names the ``Delivery``. The message is validated against
the official XSD first (when configured); a schema violation is permanent (no retry).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from rathaus.integrations.models import OutboxMessage
from rathaus.integrations.transports import (
    PermanentDeliveryError,
    email_from,
    email_message_id,
    register_transport,
)

from . import xsd
from .errors import XGewerbeError
from .models import Delivery


def _delivery(message: OutboxMessage) -> Delivery:
    pk = message.payload.get("delivery")
    delivery = (
        Delivery.objects.of(message.municipality).select_related("recipient").filter(pk=pk).first()
    )
    if delivery is None:
        raise PermanentDeliveryError(f"Zustellung {pk} gibt es nicht (mehr).")
    return delivery


def _send(message: OutboxMessage, send: object) -> None:
    delivery = _delivery(message)
    body = delivery.xml.encode("utf-8")
    try:
        xsd.validate(body, version=delivery.version)
        receipt = send(delivery, body, message)  # type: ignore[operator]
    except XGewerbeError as exc:
        _record(delivery, Delivery.Status.REJECTED, error=exc.message)
        raise PermanentDeliveryError(exc.message) from exc
    except PermanentDeliveryError as exc:
        _record(delivery, Delivery.Status.REJECTED, error=str(exc))
        raise
    except Exception as exc:
        _record(delivery, Delivery.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}")
        raise
    _record(delivery, Delivery.Status.DELIVERED, receipt=str(receipt)[:500])


def _record(delivery: Delivery, status: str, *, receipt: str = "", error: str = "") -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        receipt=receipt or delivery.receipt,
        error=error[:2000],
        delivered_at=timezone.now() if status == Delivery.Status.DELIVERED else None,
    )


# --- HTTP ------------------------------------------------------------------------------------


def _http(delivery: Delivery, body: bytes, message: OutboxMessage) -> str:
    timeout = float(getattr(settings, "RATHAUS_XGEWERBE_HTTP_TIMEOUT", 15))
    response = requests.post(
        delivery.recipient.address,
        data=body,
        headers={
            "Content-Type": "application/xml; charset=utf-8",
            "Idempotency-Key": str(message.uid),
            "X-XGewerbeanzeige-Nachricht": delivery.message_uuid,
        },
        timeout=timeout,
        allow_redirects=False,
    )
    status = response.status_code
    if 200 <= status < 300:
        receipt = response.headers.get("X-Receipt") or response.text.strip()[:400]
        return f"HTTP {status}" + (f": {receipt}" if receipt else "")
    if 400 <= status < 500 and status not in (408, 409, 425, 429):
        raise PermanentDeliveryError(f"Empfänger hat abgelehnt: HTTP {status}")
    raise RuntimeError(f"HTTP {status}")


@register_transport("xgewerbe.http")
def deliver_http(message: OutboxMessage) -> None:
    _send(message, _http)


# --- e-mail ----------------------------------------------------------------------------------


def _email(delivery: Delivery, body: bytes, message: OutboxMessage) -> str:
    message_id = email_message_id(message)
    email = EmailMessage(
        subject=f"XGewerbeanzeige {delivery.get_group_display()} {delivery.message_uuid}",
        body=(
            f"Gewerbeanzeige-Nachricht (XGewerbeanzeige {delivery.version}) von "
            f"{message.municipality.name} im Anhang.\n"
        ),
        from_email=email_from(message),
        to=[delivery.recipient.address],
        headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
        connection=get_connection(fail_silently=False),
    )
    email.attach(f"{delivery.message_uuid}.xml", body, "application/xml")
    email.send(fail_silently=False)
    return message_id


@register_transport("xgewerbe.email")
def deliver_email(message: OutboxMessage) -> None:
    _send(message, _email)


# --- drop folder (OSCI/XTA gateway) ------------------------------------------------------------


def dropfolder_path(address: str) -> Path:
    """The folder of a recipient, confined to ``RATHAUS_XGEWERBE_DROPFOLDER_ROOT`` if set."""
    folder = Path(address).expanduser()
    root = getattr(settings, "RATHAUS_XGEWERBE_DROPFOLDER_ROOT", "") or ""
    if root:
        base = Path(root).resolve()
        folder = (base / folder).resolve() if not folder.is_absolute() else folder.resolve()
        if folder != base and base not in folder.parents:
            raise PermanentDeliveryError(f"Ablageordner {address} liegt außerhalb von {base}.")
    return folder


def _dropfolder(delivery: Delivery, body: bytes, message: OutboxMessage) -> str:
    folder = dropfolder_path(delivery.recipient.address)
    if not folder.is_dir():
        raise RuntimeError(f"Ablageordner {folder} fehlt")
    name = f"{message.municipality.ags}_{delivery.group}_{delivery.message_uuid}.xml"
    if (folder / name).exists():  # delivered before (at least once): same content, done
        return name
    # written under a name the gateway ignores, then renamed: it never sees half a file
    handle, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, folder / name)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return name


@register_transport("xgewerbe.dropfolder")
def deliver_dropfolder(message: OutboxMessage) -> None:
    _send(message, _dropfolder)
