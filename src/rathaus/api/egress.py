"""Where webhooks may go: public HTTPS endpoints only, unless the operator allows more.

A webhook URL is chosen by an API client, so without a check a client could make the server
call addresses inside the municipality's network (server-side request forgery): the database,
the metadata service of a cloud, an admin interface on loopback. By default a subscription URL
must be ``https://`` and every address its host name resolves to must be a public one; the check
runs when a subscription is saved and again right before each delivery (DNS may change).

``RATHAUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True`` lifts both rules — for receivers inside the
authority's own network (set it only when they are there), for the demo on 127.0.0.1 and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

from rathaus.core.errors import ErrorCode, RathausError


def private_networks_allowed() -> bool:
    return bool(getattr(settings, "RATHAUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS", False))


def _addresses(host: str, port: int) -> list[str]:
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port)})
    except (socket.gaierror, UnicodeError):
        return []


def ensure_public_target(url: str, *, resolve: bool = True) -> None:
    """Raise ``RathausError(INVALID_INPUT)`` unless ``url`` is an allowed webhook target."""
    if private_networks_allowed():
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise RathausError(ErrorCode.INVALID_INPUT, "Die Empfänger-URL muss mit https:// beginnen.")
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        candidates = [str(literal)]
    elif not resolve:
        return
    else:
        candidates = _addresses(host, parts.port or 443)
        if not candidates:
            raise RathausError(
                ErrorCode.INVALID_INPUT, f"Der Name „{host}“ lässt sich nicht auflösen."
            )
    for address in candidates:
        if not ipaddress.ip_address(address.split("%", 1)[0]).is_global:
            raise RathausError(
                ErrorCode.INVALID_INPUT,
                f"Die Empfänger-URL zeigt auf eine interne Adresse ({address}); Webhooks gehen "
                "nur an öffentlich erreichbare Empfänger.",
            )
