"""Code lists of the trade notification: legal forms (XUnternehmen Rechtsformen 2.2, the subset
the form offers), register types, registry courts (XJustiz GDS.Gerichte 3.7, NRW), nationalities
(Destatis), reasons. The choice values in the YAML definitions are these codes.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from typing import Literal

from .wz import DATA, fold

Kind = Literal["natural", "partnership", "company"]


@dataclass(frozen=True)
class LegalForm:
    code: str  # XUnternehmen rechtsformen_2.2, 6 digits
    label: str
    kind: Kind
    register: str  # register type needed ("HRA", "HRB" …), "" = none, "?" = optional


LEGAL_FORMS: dict[str, LegalForm] = {
    f.code: f
    for f in (
        LegalForm("412000", "Einzelunternehmen (nicht im Handelsregister)", "natural", ""),
        LegalForm("411000", "Eingetragene Kauffrau / eingetragener Kaufmann (e. K.)", "natural", "HRA"),  # noqa: E501
        LegalForm("121000", "Gesellschaft bürgerlichen Rechts (GbR), nicht eingetragen", "partnership", ""),  # noqa: E501
        LegalForm("123000", "Eingetragene Gesellschaft bürgerlichen Rechts (eGbR)", "partnership", "GsR"),  # noqa: E501
        LegalForm("111100", "Offene Handelsgesellschaft (OHG)", "partnership", "HRA"),
        LegalForm("112100", "Kommanditgesellschaft (KG)", "partnership", "HRA"),
        LegalForm("112211", "GmbH & Co. KG", "partnership", "HRA"),
        LegalForm("131000", "Partnerschaftsgesellschaft (PartG)", "partnership", "PR"),
        LegalForm("221110", "Gesellschaft mit beschränkter Haftung (GmbH)", "company", "HRB"),
        LegalForm("221200", "Unternehmergesellschaft (haftungsbeschränkt)", "company", "HRB"),
        LegalForm("340000", "GmbH in Gründung", "company", ""),
        LegalForm("350000", "UG (haftungsbeschränkt) in Gründung", "company", ""),
        LegalForm("222110", "Aktiengesellschaft (AG)", "company", "HRB"),
        LegalForm("251000", "Eingetragene Genossenschaft (eG)", "company", "GnR"),
        LegalForm("211000", "Eingetragener Verein (e. V.)", "company", "VR"),
        LegalForm("231000", "Rechtsfähige Stiftung des Privatrechts", "company", ""),
        LegalForm("293100", "Limited (Ltd.)", "company", "?"),
        LegalForm("290000", "Ausländische juristische Person (sonstige)", "company", "?"),
    )
}  # fmt: skip

REGISTER_TYPES = {
    "HRA": "Handelsregister Abteilung A",
    "HRB": "Handelsregister Abteilung B",
    "GnR": "Genossenschaftsregister",
    "PR": "Partnerschaftsregister",
    "VR": "Vereinsregister",
    "GsR": "Gesellschaftsregister",
}

# EU, EEA and Switzerland (Destatis keys): free establishment, no residence title needed.
EU_EEA_CH = {
    "000", "124", "125", "126", "127", "128", "129", "130", "131", "134", "135", "136",
    "137", "139", "141", "142", "143", "145", "148", "149", "151", "152", "153", "154", "155",
    "157", "158", "161", "164", "165", "181",
}  # fmt: skip

REASONS_GEWA1 = {
    "neu": "Neuerrichtung / Neugründung",
    "verlegung": "Wiedereröffnung nach Verlegung aus einem anderen Meldebezirk",
    "umwg": "Gründung nach Umwandlungsgesetz",
    "rechtsform": "Wechsel der Rechtsform",
    "eintritt": "Gesellschaftereintritt",
    "uebernahme": "Übernahme (Erbfolge, Kauf, Pacht)",
}
REASONS_GEWA2 = {
    "verlegung": "Verlegung innerhalb des Meldebezirks",
    "wechsel": "Wechsel der Tätigkeit",
    "ausdehnung": "Ausdehnung der Tätigkeit",
    "aufgabe_teil": "Aufgabe einer Teiltätigkeit",
    "sonstige": "Sonstige Änderung (Name, Rechtsform ohne Neugründung, Beschäftigte …)",
}
REASONS_GEWA3 = {
    "aufgabe": "Vollständige Aufgabe",
    "verlegung": "Verlegung in einen anderen Meldebezirk",
    "austritt": "Gesellschafteraustritt",
    "uebergabe": "Übergabe (Erbfolge, Verkauf, Verpachtung)",
    "rechtsform": "Wechsel der Rechtsform",
    "umwg": "Aufgabe nach Umwandlungsgesetz",
}


@dataclass(frozen=True)
class Court:
    code: str
    name: str


@cache
def courts() -> dict[str, Court]:
    with (DATA / "registergerichte_nrw.csv").open(encoding="utf-8") as fh:
        return {r["xjustiz_id"]: Court(r["xjustiz_id"], r["name"]) for r in csv.DictReader(fh)}


def court_find(text: str) -> Court | None:
    """A registry court from "Köln", "Amtsgericht Köln", "AG Köln" or "R3306"."""
    text = (text or "").strip()
    if not text:
        return None
    found = courts()
    if text.upper() in found:
        return found[text.upper()]
    wanted = fold(text)
    for prefix in ("amtsgericht ", "ag "):
        if wanted.startswith(prefix):
            wanted = wanted[len(prefix) :]
    for court in found.values():
        if fold(court.name).removeprefix("amtsgericht ") == wanted.strip():
            return court
    return None


def court_suggestions(text: str, limit: int = 5) -> list[Court]:
    wanted = fold(text or "").removeprefix("amtsgericht ").strip()
    if len(wanted) < 2:
        return []
    return [c for c in courts().values() if wanted[:4] in fold(c.name)][:limit]


@dataclass(frozen=True)
class Nationality:
    code: str
    state: str
    adjective: str

    @property
    def eu(self) -> bool:
        return self.code in EU_EEA_CH


@cache
def nationalities() -> dict[str, Nationality]:
    with (DATA / "staatsangehoerigkeiten.csv").open(encoding="utf-8") as fh:
        return {
            r["code"]: Nationality(r["code"], r["name"], r["adjective"]) for r in csv.DictReader(fh)
        }


def nationality_find(text: str) -> Nationality | None:
    """ "deutsch", "Türkei", "türkisch" or the Destatis key "163"."""
    text = (text or "").strip()
    found = nationalities()
    if text in found:
        return found[text]
    wanted = fold(text)
    for n in found.values():
        if wanted in (fold(n.adjective), fold(n.state)):
            return n
    return None
