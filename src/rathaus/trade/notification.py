"""Form answers ⇄ the canonical notification (``rathaus.xgewerbe.model.Gewerbeanzeige``).

The three definitions (gewerbe-anmelden / -ummelden / -abmelden) share their step and field keys
wherever the official forms share fields, so one mapping serves all three. The reverse mapping
turns an incoming XGewerbeanzeige message into answers, so a notification from the state's
business portal becomes an application that is worked like an online one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from rathaus.xgewerbe import model as xm

from . import codes, wz

SERVICE_KEYS = {
    xm.Kind.ANMELDUNG: "gewerbe-anmelden",
    xm.Kind.UMMELDUNG: "gewerbe-ummelden",
    xm.Kind.ABMELDUNG: "gewerbe-abmelden",
}
KIND_OF_SERVICE = {v: k for k, v in SERVICE_KEYS.items()}
REGISTER_KIND = {"HRA": "A", "HRB": "B", "GnR": "G", "PR": "P", "VR": "V", "GsR": "GesR"}
REGISTER_TYPE = {v: k for k, v in REGISTER_KIND.items()}
GEWA2_REASONS = {
    "verlegung": "01",
    "wechsel": "02",
    "ausdehnung": "03",
    "aufgabe_teil": "04",
    "sonstige": "05",
}
GEWA3_REASONS = {
    "aufgabe": "01",
    "verlegung": "02",
    "austritt": "03",
    "uebergabe": "04",
    "rechtsform": "05",
    "umwg": "05",
}


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def address(value: Any) -> xm.Address | None:
    """A form address (``{"street": "Lindenallee 5", "postcode", "city"}``) as message address;
    the house number is split off the street."""
    if not isinstance(value, dict) or not value.get("street"):
        return None
    street, number = split_street(str(value.get("street") or ""))
    return xm.Address(
        street=street,
        house_number=number,
        postcode=str(value.get("postcode") or ""),
        city=str(value.get("city") or ""),
    )


def split_street(text: str) -> tuple[str, str]:
    parts = text.strip().rsplit(" ", 1)
    if len(parts) == 2 and any(ch.isdigit() for ch in parts[1]):
        return parts[0].strip(), parts[1].strip()
    import re

    match = re.match(r"^(.*?)(\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?)$", text.strip())
    if match:
        return match.group(1).strip(), match.group(2).replace(" ", "")
    return text.strip(), ""


def form_address(addr: xm.Address | None) -> dict[str, str] | None:
    if addr is None:
        return None
    street = " ".join(p for p in (addr.street, addr.house_number) if p)
    return {"street": street, "postcode": addr.postcode, "city": addr.city}


def _contacts(phone: Any = "", email: Any = "", web: Any = "") -> list[xm.Contact]:
    found = []
    if phone:
        found.append(xm.Contact(channel=xm.ContactChannel.TELEFON, value=str(phone)))
    if email:
        found.append(xm.Contact(channel=xm.ContactChannel.EMAIL, value=str(email)))
    if web:
        found.append(xm.Contact(channel=xm.ContactChannel.WEB, value=str(web)))
    return found


def nationality_code(entry: dict[str, Any]) -> str:
    if entry.get("herkunft") == "de":
        return "000"
    found = codes.nationality_find(str(entry.get("staatsangehoerigkeit") or ""))
    return found.code if found else ""


def person(entry: dict[str, Any]) -> xm.Person:
    title = None
    if entry.get("herkunft") == "drittstaat":
        allowed = entry.get("selbstaendig_erlaubt")
        title = xm.ResidenceTitle(
            status="1",
            issued_on=_date(entry.get("aufenthaltstitel_datum")),
            issued_by_name=str(entry.get("aufenthaltstitel_behoerde") or ""),
            self_employment_allowed=None if allowed is None else allowed in ("ja", "auflage"),
            restrictions=str(entry.get("auflagen") or ""),
        )
    nationality = nationality_code(entry)
    role = str(entry.get("funktion") or "1")
    return xm.Person(
        role=xm.PersonRole(role)
        if role in {r.value for r in xm.PersonRole}
        else xm.PersonRole.INHABER,
        family_name=str(entry.get("familienname") or ""),
        first_names=str(entry.get("vornamen") or ""),
        doctor_title=str(entry.get("doktorgrad") or ""),
        gender=str(entry.get("geschlecht") or ""),
        birth_name=str(entry.get("geburtsname") or ""),
        birth_date=_date(entry.get("geburtsdatum")),
        birth_place=str(entry.get("geburtsort") or ""),
        birth_country=str(entry.get("geburtsland") or ""),
        nationalities=[nationality] if nationality else [],
        address=address(entry.get("anschrift")),
        contacts=_contacts(entry.get("telefon"), entry.get("email")),
        residence_title=title,
        guardian_consent=True if entry.get("einwilligung") else None,
    )


def activity(text: Any, code: Any) -> xm.Activity:
    normal = wz.normalise(str(code or "")) or ""
    found = wz.lookup(normal)
    return xm.Activity(
        text=str(text or (found.title if found else "")),
        wz_code=normal,
        keyword=found.title[:100] if found else "",
    )


def activities(step: dict[str, Any]) -> tuple[xm.Activity, list[xm.Activity]]:
    main = activity(step.get("beschreibung"), step.get("wz_code"))
    further = [
        activity(e.get("beschreibung"), e.get("wz_code"))
        for e in step.get("weitere") or []
        if isinstance(e, dict)
    ]
    return main, further


def register_entry(betrieb: dict[str, Any]) -> xm.RegisterEntry | None:
    number = str(betrieb.get("registernummer") or "").strip()
    if not number:
        return None
    kind = str(betrieb.get("register_art") or "")
    court = codes.court_find(str(betrieb.get("registergericht") or ""))
    return xm.RegisterEntry(
        kind=REGISTER_KIND.get(kind, kind or "B"),
        number=number,
        court_key=court.code if court else "",
        court_place=(court.name.removeprefix("Amtsgericht ") if court else "")
        or str(betrieb.get("registergericht") or ""),
    )


def _business(answers: dict[str, Any], persons: list[xm.Person]) -> xm.Business:
    betrieb = answers.get("betrieb") or {}
    staette = answers.get("betriebsstaette") or {}
    taetigkeit = answers.get("taetigkeit") or {}
    erlaubnisse = answers.get("erlaubnisse") or {}
    kinds = taetigkeit.get("betriebsart") or []
    legal = codes.LEGAL_FORMS.get(str(betrieb.get("rechtsform") or ""))
    permits = [
        xm.Permit(
            legal_basis=str(e.get("art") or ""),
            issued_by_name=str(e.get("behoerde") or ""),
            issued_on=_date(e.get("datum")),
        )
        for e in erlaubnisse.get("erlaubnisse") or []
        if isinstance(e, dict)
    ]
    if erlaubnisse.get("erlaubnis") == "beantragt":
        permits.append(xm.Permit(legal_basis="beantragt", status="2"))
    craft_card = None
    if erlaubnisse.get("handwerksrolle") in ("eingetragen", "beantragt"):
        craft_card = xm.IssuedDocument(
            status="1" if erlaubnisse.get("handwerksrolle") == "eingetragen" else "2",
            issued_by_name=str(erlaubnisse.get("handwerkskammer") or ""),
            issued_on=_date(erlaubnisse.get("handwerkskarte_datum")),
        )
    est = str(staette.get("niederlassung") or "1")
    business_address = address(staette.get("anschrift")) or xm.Address()
    return xm.Business(
        registered_name=str(betrieb.get("name") or ""),
        trade_name=str(staette.get("geschaeftsbezeichnung") or ""),
        legal_form=str(betrieb.get("rechtsform") or ""),
        register_entry=register_entry(betrieb),
        representatives_count=(
            sum(1 for p in persons if p.role != xm.PersonRole.BETRIEBSLEITER)
            if legal and legal.kind != "natural"
            else None
        ),
        public_participation=betrieb.get("oeffentliche_hand") == "ja",
        address=business_address,
        contacts=_contacts(staette.get("telefon"), staette.get("email"), staette.get("internet")),
        head_office=address(staette.get("hauptniederlassung")),
        previous_address=address((answers.get("grund") or {}).get("fruehere_anschrift")),
        side_business=taetigkeit.get("nebenerwerb") == "ja",
        industry="industrie" in kinds,
        craft="handwerk" in kinds,
        trade="handel" in kinds,
        other="sonstiges" in kinds,
        full_time_employees=taetigkeit.get("vollzeit"),
        part_time_employees=taetigkeit.get("teilzeit"),
        establishment=xm.Establishment(est)
        if est in ("1", "2", "3")
        else xm.Establishment.HAUPTNIEDERLASSUNG,
        itinerant=bool(staette.get("reisegewerbe")),
        vending_machines=bool(staette.get("automatenaufsteller")),
        craft_card=craft_card,
        permits=permits,
    )


def notification_from_answers(
    *,
    kind: xm.Kind | str,
    answers: dict[str, Any],
    municipality: Any,
    reference: str = "",
    business_id: str = "",
    reported_on: dt.date | None = None,
) -> xm.Gewerbeanzeige:
    """The canonical notification for the (validated) answers of one of the three services."""
    kind = xm.Kind(kind)
    persons = [
        person(e)
        for e in (answers.get("personen") or {}).get("personen") or []
        if isinstance(e, dict)
    ]
    taetigkeit = answers.get("taetigkeit") or {}
    main, further = activities(taetigkeit)
    grund = answers.get("grund") or {}
    today = reported_on or dt.date.today()
    change = closure = None
    previous_office = None
    reason = ""
    valid_from = _date(taetigkeit.get("beginn")) or today
    if kind == xm.Kind.ANMELDUNG:
        reason = str(grund.get("grund") or "01")
        if reason == xm.REASON_RELOCATION_FROM_OTHER_DISTRICT:
            previous_office = xm.Office(name=str(grund.get("frueheres_amt") or ""))
    elif kind == xm.Kind.UMMELDUNG:
        change_step = answers.get("aenderung") or {}
        reasons = [GEWA2_REASONS.get(r, r) for r in change_step.get("gruende") or []]
        change = xm.Change(
            reasons=reasons or ["05"],
            previous_address=address(change_step.get("alte_anschrift")),
            previous_activities=[xm.Activity(text=str(change_step.get("bisherige_taetigkeit")))]
            if change_step.get("bisherige_taetigkeit")
            else [],
            previous_name=str(change_step.get("bisheriger_name") or ""),
        )
        valid_from = _date(change_step.get("datum")) or valid_from
    else:
        aufgabe = answers.get("aufgabe") or {}
        closure = xm.Closure(
            reason=GEWA3_REASONS.get(str(aufgabe.get("grund") or "aufgabe"), "01"),
            cause=str(aufgabe.get("ursache") or ""),
            successor=xm.Successor(name=str(aufgabe.get("nachfolger")))
            if aufgabe.get("nachfolger")
            else None,
        )
        valid_from = _date(aufgabe.get("datum")) or today
    return xm.Gewerbeanzeige(
        kind=kind,
        uuid=str(uuid.uuid4()),
        business_id=business_id,
        message_number=reference,
        municipality_key=str(getattr(municipality, "ags", "") or ""),
        office=xm.Office(name=str(getattr(municipality, "name", "") or "")),
        business=_business(answers, persons),
        persons=persons,
        valid_from=valid_from,
        reported_on=today,
        main_activity=main,
        further_activities=further,
        registration_reason=reason,
        previous_office=previous_office,
        previous_trader=str(grund.get("frueherer_name") or ""),
        change=change,
        closure=closure,
    )


# --- reverse: a received message → answers of the matching service ------------------------------


def answers_from_notification(notification: xm.Gewerbeanzeige) -> dict[str, Any]:
    """Answers for the definition of the notification's kind (for incoming messages)."""
    b = notification.business
    entry = b.register_entry

    def contact(contacts: list[xm.Contact], channel: str) -> str:
        return next((c.value for c in contacts if c.channel == channel), "")

    persons = []
    for p in notification.persons:
        nationality = p.nationalities[0] if p.nationalities else ""
        found = codes.nationalities().get(nationality)
        herkunft = (
            "de" if nationality in ("", "000") else ("eu" if found and found.eu else "drittstaat")
        )
        item: dict[str, Any] = {
            "funktion": p.role.value,
            "familienname": p.family_name or p.legal_name,
            "vornamen": p.first_names,
            "doktorgrad": p.doctor_title or None,
            "geschlecht": p.gender or "4",
            "geburtsname": p.birth_name or None,
            "geburtsdatum": p.birth_date.isoformat() if p.birth_date else None,
            "geburtsort": p.birth_place,
            "geburtsland": p.birth_country,
            "herkunft": herkunft,
            "staatsangehoerigkeit": found.adjective if found and herkunft != "de" else None,
            "anschrift": form_address(p.address),
            "telefon": contact(p.contacts, xm.ContactChannel.TELEFON),
            "email": contact(p.contacts, xm.ContactChannel.EMAIL) or None,
        }
        if herkunft == "drittstaat" and p.residence_title:
            t = p.residence_title
            item.update(
                aufenthaltstitel_art="sonstige",
                aufenthaltstitel_behoerde=t.issued_by_name,
                aufenthaltstitel_datum=t.issued_on.isoformat() if t.issued_on else None,
                selbstaendig_erlaubt="ja" if t.self_employment_allowed else "nein",
            )
        persons.append(item)
    kinds = [
        k
        for k, flag in (
            ("industrie", b.industry),
            ("handwerk", b.craft),
            ("handel", b.trade),
            ("sonstiges", b.other),
        )
        if flag
    ] or ["sonstiges"]
    answers: dict[str, Any] = {
        "betrieb": {
            "rechtsform": b.legal_form,
            "name": b.registered_name or None,
            "register_art": REGISTER_TYPE.get(entry.kind, entry.kind) if entry else None,
            "registergericht": (entry.court_key or entry.court_place) if entry else None,
            "registernummer": entry.number if entry else None,
            "oeffentliche_hand": "ja" if b.public_participation else "nein",
        },
        "personen": {"personen": persons},
        "betriebsstaette": {
            "geschaeftsbezeichnung": b.trade_name or None,
            "anschrift": form_address(b.address),
            "telefon": contact(b.contacts, xm.ContactChannel.TELEFON) or None,
            "email": contact(b.contacts, xm.ContactChannel.EMAIL) or None,
            "niederlassung": b.establishment.value,
            "hauptniederlassung": form_address(b.head_office),
        },
        "taetigkeit": {
            "beschreibung": notification.main_activity.text,
            "wz_code": wz.display(notification.main_activity.wz_code)
            if notification.main_activity.wz_code
            else None,
            "weitere": [
                {"beschreibung": a.text, "wz_code": wz.display(a.wz_code) if a.wz_code else None}
                for a in notification.further_activities
            ],
            "nebenerwerb": "ja" if b.side_business else "nein",
            "beginn": notification.valid_from.isoformat(),
            "betriebsart": kinds,
            "vollzeit": b.full_time_employees or 0,
            "teilzeit": b.part_time_employees or 0,
        },
    }
    if notification.kind == xm.Kind.ANMELDUNG:
        answers["grund"] = {
            "grund": notification.registration_reason or "01",
            "frueherer_name": notification.previous_trader or None,
            "fruehere_anschrift": form_address(b.previous_address),
            "frueheres_amt": notification.previous_office.name
            if notification.previous_office
            else None,
        }
        answers["erlaubnisse"] = {
            "erlaubnis": "liegt_vor" if b.permits else "nein",
            "erlaubnisse": [
                {
                    "art": p.legal_basis,
                    "behoerde": p.issued_by_name,
                    "datum": p.issued_on.isoformat() if p.issued_on else None,
                }
                for p in b.permits
            ],
            "handwerksrolle": ("eingetragen" if b.craft_card.status == "1" else "beantragt")
            if b.craft_card
            else ("zulassungsfrei" if b.craft else None),
        }
    elif notification.kind == xm.Kind.UMMELDUNG and notification.change:
        back = {v: k for k, v in GEWA2_REASONS.items()}
        answers["aenderung"] = {
            "gruende": [back.get(r, "sonstige") for r in notification.change.reasons],
            "datum": notification.valid_from.isoformat(),
            "alte_anschrift": form_address(notification.change.previous_address),
            "bisheriger_name": notification.change.previous_name or None,
        }
    elif notification.kind == xm.Kind.ABMELDUNG and notification.closure:
        back = {v: k for k, v in GEWA3_REASONS.items()}
        answers["aufgabe"] = {
            "grund": back.get(notification.closure.reason, "aufgabe"),
            "datum": notification.valid_from.isoformat(),
            "nachfolger": notification.closure.successor.name
            if notification.closure.successor
            else None,
        }
    return answers
