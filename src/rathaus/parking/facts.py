"""What a resident-parking application says, read from its answers (``Application.data``).

The plugin's checks, the fee and the permit all read the answers through :func:`facts_from`,
so a field key lives in one place next to ``definitions/bewohnerparken.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from .plates import PlateError, plate_normalise
from .registry import Person, RegistryAddress, split_street


@dataclass(frozen=True)
class Facts:
    street: str  # street and house number as entered
    postcode: str
    city: str
    person: Person
    email: str
    plate: str  # normalised when valid, else as entered
    plate_valid: bool
    vehicle: str
    usage: str
    length: Decimal | None
    width: Decimal | None
    months: int | None
    start: date | None
    replaces: str

    @property
    def address(self) -> RegistryAddress:
        street, number = split_street(self.street)
        return RegistryAddress(street=street, house_number=number, postcode=self.postcode)

    @property
    def holder_name(self) -> str:
        return f"{self.person.first_name} {self.person.last_name}".strip()

    def period(self, today: date | None = None) -> tuple[date, date]:
        """Valid from (the requested start, never before today) and valid to (inclusive)."""
        today = today or timezone.localdate()
        start = max(self.start or today, today)
        return start, add_months(start, self.months or 12) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        return None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def facts_from(data: dict[str, Any]) -> Facts:
    def part(step: str) -> dict[str, Any]:
        found = data.get(step) if isinstance(data, dict) else None
        return found if isinstance(found, dict) else {}

    address = part("adresse").get("anschrift") or {}
    if not isinstance(address, dict):
        address = {}
    person, vehicle, period = part("person"), part("fahrzeug"), part("zeitraum")
    raw_plate = str(vehicle.get("kennzeichen") or "")
    try:
        plate, plate_valid = plate_normalise(raw_plate), True
    except PlateError:
        plate, plate_valid = raw_plate.strip(), False
    return Facts(
        street=str(address.get("street") or ""),
        postcode=str(address.get("postcode") or ""),
        city=str(address.get("city") or ""),
        person=Person(
            first_name=str(person.get("vorname") or ""),
            last_name=str(person.get("nachname") or ""),
            birth_date=_date(person.get("geburtsdatum")),
        ),
        email=str(person.get("email") or ""),
        plate=plate,
        plate_valid=plate_valid,
        vehicle=str(vehicle.get("marke_modell") or ""),
        usage=str(vehicle.get("nutzung") or ""),
        length=_decimal(vehicle.get("laenge")),
        width=_decimal(vehicle.get("breite")),
        months=_int(period.get("laufzeit")),
        start=_date(period.get("beginn")),
        replaces=str(period.get("ersetzt") or "").strip(),
    )
