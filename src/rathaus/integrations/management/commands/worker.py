"""``rathaus worker``: deliver outbox messages and run background tasks until stopped."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rathaus.integrations.worker import Worker


class Command(BaseCommand):
    help = (
        "Hintergrund-Worker: stellt ausgehende Nachrichten zu und führt Hintergrundaufgaben aus. "
        "SIGTERM/Strg-C beendet ihn nach der laufenden Zustellung."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Alles Fällige erledigen, dann beenden (für Tests und cron).",
        )
        parser.add_argument(
            "--sleep",
            type=float,
            default=None,
            help="Sekunden Pause, wenn nichts zu tun ist (Standard: RATHAUS_WORKER_SLEEP).",
        )
        parser.add_argument("--no-outbox", action="store_true", help="Keine Nachrichten.")
        parser.add_argument("--no-tasks", action="store_true", help="Keine Hintergrundaufgaben.")
        parser.add_argument("--worker-id", default=None, help="Eindeutige Kennung (max. 64).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sleep"] is not None and options["sleep"] < 0:
            raise CommandError("--sleep darf nicht negativ sein.")
        if options["no_outbox"] and options["no_tasks"]:
            raise CommandError("--no-outbox und --no-tasks zusammen lassen nichts zu tun.")
        worker_id = options["worker_id"]
        if worker_id is not None and not 0 < len(worker_id) <= 64:
            raise CommandError("--worker-id muss 1 bis 64 Zeichen lang sein.")
        worker = Worker(
            worker_id=worker_id,
            sleep=options["sleep"],
            outbox=not options["no_outbox"],
            tasks=not options["no_tasks"],
        )
        worker.install_signal_handlers()
        done = worker.run(once=options["once"])
        if options["verbosity"] > 0 and options["once"]:
            self.stdout.write(f"{done} erledigt.")
