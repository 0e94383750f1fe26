"""Demo payment settings: bank transfer plus online payment against the local simulator
(started by ``rathaus serve``), for every demo municipality."""

from __future__ import annotations

from django.conf import settings

from rathaus.core.models import Municipality

from .models import PaymentSettings
from .simulator import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_NOTIFICATION_SECRET

DEFAULT_SIMULATOR_URL = "http://127.0.0.1:8765"

# Made-up but checksum-valid demo IBANs (never real accounts).
_IBANS = {
    "musterstadt": ("DE02120300000000202051", "BYLADEM1001"),
    "beispieldorf": ("DE02100100100006820101", "PBNKDEFF"),
    "essen": ("DE02300209000106531065", "CMCIDEDD"),
}


def simulator_url() -> str:
    return str(getattr(settings, "RATHAUS_PAYMENT_SIMULATOR_URL", DEFAULT_SIMULATOR_URL)).rstrip(
        "/"
    )


def seed_payment_settings(municipality: Municipality, lines: list[str]) -> None:
    iban, bic = _IBANS.get(municipality.slug, ("DE02120300000000202051", "BYLADEM1001"))
    PaymentSettings.objects.update_or_create(
        municipality=municipality,
        defaults={
            "invoice_enabled": True,
            "xbezahldienste_enabled": True,
            "recipient": f"Stadtkasse {municipality.name}",
            "iban": iban,
            "bic": bic,
            "bank_name": "Demo-Bank",
            "xbd_base_url": f"{simulator_url()}/v1",
            "xbd_token_url": "",
            "xbd_originator_id": municipality.slug,
            "xbd_endpoint_id": "rathaus",
            "xbd_client_id": DEMO_CLIENT_ID,
            "xbd_client_secret": DEMO_CLIENT_SECRET,
            "xbd_notification_secret": DEMO_NOTIFICATION_SECRET,
        },
    )
    lines.append(f"  Zahlungen: Überweisung und ePayment-Simulator ({simulator_url()})")
