"""Add a municipality to the installation and invite its first municipal admin.

rathaus municipality_add --name "Musterhausen" --slug musterhausen --ags 05774099 \\
    --admin verwaltung@musterhausen.de --admin-name "Maria Muster" [--domain portal.musterhausen.de]

The admin gets the invitation e-mail (through the outbox, so the worker sends it) and adds
services, staff and teams in the back office. Running it again for an existing slug changes
nothing and says so.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email
from django.db import transaction

from rathaus.accounts.models import StaffRole
from rathaus.backoffice import people
from rathaus.core.errors import RathausError
from rathaus.core.models import Municipality


class Command(BaseCommand):
    help = "Legt eine Kommune an und lädt ihre erste kommunale Administration ein."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Name, z. B. „Stadt Musterhausen“")
        parser.add_argument("--slug", required=True, help="Kurzname in Adressen: /m/<slug>/")
        parser.add_argument("--ags", required=True, help="Amtlicher Gemeindeschlüssel (8 Ziffern)")
        parser.add_argument("--admin", required=True, help="Dienstliche E-Mail-Adresse")
        parser.add_argument("--admin-name", default="", help="Vor- und Nachname")
        parser.add_argument(
            "--domain", action="append", default=[], help="Eigener Host-Name (mehrfach möglich)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Municipality.objects.filter(slug=options["slug"]).exists():
            raise CommandError(f"Die Kommune „{options['slug']}“ gibt es schon; nichts geändert.")
        try:
            validate_email(options["admin"])
        except ValidationError as exc:
            message = f"--admin: keine gültige E-Mail-Adresse: {options['admin']}"
            raise CommandError(message) from exc
        first, _sep, last = options["admin_name"].strip().partition(" ")
        municipality = Municipality(
            name=options["name"].strip(),
            slug=options["slug"].strip(),
            ags=options["ags"].strip(),
            domains=[d.strip().lower() for d in options["domain"] if d.strip()],
        )
        try:
            municipality.full_clean()
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
            )
            raise CommandError(f"Die Angaben sind nicht gültig – {problems}") from exc
        try:
            with transaction.atomic():
                municipality.save()
                people.staff_invite(
                    municipality=municipality,
                    email=options["admin"],
                    first_name=first,
                    last_name=last,
                    role=StaffRole.ADMIN,
                    teams=[],
                    actor=None,
                    url_for=people.platform_url_for(municipality),
                )
        except RathausError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Kommune „{municipality.name}“ angelegt (/m/{municipality.slug}/). "
            f"Die Einladung an {options['admin']} geht mit dem nächsten Lauf des Workers hinaus."
        )
