"""``rathaus serve``: web server and background worker together, for the demo and small setups.

Runs gunicorn on 127.0.0.1:$PORT and, next to it, the ``worker`` command; stops both on Ctrl-C.
Production runs the two as separate services (see docs/operations.md).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import get_commands
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Webserver und Hintergrund-Worker gemeinsam starten."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--no-payment-simulator",
            action="store_true",
            help="den ePayment-Simulator (Demo-Zahlungen) nicht starten",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        env = dict(os.environ)
        env.setdefault("RATHAUS_INSECURE_HTTP", "1")  # demo on plain http://127.0.0.1
        port, host = options["port"], options["host"]
        processes: list[subprocess.Popen[bytes]] = []
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "rathaus.config.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(options["workers"]),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            # Safety net for memory: a worker that rendered PDFs (WeasyPrint, fonts) keeps its
            # peak; recycling it after a few thousand requests returns that memory (see
            # docs/performance.md, "Memory").
            "--max-requests",
            os.environ.get("RATHAUS_WEB_MAX_REQUESTS", "5000"),
            "--max-requests-jitter",
            os.environ.get("RATHAUS_WEB_MAX_REQUESTS_JITTER", "500"),
        ]
        if os.environ.get("RATHAUS_WEB_PRELOAD", "1") == "1":
            # Load the application once in the master, then fork: the workers share its
            # pages (about 25 MB less per worker, docs/performance.md, "Memory").
            web.append("--preload")
        processes.append(subprocess.Popen(web, env=env))  # noqa: S603 - fixed argv
        if "worker" in get_commands():
            worker = [sys.executable, "-m", "rathaus.config.cli", "worker"]
            processes.append(subprocess.Popen(worker, env=env))  # noqa: S603 - fixed argv
        # Optional helpers: if one cannot start (e.g. its port is taken) the demo still runs.
        helpers: list[subprocess.Popen[bytes]] = []
        if not options["no_payment_simulator"] and "payments_reconcile" in get_commands():
            # (payments installed; its reconciliation runs in the worker's periodic jobs)
            helpers.extend(self._payment_processes(env))
        self.stdout.write(
            self.style.SUCCESS(f"Rathaus läuft auf http://{host}:{port}/ (Strg-C beendet)")
        )
        self.stdout.write(
            f"  Musterstadt:  http://musterstadt.localhost:{port}/  "
            f"oder http://{host}:{port}/m/musterstadt/"
        )
        self.stdout.write(
            f"  Beispieldorf: http://beispieldorf.localhost:{port}/  "
            f"oder http://{host}:{port}/m/beispieldorf/"
        )
        self.stdout.write(f"  Verwaltung:   http://musterstadt.localhost:{port}/verwaltung/")
        self.stdout.write("  Konten siehe README.md (Passwort: rathaus-demo-2026)")

        def stop(*_: Any) -> None:
            for process in [*processes, *helpers]:
                if process.poll() is None:
                    process.terminate()

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            for process in [*processes, *helpers]:
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()

    def _payment_processes(self, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
        """The ePayment simulator the demo municipalities pay with (see docs/payments.md)."""
        from urllib.parse import urlsplit

        url = str(getattr(settings, "RATHAUS_PAYMENT_SIMULATOR_URL", "http://127.0.0.1:8765"))
        parts = urlsplit(url)
        simulator = [
            sys.executable,
            "-m",
            "rathaus.payments.simulator",
            "--host",
            parts.hostname or "127.0.0.1",
            "--port",
            str(parts.port or 8765),
        ]
        self.stdout.write(f"  ePayment-Simulator: {url}/")
        return [subprocess.Popen(simulator, env=env)]  # noqa: S603 - fixed argv
