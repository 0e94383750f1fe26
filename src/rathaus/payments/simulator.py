"""A local ePayment platform speaking our XBezahldienste subset — for the demo and the tests.

    python -m rathaus.payments.simulator --port 8765

or in-process (tests)::

    simulator = Simulator().start()      # on a free loopback port
    simulator.base_url                   # "http://127.0.0.1:<port>/v1"
    ...
    simulator.stop()

What it does (``docs/payments.md``):

- ``POST /v1/oauth/token``: OAuth2 client credentials (HTTP Basic or form fields).
- ``POST /v1/paymenttransaction/{originatorId}/{endPointId}``: a PaymentRequest becomes a
  PaymentTransaction (status INITIAL) with ``transactionUrl`` = the pay page. The same
  ``requestId`` twice returns the first transaction (idempotent).
- ``GET /v1/paymenttransaction/{originatorId}/{endPointId}/{transactionId}``: the status.
- ``GET /bezahlen/{transactionId}``: the pay page with "Bezahlen", "Fehlschlagen", "Abbrechen";
  each sets the status (BOOKED, FAILED, CANCELED), sends the signed notification to the
  request's ``notificationUrl`` and redirects the browser to its ``redirectUrl``.

Standard library only, state in memory. No real money, no real card data.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import re
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rathaus.payments.signing import sign_headers

DEMO_CLIENT_ID = "rathaus-demo"
DEMO_CLIENT_SECRET = "demo-client-secret"  # noqa: S105 - published demo credential
DEMO_NOTIFICATION_SECRET = "demo-notification-secret"  # noqa: S105 - published demo credential
MAX_BODY = 64 * 1024

_API = re.compile(r"^/v1/paymenttransaction/([\w.-]{1,80})/([\w.-]{1,80})(?:/([\w.-]{1,100}))?$")
_PAGE = re.compile(r"^/bezahlen/([\w.-]{1,100})$")
ACTIONS = {"pay": "BOOKED", "fail": "FAILED", "cancel": "CANCELED"}
METHODS = {"BOOKED": "CREDITCARD", "FAILED": "CREDITCARD", "CANCELED": ""}


@dataclass
class Client:
    secret: str
    notification_secret: str


@dataclass
class Notification:
    url: str
    body: bytes
    headers: dict[str, str]
    delivered: bool = False
    status: int | None = None
    error: str = ""


@dataclass
class SimTransaction:
    transaction_id: str
    client_id: str
    originator_id: str
    endpoint_id: str
    request: dict[str, Any]
    status: str = "INITIAL"
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    finished: str = ""

    def as_json(self, base: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "transactionId": self.transaction_id,
            "requestId": self.request.get("requestId"),
            "transactionUrl": f"{base}/bezahlen/{self.transaction_id}",
            "status": self.status,
            "paymentRequest": self.request,
        }
        if self.status != "INITIAL":
            data["paymentInformation"] = {
                "paymentMethod": METHODS[self.status],
                "transactionTimestamp": self.finished,
                "grossAmount": self.request.get("grossAmount"),
                "currency": self.request.get("currency"),
            }
        return data


class Simulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clients: dict[str, Client] | None = None,
        send_notifications: bool = True,
        public_url: str = "",
    ) -> None:
        self.clients = clients or {
            DEMO_CLIENT_ID: Client(DEMO_CLIENT_SECRET, DEMO_NOTIFICATION_SECRET)
        }
        self.send_notifications = send_notifications
        self.transactions: dict[str, SimTransaction] = {}
        self.by_request: dict[tuple[str, str], str] = {}
        self.tokens: dict[str, str] = {}
        self.notifications: list[Notification] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), _handler_for(self))
        self.server.daemon_threads = True
        self._public_url = public_url.rstrip("/")
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._public_url:
            return self._public_url
        host, port = self.server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{name}:{port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def start(self) -> Simulator:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- behaviour -----------------------------------------------------------------------------

    def finish(self, transaction_id: str, action: str) -> SimTransaction:
        """What the buttons on the pay page do (also callable from tests)."""
        with self.lock:
            found = self.transactions[transaction_id]
            if found.status == "INITIAL":
                found.status = ACTIONS[action]
                found.finished = datetime.now(UTC).isoformat(timespec="seconds")
        self.notify(found)
        return found

    def notify(self, found: SimTransaction) -> Notification | None:
        url = str(found.request.get("notificationUrl") or "")
        if not url:
            return None
        client = self.clients[found.client_id]
        body = json.dumps(found.as_json(self.url), separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            **sign_headers(client.notification_secret, body),
        }
        notification = Notification(url=url, body=body, headers=headers)
        self.notifications.append(notification)
        if self.send_notifications:
            _deliver(notification)
        return notification


def _deliver(notification: Notification) -> None:
    """POST the notification. ``<name>.localhost`` is sent to 127.0.0.1 with the Host header
    kept, so the demo's per-municipality host names work without DNS entries."""
    parts = urllib.parse.urlsplit(notification.url)
    headers = dict(notification.headers)
    url = notification.url
    if parts.hostname and parts.hostname.endswith(".localhost"):
        headers["Host"] = parts.netloc
        netloc = "127.0.0.1" + (f":{parts.port}" if parts.port else "")
        url = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    request = urllib.request.Request(url, data=notification.body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - configured URL
            notification.status = response.status
            notification.delivered = 200 <= response.status < 300
    except urllib.error.HTTPError as exc:
        notification.status = exc.code
        notification.error = f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        notification.error = f"{exc.__class__.__name__}: {exc}"


def _euro(cents: Any) -> str:
    try:
        value = int(cents)
    except (TypeError, ValueError):
        return "?"
    return f"{value // 100:,}".replace(",", ".") + f",{value % 100:02d} €"


def _validate(request: Any) -> str:
    """An error message for an invalid PaymentRequest, or ''."""
    if not isinstance(request, dict):
        return "PaymentRequest must be a JSON object"
    request_id = request.get("requestId")
    if not isinstance(request_id, str) or not 1 <= len(request_id) <= 36:
        return "requestId: 1 to 36 characters"
    if request.get("currency") != "EUR":
        return "currency: only EUR"
    amount = request.get("grossAmount")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= 99999999:
        return "grossAmount: integer cents between 1 and 99999999"
    purpose = request.get("purpose")
    if not isinstance(purpose, str) or not 1 <= len(purpose) <= 27:
        return "purpose: 1 to 27 characters"
    for key in ("redirectUrl", "notificationUrl"):
        value = request.get(key)
        if key == "notificationUrl" and value in (None, ""):
            continue
        if (
            not isinstance(value, str)
            or len(value) > 2082
            or not value.startswith(("http://", "https://"))
        ):
            return f"{key}: absolute http(s) URL"
    return ""


def _handler_for(sim: Simulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "XBezahldiensteSimulator/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        # --- helpers ---------------------------------------------------------------------------

        def _body(self) -> bytes | None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                return None
            if length < 0 or length > MAX_BODY:
                return None
            return self.rfile.read(length)

        def _json(self, status: int, data: Any) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _problem(self, status: int, detail: str) -> None:
            self._json(
                status, {"status": status, "title": HTTPStatus(status).phrase, "detail": detail}
            )

        def _client(self) -> str | None:
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer "):
                return None
            return sim.tokens.get(auth[7:])

        def _html(self, status: int, content: str) -> None:
            body = content.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        # --- routes ----------------------------------------------------------------------------

        def do_POST(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            body = self._body()
            if body is None:
                self._problem(413, "body too large or invalid length")
                return
            if path == "/v1/oauth/token":
                self._token(body)
                return
            page = _PAGE.match(path)
            if page:
                self._finish(page.group(1), body)
                return
            api = _API.match(path)
            if api and api.group(3) is None:
                self._create(api.group(1), api.group(2), body)
                return
            self._problem(404, "no such resource")

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            page = _PAGE.match(path)
            if page:
                self._page(page.group(1))
                return
            api = _API.match(path)
            if api and api.group(3):
                client = self._client()
                if client is None:
                    self._problem(401, "bearer token missing or unknown")
                    return
                found = sim.transactions.get(api.group(3))
                if found is None or (found.client_id, found.originator_id, found.endpoint_id) != (
                    client,
                    api.group(1),
                    api.group(2),
                ):
                    self._problem(404, "no such transaction")
                    return
                self._json(200, found.as_json(sim.url))
                return
            if path == "/":
                self._html(
                    200, "<!doctype html><title>Simulator</title><p>XBezahldienste-Simulator"
                )
                return
            self._problem(404, "no such resource")

        def _token(self, body: bytes) -> None:
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
            client_id = (form.get("client_id") or [""])[0]
            secret = (form.get("client_secret") or [""])[0]
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                try:
                    client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    client_id = ""
            client = sim.clients.get(client_id)
            if (form.get("grant_type") or [""])[0] != "client_credentials":
                self._json(400, {"error": "unsupported_grant_type"})
                return
            if client is None or not secrets.compare_digest(client.secret, secret):
                self._json(401, {"error": "invalid_client"})
                return
            token = secrets.token_urlsafe(24)
            sim.tokens[token] = client_id
            self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})

        def _create(self, originator: str, endpoint: str, body: bytes) -> None:
            client = self._client()
            if client is None:
                self._problem(401, "bearer token missing or unknown")
                return
            try:
                request = json.loads(body)
            except ValueError:
                self._problem(400, "body is not JSON")
                return
            error = _validate(request)
            if error:
                self._problem(422, error)
                return
            key = (originator, request["requestId"])
            with sim.lock:
                existing = sim.by_request.get(key)
                if existing:
                    self._json(200, sim.transactions[existing].as_json(sim.url))
                    return
                transaction_id = secrets.token_hex(12)
                sim.transactions[transaction_id] = SimTransaction(
                    transaction_id=transaction_id,
                    client_id=client,
                    originator_id=originator,
                    endpoint_id=endpoint,
                    request=request,
                )
                sim.by_request[key] = transaction_id
            self._json(201, sim.transactions[transaction_id].as_json(sim.url))

        def _page(self, transaction_id: str) -> None:
            found = sim.transactions.get(transaction_id)
            if found is None:
                self._html(404, "<!doctype html><title>Unbekannt</title><p>Unbekannte Zahlung.")
                return
            request = found.request
            description = html.escape(str(request.get("description") or ""))
            purpose = html.escape(str(request.get("purpose") or ""))
            requestor = html.escape(str((request.get("requestor") or {}).get("name") or ""))
            buttons = "".join(
                f'<button type="submit" name="action" value="{value}">{label}</button> '
                for value, label in (
                    ("pay", "Bezahlen"),
                    ("fail", "Fehlschlagen"),
                    ("cancel", "Abbrechen"),
                )
            )
            state = (
                f"<p>Status: <strong>{found.status}</strong></p>"
                if found.status != "INITIAL"
                else f'<form method="post">{buttons}</form>'
            )
            self._html(
                200,
                "<!doctype html><html lang=de><head><meta charset=utf-8>"
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                "<title>Bezahlen – ePayment-Simulator</title></head><body>"
                "<h1>ePayment-Simulator</h1>"
                "<p><strong>Nur zur Vorführung: Es wird kein Geld bewegt.</strong></p>"
                f"<dl><dt>Empfänger</dt><dd>{requestor}</dd>"
                f"<dt>Zweck</dt><dd>{description}</dd>"
                f"<dt>Verwendungszweck</dt><dd>{purpose}</dd>"
                f"<dt>Betrag</dt><dd>{_euro(request.get('grossAmount'))}</dd></dl>"
                f"{state}</body></html>",
            )

        def _finish(self, transaction_id: str, body: bytes) -> None:
            found = sim.transactions.get(transaction_id)
            action = (urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("action") or [""])[
                0
            ]
            if found is None or action not in ACTIONS:
                self._html(400, "<!doctype html><title>Fehler</title><p>Ungültige Anfrage.")
                return
            sim.finish(transaction_id, action)
            self.send_response(303)
            self.send_header("Location", str(found.request["redirectUrl"]))
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="XBezahldienste-Simulator (nur für Demo und Tests)"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    simulator = Simulator(host=args.host, port=args.port)
    print(f"ePayment-Simulator auf {simulator.url}/ (API {simulator.base_url})", flush=True)
    try:
        simulator.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        simulator.server.server_close()


if __name__ == "__main__":
    main()
