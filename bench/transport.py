"""The ``bench_http`` outbox transport: POST the payload as JSON to the bench receiver.

Only loopback URLs are accepted: the benchmark never sends anything off the machine.
"""

from __future__ import annotations

import http.client
import json
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rathaus.integrations.transports import PermanentDeliveryError, register_transport

if TYPE_CHECKING:
    from rathaus.integrations.models import OutboxMessage

_connections: dict[tuple[str, int], http.client.HTTPConnection] = {}


@register_transport("bench_http")
def deliver_bench_http(message: OutboxMessage) -> None:
    url = urlsplit(str(message.payload.get("url", "")))
    if url.scheme != "http" or url.hostname != "127.0.0.1" or not url.port:
        raise PermanentDeliveryError("bench receiver must be http://127.0.0.1:<port>/")
    body = json.dumps({"id": str(message.uid), "data": message.payload.get("data")}).encode()
    key = (url.hostname, url.port)
    for attempt in (1, 2):  # keep-alive connection; one reconnect when the server closed it
        connection = _connections.get(key)
        if connection is None:
            connection = _connections[key] = http.client.HTTPConnection(*key, timeout=10)
        try:
            connection.request("POST", url.path or "/", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            _connections.pop(key, None)
            if attempt == 2:
                raise
            continue
        if response.status >= 300:
            raise RuntimeError(f"receiver answered {response.status}")
        return
