"""Demo data: Musterstadt, Beispieldorf and Essen (real parking data), clearly different, so
tenant separation is visible.

Used by ``rathaus demo_data`` (and so by ``make run``) and by tests that want a realistic setup.
Musterstadt's and Beispieldorf's AGS keys are real-looking but unused (district prefix plus 099);
Essen has its real key 05113000 because its parking demo runs on the city's open data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rathaus.accounts.models import Profile, StaffMembership, StaffRole, User
from rathaus.catalog.services import service_definition_publish
from rathaus.core.models import Municipality, Office
from rathaus.core.tenancy import forget_municipality

DEMO_PASSWORD = "rathaus-demo-2026"  # noqa: S105 - published demo credential, documented in README
# Admins must use two-factor authentication. The demo admins get a TOTP device with this published
# key (base32 JBSWY3DPEHPK3PXP), so `oathtool --totp -b JBSWY3DPEHPK3PXP` or any authenticator
# app gives the code. Never use a published key outside the demo.
DEMO_TOTP_HEX_KEY = "48656c6c6f21deadbeef"
DEFINITIONS_DIR = Path(__file__).resolve().parent.parent / "catalog" / "definitions"

_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48" role="img">'
    '<rect width="48" height="48" rx="6" fill="{color}"/>'
    '<path d="M10 38V20l14-10 14 10v18h-9V28h-10v10z" fill="#fff"/></svg>'
)

MUNICIPALITIES: list[dict[str, Any]] = [
    {
        "slug": "musterstadt",
        "name": "Musterstadt",
        "ags": "05774099",
        "primary_color": "#004b87",
        "email": "buergerbuero@musterstadt.example",
        "phone": "05251 88-0",
        "imprint": "Stadt Musterstadt\nDer Bürgermeister\nRathausplatz 1, 33098 Musterstadt",
        "offices": [
            {
                "name": "Bürgerbüro Musterstadt",
                "street": "Rathausplatz 1",
                "postcode": "33098",
                "city": "Musterstadt",
                "phone": "05251 88-1100",
                "email": "buergerbuero@musterstadt.example",
                "opening_hours": [
                    {"days": "Mo, Di, Fr", "hours": "8:00–13:00"},
                    {"days": "Do", "hours": "8:00–18:00"},
                ],
                "accessibility": "Stufenloser Zugang, barrierefreies WC, Induktionsschleife.",
            },
            {
                "name": "Steueramt",
                "street": "Am Markt 4",
                "postcode": "33098",
                "city": "Musterstadt",
                "phone": "05251 88-2200",
                "email": "steueramt@musterstadt.example",
                "opening_hours": [{"days": "Mo–Fr", "hours": "8:30–12:00"}],
            },
        ],
        "staff": [
            ("admin@musterstadt.example", "Maria", "Admin", StaffRole.ADMIN),
            ("sachbearbeitung@musterstadt.example", "Sven", "Sachbearbeiter", StaffRole.CLERK),
        ],
        "fees": None,
    },
    {
        "slug": "beispieldorf",
        "name": "Beispieldorf",
        "ags": "05334099",
        "primary_color": "#2e7d32",
        "email": "rathaus@beispieldorf.example",
        "phone": "02405 60-0",
        "imprint": "Gemeinde Beispieldorf\nDie Bürgermeisterin\nDorfstraße 12, 52146 Beispieldorf",
        "offices": [
            {
                "name": "Rathaus Beispieldorf",
                "street": "Dorfstraße 12",
                "postcode": "52146",
                "city": "Beispieldorf",
                "phone": "02405 60-100",
                "email": "rathaus@beispieldorf.example",
                "opening_hours": [
                    {"days": "Mo–Do", "hours": "8:00–12:00"},
                    {"days": "Mi", "hours": "14:00–17:30"},
                ],
            },
        ],
        "staff": [
            ("admin@beispieldorf.example", "Bernd", "Admin", StaffRole.ADMIN),
            ("sachbearbeitung@beispieldorf.example", "Birgit", "Bearbeiterin", StaffRole.CLERK),
        ],
        # Beispieldorf's dog-tax ordinance has other rates than Musterstadt's.
        "fees": {"hund-anmelden": ["480.00", "72.00", "96.00", "120.00"]},
    },
]

MUNICIPALITIES.append(
    {
        "slug": "essen",
        "name": "Essen",
        "ags": "05113000",
        "primary_color": "#005ca9",
        "email": "buergeramt@essen.example",
        "phone": "0201 88-0",
        "imprint": "Stadt Essen (Demo)\nDer Oberbürgermeister\nPorscheplatz 1, 45127 Essen",
        "offices": [
            {
                "name": "Bürgeramt Essen",
                "street": "Porscheplatz 1",
                "postcode": "45127",
                "city": "Essen",
                "phone": "0201 88-88888",
                "email": "buergeramt@essen.example",
                "opening_hours": [{"days": "Mo–Fr", "hours": "8:00–16:00"}],
            },
        ],
        "staff": [
            ("admin@essen.example", "Emil", "Admin", StaffRole.ADMIN),
            ("sachbearbeitung@essen.example", "Esra", "Sachbearbeiterin", StaffRole.CLERK),
        ],
        "fees": None,
    }
)

# Domain apps add their demo data (zones, permits, trade register …) through these hooks:
# ``fn(municipality, lines)`` runs after a municipality's base data and must be idempotent.
SeedHook = Callable[[Municipality, list[str]], None]
_seed_hooks: list[SeedHook] = []


def register_seed(fn: SeedHook) -> SeedHook:
    """Register a demo seeding function (call from an app's ``ready``); usable as decorator."""
    if fn not in _seed_hooks:
        _seed_hooks.append(fn)
    return fn


CITIZENS: list[dict[str, Any]] = [
    {
        "email": "erika.mustermann@example.org",
        "first_name": "Erika",
        "last_name": "Mustermann",
        "profile": {
            "birth_date": "1984-08-12",
            "street": "Lindenallee 5",
            "postcode": "33098",
            "city": "Musterstadt",
            "phone": "0151 2345678",
        },
    },
]


def _user(email: str, **fields: Any) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, **fields)
    return user


def _demo_totp(user: User) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.update_or_create(
        user=user,
        name="Demo",
        defaults={"key": DEMO_TOTP_HEX_KEY, "confirmed": True},
    )


def _demo_teams(municipality: Municipality, staff: list[User]) -> None:
    """One team per ``workflow.team`` of the published services, with all demo staff in it."""
    from rathaus.cases.models import Team
    from rathaus.catalog.models import Service

    for service in Service.objects.of(municipality).select_related("current_version"):
        key = (
            (service.current_version.data if service.current_version else {}).get("workflow") or {}
        ).get("team")
        if not key:
            continue
        team, _ = Team.objects.get_or_create(
            municipality=municipality, key=key, defaults={"name": key.replace("-", " ").title()}
        )
        team.services.add(service)
        team.members.add(*staff)


def load_demo() -> list[str]:
    from decimal import Decimal

    from django.utils import timezone

    from rathaus.catalog.models import Service
    from rathaus.catalog.services import service_update_settings

    lines: list[str] = []
    definitions = sorted(DEFINITIONS_DIR.glob("*.yaml"))
    operator = _user(
        "betrieb@rathaus.example",
        first_name="Olga",
        last_name="Operator",
        kind=User.Kind.STAFF,
        is_platform_operator=True,
        email_verified_at=timezone.now(),
    )
    lines.append(f"Plattformbetrieb: {operator.email}")
    for spec in MUNICIPALITIES:
        municipality, _ = Municipality.objects.update_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "ags": spec["ags"],
                "primary_color": spec["primary_color"],
                "logo": _LOGO.format(color=spec["primary_color"]),
                "email": spec["email"],
                "phone": spec["phone"],
                "imprint": spec["imprint"],
            },
        )
        forget_municipality(municipality)
        for office in spec["offices"]:
            Office.objects.update_or_create(
                municipality=municipality, name=office["name"], defaults=office
            )
        staff: list[User] = []
        for email, first, last, role in spec["staff"]:
            user = _user(
                email,
                first_name=first,
                last_name=last,
                kind=User.Kind.STAFF,
                email_verified_at=timezone.now(),
            )
            StaffMembership.objects.update_or_create(
                user=user, municipality=municipality, defaults={"role": role}
            )
            staff.append(user)
            if role == StaffRole.ADMIN:
                _demo_totp(user)
        for path in definitions:
            service_definition_publish(
                municipality=municipality, source=path.read_text(), note="Demo", enable=True
            )
        _demo_teams(municipality, staff)
        for key, amounts in (spec["fees"] or {}).items():
            service = Service.objects.of(municipality).get(key=key)
            wanted = [Decimal(a) for a in amounts]
            current = [Decimal(r["amount"]) for r in service.current_version.data["fee"]["rules"]]
            if current != wanted:
                service_update_settings(
                    service=service, actor=None, fee_amounts=wanted, note="Satzung Beispieldorf"
                )
        for hook in _seed_hooks:
            hook(municipality, lines)
        lines.append(
            f"{municipality.name}: http://{municipality.slug}.localhost:PORT/ "
            f"oder http://127.0.0.1:PORT/m/{municipality.slug}/ "
            f"· Verwaltung: {', '.join(s[0] for s in spec['staff'])}"
        )
    for spec in CITIZENS:
        user = _user(
            spec["email"],
            first_name=spec["first_name"],
            last_name=spec["last_name"],
            email_verified_at=timezone.now(),
        )
        Profile.objects.update_or_create(user=user, defaults=spec["profile"])
        lines.append(f"Bürgerkonto: {user.email}")
    lines.append("Zwei-Faktor-Code der Demo-Admins: oathtool --totp -b JBSWY3DPEHPK3PXP")
    return lines
