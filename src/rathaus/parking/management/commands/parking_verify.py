"""Verify a permit token offline, with the municipality's published key set only.

rathaus parking_verify <token or verification URL> --keys schluessel.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rathaus.parking.tokens import TokenError, token_verify_offline


class Command(BaseCommand):
    help = "Prüft einen Parkausweis-Code offline mit dem veröffentlichten Schlüssel (JWK-Set)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("token", help="Code oder Prüf-URL aus dem QR-Code")
        parser.add_argument("--keys", required=True, help="JSON von /parkausweis/schluessel")

    def handle(self, *args: Any, **options: Any) -> None:
        token = options["token"].rstrip("/").rsplit("/", 1)[-1]
        try:
            jwks = json.loads(Path(options["keys"]).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"Schlüsseldatei nicht lesbar: {exc}") from exc
        try:
            data = token_verify_offline(token, jwks)
        except TokenError as exc:
            raise CommandError(f"UNGÜLTIG: {exc}") from exc
        kind = "Bewohnerparkausweis" if data.kind == "P" else "Besuchertagesausweis"
        until = "gültig bis" if data.kind == "P" else "gültig am"
        self.stdout.write(
            f"Signatur gültig ({jwks.get('issuer', data.ags)}, Schlüssel {data.kid}): {kind} "
            f"{data.number}, Zone {data.zone}, {data.plate}, {until} {data.date:%d.%m.%Y}"
        )
