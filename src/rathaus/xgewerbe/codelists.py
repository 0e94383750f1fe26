"""Code lists used by XGewerbeanzeige messages, loaded once per process from ``data/``.

Every loader is cached: building a thousand messages a second must never reread a file.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True, slots=True)
class CodeList:
    """The identification of a code list as written into ``listURI`` / ``listVersionID``."""

    uri: str
    version: str


# The code lists as the official XGewerbeanzeige 2.2 sample instance references them; where the
# 2.2 sample leaves listURI out, the URI of the 2.1 sample is used (same list, same version).
AGS = CodeList("urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:ags", "2019-05-31")
AGS_HEADER = CodeList("urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:ags", "2018-01-31")
DVDV_PRAEFIX = CodeList("urn:xoev-de:bund:bmi:bit:codeliste:dvdv.praefix", "7")
ERREICHBARKEIT = CodeList("urn:de:xoev:codeliste:erreichbarkeit", "3")
NACHRICHTENTYP = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:nachrichtentyp", "2")
JANEIN = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:janein", "1")
ARTDERNIEDERLASSUNG = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:artderniederlassung", "1")
FUNKTIONEINERPERSON = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:funktioneinerperson", "1")
GESCHLECHT = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:geschlecht", "3")
STAATSANGEHOERIGKEIT = CodeList(
    "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit", "2019-04-01"
)
STAAT = CodeList("urn:xoev-de:kosit:codeliste:country-codes", "2")
REGISTERGERICHTE = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:registergerichte", "5")
RECHTSFORMEN = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:rechtsformen", "5")
EINTRAGUNGSART = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:artdereintragung", "1")
STATUS = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:status", "1")
HANDWERKSKAMMERN = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:handwerkskammern", "1")
GRUNDANMELDUNG = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:grundfueranmeldung", "2")
GRUNDUMMELDUNG = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:grundfuerummeldung", "2")
GRUNDABMELDUNG = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:grundfuerabmeldung", "2")
URSACHEABMELDUNG = CodeList("urn:xoev-de:xgewerbeanzeige:codeliste:ursachefuerabmeldung", "2")
WEITEREKOMMUNIKATIONSPARTNER = CodeList(
    "urn:xoev-de:xgewerbeanzeige:codeliste:weiterekommunikationspartner", "2018-10-11"
)

#: Staatsangehörigkeit codes (Destatis) of the EU, the EEA and Switzerland: persons with one of
#: these need no residence title and no message to the foreigners' authority.
EU_EEA_CH_NATIONALITIES = frozenset(
    {
        "000",  # Deutschland
        "124", "125", "126", "127", "128", "129", "130", "131", "134", "135", "137", "139",
        "142", "143", "145", "148", "151", "152", "153", "154", "155", "157", "161", "164",
        "165", "181",  # EU
        "136", "141", "149",  # EWR: Island, Liechtenstein, Norwegen
        "158",  # Schweiz
    }
)  # fmt: skip


def is_eu_nationality(code: str) -> bool:
    return code.strip() in EU_EEA_CH_NATIONALITIES


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def wz2008() -> dict[str, str]:
    """5-digit WZ 2008 Unterklasse → title."""
    return {row["code_ohne_punkte"]: row["titel"] for row in _rows("wz2008_unterklassen.csv")}


@cache
def nationalities() -> dict[str, str]:
    """Destatis Staatsangehörigkeit code → state name."""
    return {row["code"]: row["name"] for row in _rows("staatsangehoerigkeit_2026-08-05.csv")}


@cache
def legal_forms() -> dict[str, str]:
    """XUnternehmen Rechtsform code (6 digits) → long name."""
    return {row["Code"]: row["Bezeichnung-lang"] for row in _rows("rechtsformen_2.2.csv")}


@cache
def courts() -> dict[str, str]:
    """XJustiz court id (Amtsgerichte) → name."""
    return {row["code"]: row["wert"] for row in _rows("gerichte_3.7.csv")}


def is_known_legal_form(code: str) -> bool:
    """6-digit XUnternehmen codes are checked against the list; the 3-digit codes of the older
    XGewerbeanzeige list (used by the 2.x samples, e.g. 170 e.K., 350 GmbH) by form only."""
    code = code.strip()
    if len(code) == 6:
        return code in legal_forms()
    return len(code) == 3 and code.isdigit()
