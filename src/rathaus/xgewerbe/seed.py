"""Demo recipients for the demo municipalities: every group, delivered into drop folders under
``VAR_DIR/xgewerbe-demo/<municipality>/`` (no real authority is ever contacted)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from rathaus.core.models import Municipality

from .matrix import RecipientGroup
from .models import Recipient

DEMO: list[tuple[RecipientGroup, str, str]] = [
    (RecipientGroup.STATISTIK, "IT.NRW – Statistisches Landesamt", "050000000000"),
    (RecipientGroup.EICHBEHOERDE, "Landesbetrieb Mess- und Eichwesen NRW", "050000000220"),
    (RecipientGroup.UNFALLVERSICHERUNG, "DGUV – Unternehmerverzeichnis", "000492949"),
    (RecipientGroup.LEBENSMITTELUEBERWACHUNG, "Lebensmittelüberwachung (Kreis)", "050000000290"),
    (RecipientGroup.IHK, "Industrie- und Handelskammer", "050000000301"),
    (RecipientGroup.HWK, "Handwerkskammer", "050000000302"),
    (RecipientGroup.FINANZAMT, "Finanzamt", "050000000303"),
    (RecipientGroup.ARBEITSAGENTUR, "Bundesagentur für Arbeit", "050000000304"),
    (RecipientGroup.REGISTERGERICHT, "Amtsgericht – Registergericht", "050000000305"),
    (RecipientGroup.AUSLAENDERBEHOERDE, "Ausländerbehörde", "000100"),
]


def demo_folder(municipality: Municipality) -> Path:
    base = Path(getattr(settings, "VAR_DIR", Path.cwd() / "var"))
    return base / "xgewerbe-demo" / municipality.slug


def seed_recipients(municipality: Municipality, lines: list[str]) -> None:
    folder = demo_folder(municipality)
    folder.mkdir(parents=True, exist_ok=True)
    created = 0
    for group, authority, identifier in DEMO:
        _, new = Recipient.objects.get_or_create(
            municipality=municipality,
            group=group,
            authority=authority,
            defaults={
                "identifier": identifier,
                "prefix": "azr" if group == RecipientGroup.AUSLAENDERBEHOERDE else "xga",
                "transport": Recipient.Transport.DROPFOLDER,
                "address": str(folder),
            },
        )
        created += new
    if created:
        lines.append(f"{municipality.name}: {created} Empfänger für Gewerbeanzeigen ({folder})")
