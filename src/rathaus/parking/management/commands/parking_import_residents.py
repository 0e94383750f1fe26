"""Import a municipality's registration register (CSV) and re-check every valid permit.

rathaus parking_import_residents essen melderegister.csv
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.core.errors import RathausError
from rathaus.core.models import Municipality
from rathaus.parking.registry import residents_import
from rathaus.parking.services import permits_recheck_residence


class Command(BaseCommand):
    help = "Importiert Meldedaten (CSV) einer Kommune und prüft alle gültigen Parkausweise neu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipality", help="Kürzel der Kommune (slug)")
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(slug=options["municipality"]).first()
        if municipality is None:
            raise CommandError("Unbekannte Kommune.")
        try:
            count = residents_import(
                municipality=municipality, content=Path(options["path"]).read_bytes()
            )
        except (OSError, RathausError) as exc:
            raise CommandError(str(exc)) from exc
        revoked = permits_recheck_residence(municipality=municipality)
        self.stdout.write(
            f"{count} Meldedatensätze übernommen; {len(revoked)} Ausweise widerrufen."
        )
