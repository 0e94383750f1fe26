"""Load the demo: two municipalities with offices, staff, citizens and services.

Idempotent: running it again updates what exists and creates nothing twice, so ``make run`` can
call it every time.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from rathaus.core.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Demo-Kommunen mit Dienststellen, Konten und Leistungen anlegen oder aktualisieren."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            summary = load_demo()
        for line in summary:
            self.stdout.write(line)
        self.stdout.write(f"Passwort aller Demo-Konten: {DEMO_PASSWORD}")


__all__ = ["Command"]
