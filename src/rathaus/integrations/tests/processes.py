"""Running ``rathaus worker`` as a real process against the test database.

On PostgreSQL the worker connects to the test database pytest-django created (the test must be
``transaction=True`` so its rows are committed). On SQLite the test database is in memory, which
no other process can open: :meth:`SharedDatabase.push` copies it into a file with SQLite's
online-backup API, the workers use that file, and :meth:`SharedDatabase.pull` copies the result
back, so the test keeps asserting through the ORM on both.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection


class SharedDatabase:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.file: Path | None = None
        settings = connection.settings_dict
        if connection.vendor == "sqlite":
            if connection.is_in_memory_db():  # type: ignore[attr-defined]
                self.file = tmp_path / "shared.sqlite3"
                self.url = f"sqlite:///{self.file}"
            else:
                self.url = f"sqlite:///{settings['NAME']}"
        elif connection.vendor == "postgresql":
            password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
            self.url = (
                f"postgres://{quote(settings.get('USER') or '')}{password}"
                f"@{settings.get('HOST') or 'localhost'}:{settings.get('PORT') or 5432}"
                f"/{settings['NAME']}"
            )
        else:
            pytest.skip(f"worker processes are not set up for {connection.vendor}")

    def push(self) -> None:
        """Make what the test wrote visible to worker processes."""
        if self.file is not None:
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            try:
                connection.connection.backup(target)
            finally:
                target.close()

    def pull(self) -> None:
        """Make what the workers wrote visible to the test (after they have exited)."""
        if self.file is not None:
            connection.ensure_connection()
            source = sqlite3.connect(self.file)
            try:
                source.backup(connection.connection)
            finally:
                source.close()


class WorkerProcess:
    """``python -m rathaus.config.cli worker`` with its log in a file."""

    def __init__(self, *, database: SharedDatabase, smtp_port: int, name: str, args: list[str]):
        self.log_path = database.tmp_path / f"{name}.log"
        env = {
            **os.environ,
            # the suite's settings module (pytest-django puts it into the environment)
            "DJANGO_SETTINGS_MODULE": os.environ.get(
                "DJANGO_SETTINGS_MODULE", "rathaus.config.settings"
            ),
            "DATABASE_URL": database.url,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_TIMEOUT": "10",
            "DEFAULT_FROM_EMAIL": "Rathaus <noreply@rathaus.example>",
            "RATHAUS_OUTBOX_LEASE_SECONDS": "2",
            "RATHAUS_VAR_DIR": str(database.tmp_path),
            "LOG_LEVEL": "INFO",
        }
        env.pop("RATHAUS_TASKS_IMMEDIATE", None)
        env.pop("EMAIL_BACKEND", None)
        command = [sys.executable, "-m", "rathaus.config.cli", "worker", "--sleep", "0.05"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv
                [*command, "--worker-id", name, *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        os.kill(self.process.pid, signum)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def wait(self, timeout: float = 30) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"worker did not exit in time:\n{self.log}") from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def wait_until(condition: Callable[[], bool], *, timeout: float = 15, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)
