"""``rathaus xgewerbe_statistics``: send the monthly statistics messages that are due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.xgewerbe.statistics import deadline, statistics_send_due


class Command(BaseCommand):
    help = (
        "Baut die Statistik-Nachrichten (XGewerbeanzeige) aller abgeschlossenen Monate, die noch "
        "nicht versandt sind, und stellt sie in den Postausgang. Täglich ausführen; doppelt "
        "ausgeführt versendet es nichts doppelt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="Stichtag JJJJ-MM-TT (für Tests und Nachläufe)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = dt.date.fromisoformat(options["today"]) if options.get("today") else None
        batches = statistics_send_due(today=today)
        for batch in batches:
            self.stdout.write(
                f"{batch.municipality} {batch.period}: {batch.records} Meldungen an "
                f"{batch.deliveries} Empfänger (Frist {deadline(batch.period):%d.%m.%Y})"
            )
        if not batches:
            self.stdout.write("Keine fälligen Statistik-Nachrichten.")
