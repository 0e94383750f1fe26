"""Which recipient may receive which fields of a Gewerbeanzeige (§ 14 Abs. 8 GewO, § 3 GewAnzV).

Declarative data: one row per recipient group with the legal reference, the message it gets
(root element of XGewerbeanzeige 2.x) and, per form (GewA1/GewA2/GewA3), the set of form field
numbers it may see. § 3 Abs. 1 GewAnzV mostly says "all except …", so rows are written that way.
Field 33 (signature) does not exist in the electronic form (§ 2 GewAnzV) and is never sent.

Which model content belongs to which field number is ``FIELD_NUMBERS`` below; the serializer
emits an element only when its number is in the recipient's set.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .model import Kind

ALL_FIELDS = frozenset(range(1, 33))  # 1–32; 33 = signature, dropped electronically


def _all_except(*excluded: int | range) -> frozenset[int]:
    drop: set[int] = set()
    for item in excluded:
        drop.update(item if isinstance(item, range) else (item,))
    return ALL_FIELDS - drop


def _only(*included: int | range) -> frozenset[int]:
    keep: set[int] = set()
    for item in included:
        keep.update(item if isinstance(item, range) else (item,))
    return frozenset(keep) & ALL_FIELDS


class RecipientGroup(StrEnum):
    STATISTIK = "statistik"
    EICHBEHOERDE = "eichbehoerde"
    UNFALLVERSICHERUNG = "unfallversicherung"
    LEBENSMITTELUEBERWACHUNG = "lebensmittelueberwachung"
    IHK = "ihk"
    HWK = "hwk"
    IMMISSIONSSCHUTZ = "immissionsschutz"
    ARBEITSSCHUTZ = "arbeitsschutz"
    ARBEITSAGENTUR = "arbeitsagentur"
    REGISTERGERICHT = "registergericht"
    FINANZAMT = "finanzamt"
    ZOLL = "zoll"
    AUSLAENDERBEHOERDE = "auslaenderbehoerde"
    GEWERBEAMT = "gewerbeamt"


@dataclass(frozen=True)
class Row:
    group: RecipientGroup
    label: str
    legal_basis: str
    message: str  # root element name, e.g. "alg.gewerbemeldung.0300"
    fields: dict[Kind, frozenset[int]]
    only_non_eu: bool = False  # only when a person is not an EU/EEA/Swiss national
    monthly: bool = False  # batched monthly instead of per notification
    note: str = ""

    @property
    def message_code(self) -> str:
        return self.message.rsplit(".", 1)[1]


_AN, _UM, _AB = Kind.ANMELDUNG, Kind.UMMELDUNG, Kind.ABMELDUNG
_SCHUTZ = {  # § 3 Abs. 1 Nr. 3 (also Nr. 4 and Nr. 9)
    _AN: _all_except(10, 12, 13, range(27, 32)),
    _UM: _all_except(10, 12, 13, range(25, 29), 30),
    _AB: _all_except(10, 12, 13, 28, 30),
}

MATRIX: dict[RecipientGroup, Row] = {
    row.group: row
    for row in (
        Row(
            RecipientGroup.IHK,
            "Industrie- und Handelskammer",
            "§ 14 Abs. 8 Satz 1 Nr. 1 GewO, § 3 Abs. 1 Nr. 1 GewAnzV",
            "alg.gewerbemeldung.0300",
            {
                _AN: _all_except(13, 27, range(29, 32)),
                _UM: _all_except(13, range(26, 29), 30),
                _AB: _all_except(13, 30),
            },
        ),
        Row(
            RecipientGroup.HWK,
            "Handwerkskammer",
            "§ 14 Abs. 8 Satz 1 Nr. 2 GewO, § 3 Abs. 1 Nr. 2 GewAnzV",
            "alg.gewerbemeldung.0300",
            {
                _AN: _all_except(13, 27, 30, 31),
                _UM: _all_except(13, 27, 28, 30),
                _AB: _all_except(13, 30),
            },
        ),
        Row(
            RecipientGroup.IMMISSIONSSCHUTZ,
            "Immissionsschutzbehörde",
            "§ 14 Abs. 8 Satz 1 Nr. 3 GewO, § 3 Abs. 1 Nr. 3 GewAnzV",
            "alg.gewerbemeldung.0300",
            dict(_SCHUTZ),
        ),
        Row(
            RecipientGroup.ARBEITSSCHUTZ,
            "Arbeitsschutzbehörde (einschl. Heimarbeitsaufsicht)",
            "§ 14 Abs. 8 Satz 1 Nr. 4 GewO, § 3 Abs. 1 Nr. 4 GewAnzV",
            "alg.gewerbemeldung.0300",
            dict(_SCHUTZ),
        ),
        Row(
            RecipientGroup.EICHBEHOERDE,
            "Mess- und Eichbehörde",
            "§ 14 Abs. 8 Satz 1 Nr. 5 GewO, § 3 Abs. 1 Nr. 5 GewAnzV",
            "ea.gewerbemeldung.0220",
            {
                _AN: _only(1, range(3, 6), 11, 14, 15, 18, 20),
                _UM: _only(1, range(3, 6), 11, 14, 15, 18, 19, 21),
                _AB: _only(1, range(3, 6), 11, 14, 16, 18, 20),
            },
        ),
        Row(
            RecipientGroup.ARBEITSAGENTUR,
            "Bundesagentur für Arbeit",
            "§ 14 Abs. 8 Satz 1 Nr. 6 GewO, § 3 Abs. 1 Nr. 6 GewAnzV",
            "alg.gewerbemeldung.0300",
            {
                _AN: _all_except(13, 27),
                _UM: _all_except(13, 30),
                _AB: _all_except(10, range(12, 20), range(21, 31)),
            },
        ),
        Row(
            RecipientGroup.UNFALLVERSICHERUNG,
            "Träger der gesetzlichen Unfallversicherung (Berufsgenossenschaft)",
            "§ 14 Abs. 8 Satz 1 Nr. 7 GewO, § 3 Abs. 1 Nr. 7 GewAnzV",
            "dgu.gewerbemeldung.0230",
            {
                _AN: _all_except(12, 28, 30, 31),
                _UM: _all_except(12, 25, 27, 28, 30),
                _AB: _all_except(12, 30),
            },
        ),
        Row(
            RecipientGroup.REGISTERGERICHT,
            "Registergericht",
            "§ 14 Abs. 8 Satz 1 Nr. 8 GewO, § 3 Abs. 1 Nr. 8 GewAnzV",
            "alg.gewerbemeldung.0300",
            {
                _AN: ALL_FIELDS,
                _UM: ALL_FIELDS,
                _AB: _all_except(range(8, 11), range(12, 15), 16, 21, 22, 24, range(28, 31)),
            },
            note="nur für Betriebe, die in ein Register eingetragen sind",
        ),
        Row(
            RecipientGroup.LEBENSMITTELUEBERWACHUNG,
            "Lebensmittelüberwachung",
            "§ 14 Abs. 8 Satz 1 Nr. 9 GewO, § 3 Abs. 1 Nr. 9 GewAnzV",
            "lue.gewerbemeldung.0290",
            dict(_SCHUTZ),
        ),
        Row(
            RecipientGroup.STATISTIK,
            "Statistisches Landesamt (IT.NRW)",
            "§ 14 Abs. 8 Satz 1 Nr. 10, Abs. 13 GewO, § 3 Abs. 2 GewAnzV",
            "sta.gewerbemeldung.0100",
            {
                # Hilfsmerkmale 1–5, 12, 15–17 plus the Erhebungsmerkmale
                _AN: _only(range(1, 6), 12, range(15, 18), 6, 10, range(18, 26), 29, 32),
                _UM: _only(range(1, 6), 12, range(15, 18), 6, 10, range(18, 25), 26, 29),
                _AB: _only(range(1, 6), 12, range(15, 18), 6, 10, range(18, 27), 28, 29),
            },
            monthly=True,
            note="gesammelt bis zum ersten Arbeitstag des Folgemonats (§ 3 Abs. 5 GewAnzV)",
        ),
        Row(
            RecipientGroup.AUSLAENDERBEHOERDE,
            "Ausländerbehörde",
            "§ 14 Abs. 8 Satz 1 Nr. 12 GewO",
            "abh.gewerbemeldung.0500",
            # § 3 GewAnzV names no subset; the official 2.2 sample carries all fields but the
            # public-sector share (13).
            {_AN: _all_except(13), _UM: _all_except(13), _AB: _all_except(13)},
            only_non_eu=True,
            note="nur wenn eine Person nicht Staatsangehörige der EU/des EWR/der Schweiz ist",
        ),
        Row(
            RecipientGroup.FINANZAMT,
            "Finanzamt",
            "§ 14 Abs. 8 Satz 1 Nr. 13 GewO, § 138 AO",
            "alg.gewerbemeldung.0300",
            # § 3 GewAnzV restricts nothing for the tax office; it gets the full notification.
            {_AN: ALL_FIELDS, _UM: ALL_FIELDS, _AB: ALL_FIELDS},
        ),
        Row(
            RecipientGroup.GEWERBEAMT,
            "Gewerbeamt (bisher zuständig)",
            "§ 14 Abs. 1 Satz 2 Nr. 1, Abs. 8 GewO (Verlegung in einen anderen Bezirk)",
            "alg.gewerbemeldung.0300",
            # the office the business moved away from keeps its register current: the full
            # registration, and only for a relocation from its district
            {_AN: ALL_FIELDS, _UM: frozenset(), _AB: frozenset()},
            note="nur bei Verlegung aus dem Bezirk dieses Gewerbeamts (Anmeldegrund 02)",
        ),
        Row(
            RecipientGroup.ZOLL,
            "Zollverwaltung (Finanzkontrolle Schwarzarbeit)",
            "§ 14 Abs. 8 Satz 2 GewO, § 3 Abs. 3 GewAnzV",
            "alg.gewerbemeldung.0300",
            {_AN: _all_except(13, 27), _UM: frozenset(), _AB: frozenset()},
            note="nur Anmeldungen, und nur bei Anhaltspunkten für Schwarzarbeit",
        ),
    )
}

#: Fields 1–18 (business, person, addresses, activity) carry the same numbers on all three forms.
_SAME_ON_ALL_FORMS: dict[str, int | None] = {
    "name": 1,
    "register": 2,
    "person.family_name": 3,
    "person.first_names": 4,
    "person.gender": 5,
    "person.nationality": 6,
    "person.birth_name": 7,
    "person.birth_date": 8,
    "person.birth_place": 9,
    "representatives_count": 10,
    "representative": 11,
    "person.address": 12,
    "public_participation": 13,
    "trade_name": 14,
    "address": 15,
    "head_office": 16,
    "previous_address": 17,
    "activities": 18,
}

#: Model content → form field number, per form. ``None``: the form has no such field.
#: Numbers follow ``docs/xgewerbeanzeige.md`` (GewA1 confirmed/inferred, GewA2/3 partly [I]).
FIELD_NUMBERS: dict[Kind, dict[str, int | None]] = {
    _AN: {
        **_SAME_ON_ALL_FORMS,
        "side_business": 19,
        "valid_from": 20,
        "business_type": 21,
        "employees": 22,
        "establishment": 23,
        "itinerant": 24,
        "reason": 25,
        "previous_trader": 26,
        "permits": 28,
        "craft_card": 29,
        "residence_title": 30,
        "residence_restrictions": 31,
        "successor": None,
        "closure_cause": None,
    },
    _UM: {
        **_SAME_ON_ALL_FORMS,
        "previous_activities": 19,
        "side_business": 20,
        "valid_from": 21,
        "business_type": 22,
        "employees": 23,
        "establishment": 24,
        "itinerant": 25,
        "reason": 26,
        "permits": 27,
        "residence_title": 28,
        "craft_card": 29,
        "residence_restrictions": 30,
        "previous_trader": None,
        "successor": None,
        "closure_cause": None,
    },
    _AB: {
        **_SAME_ON_ALL_FORMS,
        "side_business": 19,
        "valid_from": 20,
        "business_type": 21,
        "employees": 22,
        "establishment": 23,
        "itinerant": 24,
        "reason": 25,
        "successor": 27,
        "closure_cause": 28,
        "craft_card": 29,
        "residence_title": 30,
        "permits": None,
        "previous_trader": None,
        "residence_restrictions": None,
    },
}

#: Content that every message carries, whoever receives it: the header, the record's
#: identification and the reporting date (not personal data of the form).
ALWAYS = frozenset({"record", "reported_on"})


def allowed(group: RecipientGroup, kind: Kind) -> frozenset[str]:
    """The content keys (``FIELD_NUMBERS`` keys) the group may receive for this kind."""
    return _allowed_cache[(group, kind)]


def _compute(group: RecipientGroup, kind: Kind) -> frozenset[str]:
    numbers = MATRIX[group].fields.get(kind, frozenset())
    if not numbers:
        return frozenset()
    keys = {key for key, number in FIELD_NUMBERS[kind].items() if number in numbers}
    return frozenset(keys | ALWAYS)


_allowed_cache: dict[tuple[RecipientGroup, Kind], frozenset[str]] = {
    (group, kind): _compute(group, kind) for group in RecipientGroup for kind in Kind
}


def receives(group: RecipientGroup, kind: Kind) -> bool:
    """Whether the group gets a message for this kind of notification at all."""
    return bool(MATRIX[group].fields.get(kind))
