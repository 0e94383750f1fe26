"""Test helpers: permits made directly (the application flow is tested in test_flow)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from rathaus.parking.models import Permit
from rathaus.parking.plates import plate_key

_numbers = iter(range(1, 100000))


def make_permit(municipality: Any, **values: Any) -> Permit:
    today = timezone.localdate()
    plate = values.pop("plate", "E-AB 1234")
    defaults: dict[str, Any] = {
        "number": f"BP-2026-{next(_numbers):06d}",
        "zone_code": "Ostviertel",
        "zone_name": "Ostviertel",
        "plate": plate,
        "plate_key": plate_key(plate),
        "holder_name": "Erika Mustermann",
        "holder_birth_date": date(1984, 8, 12),
        "street": "Admiral-Scheer-Str. 12",
        "postcode": "45130",
        "valid_from": today - timedelta(days=10),
        "valid_to": today + timedelta(days=355),
    }
    defaults.update(values)
    return Permit.objects.create(municipality=municipality, **defaults)
