"""``rathaus gewerbe_import --gemeinde musterstadt <datei.xml> …``: read XGewerbeanzeige messages
(e.g. exported from the state's business portal) into applications and cases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.errors import RathausError
from rathaus.core.models import Municipality


class Command(BaseCommand):
    help = "Liest XGewerbeanzeige-Nachrichten als Gewerbeanzeigen (Vorgänge) ein."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--gemeinde", required=True, help="Kurzname der Kommune (slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        from rathaus.trade.services import notification_receive

        municipality = Municipality.objects.filter(slug=options["gemeinde"]).first()
        if municipality is None:
            raise CommandError(f"Unbekannte Kommune: {options['gemeinde']}")
        failed = 0
        for path in options["files"]:
            try:
                case = notification_receive(municipality=municipality, xml=path.read_bytes())
            except OSError as exc:
                failed += 1
                self.stderr.write(f"{path}: nicht lesbar ({exc.strerror})")
            except RathausError as exc:
                failed += 1
                self.stderr.write(f"{path}: {exc.message}")
            else:
                self.stdout.write(f"{path}: Vorgang {case.reference} ({case.get_state_display()})")
        if failed:
            raise CommandError(f"{failed} Datei(en) nicht eingelesen.")
