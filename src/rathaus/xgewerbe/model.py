"""The canonical trade notification (Gewerbeanzeige): one registration, change or closure.

One pydantic model covers the three official forms of the GewAnzV (Anlage 1 GewA1 =
Anmeldung, Anlage 2 GewA2 = Ummeldung, Anlage 3 GewA3 = Abmeldung) and the content of an
XGewerbeanzeige 2.2 message. The serializer turns it into the message for one recipient group,
the parser reads a message back into it, the trade app maps form answers onto it.

Field numbers in the descriptions ("GewA1 Nr. 18") are the numbers of the official forms; the
same numbers are what § 3 GewAnzV uses to say which recipient may see what (see ``matrix``).
Numbers marked [I] are inferred (the Anlagen are published as images only) — see
``docs/xgewerbeanzeige.md``. Code values are the codes of the XGewerbeanzeige code lists
(as strings, exactly as in the message), so they survive a round trip unchanged.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Kind(StrEnum):
    """Meldungsart: which form and which ``satz`` child element."""

    ANMELDUNG = "anmeldung"  # GewA1
    UMMELDUNG = "ummeldung"  # GewA2
    ABMELDUNG = "abmeldung"  # GewA3


class Establishment(StrEnum):
    """Art der Niederlassung (code list ``artderniederlassung``), GewA1 Nr. 23 / GewA3 Nr. 23."""

    HAUPTNIEDERLASSUNG = "1"
    ZWEIGNIEDERLASSUNG = "2"
    UNSELBSTAENDIGE_ZWEIGSTELLE = "3"


class PersonRole(StrEnum):
    """Funktion einer Person (code list ``funktioneinerperson``) [I: 1 and 3 are in the official
    samples; 2 and 4 follow the form's wording]."""

    INHABER = "1"  # Betriebsinhaber / Einzelunternehmer (GewA1 Nr. 3)
    GESELLSCHAFTER = "2"  # geschäftsführender Gesellschafter einer Personengesellschaft
    GESETZLICHER_VERTRETER = "3"  # gesetzlicher Vertreter / Geschäftsführer einer jur. Person
    BETRIEBSLEITER = "4"  # vertretungsberechtigte Person / Betriebsleiter (GewA1 Nr. 11)


class ContactChannel(StrEnum):
    """Erreichbarkeit (XÖV code list ``erreichbarkeit``)."""

    EMAIL = "01"
    TELEFON = "02"
    MOBIL = "03"
    FAX = "04"
    WEB = "09"


#: Grund der Anmeldung (code list ``grundfueranmeldung``), GewA1 Nr. 25 [I for 03–06].
REGISTRATION_REASONS: dict[str, str] = {
    "01": "Neuerrichtung/Neugründung",
    "02": "Wiedereröffnung nach Verlegung aus anderem Meldebezirk",
    "03": "Gründung nach Umwandlungsgesetz",
    "04": "Wechsel der Rechtsform",
    "05": "Gesellschaftereintritt",
    "06": "Erbfolge/Kauf/Pacht (Übernahme)",
}
#: Code of the relocation reason: the new office notifies the old one (§ 14 Abs. 1 S. 3 GewO).
REASON_RELOCATION_FROM_OTHER_DISTRICT = "02"

#: Grund der Ummeldung (code list ``grundfuerummeldung``), GewA2 [I].
CHANGE_REASONS: dict[str, str] = {
    "01": "Verlegung innerhalb des Meldebezirks",
    "02": "Wechsel der Tätigkeit",
    "03": "Ausdehnung der Tätigkeit",
    "04": "Aufgabe einer Teiltätigkeit",
    "05": "Änderung des Namens/der Rechtsform",
}

#: Grund der Abmeldung (code list ``grundfuerabmeldung``), GewA3 Nr. 25 [I].
CLOSURE_REASONS: dict[str, str] = {
    "01": "Vollständige Aufgabe",
    "02": "Verlegung in einen anderen Meldebezirk",
    "03": "Gesellschafteraustritt",
    "04": "Übergabe (Erbfolge/Verkauf/Verpachtung)",
    "05": "Wechsel der Rechtsform",
}


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, str_strip_whitespace=True)


class Address(_Base):
    """Anschrift (XGewerbeanzeige ``anschrift``)."""

    street: str = ""
    street_key: str = Field(default="", description="strassenschluessel (municipal street key)")
    house_number: str = Field(default="", description="hausNrVon (or hausNr), incl. suffix")
    house_number_to: str = Field(default="", description="hausNrBis")
    addition: str = Field(default="", description="anschriftZusatz")
    postcode: str = ""
    city: str = ""
    district: str = Field(default="", description="ortsteil")
    country: str = Field(default="276", description="nationSchluessel (ISO 3166 numeric; 276 = DE)")

    @property
    def is_empty(self) -> bool:
        return not (self.street or self.house_number or self.postcode or self.city)


class Contact(_Base):
    """One Erreichbarkeit: channel code + value (telephone number, e-mail, URL)."""

    channel: str = Field(description="ContactChannel code")
    value: str


class RegisterEntry(_Base):
    """Registereintrag, GewA1/GewA3 Nr. 2."""

    kind: str = Field(
        description="eintragungArt: A = HR Abt. A, B = HR Abt. B, G = Genossenschafts-, "
        "P = Partnerschafts-, V = Vereinsregister"
    )
    number: str = Field(description="eintragungNr")
    court_key: str = Field(default="", description="gerichtSchluessel (Registergericht code list)")
    court_place: str = Field(default="", description="eintragungOrt")
    court_postcode: str = Field(default="", description="eintragungPLZ")


class IssuedDocument(_Base):
    """A document issued by an authority: craft card (Handwerkskarte, GewA1 Nr. 29), residence
    title (Aufenthaltstitel, GewA1 Nr. 30/31), trade permit (Erlaubnis, GewA1 Nr. 28)."""

    status: str = Field(
        default="1", description="1 = liegt vor, 2 = beantragt, 3 = nicht erforderlich [I]"
    )
    issued_on: dt.date | None = None
    issued_by_name: str = ""
    issued_by_postcode: str = ""
    issued_by_place: str = ""
    issued_by_key: str = Field(default="", description="ausgestelltVonSchluessel (e.g. HWK code)")


class Permit(IssuedDocument):
    """Erlaubnis for an activity that needs one (§§ 30–34i GewO, GastG, …), GewA1 Nr. 28."""

    legal_basis: str = Field(description="e.g. '§ 34c GewO'")


class ResidenceTitle(IssuedDocument):
    """Aufenthaltstitel of a non-EU national, GewA1 Nr. 30; restrictions Nr. 31."""

    self_employment_allowed: bool | None = Field(
        default=None, description="GewA1 Nr. 31: selbständige Tätigkeit gestattet (Auflagen)"
    )
    restrictions: str = Field(default="", description="GewA1 Nr. 31: Auflagen/Beschränkungen")


class Person(_Base):
    """Beteiligte Person (repeatable): Inhaber, Gesellschafter, gesetzliche Vertreter,
    Betriebsleiter. A legal person (e.g. the GmbH as partner of a GmbH & Co. KG) has
    ``legal_name`` instead of name parts."""

    role: PersonRole = PersonRole.INHABER
    is_legal_person: bool = False
    legal_name: str = Field(
        default="", description="legal person: name (GewA1 Nr. 1 of that person)"
    )
    legal_form: str = Field(default="", description="legal person: Rechtsform code")
    register_entry: RegisterEntry | None = Field(
        default=None, description="legal person: register entry"
    )
    doctor_title: str = Field(default="", description="doktorgrad, GewA1 Nr. 4")
    family_name: str = Field(default="", description="familienname, GewA1 Nr. 3")
    first_names: str = Field(default="", description="vorname, GewA1 Nr. 4")
    gender: str = Field(
        default="", description="geschlecht code (1 männlich, 2 weiblich, …), Nr. 5"
    )
    birth_name: str = Field(default="", description="geburtsname, GewA1 Nr. 7")
    birth_date: dt.date | None = Field(default=None, description="geburtsdatum, GewA1 Nr. 8")
    birth_place: str = Field(default="", description="geburtsort, GewA1 Nr. 9")
    birth_country: str = Field(default="", description="geburtsland, GewA1 Nr. 9")
    nationalities: list[str] = Field(
        default_factory=list, description="Destatis Staatsangehörigkeit codes, GewA1 Nr. 6"
    )
    address: Address | None = Field(default=None, description="Anschrift der Wohnung, GewA1 Nr. 12")
    contacts: list[Contact] = Field(default_factory=list, description="GewA1 Nr. 12")
    residence_title: ResidenceTitle | None = Field(default=None, description="GewA1 Nr. 30/31")
    guardian_consent: bool | None = Field(
        default=None, description="minor: consent of the family court (§ 112 BGB) — form only"
    )

    @property
    def display_name(self) -> str:
        if self.is_legal_person:
            return self.legal_name
        return " ".join(p for p in (self.doctor_title, self.first_names, self.family_name) if p)


class Business(_Base):
    """Der Betrieb: name, legal form, register entry, addresses, kind."""

    registered_name: str = Field(default="", description="eingetragenerName, GewA1 Nr. 1")
    trade_name: str = Field(default="", description="geschaeftsbezeichnung, GewA1 Nr. 14")
    legal_form: str = Field(description="rechtsformSchluessel (code list), GewA1 Nr. 1")
    register_entry: RegisterEntry | None = Field(default=None, description="GewA1 Nr. 2")
    representatives_count: int | None = Field(
        default=None, ge=0, description="Zahl der ges. Vertreter/geschäftsf. Gesellschafter, Nr. 10"
    )
    public_participation: bool = Field(
        default=False, description="Beteiligung öffentl. Hand, Nr. 13"
    )
    address: Address = Field(description="Anschrift der Betriebsstätte, GewA1 Nr. 15")
    contacts: list[Contact] = Field(default_factory=list, description="GewA1 Nr. 15")
    head_office: Address | None = Field(
        default=None, description="Hauptniederlassung, GewA1 Nr. 16"
    )
    head_office_contacts: list[Contact] = Field(default_factory=list, description="Nr. 16")
    previous_address: Address | None = Field(
        default=None, description="frühere Betriebsstätte, GewA1 Nr. 17 / GewA2 alte Anschrift"
    )
    side_business: bool = Field(default=False, description="istNebenerwerb, GewA1 Nr. 19")
    industry: bool = Field(default=False, description="betriebArt/industrie, GewA1 Nr. 21")
    craft: bool = Field(default=False, description="betriebArt/handwerk, GewA1 Nr. 21")
    trade: bool = Field(default=False, description="betriebArt/handel, GewA1 Nr. 21")
    other: bool = Field(default=False, description="betriebArt/sonstiges, GewA1 Nr. 21")
    full_time_employees: int | None = Field(default=None, ge=0, description="GewA1 Nr. 22")
    part_time_employees: int | None = Field(default=None, ge=0, description="GewA1 Nr. 22")
    establishment: Establishment = Field(
        default=Establishment.HAUPTNIEDERLASSUNG, description="niederlassungArt, GewA1 Nr. 23"
    )
    itinerant: bool = Field(default=False, description="istReisegewerbe, GewA1 Nr. 24")
    vending_machines: bool = Field(default=False, description="Automatenaufsteller, GewA1 Nr. 24")
    craft_card: IssuedDocument | None = Field(
        default=None, description="Handwerkskarte, GewA1 Nr. 29"
    )
    permits: list[Permit] = Field(default_factory=list, description="Erlaubnisse, GewA1 Nr. 28")


class Activity(_Base):
    """One activity: the applicant's wording plus its WZ 2008 Unterklasse (5 digits)."""

    text: str = Field(description="taetigkeitSchwerpunkt / taetigkeitEinzeln")
    wz_code: str = Field(default="", description="taetigkeitSchluessel, WZ 2008, 5 digits")
    keyword: str = Field(default="", description="stichwort (the WZ keyword used for coding)")
    newly_exercised: bool | None = Field(default=None, description="neuAusgeuebt (GewA2)")

    @field_validator("wz_code")
    @classmethod
    def _wz_digits(cls, value: str) -> str:
        value = value.replace(".", "")
        if value and not (len(value) == 5 and value.isdigit()):
            raise ValueError("WZ-2008-Schlüssel muss fünfstellig sein")
        if value:
            from .codelists import wz2008

            if value not in wz2008():
                raise ValueError(f"„{value}“ ist kein Schlüssel der WZ 2008")
        return value


class Successor(_Base):
    """GewA3: the business is continued by someone (kuenftigesGewerbe)."""

    name: str = Field(description="nameFirmaGewerbetreibender")
    address: Address | None = None


class Office(_Base):
    """A trade office (Gewerbeamt): author of a message, or the old office on relocation."""

    name: str = ""
    ags: str = Field(default="", description="Amtlicher Gemeindeschlüssel (8 digits)")
    address: Address | None = None
    contacts: list[Contact] = Field(default_factory=list)


class Change(_Base):
    """GewA2: what changed and the old values."""

    reasons: list[str] = Field(default_factory=list, description="grundUmmeldungSchluessel codes")
    previous_address: Address | None = Field(default=None, description="alte Betriebsstätte")
    previous_activities: list[Activity] = Field(
        default_factory=list, description="bisherige Tätigkeit (GewA2 Nr. 19 [I])"
    )
    previous_name: str = Field(default="", description="bisheriger Name/Geschäftsbezeichnung")
    previous_legal_form: str = ""


class Closure(_Base):
    """GewA3: closure reason, cause and whether someone continues the business."""

    reason: str = Field(description="grundAbmeldungSchluessel, GewA3 Nr. 25")
    cause: str = Field(default="", description="ursacheAbmeldungSchluessel, GewA3 Nr. 28")
    successor: Successor | None = Field(
        default=None, description="kuenftigesGewerbe, GewA3 Nr. 27 [I]"
    )
    new_office: Office | None = Field(default=None, description="relocation: new office")


class Gewerbeanzeige(_Base):
    """One trade notification (Anmeldung / Ummeldung / Abmeldung).

    A message for a recipient with a restricted field set (§ 3 GewAnzV) lacks some content;
    parsed, such parts are empty (e.g. ``registration_reason == ""``). Completeness of a
    citizen's notification is checked by the trade app, not here."""

    kind: Kind
    uuid: str = Field(description="uuid of the record (Satz)")
    business_id: str = Field(default="", description="gewerbebetriebID: stable id of the business")
    message_number: str = Field(
        default="", description="gemeindeMeldungNr, unique per municipality"
    )
    municipality_key: str = Field(description="gemeindeSchluessel: AGS of the reporting office")
    municipality_suffix: str = Field(default="", description="gemeindeZusatz")
    office: Office = Field(
        default_factory=lambda: Office(), description="autor: the reporting office"
    )
    is_correction: bool = False
    created_at: dt.datetime | None = Field(default=None, description="satzErstellung")
    event_at: dt.datetime | None = Field(default=None, description="ereigniszeitpunkt")
    business: Business
    persons: list[Person] = Field(default_factory=list, description="GewA1 Nr. 3–12, 30, 31")
    valid_from: dt.date = Field(description="gueltigAb: start (Nr. 20) / change / closure date")
    reported_on: dt.date = Field(description="datumMeldung")
    main_activity: Activity = Field(description="Schwerpunkt, GewA1 Nr. 18")
    further_activities: list[Activity] = Field(default_factory=list, description="Nr. 18")
    further_activities_text: str = Field(
        default="", description="taetigkeitenZusammengefasst ('|'-separated); derived when empty"
    )
    registration_reason: str = Field(
        default="", description="grundAnmeldungSchluessel, GewA1 Nr. 25"
    )
    previous_office: Office | None = Field(
        default=None, description="relocation from another district: the old office (Rückmeldung)"
    )
    previous_trader: str = Field(default="", description="früherer Gewerbetreibender, GewA1 Nr. 26")
    change: Change | None = Field(default=None, description="GewA2 only")
    closure: Closure | None = Field(default=None, description="GewA3 only")

    @property
    def summary_of_further_activities(self) -> str:
        if self.further_activities_text:
            return self.further_activities_text
        return "|".join(a.text for a in self.further_activities if a.text)

    @property
    def has_non_eu_person(self) -> bool:
        from .codelists import is_eu_nationality

        return any(
            not p.is_legal_person
            and p.nationalities
            and not any(is_eu_nationality(n) for n in p.nationalities)
            for p in self.persons
        )
