"""Re-check every valid permit against the registration register (connector) and revoke those
whose holder moved out of the zone.

    rathaus parking_recheck [municipality]
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rathaus.core.models import Municipality
from rathaus.parking.services import permits_recheck_residence


class Command(BaseCommand):
    help = "Prüft gültige Parkausweise gegen das Melderegister und widerruft sie bei Wegzug."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipality", nargs="?", help="Kürzel (slug); ohne: alle")

    def handle(self, *args: Any, **options: Any) -> None:
        found = Municipality.objects.all()
        if options["municipality"]:
            found = found.filter(slug=options["municipality"])
        for municipality in found:
            revoked = permits_recheck_residence(municipality=municipality)
            self.stdout.write(f"{municipality.name}: {len(revoked)} Ausweise widerrufen.")
