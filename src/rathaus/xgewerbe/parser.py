"""XGewerbeanzeige message → Gewerbeanzeige, safely.

Incoming XML is untrusted. It is first checked with defusedxml (any DTD, entity declaration or
external reference is refused: no billion laughs, no XXE), then parsed with an lxml parser that
resolves no entities, never touches the network and refuses huge trees. Every problem becomes an
``XGewerbeError`` with a German message naming the element and line.

Reads XGewerbeanzeige 2.0, 2.1 and 2.2 (same structure, different namespace; 2.0/2.1 write
``nationSchluessel`` as text). Besides well-formedness the parser checks what the official
schema and Schematron rules check that matters for the content (see ``docs/xgewerbeanzeige.md``
for the list and for what is not checked): required elements, code values against the code
lists, the message type matching the root element, and elements only allowed in some messages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from lxml import etree
from pydantic import ValidationError

from . import codelists as cl
from .errors import XGewerbeError
from .matrix import MATRIX, RecipientGroup, allowed
from .model import (
    Activity,
    Address,
    Business,
    Change,
    Closure,
    Contact,
    Establishment,
    Gewerbeanzeige,
    IssuedDocument,
    Kind,
    Office,
    Permit,
    Person,
    PersonRole,
    RegisterEntry,
    ResidenceTitle,
    Successor,
)

NAMESPACES = {
    "http://www.xgewerbeanzeige.de/spezifikation/2.0": "2.0",
    "http://www.xgewerbeanzeige.de/spezifikation/2.1": "2.1",
    "http://www.xgewerbeanzeige.de/spezifikation/2.2": "2.2",
}
DATML_NAMESPACE = "http://www.destatis.de/schema/datml-raw/2.0/de"
MAX_BYTES = 5 * 1024 * 1024

ROOTS: dict[str, tuple[RecipientGroup, ...]] = {}
for _group, _row in MATRIX.items():
    ROOTS.setdefault(_row.message, ())
    ROOTS[_row.message] += (_group,)

_ROOT_RE = re.compile(r"^([a-z]+)\.gewerbemeldung\.(\d{4})$")
_GENDERS = frozenset({"0", "1", "2", "3", "4", "X", "D"})


@dataclass
class ParsedMessage:
    version: str
    message: str  # root element name
    message_uuid: str
    groups: tuple[RecipientGroup, ...]
    reader_name: str
    reader_identifier: str
    notifications: list[Gewerbeanzeige] = field(default_factory=list)


_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    huge_tree=False,
    load_dtd=False,
    dtd_validation=False,
    remove_comments=True,
    remove_pis=True,
)


def _load(xml: bytes) -> etree._Element:
    if not isinstance(xml, bytes | bytearray):
        raise XGewerbeError("Die Nachricht muss als Bytes übergeben werden.")
    if len(xml) > MAX_BYTES:
        raise XGewerbeError("Die Nachricht ist zu groß (mehr als 5 MB).")
    if not xml.strip():
        raise XGewerbeError("Die Nachricht ist leer.")
    try:
        defused_fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise XGewerbeError(
            "Die Nachricht enthält eine DTD oder Entity-Deklaration; solche Nachrichten werden "
            f"aus Sicherheitsgründen abgewiesen ({exc.__class__.__name__})."
        ) from None
    except SyntaxError as exc:  # ParseError (expat) is a SyntaxError
        line = getattr(exc, "position", (None,))[0]
        raise XGewerbeError(
            f"Die Nachricht ist kein wohlgeformtes XML (Zeile {line}).", line=line
        ) from None
    try:
        root = etree.fromstring(bytes(xml), parser=_SAFE_PARSER)
    except etree.XMLSyntaxError as exc:
        raise XGewerbeError(
            f"Die Nachricht ist kein wohlgeformtes XML (Zeile {exc.lineno}): {exc.msg}",
            line=exc.lineno,
        ) from None
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise XGewerbeError("Die Nachricht enthält eine DTD; sie wird abgewiesen.")
    return root


class _Reader:
    """Navigation in one message; every lookup knows the namespace of the message's version."""

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self._tags: dict[str, str] = {}

    def tag(self, name: str) -> str:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = f"{{{self.ns}}}{name}"
        return tag

    def find(self, el: etree._Element, name: str) -> etree._Element | None:
        return el.find(self.tag(name))

    def findall(self, el: etree._Element, name: str) -> list[etree._Element]:
        return el.findall(self.tag(name))

    def need(self, el: etree._Element, name: str, where: str = "") -> etree._Element:
        child = self.find(el, name)
        if child is None:
            local = etree.QName(el).localname
            raise XGewerbeError(
                f"Pflichtelement <{name}> fehlt in <{local}>{where} (Zeile {el.sourceline}).",
                element=name,
                line=_line(el),
            )
        return child

    def text(self, el: etree._Element | None, name: str) -> str:
        if el is None:
            return ""
        child = self.find(el, name)
        if child is None or child.text is None:
            return ""
        return child.text.strip()

    def code(self, el: etree._Element | None, name: str) -> str:
        """The code of a code element (``<x><code>…</code></x>``; 2.0/2.1 nation keys as text)."""
        if el is None:
            return ""
        child = self.find(el, name)
        if child is None:
            return ""
        code = child.find("code")
        value = code.text if code is not None else child.text
        return (value or "").strip()

    def code_el(self, el: etree._Element, name: str) -> etree._Element | None:
        return self.find(el, name)


def _line(el: etree._Element) -> int | None:
    line = el.sourceline
    return line if isinstance(line, int) else None


def _fail(el: etree._Element, message: str) -> XGewerbeError:
    local = etree.QName(el).localname
    return XGewerbeError(
        f"{message} (Element <{local}>, Zeile {el.sourceline}).",
        element=local,
        line=_line(el),
    )


def _check_code(
    r: _Reader, parent: etree._Element | None, name: str, valid: object, what: str
) -> str:
    if parent is None:
        return ""
    value = r.code(parent, name)
    if not value:
        return ""
    ok = valid(value) if callable(valid) else value in valid  # type: ignore[operator]
    if not ok:
        element = r.find(parent, name)
        assert element is not None
        raise _fail(element, f"Unbekannter Schlüssel „{value}“ für {what}")
    return value


def _yn(r: _Reader, parent: etree._Element | None, name: str) -> bool:
    return _check_code(r, parent, name, ("0", "1"), "ja/nein") == "1"


def _date(r: _Reader, parent: etree._Element, name: str, *, required: bool = False) -> dt.date:
    el = r.need(parent, name) if required else r.find(parent, name)
    if el is None or not (el.text or "").strip():
        return dt.date(1, 1, 1)
    value = (el.text or "").strip()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(el, f"Ungültiges Datum „{value}“") from None


def _datetime(r: _Reader, parent: etree._Element, name: str) -> dt.datetime | None:
    el = r.find(parent, name)
    if el is None or not (el.text or "").strip():
        return None
    value = (el.text or "").strip()
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise _fail(el, f"Ungültiger Zeitpunkt „{value}“") from None


def _birth_date(r: _Reader, person: etree._Element) -> dt.date | None:
    el = r.find(person, "geburtsdatum")
    if el is None or not (el.text or "").strip():
        return None
    value = (el.text or "").strip()
    try:
        if len(value) == 8 and value.isdigit():
            return dt.date(int(value[4:]), int(value[2:4]), int(value[:2]))
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _fail(el, f"Ungültiges Geburtsdatum „{value}“") from None


def _address(r: _Reader, el: etree._Element | None) -> Address | None:
    if el is None:
        return None
    country = _check_code(
        r, el, "nationSchluessel", lambda v: len(v) == 3 and v.isdigit(), "den Staat"
    )
    return Address(
        street=r.text(el, "strasse"),
        street_key=r.text(el, "strassenschluessel"),
        house_number=r.text(el, "hausNrVon") or r.text(el, "hausNr"),
        house_number_to=r.text(el, "hausNrBis"),
        addition=r.text(el, "anschriftZusatz"),
        postcode=r.text(el, "plz"),
        city=r.text(el, "ort"),
        district=r.text(el, "ortsteil"),
        country=country,
    )


def _contacts(r: _Reader, el: etree._Element) -> list[Contact]:
    return [
        Contact(channel=r.code(c, "kanal"), value=r.text(c, "kennung"))
        for c in r.findall(el, "erreichbarkeit")
    ]


def _document(r: _Reader, el: etree._Element, cls: type[IssuedDocument], **extra: object) -> object:
    issued = r.find(el, "ausgestelltAm")
    return cls(
        status=r.code(el, "status") or "1",
        issued_on=_date(r, el, "ausgestelltAm") if issued is not None else None,
        issued_by_name=r.text(el, "ausgestelltVonName"),
        issued_by_postcode=r.text(el, "ausgestelltVonPLZ"),
        issued_by_place=r.text(el, "ausgestelltVonOrt"),
        issued_by_key=r.code(el, "ausgestelltVonSchluessel"),
        **extra,
    )


def _activity(r: _Reader, el: etree._Element, *, main: bool) -> Activity:
    code = r.text(el, "taetigkeitSchluessel")
    if code and code not in cl.wz2008():
        target = r.find(el, "taetigkeitSchluessel")
        assert target is not None
        raise _fail(target, f"„{code}“ ist kein Schlüssel der WZ 2008")
    neu = r.find(el, "neuAusgeuebt")
    return Activity(
        text=r.text(el, "taetigkeitSchwerpunkt" if main else "taetigkeitEinzeln"),
        wz_code=code,
        keyword=r.text(el, "stichwort"),
        newly_exercised=_yn(r, el, "neuAusgeuebt") if neu is not None else None,
    )


def _person(r: _Reader, el: etree._Element, keys: frozenset[str]) -> Person:
    role = _check_code(
        r, el, "personFunktion", {role.value for role in PersonRole}, "die Funktion der Person"
    )
    if "person.family_name" in keys and role != PersonRole.BETRIEBSLEITER:
        r.need(el, "familienname", " einer beteiligten Person")
    nationalities: list[str] = []
    nat = r.find(el, "staatangehoerigkeiten")
    if nat is not None:
        known = cl.nationalities()
        for item in r.findall(nat, "staatsangehoerigkeitSchluessel"):
            code_el = item.find("code")
            code = ((code_el.text if code_el is not None else item.text) or "").strip()
            if code not in known:
                raise _fail(item, f"Unbekannter Schlüssel „{code}“ für die Staatsangehörigkeit")
            nationalities.append(code)
    title = r.find(el, "aufenthaltstitel")
    return Person(
        role=PersonRole(role or "1"),
        doctor_title=r.text(el, "doktorgrad"),
        family_name=r.text(el, "familienname"),
        first_names=r.text(el, "vorname"),
        gender=_check_code(r, el, "geschlecht", _GENDERS, "das Geschlecht"),
        birth_name=r.text(el, "geburtsname"),
        birth_date=_birth_date(r, el),
        birth_place=r.text(el, "geburtsort"),
        birth_country=r.text(el, "geburtsland"),
        nationalities=nationalities,
        address=_address(r, r.find(el, "anschrift")),
        contacts=_contacts(r, el),
        residence_title=(
            _document(r, title, ResidenceTitle)  # type: ignore[arg-type]
            if title is not None
            else None
        ),
    )


def _business(r: _Reader, gewerbe: etree._Element, keys: frozenset[str]) -> Business:
    betrieb = r.need(gewerbe, "betrieb")
    if "name" in keys:
        r.need(betrieb, "rechtsformSchluessel")
    legal_form = _check_code(
        r, betrieb, "rechtsformSchluessel", cl.is_known_legal_form, "die Rechtsform"
    )
    register = None
    if r.find(betrieb, "eintragungNr") is not None:
        court = _check_code(r, betrieb, "gerichtSchluessel", cl.courts(), "das Registergericht")
        register = RegisterEntry(
            kind=_check_code(
                r, betrieb, "eintragungArt", ("A", "B", "G", "P", "V", "S"), "die Registerart"
            ),
            number=r.text(betrieb, "eintragungNr"),
            court_key=court,
            court_place=r.text(betrieb, "eintragungOrt"),
            court_postcode=r.text(betrieb, "eintragungPLZ"),
        )
    if "business_type" in keys:
        r.need(gewerbe, "betriebArt")
    if "address" in keys:
        r.need(gewerbe, "anschrift", " (Anschrift der Betriebsstätte)")
    art = r.find(gewerbe, "betriebArt")

    def count(name: str) -> int | None:
        value = r.text(gewerbe, name)
        if not value:
            return None
        if not value.isdigit():
            target = r.find(gewerbe, name)
            assert target is not None
            raise _fail(target, f"„{value}“ ist keine Anzahl")
        return int(value)

    head = r.find(gewerbe, "hauptniederlassung")
    craft = r.find(gewerbe, "handwerkskarte")
    permits = [
        _document(r, p, Permit, legal_basis=r.text(p, "rechtsgrundlage"))
        for p in r.findall(gewerbe, "erlaubnis")
    ]
    establishment = _check_code(
        r, gewerbe, "niederlassungArt", {e.value for e in Establishment}, "die Niederlassungsart"
    )
    return Business(
        registered_name=r.text(betrieb, "eingetragenerName"),
        trade_name=r.text(betrieb, "geschaeftsbezeichnung"),
        legal_form=legal_form,
        register_entry=register,
        public_participation=_yn(r, gewerbe, "beteiligungOeffentlicheHand"),
        address=_address(r, r.find(gewerbe, "anschrift")) or Address(country=""),
        contacts=_contacts(r, gewerbe),
        head_office=_address(r, r.find(head, "anschrift")) if head is not None else None,
        head_office_contacts=_contacts(r, head) if head is not None else [],
        side_business=_yn(r, gewerbe, "istNebenerwerb"),
        industry=_yn(r, art, "industrie"),
        craft=_yn(r, art, "handwerk"),
        trade=_yn(r, art, "handel"),
        other=_yn(r, art, "sonstiges"),
        full_time_employees=count("anzahlVollzeitBeschaeftigte"),
        part_time_employees=count("anzahlTeilzeitBeschaeftigte"),
        establishment=Establishment(establishment or "1"),
        itinerant=_yn(r, gewerbe, "istReisegewerbe"),
        craft_card=_document(r, craft, IssuedDocument) if craft is not None else None,  # type: ignore[arg-type]
        permits=permits,  # type: ignore[arg-type]
    )


def _office(r: _Reader, el: etree._Element | None) -> Office:
    if el is None:
        return Office()
    kennung = r.find(el, "behoerdenkennung")
    anschrift = r.find(el, "anschrift")
    return Office(
        name=r.text(el, "behoerdenname"),
        ags=r.code(kennung, "kennung"),
        address=_address(r, anschrift),
        contacts=_contacts(r, el),
    )


def _record(r: _Reader, rec: etree._Element, groups: tuple[RecipientGroup, ...]) -> Gewerbeanzeige:
    kind = Kind(etree.QName(rec).localname)
    # What every recipient of this message type must have received (the alg message serves
    # several groups: only what all of them get is required).
    keys = frozenset.intersection(*(allowed(g, kind) for g in groups))
    r.need(rec, "satzErstellung")
    r.need(rec, "uuid")
    r.need(rec, "gemeindeSchluessel")
    r.need(rec, "datumMeldung")
    gewerbe = r.need(rec, "gewerbe")
    if "valid_from" in keys:
        r.need(rec, "gueltigAb")
    total = r.find(rec, "taetigkeitenGesamt")
    if "activities" in keys:
        total = r.need(rec, "taetigkeitenGesamt")
        r.need(total, "schwerpunkt")
    ags = _check_code(
        r,
        rec,
        "gemeindeSchluessel",
        lambda v: len(v) == 8 and v.isdigit(),
        "den Gemeindeschlüssel (8 Ziffern)",
    )
    main = Activity(text="")
    further: list[Activity] = []
    further_text = ""
    if total is not None:
        schwerpunkt = r.find(total, "schwerpunkt")
        if schwerpunkt is not None:
            main = _activity(r, schwerpunkt, main=True)
        weitere = r.find(total, "weitereTaetigkeiten")
        if weitere is not None:
            further_text = r.text(weitere, "taetigkeitenZusammengefasst")
            further = [_activity(r, t, main=False) for t in r.findall(weitere, "taetigkeit")]
    registration_reason = ""
    change = None
    closure = None
    if kind == Kind.ANMELDUNG:
        if "reason" in keys:
            r.need(rec, "grundAnmeldungSchluessel")
        registration_reason = r.code(rec, "grundAnmeldungSchluessel")
    elif kind == Kind.UMMELDUNG:
        reasons_el = r.find(rec, "gruendeUmmeldung")
        if "reason" in keys and reasons_el is None:
            r.need(rec, "gruendeUmmeldung")
        reasons = []
        if reasons_el is not None:
            reasons = [
                ((c.text or "").strip() if (c := item.find("code")) is not None else "")
                for item in r.findall(reasons_el, "grundUmmeldungSchluessel")
            ]
        change = Change(reasons=reasons)
    else:
        if "reason" in keys:
            r.need(rec, "grundAbmeldungSchluessel")
        successor_el = r.find(rec, "kuenftigesGewerbe")
        successor = None
        if successor_el is not None and r.text(successor_el, "nameFirmaGewerbetreibender"):
            successor = Successor(
                name=r.text(successor_el, "nameFirmaGewerbetreibender"),
                address=_address(r, r.find(successor_el, "anschrift")),
            )
        closure = Closure(
            reason=r.code(rec, "grundAbmeldungSchluessel"),
            cause=r.code(rec, "ursacheAbmeldungSchluessel"),
            successor=successor,
        )
    return Gewerbeanzeige(
        kind=kind,
        uuid=r.text(rec, "uuid"),
        business_id=r.text(rec, "gewerbebetriebID"),
        message_number=r.text(rec, "gemeindeMeldungNr"),
        municipality_key=ags,
        municipality_suffix=r.text(rec, "gemeindeZusatz"),
        office=_office(r, r.find(rec, "autor")),
        is_correction=_yn(r, rec, "istKorrektur"),
        created_at=_datetime(r, rec, "satzErstellung"),
        event_at=_datetime(r, rec, "ereigniszeitpunkt"),
        business=_business(r, gewerbe, keys),
        persons=[_person(r, p, keys) for p in r.findall(gewerbe, "beteiligtePerson")],
        valid_from=_date(r, rec, "gueltigAb"),
        reported_on=_date(r, rec, "datumMeldung", required=True),
        main_activity=main,
        further_activities=further,
        further_activities_text=further_text,
        registration_reason=registration_reason,
        change=change,
        closure=closure,
    )


def parse_message(xml: bytes) -> ParsedMessage:
    """Every record of a message, with the header information."""
    root = _load(xml)
    qname = etree.QName(root)
    if qname.namespace == DATML_NAMESPACE:
        raise _fail(
            root,
            "XGewerbeanzeige 1.3 (DatML-RAW) wird nicht mehr angenommen; bitte mindestens "
            "Version 2.0 senden",
        )
    version = NAMESPACES.get(qname.namespace or "")
    if version is None:
        raise _fail(
            root,
            f"Keine XGewerbeanzeige-Nachricht: unbekanntes Wurzelelement „{qname.localname}“"
            + (f" im Namensraum {qname.namespace}" if qname.namespace else ""),
        )
    match = _ROOT_RE.match(qname.localname)
    groups = ROOTS.get(qname.localname)
    if match is None or groups is None:
        raise _fail(root, f"Unbekannter Nachrichtentyp „{qname.localname}“")
    r = _Reader(qname.namespace or "")
    head = r.need(root, "nachrichtenkopf")
    ident = r.need(head, "identifikation.nachricht")
    message_uuid = r.text(ident, "nachrichtenUUID")
    if not message_uuid:
        r.need(ident, "nachrichtenUUID")
    type_code = r.code(r.need(ident, "nachrichtentyp"), "code") or r.code(ident, "nachrichtentyp")
    if type_code != match.group(2):
        raise _fail(
            ident,
            f"Nachrichtentyp {type_code} passt nicht zum Wurzelelement {qname.localname}",
        )
    reader = r.need(head, "leser")
    r.need(head, "autor")
    for child in root:
        local = etree.QName(child).localname
        if local == "berichtszeitraum" and groups != (RecipientGroup.STATISTIK,):
            raise _fail(child, "<berichtszeitraum> ist nur in Statistik-Nachrichten erlaubt")
        if local not in ("nachrichtenkopf", "berichtszeitraum", "satz"):
            raise _fail(child, f"Unerwartetes Element <{local}> in der Nachricht")
    saetze = r.findall(root, "satz")
    if not saetze:
        r.need(root, "satz")
    notifications = []
    for satz in saetze:
        records = [c for c in satz if etree.QName(c).localname in {k.value for k in Kind}]
        if len(records) != 1:
            raise _fail(satz, "Ein <satz> muss genau eine An-, Um- oder Abmeldung enthalten")
        try:
            notifications.append(_record(r, records[0], groups))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise _fail(records[0], f"Ungültiger Inhalt der Meldung ({problems})") from None
    return ParsedMessage(
        version=version,
        message=qname.localname,
        message_uuid=message_uuid,
        groups=groups,
        reader_name=r.text(reader, "behoerdenname"),
        reader_identifier=r.code(r.find(reader, "behoerdenkennung"), "kennung"),
        notifications=notifications,
    )


def parse(xml: bytes) -> Gewerbeanzeige:
    """The one notification of a message. Raises ``XGewerbeError`` for anything invalid (also
    for a message with several records: use ``parse_message`` for those)."""
    message = parse_message(xml)
    if len(message.notifications) != 1:
        raise XGewerbeError(
            f"Die Nachricht enthält {len(message.notifications)} Meldungen; erwartet wurde eine."
        )
    return message.notifications[0]
