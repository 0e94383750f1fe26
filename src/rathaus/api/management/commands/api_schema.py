"""``rathaus api_schema > src/rathaus/api/openapi.json``: print the OpenAPI document."""

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Gibt das OpenAPI-3.1-Dokument der API aus (JSON)."

    def handle(self, *args: Any, **options: Any) -> None:
        from rathaus.api.openapi import openapi_text

        self.stdout.write(openapi_text(), ending="")
