"""XGewerbeanzeige: serializer, parser and the § 3 GewAnzV matrix, against the official samples."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from rathaus.xgewerbe.content import NOT_IN_MESSAGE_22, visible_content
from rathaus.xgewerbe.errors import XGewerbeError
from rathaus.xgewerbe.matrix import FIELD_NUMBERS, MATRIX, RecipientGroup, allowed, receives
from rathaus.xgewerbe.model import (
    Kind,
    RegisterEntry,
)
from rathaus.xgewerbe.parser import parse, parse_message
from rathaus.xgewerbe.serializer import Reader, serialize, serialize_batch
from rathaus.xgewerbe.testing import full_notification

NS = {"xga": "http://www.xgewerbeanzeige.de/spezifikation/2.2"}


@pytest.fixture
def examples(shared_dir: Path) -> Path:
    return shared_dir / "standards" / "xgewerbeanzeige-examples"


VALID = ["xgwa2.0-valid.xml", "xgwa2.1-valid.xml", "xgwa2.2-valid.xml"]
INVALID = {
    "xgwa2.2-invalid.xml": "Pflichtelement <betriebArt> fehlt",
    "xgwa2.1-invalid-xsd.xml": "Pflichtelement <satzErstellung> fehlt in <anmeldung>",
    "xgwa2.1-invalid-sch.xml": "Pflichtelement <betriebArt> fehlt",  # SCH-0036_NE-1
    "xgwa2.0-invalid-xsd.xml": "<berichtszeitraum> ist nur in Statistik-Nachrichten erlaubt",
    "xgwa2.0-invalid-sch.xml": "Pflichtelement <anschrift> fehlt in <gewerbe>",
    "xgwa1.3-valid.xml": "XGewerbeanzeige 1.3 (DatML-RAW) wird nicht mehr angenommen",
    "xgwa1.3-invalid-xsd.xml": "XGewerbeanzeige 1.3 (DatML-RAW) wird nicht mehr angenommen",
    "xgwa1.3-invalid-sch.xml": "XGewerbeanzeige 1.3 (DatML-RAW) wird nicht mehr angenommen",
    "xy-unknown.xml": "unbekanntes Wurzelelement „xy“",
}


# --- official samples ------------------------------------------------------------------------


@pytest.mark.parametrize("name", VALID)
def test_every_valid_sample_is_parsed(examples: Path, name: str) -> None:
    message = parse_message((examples / name).read_bytes())
    assert len(message.notifications) == 1
    n = message.notifications[0]
    assert n.municipality_key == "12052000"
    assert n.main_activity.wz_code in {"96021", "56210"}


def test_the_22_sample_is_read_completely(examples: Path) -> None:
    n = parse((examples / "xgwa2.2-valid.xml").read_bytes())
    assert n.kind == Kind.ANMELDUNG
    assert n.business.registered_name == "Tibor Pick e.K."
    assert n.business.register_entry == RegisterEntry(
        kind="A", number="11111", court_key="G1103", court_place="Cottbus", court_postcode="03046"
    )
    assert n.business.craft and not n.business.trade
    assert n.business.part_time_employees == 2
    assert n.business.craft_card is not None and n.business.craft_card.issued_by_key == "00007"
    person = n.persons[0]
    assert (person.family_name, person.birth_name, person.birth_date) == (
        "Pick",
        "Rodríguez",
        dt.date(1965, 10, 12),
    )
    assert person.nationalities == ["332"]
    assert person.residence_title is not None
    assert person.residence_title.issued_by_name == "Stadt Cottbus"
    assert n.has_non_eu_person
    assert n.summary_of_further_activities == "Verkauf von Haarpflegeprodukten|Make-up-Beratung"
    assert n.registration_reason == "01"
    assert n.valid_from == dt.date(2016, 8, 1)


@pytest.mark.parametrize(("name", "reason"), sorted(INVALID.items()))
def test_invalid_samples_are_rejected_with_the_reason(
    examples: Path, name: str, reason: str
) -> None:
    with pytest.raises(XGewerbeError) as caught:
        parse((examples / name).read_bytes())
    assert reason in caught.value.message
    assert "Zeile" in caught.value.message


def _roundtrip_cases() -> list[tuple[str, RecipientGroup]]:
    return [(name, group) for name in VALID for group in RecipientGroup]


@pytest.mark.parametrize(("name", "group"), _roundtrip_cases())
def test_round_trip_keeps_the_content_for_each_recipient(
    examples: Path, name: str, group: RecipientGroup
) -> None:
    original = parse((examples / name).read_bytes())
    if not receives(group, original.kind):
        pytest.skip("this recipient gets no message of this kind")
    again = parse(serialize(original, recipient_group=group))
    assert visible_content(again, group) == visible_content(original, group)


def _canonical(element: etree._Element) -> list[tuple[str, str, tuple[tuple[str, str], ...]]]:
    return [
        (
            etree.QName(el).localname,
            (el.text or "").strip(),
            tuple(sorted((k, v) for k, v in el.attrib.items())),
        )
        for el in element.iter()
        if isinstance(el.tag, str)
    ]


def test_the_22_message_has_the_structure_of_the_official_sample(examples: Path) -> None:
    sample = (examples / "xgwa2.2-valid.xml").read_bytes()
    built = serialize(
        parse(sample),
        recipient_group=RecipientGroup.AUSLAENDERBEHOERDE,
        reader=Reader(name="Phantasie-Verteilplattform", identifier="000100", prefix="azr"),
        message_uuid="00000000-0000-0000-0000-000000000001",
        created_at=dt.datetime.fromisoformat("2019-10-24T00:00:00+02:00"),
    )
    expected = etree.fromstring(sample)
    got = etree.fromstring(built)
    assert got.tag == expected.tag
    assert got.nsmap == {"xga": NS["xga"]}
    assert got.get("standard") == "XGewerbeanzeige" and got.get("version") == "2.2"
    # record, identification and author exactly as in the official sample: element order,
    # texts, and listURI/listVersionID attributes
    for path in ("xga:satz", "xga:nachrichtenkopf/xga:identifikation.nachricht",
                 "xga:nachrichtenkopf/xga:autor"):  # fmt: skip
        assert _canonical(got.find(path, NS)) == _canonical(expected.find(path, NS)), path


# --- the matrix, field by field --------------------------------------------------------------

#: Where each content key appears in a 2.2 message.
XPATHS = {
    "name": ".//xga:eingetragenerName",
    "register": ".//xga:eintragungNr",
    "person.family_name": ".//xga:beteiligtePerson/xga:familienname",
    "person.first_names": ".//xga:beteiligtePerson/xga:vorname",
    "person.gender": ".//xga:beteiligtePerson/xga:geschlecht",
    "person.nationality": ".//xga:beteiligtePerson/xga:staatangehoerigkeiten",
    "person.birth_name": ".//xga:beteiligtePerson/xga:geburtsname",
    "person.birth_date": ".//xga:beteiligtePerson/xga:geburtsdatum",
    "person.birth_place": ".//xga:beteiligtePerson/xga:geburtsort",
    "person.address": ".//xga:beteiligtePerson/xga:anschrift",
    "representative": ".//xga:beteiligtePerson/xga:personFunktion/code[.='4']",
    "public_participation": ".//xga:beteiligungOeffentlicheHand",
    "trade_name": ".//xga:geschaeftsbezeichnung",
    "address": ".//xga:gewerbe/xga:anschrift",
    "head_office": ".//xga:hauptniederlassung",
    "activities": ".//xga:taetigkeitenGesamt",
    "side_business": ".//xga:istNebenerwerb",
    "valid_from": ".//xga:gueltigAb",
    "business_type": ".//xga:betriebArt",
    "employees": ".//xga:anzahlVollzeitBeschaeftigte",
    "establishment": ".//xga:niederlassungArt",
    "itinerant": ".//xga:istReisegewerbe",
    "permits": ".//xga:erlaubnis",
    "craft_card": ".//xga:handwerkskarte",
    "residence_title": ".//xga:aufenthaltstitel",
    "successor": ".//xga:kuenftigesGewerbe",
    "closure_cause": ".//xga:ursacheAbmeldungSchluessel",
}
REASON_XPATH = {
    Kind.ANMELDUNG: ".//xga:grundAnmeldungSchluessel",
    Kind.UMMELDUNG: ".//xga:gruendeUmmeldung",
    Kind.ABMELDUNG: ".//xga:grundAbmeldungSchluessel",
}


def _matrix_cases() -> list[tuple[RecipientGroup, Kind, str]]:
    cases = []
    for group in RecipientGroup:
        for kind in Kind:
            if not receives(group, kind):
                continue
            for key, number in FIELD_NUMBERS[kind].items():
                if number is None or key in NOT_IN_MESSAGE_22:
                    continue
                cases.append((group, kind, key))
    return cases


@pytest.mark.parametrize(("group", "kind", "key"), _matrix_cases())
def test_each_recipient_gets_exactly_its_fields(
    group: RecipientGroup, kind: Kind, key: str
) -> None:
    """§ 3 GewAnzV: a field is in the message if and only if the matrix allows it."""
    xml = serialize(full_notification(kind), recipient_group=group)
    root = etree.fromstring(xml)
    xpath = REASON_XPATH[kind] if key == "reason" else XPATHS[key]
    present = bool(root.findall(xpath, NS))
    number = FIELD_NUMBERS[kind][key]
    expected = number in MATRIX[group].fields[kind]
    assert present is expected, f"{group} {kind} field {number} ({key})"
    assert (key in allowed(group, kind)) is expected


def test_the_statistics_office_never_sees_birth_data_or_residence_titles() -> None:
    xml = serialize(full_notification(), recipient_group=RecipientGroup.STATISTIK)
    assert b"geburtsdatum" not in xml and b"aufenthaltstitel" not in xml
    assert b"Salon Schnitt GmbH" in xml  # Hilfsmerkmal 1
    assert b"<code>332</code>" in xml  # Erhebungsmerkmal 6 (nationality)


def test_messages_carry_the_message_type_of_their_recipient() -> None:
    n = full_notification()
    for group, code in (
        (RecipientGroup.STATISTIK, b"sta.gewerbemeldung.0100"),
        (RecipientGroup.EICHBEHOERDE, b"ea.gewerbemeldung.0220"),
        (RecipientGroup.UNFALLVERSICHERUNG, b"dgu.gewerbemeldung.0230"),
        (RecipientGroup.LEBENSMITTELUEBERWACHUNG, b"lue.gewerbemeldung.0290"),
        (RecipientGroup.IHK, b"alg.gewerbemeldung.0300"),
        (RecipientGroup.AUSLAENDERBEHOERDE, b"abh.gewerbemeldung.0500"),
    ):
        assert b"<xga:" + code in serialize(n, recipient_group=group)


def test_round_trip_of_a_full_notification_for_every_recipient() -> None:
    for kind in Kind:
        n = full_notification(kind)
        for group in RecipientGroup:
            if receives(group, kind):
                again = parse(serialize(n, recipient_group=group))
                assert visible_content(again, group) == visible_content(n, group), (kind, group)


def test_statistics_batch_has_one_record_per_notification() -> None:
    notifications = [full_notification(kind) for kind in Kind]
    message = parse_message(
        serialize_batch(notifications, recipient_group=RecipientGroup.STATISTIK)
    )
    assert [n.kind for n in message.notifications] == list(Kind)
    with pytest.raises(XGewerbeError, match="3 Meldungen"):
        parse(serialize_batch(notifications, recipient_group=RecipientGroup.STATISTIK))


def test_customs_receives_no_closure() -> None:
    with pytest.raises(XGewerbeError, match="erhält keine abmeldung"):
        serialize(full_notification(Kind.ABMELDUNG), recipient_group=RecipientGroup.ZOLL)


def test_unknown_version_is_refused() -> None:
    with pytest.raises(XGewerbeError, match=r"Version 9\.9"):
        serialize(full_notification(), recipient_group="ihk", version="9.9")


# --- hostile and broken input ---------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xga:alg.gewerbemeldung.0300 xmlns:xga="http://www.xgewerbeanzeige.de/spezifikation/2.2">&xxe;
</xga:alg.gewerbemeldung.0300>"""
XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY % ext SYSTEM "http://127.0.0.1:1/evil.dtd"> %ext;]><foo/>"""
DTD_ONLY = b"""<?xml version="1.0"?><!DOCTYPE foo SYSTEM "http://127.0.0.1:1/x.dtd"><foo/>"""


@pytest.mark.parametrize(
    ("xml", "reason"),
    [
        (BILLION_LAUGHS, "DTD oder Entity-Deklaration"),
        (XXE, "DTD oder Entity-Deklaration"),
        (XXE_PARAMETER, "DTD oder Entity-Deklaration"),
        (DTD_ONLY, "DTD"),
        (b"<xga:satz", "kein wohlgeformtes XML"),
        (b"", "leer"),
        (b"not xml at all", "kein wohlgeformtes XML"),
        (b"<a:b xmlns:a='http://www.xgewerbeanzeige.de/spezifikation/2.2'/>", "Nachrichtentyp"),
    ],
)
def test_hostile_or_broken_xml_is_refused(xml: bytes, reason: str) -> None:
    with pytest.raises(XGewerbeError) as caught:
        parse(xml)
    assert reason in caught.value.message


def test_wrong_code_values_are_refused(examples: Path) -> None:
    sample = (examples / "xgwa2.2-valid.xml").read_bytes()
    for old, new, reason in (
        (b"96021", b"99999", "kein Schlüssel der WZ 2008"),
        (b"<code>332</code>", b"<code>777</code>", "Staatsangehörigkeit"),
        (b"<code>G1103</code>", b"<code>X0000</code>", "Registergericht"),
        (b"<code>0500</code>", b"<code>0300</code>", "passt nicht zum Wurzelelement"),
    ):
        with pytest.raises(XGewerbeError) as caught:
            parse(sample.replace(old, new, 1))
        assert reason in caught.value.message


def test_no_two_contents_share_a_field_number():
    for kind, numbers in FIELD_NUMBERS.items():
        used = [n for n in numbers.values() if n is not None]
        assert len(used) == len(set(used)), (kind, sorted(n for n in used if used.count(n) > 1))
