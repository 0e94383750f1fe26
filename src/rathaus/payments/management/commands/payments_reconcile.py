"""``rathaus payments_reconcile``: ask the ePayment platform about online payments that are
still pending (the browser never came back, the notification got lost).

Run it every few minutes (cron, systemd timer, Kubernetes CronJob) — or with ``--every`` as a
long-running process; ``rathaus serve`` does that for the demo.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from rathaus.payments.services import payments_reconcile


class Command(BaseCommand):
    help = "Offene Online-Zahlungen beim Zahlungsdienst nachfragen und gegebenenfalls buchen."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=10,
            help="nur Zahlungen, die seit so vielen Minuten unverändert sind (Standard 10)",
        )
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            help="alle N Sekunden wiederholen, bis Strg-C (Standard: einmal)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older_than = timedelta(minutes=options["older_than"])
        every = options["every"]
        while True:
            try:
                booked = payments_reconcile(older_than=older_than)
            except DatabaseError as exc:
                if not every:
                    raise
                self.stderr.write(f"Datenbankfehler: {exc}")
                booked = 0
            if booked or not every:
                self.stdout.write(f"{booked} Zahlung(en) nachträglich gebucht.")
            if not every:
                return
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return
            close_old_connections()
