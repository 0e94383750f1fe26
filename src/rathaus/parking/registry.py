"""The connector to the registration register (Melderegister): is this person registered at this
address, with main or secondary residence, since when?

The platform asks through one interface, :class:`Registry`; which implementation answers is the
setting ``RATHAUS_PARKING_REGISTRY`` (dotted path of a class with a no-argument constructor,
default :class:`ImportedRegistry`). A real connector — an XMeld query (``datenabruf``) to the
municipality's registration software via OSCI — implements ``lookup`` and plugs in there; the
rest of the procedure does not change.

:class:`ImportedRegistry` answers from :class:`RegisteredResident` rows that the municipality
imports as CSV (``rathaus parking_import_residents``, or the upload in the back office). The
import replaces the municipality's register as a whole, and afterwards every valid permit is
checked again (a holder who moved out of the zone loses the permit, see
``services.permits_recheck_residence``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from rathaus.core.errors import ErrorCode, RathausError
from rathaus.core.models import Municipality

from .models import RegisteredResident, ResidenceStatus


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    birth_date: date | None


@dataclass(frozen=True)
class RegistryAddress:
    street: str
    house_number: str
    postcode: str = ""


@dataclass(frozen=True)
class Residence:
    status: str  # ResidenceStatus: "main", "secondary" or "none"
    since: date | None = None


class Registry(Protocol):
    def lookup(
        self, *, municipality: Municipality, person: Person, address: RegistryAddress
    ) -> Residence: ...


_ADDRESS = re.compile(
    r"^(?P<street>.*?\D)\s*(?P<number>\d+(?:\s*[a-zA-Z])?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?)$"
)


def split_street(text: str) -> tuple[str, str]:
    """``"Admiral-Scheer-Str. 12 a"`` → ``("Admiral-Scheer-Str.", "12a")``; no number → ``""``."""
    text = " ".join((text or "").split())
    match = _ADDRESS.match(text)
    if not match:
        return text, ""
    return match["street"].strip().rstrip(","), re.sub(r"\s+", "", match["number"]).lower()


def street_key(street: str) -> str:
    """A spelling-independent key: "Admiral-Scheer-Str." = "admiral scheer straße"."""
    text = street.casefold().replace("ß", "ss")
    text = re.sub(r"str\.?$", "strasse", text.strip())
    text = re.sub(r"str\.?(?=[\s-])", "strasse", text)
    return re.sub(r"[^a-z0-9äöü]", "", text)


def house_number_key(number: str) -> str:
    return re.sub(r"\s+", "", number or "").lower()


def _name_key(name: str) -> str:
    return " ".join((name or "").casefold().replace("ß", "ss").split())


class ImportedRegistry:
    """Answers from the register imported into the platform."""

    def lookup(
        self, *, municipality: Municipality, person: Person, address: RegistryAddress
    ) -> Residence:
        candidates = RegisteredResident.objects.of(municipality).filter(
            birth_date=person.birth_date
        )
        best: Residence = Residence(ResidenceStatus.NONE)
        wanted_street, wanted_number = (
            street_key(address.street),
            house_number_key(address.house_number),
        )
        for row in candidates:
            if _name_key(row.last_name) != _name_key(person.last_name):
                continue
            first_names = _name_key(row.first_name).split()
            if _name_key(person.first_name).split()[:1] != first_names[:1]:
                continue
            if street_key(row.street) != wanted_street:
                continue
            if house_number_key(row.house_number) != wanted_number:
                continue
            if row.residence == ResidenceStatus.MAIN:
                return Residence(ResidenceStatus.MAIN, row.since)
            best = Residence(row.residence, row.since)
        return best


def registry() -> Registry:
    path = getattr(settings, "RATHAUS_PARKING_REGISTRY", "") or (
        "rathaus.parking.registry.ImportedRegistry"
    )
    registry_class = import_string(path)
    instance: Registry = registry_class()
    return instance


# --- CSV import --------------------------------------------------------------------------------

COLUMNS = ("familienname", "vornamen", "geburtsdatum", "strasse", "hausnummer")
_STATUS = {
    "haupt": ResidenceStatus.MAIN,
    "hauptwohnung": ResidenceStatus.MAIN,
    "hauptwohnsitz": ResidenceStatus.MAIN,
    "main": ResidenceStatus.MAIN,
    "": ResidenceStatus.MAIN,
    "neben": ResidenceStatus.SECONDARY,
    "nebenwohnung": ResidenceStatus.SECONDARY,
    "nebenwohnsitz": ResidenceStatus.SECONDARY,
    "secondary": ResidenceStatus.SECONDARY,
}


def _parse_date(text: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def residents_import(*, municipality: Municipality, content: bytes) -> int:
    """Replace the municipality's imported register with a CSV file (UTF-8, ``;`` or ``,``).

    Columns (header row, case-insensitive): ``familienname``, ``vornamen``, ``geburtsdatum``
    (ISO or TT.MM.JJJJ), ``strasse``, ``hausnummer``, optional ``plz``, ``wohnungsstatus``
    (haupt/neben, default haupt), ``seit``. A broken file is refused as a whole, naming every
    wrong row (at most 20). Returns the number of rows imported.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RathausError(
            ErrorCode.INVALID_INPUT, "Die Datei ist nicht UTF-8-kodiert. Bitte als UTF-8 speichern."
        ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise RathausError(
            ErrorCode.INVALID_INPUT,
            "In der Kopfzeile fehlen die Spalten: {}.".format(", ".join(missing)),
        )
    rows: list[RegisteredResident] = []
    problems: list[str] = []
    now = timezone.now()
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        try:
            birth = _parse_date(row["geburtsdatum"])
        except ValueError:
            problems.append(f"Zeile {line}: Geburtsdatum „{row['geburtsdatum']}“ ist ungültig")
            continue
        status = _STATUS.get(row.get("wohnungsstatus", "").lower())
        if status is None:
            problems.append(
                f"Zeile {line}: Wohnungsstatus „{row.get('wohnungsstatus')}“ "
                "(erlaubt: haupt, neben)"
            )
            continue
        since = None
        if row.get("seit"):
            try:
                since = _parse_date(row["seit"])
            except ValueError:
                problems.append(f"Zeile {line}: Datum „seit“ ist ungültig")
                continue
        if not row["familienname"] or not row["strasse"] or not row["hausnummer"]:
            problems.append(f"Zeile {line}: Familienname, Straße und Hausnummer sind Pflicht")
            continue
        rows.append(
            RegisteredResident(
                municipality=municipality,
                last_name=row["familienname"][:120],
                first_name=row["vornamen"][:120],
                birth_date=birth,
                street=row["strasse"][:200],
                house_number=house_number_key(row["hausnummer"])[:20],
                postcode=row.get("plz", "")[:5],
                residence=status,
                since=since,
                imported_at=now,
            )
        )
    if problems:
        shown = "; ".join(problems[:20])
        more = f" (und {len(problems) - 20} weitere)" if len(problems) > 20 else ""
        raise RathausError(
            ErrorCode.INVALID_INPUT, f"Die Datei wurde nicht übernommen: {shown}{more}."
        )
    with transaction.atomic():
        RegisteredResident.objects.of(municipality).delete()
        RegisteredResident.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
