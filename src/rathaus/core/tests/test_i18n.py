"""English is selectable and complete: every catalogue entry is translated, the compiled
catalogue matches it, and pages come out in English (by browser preference or language form)."""

from __future__ import annotations

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PO_FILE = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def parse_po(path: Path) -> list[dict]:
    """The entries of a .po file: keys msgctxt, msgid, msgid_plural, msgstr, msgstr[n], flags."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    key = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, key = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def test_english_catalogue_is_complete():
    entries = [e for e in parse_po(PO_FILE) if e["msgid"] and not e.get("obsolete")]
    assert len(entries) > 500, "catalogue looks truncated"
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in translations(e))]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    header = next(e for e in parse_po(PO_FILE) if e["msgid"] == "")
    assert "fuzzy" not in header["flags"]


def test_compiled_catalogue_matches_the_po_file():
    """The .mo is committed; it must be compiled from the current .po (compilemessages)."""
    with MO_FILE.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    stale = []
    for entry in parse_po(PO_FILE):
        if not entry["msgid"] or entry.get("obsolete"):
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            ok = catalog.get((msgid, 0)) == entry["msgstr[0]"]
        else:
            ok = catalog.get(msgid) == entry["msgstr"]
        if not ok:
            stale.append(entry["msgid"])
    assert not stale, f"run compilemessages; {len(stale)} stale, e.g. {stale[:3]}"


def test_gettext_returns_english():
    with translation.override("en"):
        assert translation.gettext("Meine Anträge") == "My applications"
        found = translation.ngettext(
            "%(counter)s Leistung gefunden", "%(counter)s Leistungen gefunden", 2
        )
        assert found == "%(counter)s services found"


PAGES = [
    (
        "/m/musterstadt/",
        ["Welcome to the digital town hall of Musterstadt", "What do you want to do?"],
        ["Willkommen im digitalen Rathaus", "Was möchten Sie erledigen?", "Alle Leistungen"],
    ),
    (
        "/m/musterstadt/leistungen/",
        ["Search for a service", "1 service found", "Skip to main content"],
        ["Leistung suchen", "Leistung gefunden", "Zum Inhalt springen"],
    ),
    (
        "/m/musterstadt/konto/anmelden/",
        ["With email address and password", "Forgotten your password?", "Sign in"],
        ["Mit E-Mail-Adresse und Passwort", "Passwort vergessen?", "Anmelden"],
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "english", "german"), PAGES)
def test_pages_in_english_by_browser_preference(client, dog_service, url, english, german):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="en"' in body
    for text in english:
        assert text in body
    for text in german:
        assert text not in body


@pytest.mark.django_db
def test_german_stays_the_default(client, dog_service):
    body = client.get("/m/musterstadt/").content.decode()
    assert '<html lang="de"' in body
    assert "Willkommen im digitalen Rathaus Musterstadt" in body


@pytest.mark.django_db
def test_language_form_switches_to_english_and_back(client, dog_service):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/m/musterstadt/"})
    assert response.status_code == 302
    assert response.url == "/m/musterstadt/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    body = client.get("/m/musterstadt/leistungen/").content.decode()
    assert "Search for a service" in body and "Leistung suchen" not in body

    client.post("/i18n/setlang/", {"language": "de", "next": "/m/musterstadt/"})
    body = client.get("/m/musterstadt/leistungen/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Leistung suchen" in body and "Search for a service" not in body
