"""Signed server-to-server notifications (shared by the Rathaus endpoint and the simulator).

The platform signs ``<timestamp>.<nonce>.<body>`` with HMAC-SHA256 and the secret shared with
the municipality; the receiver checks the signature (constant time), refuses timestamps outside
a window and remembers nonces, so a captured notification cannot be sent again later. Standard
library only: the simulator imports this without Django.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

HEADER_TIMESTAMP = "X-XBD-Timestamp"
HEADER_NONCE = "X-XBD-Nonce"
HEADER_SIGNATURE = "X-XBD-Signature"
MAX_SKEW_SECONDS = 300


class SignatureInvalid(Exception):
    """The notification is not from the platform (or no longer fresh)."""


def signature(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = f"{timestamp}.{nonce}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_headers(secret: str, body: bytes, *, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16)
    return {
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: signature(secret, timestamp, nonce, body),
    }


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> str:
    """Check a notification; returns its nonce. Raises :class:`SignatureInvalid`."""
    if not secret:
        raise SignatureInvalid("no notification secret configured")
    timestamp = headers.get(HEADER_TIMESTAMP, "")
    nonce = headers.get(HEADER_NONCE, "")
    given = headers.get(HEADER_SIGNATURE, "")
    if not timestamp.isdigit() or not nonce or len(nonce) > 100 or not given:
        raise SignatureInvalid("signature headers missing")
    expected = signature(secret, timestamp, nonce, body)
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise SignatureInvalid("signature does not match")
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > MAX_SKEW_SECONDS:
        raise SignatureInvalid("timestamp outside the allowed window")
    return nonce
