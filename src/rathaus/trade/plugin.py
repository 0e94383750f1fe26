"""The ``trade`` service plugin: step validators, automatic checks, the fee formula and the hooks
that put a decided notification into the register and distribute it.

Validators refuse what the trade office could not accept (a vague activity, an unknown WZ code, a
register number without court, a minor without the family court's approval, a business address
outside the municipality, a closure date too far back). Checks let a notification through but send
it to a clerk with the reason (a permit still missing, a residence title without permission for
self-employment …).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from rathaus.catalog.plugins import CheckResult, ServicePlugin

from . import codes, wz
from .addresses import address_problem

logger = logging.getLogger(__name__)

CLOSURE_MAX_DAYS_BACK = 28
START_CONFIRM_AFTER_DAYS = 92


def _step(answers: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = answers.get(key)
    return value if isinstance(value, dict) else {}


def _age(born: Any, today: dt.date) -> int | None:
    try:
        birth = dt.date.fromisoformat(str(born))
    except ValueError:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


# --- step validators --------------------------------------------------------------------------


def validate_register_entry(*, values: dict[str, Any], **_: Any) -> dict[str, str]:
    problems: dict[str, str] = {}
    legal = codes.LEGAL_FORMS.get(str(values.get("rechtsform") or ""))
    number = str(values.get("registernummer") or "").strip()
    court_text = str(values.get("registergericht") or "").strip()
    kind = str(values.get("register_art") or "")
    name = str(values.get("name") or "")
    if number and not court_text:
        problems["registergericht"] = (
            "Zu einer Registernummer gehört das Registergericht. Bitte geben Sie das Amtsgericht "
            "an, bei dem der Betrieb eingetragen ist."
        )
    if court_text and codes.court_find(court_text) is None:
        hints = ", ".join(c.name for c in codes.court_suggestions(court_text))
        problems["registergericht"] = (
            f"„{court_text}“ ist kein Registergericht in Nordrhein-Westfalen."
            + (
                f" Meinten Sie: {hints}?"
                if hints
                else " Bitte geben Sie z. B. „Amtsgericht Köln“ an."
            )
        )
    if court_text and not number:
        problems["registernummer"] = "Bitte geben Sie die Registernummer an, z. B. „HRB 12345“."
    if legal is None:
        return problems
    prefix = number.split()[0].upper() if number and not number[0].isdigit() else ""
    if number and not kind and prefix:
        kind = {"HRA": "HRA", "HRB": "HRB", "GNR": "GnR", "PR": "PR", "VR": "VR"}.get(prefix, "")
    if number and not kind:
        problems["register_art"] = "Bitte wählen Sie das Register, in dem der Betrieb steht."
    wanted = legal.register
    founding = any(m in name.lower() for m in ("in gründung", "i. g.", "i.g."))
    if wanted and wanted != "?":
        if not number and not founding:
            hint = (
                " Ist die Gesellschaft noch nicht eingetragen, wählen Sie die Rechtsform „… in "
                "Gründung“."
                if legal.code in ("221110", "221200")
                else " Ist der Betrieb noch nicht eingetragen, ergänzen Sie den Namen um „in "
                "Gründung“."
            )
            problems.setdefault(
                "registernummer",
                f"Für die Rechtsform „{legal.label}“ ist die Eintragung im "
                f"{codes.REGISTER_TYPES[wanted]} vorgeschrieben.{hint}",
            )
        elif kind and kind != wanted:
            problems["register_art"] = (
                f"Die Rechtsform „{legal.label}“ steht im "
                f"{codes.REGISTER_TYPES[wanted]} ({wanted})."
            )
    return problems


def validate_persons(
    *, values: dict[str, Any], answers: Mapping[str, Any], **_: Any
) -> dict[str, str]:
    today = dt.date.today()
    entries = [e for e in values.get("personen") or [] if isinstance(e, dict)]
    messages: list[str] = []
    for index, entry in enumerate(entries, start=1):
        label = f"Person {index}"
        herkunft = entry.get("herkunft")
        if herkunft in ("eu", "drittstaat"):
            text = str(entry.get("staatsangehoerigkeit") or "")
            found = codes.nationality_find(text)
            if found is None:
                messages.append(
                    f"{label}: „{text}“ ist keine bekannte Staatsangehörigkeit. Bitte geben Sie "
                    "sie als Adjektiv an, z. B. „türkisch“ oder „niederländisch“."
                )
            elif found.code == "000":
                messages.append(
                    f"{label}: Bitte wählen Sie bei deutscher Staatsangehörigkeit „deutsch“."
                )
            elif herkunft == "eu" and not found.eu:
                messages.append(
                    f"{label}: {found.state} gehört nicht zur EU, zum EWR oder zur Schweiz. Bitte "
                    "wählen Sie „eines anderen Staates“ und geben Sie den Aufenthaltstitel an."
                )
            elif herkunft == "drittstaat" and found.eu:
                messages.append(
                    f"{label}: {found.state} gehört zur EU, zum EWR oder zur Schweiz; ein "
                    "Aufenthaltstitel ist nicht nötig. Bitte wählen Sie die zweite Möglichkeit."
                )
        age = _age(entry.get("geburtsdatum"), today)
        if age is not None and age < 18 and not entry.get("einwilligung"):
            messages.append(
                f"{label} ist minderjährig: Ein Gewerbe darf nur mit der Ermächtigung der "
                "Sorgeberechtigten und der Genehmigung des Familiengerichts (§ 112 BGB) betrieben "
                "werden. Bitte laden Sie die Genehmigung hoch."
            )
    legal = codes.LEGAL_FORMS.get(str(_step(answers, "betrieb").get("rechtsform") or ""))
    roles = [str(e.get("funktion") or "") for e in entries]
    notifying = [r for r in roles if r != "4"]
    if legal is not None:
        if legal.kind == "natural" and (notifying.count("1") != 1 or len(notifying) != 1):
            messages.append(
                "Bei einem Einzelunternehmen zeigt genau eine Person als Betriebsinhaberin oder "
                "Betriebsinhaber an (weitere Personen nur als Betriebsleitung)."
            )
        elif legal.kind == "partnership" and (not notifying or set(notifying) != {"2"}):
            messages.append(
                "Bei einer Personengesellschaft zeigt jede geschäftsführende Gesellschafterin und "
                "jeder geschäftsführende Gesellschafter an: Bitte geben Sie alle mit der Funktion "
                "„Geschäftsführende/r Gesellschafter/in“ an."
            )
        elif legal.kind == "company" and (not notifying or set(notifying) != {"3"}):
            messages.append(
                "Bei einer juristischen Person werden alle gesetzlichen Vertreter angegeben (z. B. "
                "alle Geschäftsführerinnen und Geschäftsführer) mit der Funktion „Gesetzliche/r "
                "Vertreter/in“."
            )
    return {"": " ".join(messages)} if messages else {}


def validate_business_address(
    *, values: dict[str, Any], municipality: Any = None, **_: Any
) -> dict[str, str]:
    if municipality is None:
        return {}
    problem = address_problem(municipality=municipality, address=values.get("anschrift"))
    return {"anschrift": problem} if problem else {}


def _activity_problems(text: Any, code: Any, label: str) -> list[str]:
    text = str(text or "").strip()
    found: list[str] = []
    if text and wz.is_vague(text):
        found.append(
            f"{label}: „{text}“ ist zu allgemein. Geben Sie genau an, womit Sie handeln oder "
            "welche Dienstleistung Sie erbringen, z. B. „Einzelhandel mit Damenbekleidung“ oder "
            "„Hausmeisterdienste“. Angaben wie „Waren aller Art“ lassen sich keinem "
            "Wirtschaftszweig zuordnen (§ 14 GewO)."
        )
        return found
    code_text = str(code or "").strip()
    if not code_text:
        suggestions = wz.search(text, limit=5) if text else []
        hint = "; ".join(f"{c.dotted} {c.title}" for c in suggestions)
        found.append(
            f"{label}: Bitte geben Sie den WZ-2008-Schlüssel an."
            + (f" Passend zu „{text}“: {hint}." if hint else " Die WZ-Suche hilft Ihnen dabei.")
        )
    elif wz.lookup(code_text) is None:
        found.append(
            f"{label}: „{code_text}“ ist kein Schlüssel der WZ 2008 (fünfstellig, z. B. 96.02.1)."
        )
    return found


def validate_activities(*, values: dict[str, Any], **_: Any) -> dict[str, str]:
    problems: dict[str, str] = {}
    main = _activity_problems(values.get("beschreibung"), values.get("wz_code"), "Haupttätigkeit")
    for message in main:
        key = "beschreibung" if "zu allgemein" in message else "wz_code"
        problems[key] = message
    further: list[str] = []
    for index, entry in enumerate(values.get("weitere") or [], start=1):
        if isinstance(entry, dict):
            further += _activity_problems(
                entry.get("beschreibung"), entry.get("wz_code"), f"Weitere Tätigkeit {index}"
            )
    if further:
        problems[""] = " ".join(further)
    start = values.get("beginn")
    if start:
        try:
            start_date = dt.date.fromisoformat(str(start))
        except ValueError:
            start_date = None
        if (
            start_date
            and start_date > dt.date.today() + dt.timedelta(days=START_CONFIRM_AFTER_DAYS)
            and not values.get("beginn_bestaetigt")
        ):
            problems["beginn_bestaetigt"] = (
                "Der Beginn liegt mehr als drei Monate in der Zukunft. Ein Gewerbe wird "
                "gleichzeitig mit dem Beginn angezeigt. Bitte prüfen Sie das Datum oder "
                "bestätigen Sie es ausdrücklich."
            )
    kinds = values.get("betriebsart")
    if isinstance(kinds, list) and "handwerk" not in kinds:
        crafts = [
            f"{wz.display(c)} ({wz.craft_for(c)})" for c in _codes_of(values) if wz.craft_for(c)
        ]
        if crafts:
            problems["betriebsart"] = (
                f"{', '.join(crafts)} ist ein zulassungspflichtiges Handwerk (Anlage A HwO). "
                "Bitte kreuzen Sie „Handwerk“ an."
            )
    return problems


def _codes_of(taetigkeit: Mapping[str, Any]) -> list[str]:
    found = [wz.normalise(str(taetigkeit.get("wz_code") or ""))]
    for entry in taetigkeit.get("weitere") or []:
        if isinstance(entry, dict):
            found.append(wz.normalise(str(entry.get("wz_code") or "")))
    return [c for c in found if c]


def permits_needed(answers: Mapping[str, Any]) -> list[str]:
    return [
        f"{wz.display(c)}: {wz.permit_for(c)}"
        for c in _codes_of(_step(answers, "taetigkeit"))
        if wz.permit_for(c)
    ]


def validate_permits(
    *, values: dict[str, Any], answers: Mapping[str, Any], **_: Any
) -> dict[str, str]:
    needed = permits_needed(answers)
    if needed and values.get("erlaubnis") == "nein":
        return {
            "erlaubnis": "Ihre Tätigkeit braucht eine Erlaubnis: "
            + "; ".join(needed)
            + ". Bitte geben Sie die Erlaubnis an oder wählen Sie „beantragt“."
        }
    crafts = [c for c in _codes_of(_step(answers, "taetigkeit")) if wz.craft_for(c)]
    if crafts and values.get("handwerksrolle") == "zulassungsfrei":
        return {
            "handwerksrolle": f"{wz.display(crafts[0])} ({wz.craft_for(crafts[0])}) ist ein "
            "zulassungspflichtiges Handwerk: Die Eintragung in die Handwerksrolle ist nötig."
        }
    return {}


def validate_closure(*, values: dict[str, Any], **_: Any) -> dict[str, str]:
    """GewA3: the closure date may lie at most four weeks in the past."""
    try:
        when = dt.date.fromisoformat(str(values.get("datum") or ""))
    except ValueError:
        return {}
    earliest = dt.date.today() - dt.timedelta(days=CLOSURE_MAX_DAYS_BACK)
    if when < earliest:
        return {
            "datum": "Die Aufgabe des Betriebs liegt mehr als vier Wochen zurück. Die Abmeldung "
            "muss gleichzeitig mit der Aufgabe erfolgen; für eine verspätete Abmeldung wenden Sie "
            "sich bitte direkt an das Gewerbeamt."
        }
    return {}


def validate_change(*, values: dict[str, Any], **_: Any) -> dict[str, str]:
    """GewA2: a relocation needs the old address."""
    if "verlegung" in (values.get("gruende") or []) and not values.get("alte_anschrift"):
        return {"alte_anschrift": "Bitte geben Sie bei einer Verlegung die bisherige Anschrift an."}
    return {}


# --- checks -----------------------------------------------------------------------------------


def check_permits(*, data: Mapping[str, Any], **_: Any) -> CheckResult:
    needed = permits_needed(data)
    if needed and _step(data, "erlaubnisse").get("erlaubnis") != "liegt_vor":
        return CheckResult(
            False, "Erforderliche Erlaubnis liegt noch nicht vor: " + "; ".join(needed)
        )
    return CheckResult(True)


def check_craft(*, data: Mapping[str, Any], **_: Any) -> CheckResult:
    taetigkeit = _step(data, "taetigkeit")
    crafts = [c for c in _codes_of(taetigkeit) if wz.craft_for(c)]
    status = _step(data, "erlaubnisse").get("handwerksrolle")
    if crafts and status != "eingetragen":
        return CheckResult(
            False,
            f"Zulassungspflichtiges Handwerk ({wz.craft_for(crafts[0])}): Eintragung in die "
            "Handwerksrolle liegt nicht vor.",
        )
    if status == "beantragt":
        return CheckResult(False, "Eintragung in die Handwerksrolle ist erst beantragt.")
    return CheckResult(True)


def check_residence(*, data: Mapping[str, Any], **_: Any) -> CheckResult:
    today = dt.date.today()
    problems = []
    for entry in _step(data, "personen").get("personen") or []:
        if not isinstance(entry, dict) or entry.get("herkunft") != "drittstaat":
            continue
        name = f"{entry.get('vornamen', '')} {entry.get('familienname', '')}".strip()
        allowed = entry.get("selbstaendig_erlaubt")
        if allowed == "nein":
            problems.append(f"{name}: Aufenthaltstitel erlaubt die Tätigkeit nicht oder unklar")
        elif allowed == "auflage":
            problems.append(
                f"{name}: Auflagen im Aufenthaltstitel prüfen ({entry.get('auflagen', '')})"
            )
        until = entry.get("aufenthaltstitel_gueltig_bis")
        if until and str(until) < today.isoformat():
            problems.append(f"{name}: Aufenthaltstitel abgelaufen")
    return CheckResult(not problems, "; ".join(problems))


def check_adults(*, data: Mapping[str, Any], **_: Any) -> CheckResult:
    today = dt.date.today()
    minors = [
        f"{e.get('vornamen', '')} {e.get('familienname', '')}".strip()
        for e in _step(data, "personen").get("personen") or []
        if isinstance(e, dict) and (_age(e.get("geburtsdatum"), today) or 99) < 18
    ]
    if minors:
        return CheckResult(
            False,
            "Minderjährig: " + ", ".join(minors) + " – Genehmigung des Familiengerichts "
            "(§ 112 BGB) prüfen.",
        )
    return CheckResult(True)


def check_register(*, data: Mapping[str, Any], **_: Any) -> CheckResult:
    betrieb = _step(data, "betrieb")
    legal = codes.LEGAL_FORMS.get(str(betrieb.get("rechtsform") or ""))
    if legal and legal.register not in ("", "?") and not betrieb.get("registernummer"):
        return CheckResult(
            False, "Registereintrag fehlt (Betrieb in Gründung): später nachfordern."
        )
    return CheckResult(True)


def check_previous_office(
    *, data: Mapping[str, Any], municipality: Any = None, **_: Any
) -> CheckResult:
    """A relocation from another district is reported back to the office the business leaves
    (through the recipient directory, group "Gewerbeamt"); when that office is not in the
    directory, a clerk adds it before deciding, so the notice is not silently lost."""
    grund = _step(data, "grund")
    if str(grund.get("grund") or "") != "02" or municipality is None:
        return CheckResult(True)
    name = str(grund.get("frueheres_amt") or "").strip()
    if not name:
        return CheckResult(False, "Verlegung: das bisher zuständige Gewerbeamt fehlt.")
    from rathaus.xgewerbe.distribution import is_previous_office
    from rathaus.xgewerbe.matrix import RecipientGroup
    from rathaus.xgewerbe.models import Recipient

    offices = Recipient.objects.of(municipality).filter(
        group=RecipientGroup.GEWERBEAMT, active=True
    )
    if any(is_previous_office(office, name) for office in offices):
        return CheckResult(True)
    return CheckResult(
        False,
        f"Verlegung aus „{name}“: dieses Gewerbeamt steht nicht im Empfängerverzeichnis. Bitte "
        "als Empfänger (Gruppe „Gewerbeamt (bisher zuständig)“) anlegen, dann entscheiden — "
        "die Meldung an das bisherige Amt geht mit der Entscheidung hinaus.",
    )


def check_info_basic(*, data: Mapping[str, Any], **_: Any) -> CheckResult:
    if _step(data, "anfrage").get("art") == "einfach":
        return CheckResult(True)
    return CheckResult(
        False, "Erweiterte Auskunft: rechtliches Interesse prüfen (§ 14 Abs. 5 Satz 2 GewO)."
    )


# --- fee --------------------------------------------------------------------------------------


def notifying_persons(data: Mapping[str, Any]) -> int:
    entries = _step(data, "personen").get("personen") or []
    return sum(1 for e in entries if isinstance(e, dict) and str(e.get("funktion")) != "4")


def fee(*, definition: Any, data: Mapping[str, Any], **_: Any) -> Decimal:
    """The municipality's amounts are the definition's fee rules (edited on the service settings
    page): rule 1 natural person, rule 2 partnership or legal person, rule 3 per further person
    who must notify. A definition with one rule (e.g. a free closure) charges that amount."""
    rules = [Decimal(str(r.amount)) for r in (definition.fee.rules or [])]
    if not rules:
        return Decimal("0")
    if len(rules) == 1:
        return rules[0]
    legal = codes.LEGAL_FORMS.get(str(_step(data, "betrieb").get("rechtsform") or ""))
    natural = legal is None or legal.kind == "natural"
    amount = rules[0] if natural else rules[1]
    if not natural and len(rules) > 2:
        amount += rules[2] * max(notifying_persons(data) - 1, 0)
    return amount


# --- hooks ------------------------------------------------------------------------------------


def on_submit(
    *, definition: Any, data: Mapping[str, Any], municipality: Any, application: Any
) -> None:
    from .services import notification_received_publish

    notification_received_publish(application=application)


def on_deciding(*, case: Any, outcome: str) -> None:
    """The register entry (and so the business number) exists before the receipt certificate is
    rendered, which shows it."""
    from .services import register_apply_case

    if outcome in ("granted", "partly_granted"):
        register_apply_case(case=case)


plugin = ServicePlugin(
    name="trade",
    checks={
        "permits": check_permits,
        "craft": check_craft,
        "residence": check_residence,
        "adults": check_adults,
        "register": check_register,
        "previous_office": check_previous_office,
        "info_basic": check_info_basic,
    },
    fees={"fee": fee},
    on_deciding=on_deciding,
    step_validators={
        "register_entry": validate_register_entry,
        "persons": validate_persons,
        "business_address": validate_business_address,
        "activities": validate_activities,
        "permits": validate_permits,
        "closure": validate_closure,
        "change": validate_change,
    },
    on_submit=on_submit,
)
