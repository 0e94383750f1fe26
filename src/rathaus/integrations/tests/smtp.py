"""A real SMTP server on loopback for tests (aiosmtpd), with switches for the failures we need.

``raw`` keeps every copy the server accepted, in order; ``mailbox`` keeps one per Message-ID,
as a mail store with duplicate suppression (Sieve "duplicate", RFC 7352; most webmailers) would.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    def __init__(self) -> None:
        self.raw: list[ParsedMessage] = []
        self.refuse_next = 0  # answer DATA with 451 this many times
        self.refuse_always = False
        self.unknown_recipients: set[str] = set()  # answered with 550 at RCPT
        self.delay = 0.0  # seconds to think before accepting (makes workers overlap)
        # Blocking: the handler waits in ``block_in`` on the first transaction until ``release``
        # is set, after setting ``entered``. "RCPT": before the server has the message;
        # "DATA": after it has queued the message, before the 250 reply is sent.
        self.block_in: str | None = None
        self.entered = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    # --- server side ----------------------------------------------------------------------------

    async def _maybe_block(self, phase: str) -> None:
        if self.block_in == phase and not self.entered.is_set():
            self.entered.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        await self._maybe_block("RCPT")
        if address in self.unknown_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_always:
            return "451 4.3.0 Mail server temporarily unavailable"
        if self.refuse_next > 0:
            self.refuse_next -= 1
            return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        with self._lock:
            # Like a real MTA: the message is committed to the queue before the 250 goes out,
            # whether or not the client is still there to read it (RFC 1047).
            self.raw.append(parsed)  # type: ignore[arg-type]
        await self._maybe_block("DATA")  # blocking in "DATA" = queued, reply not yet sent
        return "250 2.0.0 OK queued"

    # --- test side ------------------------------------------------------------------------------

    @property
    def mailbox(self) -> dict[str, ParsedMessage]:
        with self._lock:
            box: dict[str, ParsedMessage] = {}
            for message in self.raw:
                box.setdefault(str(message["Message-ID"]), message)
            return box

    def wait_for(self, count: int, timeout: float = 15.0) -> list[ParsedMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.raw) >= count:
                    return list(self.raw)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} mails, got {len(self.raw)}")

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.controller.stop()


def use_sink(settings: Any, sink: SmtpSink) -> None:
    """Point Django's SMTP backend at the sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
