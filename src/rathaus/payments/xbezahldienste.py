"""Client of an XBezahldienste-compatible ePayment platform (REST/JSON, OAuth2 client credentials).

The subset we speak (``docs/payments.md``), modelled on XBezahldienste 1.0:

- ``POST {base}/paymenttransaction/{originatorId}/{endPointId}`` with a *PaymentRequest*
  (``requestId``, ``requestTimestamp``, ``currency``, ``grossAmount`` in cent, ``purpose``
  ≤ 27 characters, ``description``, ``redirectUrl``, ``items``; our extension
  ``notificationUrl``) → *PaymentTransaction* (``transactionId``, ``transactionUrl``, ``status``).
- ``GET {base}/paymenttransaction/{originatorId}/{endPointId}/{transactionId}`` → the
  transaction with ``status`` INITIAL, BOOKED, FAILED or CANCELED and ``paymentInformation``.
- The token endpoint (``{base}/oauth/token`` unless configured) for the bearer token.

Every call has a timeout; every failure becomes :class:`XBezahldiensteError` with a message an
operator can act on (the platform's answer is kept in ``detail`` for the payment log).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests

TIMEOUT = (5.0, 20.0)  # connect, read
STATUSES = ("INITIAL", "BOOKED", "FAILED", "CANCELED")
TRANSACTION_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")

_tokens: dict[tuple[str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


class XBezahldiensteError(Exception):
    def __init__(self, message: str, *, detail: Any = None, status: int | None = None) -> None:
        super().__init__(message)
        self.detail = detail
        self.status = status


@dataclass(frozen=True)
class Transaction:
    transaction_id: str
    status: str
    transaction_url: str = ""
    payment_method: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Any) -> Transaction:
        if not isinstance(data, dict):
            raise XBezahldiensteError("Antwort des Zahlungsdienstes ist kein JSON-Objekt.")
        transaction_id = data.get("transactionId")
        status = data.get("status")
        if not isinstance(transaction_id, str) or not TRANSACTION_ID.match(transaction_id):
            raise XBezahldiensteError("Antwort ohne transactionId.", detail=data)
        if status not in STATUSES:
            raise XBezahldiensteError(f"Unbekannter Transaktionsstatus {status!r}.", detail=data)
        info = data.get("paymentInformation") or {}
        return cls(
            transaction_id=transaction_id,
            status=status,
            transaction_url=str(data.get("transactionUrl") or ""),
            payment_method=str(info.get("paymentMethod") or "") if isinstance(info, dict) else "",
            raw=data,
        )


class XBezahldiensteClient:
    def __init__(
        self,
        *,
        base_url: str,
        originator_id: str,
        endpoint_id: str,
        client_id: str,
        client_secret: str,
        token_url: str = "",
        timeout: tuple[float, float] = TIMEOUT,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token_url = token_url or f"{self.base_url}/oauth/token"
        self.originator_id = originator_id
        self.endpoint_id = endpoint_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.timeout = timeout
        self.session = session or requests.Session()

    # --- transport -----------------------------------------------------------------------------

    def _token(self, *, fresh: bool = False) -> str:
        key = (self.token_url, self.client_id)
        with _tokens_lock:
            cached = _tokens.get(key)
            if cached and not fresh and cached[1] > time.monotonic() + 10:
                return cached[0]
        data = self._send(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials"},
            auth=(self.client_id, self.client_secret),
            what="Anmeldung (OAuth2)",
        )
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            raise XBezahldiensteError("Der Zahlungsdienst hat kein Zugriffstoken geliefert.")
        expires = float(data.get("expires_in") or 300)
        with _tokens_lock:
            _tokens[key] = (token, time.monotonic() + expires)
        return token

    def _send(self, method: str, url: str, *, what: str, **kwargs: Any) -> Any:
        try:
            response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise XBezahldiensteError(f"{what}: Zahlungsdienst antwortet nicht (Timeout).") from exc
        except requests.RequestException as exc:
            raise XBezahldiensteError(
                f"{what}: Zahlungsdienst nicht erreichbar ({exc.__class__.__name__})."
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = response.text[:500]
        if response.status_code >= 400:
            raise XBezahldiensteError(
                f"{what}: Zahlungsdienst meldet HTTP {response.status_code}.",
                detail=body,
                status=response.status_code,
            )
        return body

    def _api(self, method: str, path: str, *, what: str, **kwargs: Any) -> Any:
        url = f"{self.base_url}{path}"
        headers = {"Accept": "application/json"}
        try:
            return self._send(
                method,
                url,
                what=what,
                headers={**headers, "Authorization": f"Bearer {self._token()}"},
                **kwargs,
            )
        except XBezahldiensteError as exc:
            if exc.status != 401:
                raise
        # The token expired early (platform restart): one retry with a new token.
        return self._send(
            method,
            url,
            what=what,
            headers={**headers, "Authorization": f"Bearer {self._token(fresh=True)}"},
            **kwargs,
        )

    # --- resources -----------------------------------------------------------------------------

    def create_transaction(self, payment_request: dict[str, Any]) -> Transaction:
        data = self._api(
            "POST",
            f"/paymenttransaction/{self.originator_id}/{self.endpoint_id}",
            json=payment_request,
            what="Zahlung anlegen",
        )
        transaction = Transaction.from_json(data)
        if not transaction.transaction_url:
            raise XBezahldiensteError("Antwort ohne transactionUrl.", detail=data)
        return transaction

    def get_transaction(self, transaction_id: str) -> Transaction:
        if not TRANSACTION_ID.match(transaction_id):
            raise XBezahldiensteError(f"Ungültige transactionId {transaction_id!r}.")
        return Transaction.from_json(
            self._api(
                "GET",
                f"/paymenttransaction/{self.originator_id}/{self.endpoint_id}/{transaction_id}",
                what="Zahlungsstatus abfragen",
            )
        )
