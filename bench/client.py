"""A small asyncio HTTP/1.1 client for the load generator: keep-alive, cookies, forms, multipart.

Deliberately minimal (a few dozen microseconds per request) so that on a 2-core machine the
client takes as little CPU from the server under test as possible. Only ever talks to
127.0.0.1 (asserted).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

LOOPBACK = "127.0.0.1"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    queries: int | None

    @property
    def location(self) -> str:
        return self.headers.get("location", "")

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class HttpError(Exception):
    pass


@dataclass
class Recorder:
    """Latencies, errors and query counts of one scenario at one concurrency level."""

    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    ops: int = 0
    op_latencies: list[float] = field(default_factory=list)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text[:300])


class Session:
    """One simulated user: its own keep-alive connection and cookies."""

    def __init__(self, port: int, recorder: Recorder | None = None, host: str = LOOPBACK):
        self.port = port
        self.host = host
        self.cookies: dict[str, str] = {}
        self.extra_headers: dict[str, str] = {}  # e.g. the API key
        self.recorder = recorder
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(LOOPBACK, self.port)

    @property
    def csrf(self) -> str:
        return self.cookies.get("csrftoken", "")

    async def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        content_type: str = "",
        expect: tuple[int, ...] = (200, 302),
    ) -> Response:
        if path.startswith("http"):
            parts = urlsplit(path)
            assert parts.hostname == LOOPBACK, "the bench only talks to 127.0.0.1"
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        lines.extend(f"{k}: {v}" for k, v in self.extra_headers.items())
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
            lines.append(f"Content-Type: {content_type or 'application/x-www-form-urlencoded'}")
            if self.csrf:
                lines.append(f"X-CSRFToken: {self.csrf}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        started = time.perf_counter()
        for attempt in (1, 2):
            if self._writer is None:
                await self._connect()
            assert self._reader is not None and self._writer is not None
            try:
                self._writer.write(raw)
                response = await self._read(started)
                break
            except (ConnectionError, asyncio.IncompleteReadError, OSError):
                await self.close()
                if attempt == 2:
                    raise
        if self.recorder is not None:
            self.recorder.latencies.append(response.seconds)
            if response.queries is not None:
                self.recorder.queries.append(response.queries)
        if response.status not in expect:
            raise HttpError(f"{method} {path} → {response.status}: {response.text()[:200]}")
        return response

    async def _read(self, started: float) -> Response:
        assert self._reader is not None
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in header_lines:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val and val != '""':
                    self.cookies[key] = val
                else:
                    self.cookies.pop(key, None)
            headers[name] = value
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self._reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self._reader.readline()
                    break
                chunks.append(await self._reader.readexactly(size))
                await self._reader.readline()
            body = b"".join(chunks)
        else:
            body = await self._reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        queries = headers.get("x-bench-queries")
        return Response(
            status, headers, body, time.perf_counter() - started, int(queries) if queries else None
        )

    async def get(self, path: str, expect: tuple[int, ...] = (200,)) -> Response:
        return await self.request("GET", path, expect=expect)

    async def post(
        self, path: str, data: dict[str, str] | None = None, expect: tuple[int, ...] = (302,)
    ) -> Response:
        form = {**(data or {}), "csrfmiddlewaretoken": self.csrf}
        return await self.request("POST", path, urlencode(form).encode(), expect=expect)

    async def post_multipart(
        self,
        path: str,
        data: dict[str, str],
        files: dict[str, tuple[str, bytes, str]],
        expect: tuple[int, ...] = (302,),
    ) -> Response:
        boundary = uuid.uuid4().hex
        parts: list[bytes] = []
        for key, value in {**data, "csrfmiddlewaretoken": self.csrf}.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        for key, (filename, content, content_type) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; '
                f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return await self.request(
            "POST",
            path,
            b"".join(parts),
            content_type=f"multipart/form-data; boundary={boundary}",
            expect=expect,
        )
