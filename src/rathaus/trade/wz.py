"""The WZ 2008 classification (Klassifikation der Wirtschaftszweige): the 839 five-digit
sub-classes, a keyword search over the official titles plus our synonym list, and the rules for
activity descriptions (vague texts such as "Handel mit Waren aller Art" are refused).

Codes are stored normalised as five digits ("96021"); :func:`display` gives "96.02.1".
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data"
_CODE = re.compile(r"^\s*(\d{2})\.?(\d{2})\.?(\d)\s*$")
STOPWORDS = {
    "mit", "und", "von", "der", "die", "das", "den", "dem", "des", "fur", "im", "in", "an",
    "auf", "aus", "a", "n", "g", "u", "a.", "sowie", "oder", "ohne", "zu", "zur", "zum", "bei",
    "ein", "eine", "einer", "art", "sonstige", "sonstiger", "sonstigen", "ich", "wir", "mein",
}  # fmt: skip

# "Handel mit Waren aller Art" and friends cannot be classified; the office must refuse them.
_VAGUE = [
    re.compile(p)
    for p in (
        r"aller art",
        r"alle(r)? (erlaubnisfreie|moglichen?|art)",
        r"^(handel|dienstleistung(en)?|import|export|import/export|import und export|"
        r"vertrieb|verkauf|gewerbe|handwerk|beratung|service|onlinehandel|internethandel)$",
        r"^(diverse|verschiedene|sonstige|allgemeine)\b",
        r"jeglicher art",
        r"\bdiverse[rs]?\b.*\b(waren|dienstleistungen|artikel)\b",
        r"\bgemischtwaren\b",
    )
]


@dataclass(frozen=True)
class WzClass:
    code: str  # "96021"
    title: str
    section: str  # Abschnitt, e.g. "S"
    division: str  # Abteilung, e.g. "96"

    @property
    def dotted(self) -> str:
        return display(self.code)


def fold(text: str) -> str:
    """Lower case, umlauts folded (ä→a, ß→ss), for matching."""
    text = text.lower().replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9-]+", fold(text)) if w and w not in STOPWORDS]


def normalise(code: str | None) -> str | None:
    """ "96.02.1", "96021" or " 96.021 " → "96021"; None when it is not shaped like a code."""
    match = _CODE.match(code or "")
    return "".join(match.groups()) if match else None


def display(code: str) -> str:
    code = normalise(code) or code
    return f"{code[:2]}.{code[2:4]}.{code[4:]}" if len(code) == 5 else code


@cache
def classes() -> dict[str, WzClass]:
    with (DATA / "wz2008_unterklassen.csv").open(encoding="utf-8") as fh:
        return {
            row["code_ohne_punkte"]: WzClass(
                code=row["code_ohne_punkte"],
                title=" ".join(row["titel"].split()),
                section=row["abschnitt"],
                division=row["abteilung"],
            )
            for row in csv.DictReader(fh)
        }


@cache
def _synonyms() -> dict[str, list[str]]:
    raw = yaml.safe_load((DATA / "wz_synonyms.yaml").read_text(encoding="utf-8")) or {}
    return {fold(k): [normalise(c) or c for c in v] for k, v in raw.items()}


@cache
def _title_words() -> dict[str, list[str]]:
    return {code: words(c.title) for code, c in classes().items()}


def lookup(code: str | None) -> WzClass | None:
    normal = normalise(code)
    return classes().get(normal) if normal else None


def is_vague(text: str) -> bool:
    folded = " ".join(fold(text).split()).strip(" .")
    return any(p.search(folded) for p in _VAGUE)


def search(query: str, *, limit: int = 10) -> list[WzClass]:
    """Sub-classes for a keyword query, best first. A code ("96.02.1") finds that class."""
    query = (query or "").strip()[:200]
    direct = lookup(query)
    if direct:
        return [direct]
    terms = words(query)
    if not terms:
        return []
    scores: dict[str, float] = {}
    synonyms = _synonyms()
    for term in terms:
        for word, codes in synonyms.items():
            if term.startswith(word) or (len(term) >= 4 and word.startswith(term)):
                for rank, code in enumerate(codes):
                    scores[code] = scores.get(code, 0) + 3 - rank * 0.1
        for code, title_words in _title_words().items():
            for title_word in title_words:
                if title_word.startswith(term) or (len(term) >= 5 and term in title_word):
                    scores[code] = scores.get(code, 0) + (1.5 if title_word == term else 1)
                    break
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    found = classes()
    return [found[code] for code, _score in ranked[:limit] if code in found]


# --- activities that need more than the notification ------------------------------------------

# WZ sub-class (or its 4-digit class) → the permit the activity needs (§§ 30–34i GewO and other
# laws). Shown to the applicant and used by the permit check.
PERMITS: dict[str, str] = {
    "80100": "Bewachungsgewerbe – Erlaubnis nach § 34a GewO",
    "66220": "Versicherungsvermittlung – Erlaubnis nach § 34d GewO",
    "66190": "Finanzanlagen-/Immobiliardarlehensvermittlung – Erlaubnis nach § 34f/§ 34i GewO",
    "68311": "Immobilienmakler – Erlaubnis nach § 34c GewO",
    "68312": "Immobilienmakler – Erlaubnis nach § 34c GewO",
    "68321": "Wohnimmobilienverwalter – Erlaubnis nach § 34c GewO",
    "64922": "Pfandleihe – Erlaubnis nach § 34 GewO",
    "82991": "Versteigerungsgewerbe – Erlaubnis nach § 34b GewO",
    "92001": "Spielhalle / Spielgeräte – Erlaubnis nach § 33c, § 33i GewO",
    "92003": "Wettvermittlung – Erlaubnis nach Glücksspielrecht",
    "49320": "Taxiverkehr – Genehmigung nach dem Personenbeförderungsgesetz",
    "78200": "Arbeitnehmerüberlassung – Erlaubnis nach § 1 AÜG",
    "85530": "Fahrschule – Erlaubnis nach dem Fahrlehrergesetz",
    "86103": "Privatkrankenanstalt – Konzession nach § 30 GewO",
    "56301": "Ausschank alkoholischer Getränke – Gaststättenrecht (Anzeige/Erlaubnis)",
    "56302": "Diskothek – Gaststättenrecht (Anzeige/Erlaubnis)",
    "56303": "Bar – Gaststättenrecht (Anzeige/Erlaubnis)",
    "56304": "Vergnügungslokal – Gaststättenrecht (Anzeige/Erlaubnis)",
    "56309": "Getränkegeprägte Gastronomie – Gaststättenrecht (Anzeige/Erlaubnis)",
}

# Crafts needing the entry in the craft register (Anlage A HwO) before the start.
CRAFTS: dict[str, str] = {
    "96021": "Friseure",
    "43210": "Elektrotechniker",
    "43220": "Installateur und Heizungsbauer",
    "43341": "Maler und Lackierer",
    "43342": "Glaser",
    "43320": "Tischler",
    "43911": "Dachdecker",
    "43912": "Zimmerer",
    "43310": "Stuckateure",
    "43330": "Fliesen-, Platten- und Mosaikleger",
    "10710": "Bäcker",
    "10130": "Fleischer",
    "47781": "Augenoptiker",
    "45201": "Karosserie- und Fahrzeugbauer / Lackierer",
    "45203": "Kraftfahrzeugtechniker",
    "45204": "Kraftfahrzeugtechniker",
    "81221": "Schornsteinfeger",
}


def permit_for(code: str | None) -> str:
    return PERMITS.get(normalise(code) or "", "")


def craft_for(code: str | None) -> str:
    return CRAFTS.get(normalise(code) or "", "")
