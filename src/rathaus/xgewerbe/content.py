"""The content of a notification as one recipient group may see it, as a plain dict.

Used to compare messages by content (round trip: import an official sample, export it for a
recipient, import that again — the dict for that recipient must be the same) and to show staff
what a recipient received.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .matrix import RecipientGroup, allowed
from .model import Address, Gewerbeanzeige, Kind, Person, PersonRole

#: Content keys the 2.2 message carries. The others are modelled (form fields) but have no
#: element in the official 2.2 sample instances, so the 2.2 serializer leaves them out.
NOT_IN_MESSAGE_22 = frozenset(
    {
        "representatives_count",
        "representative_only",
        "previous_address",
        "previous_trader",
        "previous_activities",
        "residence_restrictions",
    }
)


def _addr(address: Address | None) -> dict[str, str] | None:
    if address is None or address.is_empty:
        return None
    return address.model_dump()


def _persons(n: Gewerbeanzeige, keys: frozenset[str]) -> list[Person]:
    return [p for p in n.persons if p.role != PersonRole.BETRIEBSLEITER or "representative" in keys]


def _reason(n: Gewerbeanzeige) -> Any:
    if n.kind == Kind.ANMELDUNG:
        return n.registration_reason
    if n.kind == Kind.UMMELDUNG:
        return list(n.change.reasons) if n.change else []
    return n.closure.reason if n.closure else ""


_BUSINESS: dict[str, Callable[[Gewerbeanzeige], Any]] = {
    "name": lambda n: (n.business.registered_name, n.business.legal_form),
    "register": lambda n: (
        n.business.register_entry.model_dump() if n.business.register_entry else None
    ),
    "public_participation": lambda n: n.business.public_participation,
    "trade_name": lambda n: n.business.trade_name,
    "address": lambda n: (
        _addr(n.business.address),
        [c.model_dump() for c in n.business.contacts],
    ),
    "head_office": lambda n: (
        _addr(n.business.head_office),
        [c.model_dump() for c in n.business.head_office_contacts],
    ),
    "activities": lambda n: (
        n.main_activity.model_dump() if (n.main_activity.text or n.main_activity.wz_code) else None,
        [a.model_dump() for a in n.further_activities],
        n.summary_of_further_activities,
    ),
    "side_business": lambda n: n.business.side_business,
    "valid_from": lambda n: n.valid_from.isoformat(),
    "business_type": lambda n: (
        n.business.industry,
        n.business.craft,
        n.business.trade,
        n.business.other,
    ),
    "employees": lambda n: (n.business.full_time_employees, n.business.part_time_employees),
    "establishment": lambda n: n.business.establishment.value,
    "itinerant": lambda n: n.business.itinerant,
    "reason": _reason,
    "permits": lambda n: [p.model_dump() for p in n.business.permits],
    "craft_card": lambda n: n.business.craft_card.model_dump() if n.business.craft_card else None,
    "successor": lambda n: (
        n.closure.successor.model_dump() if n.closure and n.closure.successor else None
    ),
    "closure_cause": lambda n: n.closure.cause if n.closure else "",
}

_PERSON: dict[str, Callable[[Person], Any]] = {
    "person.family_name": lambda p: p.legal_name or p.family_name,
    "person.first_names": lambda p: (p.doctor_title, p.first_names),
    "person.gender": lambda p: p.gender,
    "person.nationality": lambda p: list(p.nationalities),
    "person.birth_name": lambda p: p.birth_name,
    "person.birth_date": lambda p: p.birth_date.isoformat() if p.birth_date else None,
    "person.birth_place": lambda p: (p.birth_place, p.birth_country),
    "person.address": lambda p: (_addr(p.address), [c.model_dump() for c in p.contacts]),
    "residence_title": lambda p: p.residence_title.model_dump() if p.residence_title else None,
}


def visible_content(n: Gewerbeanzeige, group: RecipientGroup | str) -> dict[str, Any]:
    """Everything of ``n`` that ``group`` may receive and the message carries."""
    keys = allowed(RecipientGroup(group), n.kind) - NOT_IN_MESSAGE_22
    content: dict[str, Any] = {
        "kind": n.kind.value,
        "uuid": n.uuid,
        "business_id": n.business_id,
        "message_number": n.message_number,
        "municipality_key": n.municipality_key,
        "is_correction": n.is_correction,
        "reported_on": n.reported_on.isoformat(),
    }
    for key in sorted(keys):
        if key in _BUSINESS:
            content[key] = _BUSINESS[key](n)
    persons = _persons(n, keys)
    for key in sorted(keys):
        if key in _PERSON:
            content[key] = [_PERSON[key](p) for p in persons]
    return content
