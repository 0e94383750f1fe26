"""``rathaus audit verify``: check the hash chain of every case history.

Exits non-zero and names the first broken link of each broken chain when an event was altered
or removed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.cases.events import chain_verify
from rathaus.cases.models import Case


class Command(BaseCommand):
    help = "Prüft die Hash-Kette der Vorgangshistorien (audit verify)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        verify = sub.add_parser("verify", help="Alle Ketten prüfen")
        verify.add_argument("--municipality", help="nur diese Kommune (Kurzname)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] != "verify":  # pragma: no cover - argparse enforces it
            raise CommandError("unbekannter Befehl")
        cases = Case.objects.order_by("pk").only(
            "pk", "reference", "history_head", "history_length"
        )
        if options.get("municipality"):
            cases = cases.filter(municipality__slug=options["municipality"])
        count = cases.count()
        breaks = chain_verify(cases.iterator(chunk_size=500))
        if breaks:
            for found in breaks:
                self.stderr.write(f"GEBROCHEN: {found}")
            raise CommandError(
                f"{len(breaks)} von {count} Vorgangshistorien sind nicht unversehrt.", returncode=2
            )
        self.stdout.write(f"OK: {count} Vorgangshistorien geprüft, alle Ketten unversehrt.")
