"""Gewerbeanzeige → XGewerbeanzeige message for one recipient group.

Versioned: ``serializers`` maps a standard version to its serializer. 2.2 follows the element
structure, namespaces, order and code-list attributes of the official 2.2 sample instance
(``xgwa2.2-valid.xml``); XGewerbeordnung 1.6 is added as another class beside it (see
``docs/xgewerbeanzeige.md``).

Only what § 3 GewAnzV allows the recipient is written (``matrix.allowed``): every element is
guarded by the content key it carries. Cheap on purpose — one lxml tree, no re-parsing, code
lists resolved once at import.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from lxml import etree

from . import codelists as cl
from .errors import XGewerbeError
from .matrix import MATRIX, RecipientGroup, allowed
from .model import (
    Activity,
    Address,
    Contact,
    Gewerbeanzeige,
    IssuedDocument,
    Kind,
    Office,
    Person,
    PersonRole,
)

PRODUCT = "Rathaus"
PRODUCER = "Rathaus (Open Source)"
PRODUCT_VERSION = "1.0"


@dataclass(frozen=True, slots=True)
class Reader:
    """The addressee in the message header (``leser``): DVDV prefix + identifier."""

    name: str
    identifier: str
    prefix: str = "xga"
    list_uri: str = cl.WEITEREKOMMUNIKATIONSPARTNER.uri
    list_version: str = cl.WEITEREKOMMUNIKATIONSPARTNER.version


class MessageSerializer(Protocol):
    version: str
    namespace: str

    def serialize(
        self,
        notifications: Sequence[Gewerbeanzeige],
        *,
        recipient_group: RecipientGroup,
        reader: Reader,
        message_uuid: str,
        created_at: dt.datetime,
    ) -> bytes: ...


def _yn(value: bool) -> str:
    return "1" if value else "0"


class XGewerbeanzeige22:
    """XGewerbeanzeige 2.2 (namespace ``http://www.xgewerbeanzeige.de/spezifikation/2.2``)."""

    version = "2.2"
    namespace = "http://www.xgewerbeanzeige.de/spezifikation/2.2"

    # Code-list attributes exactly as the official 2.2 sample writes them; elements the 2.2
    # sample does not contain use the attributes of the 2.1 sample.
    CODE_ATTRS: dict[str, dict[str, str]] = {
        "nachrichtentyp": {},
        "praefix": {"listVersionID": cl.DVDV_PRAEFIX.version},
        "kanal": {},
        "istKorrektur": {},
        "gemeindeSchluessel": {"listVersionID": cl.AGS.version},
        "eintragungArt": {},
        "gerichtSchluessel": {"listVersionID": cl.REGISTERGERICHTE.version},
        "rechtsformSchluessel": {},
        "janein": {},
        "niederlassungArt": {},
        "status": {},
        "ausgestelltVonSchluessel": {},
        "nationSchluessel": {"listVersionID": cl.STAAT.version},
        "personFunktion": {},
        "geschlecht": {"listVersionID": cl.GESCHLECHT.version},
        "staatsangehoerigkeitSchluessel": {"listVersionID": cl.STAATSANGEHOERIGKEIT.version},
        "grundAnmeldungSchluessel": {},
        "grundUmmeldungSchluessel": {
            "listURI": cl.GRUNDUMMELDUNG.uri,
            "listVersionID": cl.GRUNDUMMELDUNG.version,
        },
        "grundAbmeldungSchluessel": {
            "listURI": cl.GRUNDABMELDUNG.uri,
            "listVersionID": cl.GRUNDABMELDUNG.version,
        },
        "ursacheAbmeldungSchluessel": {
            "listURI": cl.URSACHEABMELDUNG.uri,
            "listVersionID": cl.URSACHEABMELDUNG.version,
        },
    }

    def __init__(self) -> None:
        ns = self.namespace
        self._q: dict[str, str] = {}
        self._nsmap = {"xga": ns}
        self._ns = ns

    # --- low-level helpers -------------------------------------------------------------------

    def q(self, name: str) -> str:
        tag = self._q.get(name)
        if tag is None:
            tag = self._q[name] = f"{{{self._ns}}}{name}"
        return tag

    def _el(self, parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, self.q(name))
        if text is not None:
            element.text = text
        return element

    def _opt(self, parent: etree._Element, name: str, text: str | None) -> None:
        if text:
            etree.SubElement(parent, self.q(name)).text = text

    def _code(
        self,
        parent: etree._Element,
        name: str,
        code: str,
        attrs: dict[str, str] | None = None,
        *,
        attr_key: str | None = None,
    ) -> None:
        element = etree.SubElement(
            parent, self.q(name), attrs if attrs is not None else self.CODE_ATTRS[attr_key or name]
        )
        etree.SubElement(element, "code").text = code

    # --- parts ---------------------------------------------------------------------------------

    def _address(self, parent: etree._Element, address: Address, *, header: bool = False) -> None:
        el = self._el(parent, "anschrift")
        self._opt(el, "strasse", address.street)
        if header:
            self._opt(el, "hausNr", address.house_number)
        else:
            self._opt(el, "strassenschluessel", address.street_key)
            self._opt(el, "hausNrVon", address.house_number)
            self._opt(el, "hausNrBis", address.house_number_to)
            self._opt(el, "anschriftZusatz", address.addition)
        self._opt(el, "ort", address.city)
        if not header:
            self._opt(el, "ortsteil", address.district)
        self._opt(el, "plz", address.postcode)
        if not header and address.country:
            self._code(el, "nationSchluessel", address.country)

    def _contacts(self, parent: etree._Element, contacts: Sequence[Contact]) -> None:
        for contact in contacts:
            el = self._el(parent, "erreichbarkeit")
            self._code(el, "kanal", contact.channel)
            self._el(el, "kennung", contact.value)

    def _authority(
        self,
        parent: etree._Element,
        name: str,
        *,
        prefix: str,
        identifier: str,
        list_uri: str,
        list_version: str,
        address: Address | None = None,
        contacts: Sequence[Contact] = (),
    ) -> None:
        el = self._el(parent, name)
        kennung = self._el(el, "behoerdenkennung")
        self._code(kennung, "praefix", prefix)
        id_attrs = {"listURI": list_uri, "listVersionID": list_version} if list_uri else {}
        self._code(kennung, "kennung", identifier, id_attrs)
        self._contacts(el, contacts)
        if address is not None:
            self._address(el, address, header=True)

    def _office(self, parent: etree._Element, office: Office, ags: str) -> None:
        self._authority(
            parent,
            "autor",
            prefix="MELDID",
            identifier=office.ags or ags,
            list_uri=cl.AGS_HEADER.uri,
            list_version=cl.AGS_HEADER.version,
            address=office.address,
            contacts=office.contacts,
        )
        parent[-1].append(self._text_el("behoerdenname", office.name or ags))

    def _text_el(self, name: str, text: str) -> etree._Element:
        element = etree.Element(self.q(name))
        element.text = text
        return element

    def _document(self, parent: etree._Element, name: str, doc: IssuedDocument) -> None:
        el = self._el(parent, name)
        self._code(el, "status", doc.status)
        if doc.issued_on:
            self._el(el, "ausgestelltAm", doc.issued_on.isoformat())
        self._opt(el, "ausgestelltVonName", doc.issued_by_name)
        self._opt(el, "ausgestelltVonPLZ", doc.issued_by_postcode)
        self._opt(el, "ausgestelltVonOrt", doc.issued_by_place)
        if doc.issued_by_key:
            self._code(el, "ausgestelltVonSchluessel", doc.issued_by_key)

    def _person(self, parent: etree._Element, person: Person, keys: frozenset[str]) -> None:
        if person.role == PersonRole.BETRIEBSLEITER and "representative" not in keys:
            return
        person_keys = {k for k in keys if k.startswith("person.")} | ({"residence_title"} & keys)
        if not person_keys:
            return
        el = self._el(parent, "beteiligtePerson")
        self._code(el, "personFunktion", person.role.value)
        if "person.first_names" in keys:
            self._opt(el, "doktorgrad", person.doctor_title)
        if "person.family_name" in keys:
            self._opt(el, "familienname", person.legal_name or person.family_name)
        if "person.first_names" in keys:
            self._opt(el, "vorname", person.first_names)
        if "person.gender" in keys and person.gender:
            self._code(el, "geschlecht", person.gender)
        if "person.birth_name" in keys:
            self._opt(el, "geburtsname", person.birth_name)
        if "person.birth_date" in keys and person.birth_date:
            self._el(el, "geburtsdatum", person.birth_date.strftime("%d%m%Y"))
        if "person.birth_place" in keys:
            self._opt(el, "geburtsort", person.birth_place)
            self._opt(el, "geburtsland", person.birth_country)
        if "person.nationality" in keys and person.nationalities:
            nat = self._el(el, "staatangehoerigkeiten")
            for code in person.nationalities:
                self._code(nat, "staatsangehoerigkeitSchluessel", code)
        if "person.address" in keys:
            if person.address is not None:
                self._address(el, person.address)
            self._contacts(el, person.contacts)
        if "residence_title" in keys and person.residence_title is not None:
            self._document(el, "aufenthaltstitel", person.residence_title)

    def _activity(self, parent: etree._Element, activity: Activity, *, main: bool) -> None:
        el = self._el(parent, "schwerpunkt" if main else "taetigkeit")
        self._opt(el, "taetigkeitSchwerpunkt" if main else "taetigkeitEinzeln", activity.text)
        self._opt(el, "taetigkeitSchluessel", activity.wz_code)
        self._opt(el, "stichwort", activity.keyword)
        if activity.newly_exercised is not None:
            self._code(el, "neuAusgeuebt", _yn(activity.newly_exercised), attr_key="janein")

    def _gewerbe(self, parent: etree._Element, n: Gewerbeanzeige, keys: frozenset[str]) -> None:
        b = n.business
        gewerbe = self._el(parent, "gewerbe")
        betrieb = self._el(gewerbe, "betrieb")
        self._el(betrieb, "ID", "1")
        if "name" in keys:
            self._opt(betrieb, "eingetragenerName", b.registered_name)
        if "trade_name" in keys:
            self._opt(betrieb, "geschaeftsbezeichnung", b.trade_name)
        if "register" in keys and b.register_entry is not None:
            reg = b.register_entry
            self._opt(betrieb, "eintragungNr", reg.number)
            self._opt(betrieb, "eintragungOrt", reg.court_place)
            self._opt(betrieb, "eintragungPLZ", reg.court_postcode)
            self._code(betrieb, "eintragungArt", reg.kind)
            if reg.court_key:
                self._code(betrieb, "gerichtSchluessel", reg.court_key)
        if "name" in keys:
            self._code(betrieb, "rechtsformSchluessel", b.legal_form)
        if "employees" in keys:
            if b.full_time_employees is not None:
                self._el(gewerbe, "anzahlVollzeitBeschaeftigte", str(b.full_time_employees))
            if b.part_time_employees is not None:
                self._el(gewerbe, "anzahlTeilzeitBeschaeftigte", str(b.part_time_employees))
        if "business_type" in keys:
            art = self._el(gewerbe, "betriebArt")
            for name, flag in (
                ("industrie", b.industry),
                ("handwerk", b.craft),
                ("handel", b.trade),
                ("sonstiges", b.other),
            ):
                self._code(art, name, _yn(flag), attr_key="janein")
        if "establishment" in keys:
            self._code(gewerbe, "niederlassungArt", b.establishment.value)
        if "itinerant" in keys:
            self._code(gewerbe, "istReisegewerbe", _yn(b.itinerant), attr_key="janein")
        if "side_business" in keys:
            self._code(gewerbe, "istNebenerwerb", _yn(b.side_business), attr_key="janein")
        if "permits" in keys:
            # [I] not in the official samples: modelled like handwerkskarte/aufenthaltstitel.
            for permit in b.permits:
                self._document(gewerbe, "erlaubnis", permit)
                self._el(gewerbe[-1], "rechtsgrundlage", permit.legal_basis)
        if "craft_card" in keys and b.craft_card is not None:
            self._document(gewerbe, "handwerkskarte", b.craft_card)
        if "address" in keys:
            if not b.address.is_empty:
                self._address(gewerbe, b.address)
            self._contacts(gewerbe, b.contacts)
        if "head_office" in keys and b.head_office is not None:
            head = self._el(gewerbe, "hauptniederlassung")
            self._address(head, b.head_office)
            self._contacts(head, b.head_office_contacts)
        for person in n.persons:
            self._person(gewerbe, person, keys)
        if "public_participation" in keys:
            self._code(
                gewerbe,
                "beteiligungOeffentlicheHand",
                _yn(b.public_participation),
                attr_key="janein",
            )

    def _satz(self, root: etree._Element, n: Gewerbeanzeige, group: RecipientGroup) -> None:
        keys = allowed(group, n.kind)
        if not keys:
            raise XGewerbeError(
                f"Die Empfängergruppe „{MATRIX[group].label}“ erhält keine {n.kind.value}."
            )
        satz = self._el(root, "satz")
        rec = self._el(satz, n.kind.value)
        if n.created_at:
            self._el(rec, "satzErstellung", n.created_at.isoformat())
        if n.event_at:
            self._el(rec, "ereigniszeitpunkt", n.event_at.isoformat())
        self._office(rec, n.office, n.municipality_key)
        self._code(rec, "istKorrektur", _yn(n.is_correction))
        self._code(rec, "gemeindeSchluessel", n.municipality_key)
        self._opt(rec, "gemeindeZusatz", n.municipality_suffix)
        self._opt(rec, "gemeindeMeldungNr", n.message_number)
        self._opt(rec, "gewerbebetriebID", n.business_id)
        self._el(rec, "uuid", n.uuid)
        self._gewerbe(rec, n, keys)
        if "valid_from" in keys:
            self._el(rec, "gueltigAb", n.valid_from.isoformat())
        self._el(rec, "datumMeldung", n.reported_on.isoformat())
        if "activities" in keys and (n.main_activity.text or n.main_activity.wz_code):
            total = self._el(rec, "taetigkeitenGesamt")
            self._activity(total, n.main_activity, main=True)
            summary = n.summary_of_further_activities
            if summary or n.further_activities:
                further = self._el(total, "weitereTaetigkeiten")
                self._opt(further, "taetigkeitenZusammengefasst", summary)
                for activity in n.further_activities:
                    self._activity(further, activity, main=False)
        if n.kind == Kind.ANMELDUNG:
            if "reason" in keys:
                self._code(rec, "grundAnmeldungSchluessel", n.registration_reason)
        elif n.kind == Kind.UMMELDUNG:
            if "reason" in keys and n.change is not None:
                reasons = self._el(rec, "gruendeUmmeldung")
                for code in n.change.reasons:
                    self._code(reasons, "grundUmmeldungSchluessel", code)
        elif n.closure is not None:
            successor = n.closure.successor
            if "successor" in keys and successor is not None:
                el = self._el(rec, "kuenftigesGewerbe")
                self._el(el, "nameFirmaGewerbetreibender", successor.name)
                if successor.address is not None:
                    self._address(el, successor.address)
            if "reason" in keys:
                self._code(rec, "grundAbmeldungSchluessel", n.closure.reason)
            if "closure_cause" in keys and n.closure.cause:
                self._code(rec, "ursacheAbmeldungSchluessel", n.closure.cause)

    # --- message -------------------------------------------------------------------------------

    def serialize(
        self,
        notifications: Sequence[Gewerbeanzeige],
        *,
        recipient_group: RecipientGroup,
        reader: Reader,
        message_uuid: str,
        created_at: dt.datetime,
    ) -> bytes:
        if not notifications:
            raise XGewerbeError("Eine Nachricht braucht mindestens eine Gewerbeanzeige.")
        row = MATRIX[recipient_group]
        root = etree.Element(
            self.q(row.message),
            {
                "produkt": PRODUCT,
                "produkthersteller": PRODUCER,
                "produktversion": PRODUCT_VERSION,
                "standard": "XGewerbeanzeige",
                "version": self.version,
            },
            nsmap=self._nsmap,
        )
        head = self._el(root, "nachrichtenkopf")
        ident = self._el(head, "identifikation.nachricht")
        self._el(ident, "nachrichtenUUID", message_uuid)
        self._code(ident, "nachrichtentyp", row.message_code)
        self._el(ident, "erstellungszeitpunkt", created_at.isoformat())
        self._authority(
            head,
            "leser",
            prefix=reader.prefix,
            identifier=reader.identifier,
            list_uri=reader.list_uri,
            list_version=reader.list_version,
        )
        head[-1].append(self._text_el("behoerdenname", reader.name))
        first = notifications[0]
        self._office(head, first.office, first.municipality_key)
        for notification in notifications:
            self._satz(root, notification, recipient_group)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


serializers: dict[str, MessageSerializer] = {"2.2": XGewerbeanzeige22()}

DEFAULT_VERSION = "2.2"


def default_reader(group: RecipientGroup) -> Reader:
    return Reader(name=MATRIX[group].label, identifier="000000000000")


def serialize_batch(
    notifications: Sequence[Gewerbeanzeige],
    *,
    recipient_group: RecipientGroup | str,
    version: str = DEFAULT_VERSION,
    reader: Reader | None = None,
    message_uuid: str | None = None,
    created_at: dt.datetime | None = None,
) -> bytes:
    """One message with one ``satz`` per notification (the monthly statistics message)."""
    try:
        serializer = serializers[version]
    except KeyError:
        raise XGewerbeError(
            f"Version {version} von XGewerbeanzeige wird nicht unterstützt."
        ) from None
    group = RecipientGroup(recipient_group)
    return serializer.serialize(
        notifications,
        recipient_group=group,
        reader=reader or default_reader(group),
        message_uuid=message_uuid or str(uuidlib.uuid4()),
        created_at=created_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
    )


def serialize(
    notification: Gewerbeanzeige,
    *,
    recipient_group: RecipientGroup | str,
    version: str = DEFAULT_VERSION,
    reader: Reader | None = None,
    message_uuid: str | None = None,
    created_at: dt.datetime | None = None,
) -> bytes:
    """The message for one recipient group, containing only what § 3 GewAnzV allows it."""
    return serialize_batch(
        [notification],
        recipient_group=recipient_group,
        version=version,
        reader=reader,
        message_uuid=message_uuid,
        created_at=created_at,
    )
