"""Demo API clients with fixed, published credentials (documented in ``docs/api.md``).

For the demo only: anyone who reads the documentation knows them.
"""

from __future__ import annotations

from rathaus.core.models import Municipality

from .auth import digest
from .models import ApiClient, Scope

DEMO_CLIENTS = {
    # suffix → (name, scopes)
    "fachverfahren": ("Demo-Fachverfahren", list(Scope.values)),
    "lesen": ("Demo-Auswertung (nur lesen)", [Scope.CASES_READ.value]),
}


def demo_credentials(slug: str, suffix: str) -> tuple[str, str, str]:
    """(client id, client secret, API key) of a demo client."""
    return (
        f"demo-{slug}-{suffix}",
        f"rs_demo-{slug}-{suffix}-geheim",
        f"rk_demo-{slug}-{suffix}-schluessel",
    )


def seed_demo_clients(municipality: Municipality, lines: list[str]) -> None:
    for suffix, (name, scopes) in DEMO_CLIENTS.items():
        client_id, secret, key = demo_credentials(municipality.slug, suffix)
        ApiClient.objects.update_or_create(
            client_id=client_id,
            defaults={
                "municipality": municipality,
                "name": name,
                "secret_hash": digest(secret),
                "api_key_hash": digest(key),
                "api_key_hint": key[:10],
                "scopes": scopes,
                "active": True,
                "revoked_at": None,
            },
        )
        if municipality.slug == "musterstadt":
            lines.append(
                f"API ({name}): Client-ID {client_id}, Geheimnis {secret}, Schlüssel {key}"
            )
