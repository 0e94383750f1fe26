"""Distribution of XGewerbeanzeige messages: directory, outbox, transports, XSD, statistics."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from rathaus.accounts.testing import login_staff
from rathaus.integrations.delivery import outbox_deliver_due
from rathaus.integrations.models import OutboxMessage
from rathaus.integrations.tests.smtp import SmtpSink, use_sink
from rathaus.xgewerbe import xsd
from rathaus.xgewerbe.content import visible_content
from rathaus.xgewerbe.distribution import notification_distribute
from rathaus.xgewerbe.errors import XGewerbeError
from rathaus.xgewerbe.matrix import RecipientGroup
from rathaus.xgewerbe.model import Kind
from rathaus.xgewerbe.models import Delivery, Recipient, StatisticsEntry
from rathaus.xgewerbe.parser import parse, parse_message
from rathaus.xgewerbe.seed import seed_recipients
from rathaus.xgewerbe.statistics import deadline, first_working_day, statistics_send_due
from rathaus.xgewerbe.testing import full_notification

HOST = {"HTTP_HOST": "musterstadt.localhost"}


class Receiver:
    """A real HTTP endpoint on loopback that answers with ``status`` and keeps what it got."""

    def __init__(self) -> None:
        self.status = 200
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.send_header("X-Receipt", f"EB-{len(receiver.received)}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/xga"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    use_sink(settings, sink)
    yield sink
    sink.stop()


def deliver() -> list[str]:
    """Run the outbox once; the statuses of the XGewerbeanzeige messages (the case itself also
    queues e-mails)."""
    results = outbox_deliver_due(worker_id="test")
    kinds = dict(OutboxMessage.objects.values_list("pk", "kind"))
    return [r.status for r in results if kinds[r.message_id].startswith("xgewerbe.")]


def add(municipality: Any, group: RecipientGroup, transport: str, address: str) -> Recipient:
    return Recipient.objects.create(
        municipality=municipality,
        authority=f"Test {group.value}",
        group=group,
        identifier="000000000001",
        transport=transport,
        address=address,
    )


@pytest.fixture
def directory(musterstadt: Any, receiver: Receiver, tmp_path: Path) -> dict[str, Recipient]:
    drop = tmp_path / "gateway"
    drop.mkdir()
    return {
        "ihk": add(musterstadt, RecipientGroup.IHK, "http", receiver.url),
        "dgu": add(musterstadt, RecipientGroup.UNFALLVERSICHERUNG, "dropfolder", str(drop)),
        "abh": add(musterstadt, RecipientGroup.AUSLAENDERBEHOERDE, "http", receiver.url),
        "sta": add(musterstadt, RecipientGroup.STATISTIK, "dropfolder", str(drop)),
        "zoll": add(musterstadt, RecipientGroup.ZOLL, "http", receiver.url),
    }


def test_one_message_per_recipient_with_its_fields_only(
    musterstadt: Any, case: Any, directory: dict[str, Recipient], receiver: Receiver, tmp_path: Path
) -> None:
    n = full_notification()
    deliveries = notification_distribute(municipality=musterstadt, notification=n, case=case)
    # customs only on request, statistics monthly
    assert sorted(d.group for d in deliveries) == [
        "auslaenderbehoerde",
        "ihk",
        "unfallversicherung",
    ]
    assert StatisticsEntry.objects.of(musterstadt).count() == 1
    assert OutboxMessage.objects.of(musterstadt).filter(kind__startswith="xgewerbe.").count() == 3

    assert deliver() == ["delivered"] * 3

    assert len(receiver.received) == 2
    for headers, body in receiver.received:
        assert headers["Content-Type"] == "application/xml; charset=utf-8"
        message = parse_message(body)
        group = message.groups[0]
        assert group in (RecipientGroup.IHK, RecipientGroup.AUSLAENDERBEHOERDE)
        assert visible_content(message.notifications[0], group) == visible_content(n, group)
    ihk_xml = next(b for _, b in receiver.received if b"alg.gewerbemeldung" in b)
    assert b"beteiligungOeffentlicheHand" not in ihk_xml  # § 3 (1) Nr. 1: not field 13
    assert b"aufenthaltstitel" not in ihk_xml  # nor 30
    abh_xml = next(b for _, b in receiver.received if b"abh.gewerbemeldung" in b)
    assert b"aufenthaltstitel" in abh_xml

    dropped = [p.name for p in (tmp_path / "gateway").iterdir()]
    assert len(dropped) == 1 and dropped[0].startswith("05774099_unfallversicherung_")
    by_group = {d.group: d for d in Delivery.objects.of(musterstadt)}
    assert by_group["unfallversicherung"].receipt == dropped[0]
    assert by_group["ihk"].status == Delivery.Status.DELIVERED
    assert by_group["ihk"].receipt.startswith("HTTP 200: EB-")


def test_distribution_is_idempotent_per_case_and_recipient(
    musterstadt: Any, case: Any, directory: dict[str, Recipient]
) -> None:
    n = full_notification()
    first = notification_distribute(municipality=musterstadt, notification=n, case=case)
    again = notification_distribute(municipality=musterstadt, notification=n, case=case)
    assert len(first) == 3 and again == []
    assert Delivery.objects.of(musterstadt).count() == 3
    assert StatisticsEntry.objects.of(musterstadt).count() == 1


def test_foreigners_authority_only_for_non_eu_persons(
    musterstadt: Any, case: Any, directory: dict[str, Recipient]
) -> None:
    n = full_notification()
    n.persons = [p for p in n.persons if "332" not in p.nationalities]
    groups = {
        d.group
        for d in notification_distribute(municipality=musterstadt, notification=n, case=case)
    }
    assert "auslaenderbehoerde" not in groups and "ihk" in groups


def test_customs_on_request_and_inactive_recipients_are_skipped(
    musterstadt: Any, case: Any, directory: dict[str, Recipient]
) -> None:
    directory["ihk"].active = False
    directory["ihk"].save()
    deliveries = notification_distribute(
        municipality=musterstadt,
        notification=full_notification(),
        case=case,
        extra_groups=frozenset({RecipientGroup.ZOLL}),
    )
    assert sorted(d.group for d in deliveries) == [
        "auslaenderbehoerde",
        "unfallversicherung",
        "zoll",
    ]


def test_http_errors_retry_or_reject(
    musterstadt: Any, case: Any, directory: dict[str, Recipient], receiver: Receiver
) -> None:
    Recipient.objects.exclude(pk=directory["ihk"].pk).update(active=False)
    notification_distribute(municipality=musterstadt, notification=full_notification(), case=case)
    receiver.status = 503
    assert deliver() == ["pending"]
    delivery = Delivery.objects.of(musterstadt).get()
    assert delivery.status == Delivery.Status.FAILED and "HTTP 503" in delivery.error

    OutboxMessage.objects.update(next_attempt_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    receiver.status = 400
    assert deliver() == ["dead"]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.REJECTED and "HTTP 400" in delivery.error


def test_email_transport_sends_the_message_as_attachment(
    musterstadt: Any, case: Any, smtp: SmtpSink
) -> None:
    add(musterstadt, RecipientGroup.HWK, "email", "gewerbe@hwk.example")
    n = full_notification()
    notification_distribute(municipality=musterstadt, notification=n, case=case)
    assert deliver() == ["delivered"]
    mail = next(m for m in smtp.wait_for(2) if m["To"] == "gewerbe@hwk.example")
    attachments = list(mail.iter_attachments())
    assert len(attachments) == 1 and attachments[0].get_content_type() == "application/xml"
    again = parse(attachments[0].get_content())
    assert visible_content(again, "hwk") == visible_content(n, "hwk")
    delivery = Delivery.objects.of(musterstadt).get()
    assert delivery.receipt == mail["Message-ID"]


def test_dropfolder_writes_atomically_and_only_once(
    musterstadt: Any, case: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "osci"
    folder.mkdir()
    add(musterstadt, RecipientGroup.IHK, "dropfolder", str(folder))
    notification_distribute(municipality=musterstadt, notification=full_notification(), case=case)
    deliver()
    files = list(folder.iterdir())
    assert len(files) == 1 and files[0].suffix == ".xml"  # no temporary file left behind
    parse(files[0].read_bytes())


def test_dropfolder_outside_the_allowed_root_is_refused(
    settings: Any, musterstadt: Any, case: Any, tmp_path: Path
) -> None:
    settings.RATHAUS_XGEWERBE_DROPFOLDER_ROOT = str(tmp_path / "allowed")
    add(musterstadt, RecipientGroup.IHK, "dropfolder", "/etc")
    notification_distribute(municipality=musterstadt, notification=full_notification(), case=case)
    assert deliver() == ["dead"]
    assert Delivery.objects.of(musterstadt).get().status == Delivery.Status.REJECTED


# --- XSD validation ---------------------------------------------------------------------------

LAX_XSD = """<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" elementFormDefault="qualified"
  targetNamespace="http://www.xgewerbeanzeige.de/spezifikation/2.2">
  <xs:element name="alg.gewerbemeldung.0300"><xs:complexType><xs:sequence>
    <xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence><xs:anyAttribute processContents="skip"/></xs:complexType></xs:element>
</xs:schema>"""
STRICT_XSD = LAX_XSD.replace(
    '<xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>',
    '<xs:element name="pflichtelement" type="xs:string"/>',
)


@pytest.fixture
def xsd_folder(settings: Any, tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "xsd" / "2.2"
    folder.mkdir(parents=True)
    settings.RATHAUS_XGEWERBE_XSD_DIR = str(tmp_path / "xsd")
    xsd.clear_cache()
    yield folder
    xsd.clear_cache()


def test_outgoing_messages_are_validated_against_the_configured_xsd(
    xsd_folder: Path, musterstadt: Any, case: Any, receiver: Receiver
) -> None:
    from rathaus.xgewerbe.serializer import serialize

    (xsd_folder / "xgewerbeanzeige.xsd").write_text(LAX_XSD)
    assert xsd.validate(serialize(full_notification(), recipient_group="ihk"), version="2.2")

    (xsd_folder / "xgewerbeanzeige.xsd").write_text(STRICT_XSD)
    xsd.clear_cache()
    with pytest.raises(XGewerbeError, match="entspricht nicht dem Schema"):
        xsd.validate(serialize(full_notification(), recipient_group="ihk"), version="2.2")

    add(musterstadt, RecipientGroup.IHK, "http", receiver.url)
    notification_distribute(municipality=musterstadt, notification=full_notification(), case=case)
    assert deliver() == ["dead"]
    assert receiver.received == []  # never sent
    delivery = Delivery.objects.of(musterstadt).get()
    assert delivery.status == Delivery.Status.REJECTED and "Schema" in delivery.error


def test_without_xsd_folder_validation_is_skipped_with_one_log_line(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from rathaus.xgewerbe.serializer import serialize

    settings.RATHAUS_XGEWERBE_XSD_DIR = ""
    xsd.clear_cache()
    xml = serialize(full_notification(), recipient_group="ihk")
    with caplog.at_level(logging.INFO, logger="rathaus.xgewerbe.xsd"):
        assert xsd.validate(xml, version="2.2") is False
        assert xsd.validate(xml, version="2.2") is False
    assert len([r for r in caplog.records if "keine XSD-Dateien" in r.message]) == 1


# --- statistics ----------------------------------------------------------------------------------


def test_first_working_day_skips_weekends_and_nrw_holidays() -> None:
    assert first_working_day(2026, 1) == dt.date(2026, 1, 2)  # Neujahr (Thu)
    assert first_working_day(2024, 4) == dt.date(2024, 4, 2)  # Ostermontag 1.4.2024
    assert first_working_day(2027, 5) == dt.date(2027, 5, 3)  # 1.5. Saturday
    assert first_working_day(2026, 11) == dt.date(2026, 11, 2)  # Allerheiligen, Sunday
    assert deadline("2025-12") == dt.date(2026, 1, 2)


def test_statistics_are_sent_monthly_once(
    musterstadt: Any, case: Any, directory: dict[str, Recipient], tmp_path: Path
) -> None:
    for kind in Kind:
        n = full_notification(kind)
        n.uuid = f"rec-{kind.value}"
        notification_distribute(municipality=musterstadt, notification=n, case=None)
    StatisticsEntry.objects.update(period="2026-02")
    assert statistics_send_due(today=dt.date(2026, 2, 27)) == []  # month not over yet
    batches = statistics_send_due(today=dt.date(2026, 3, 2))
    assert [(b.period, b.records, b.deliveries) for b in batches] == [("2026-02", 3, 1)]
    assert statistics_send_due(today=dt.date(2026, 3, 3)) == []  # idempotent
    delivery = Delivery.objects.of(musterstadt).get(group="statistik")
    message = parse_message(delivery.xml.encode())
    assert message.message == "sta.gewerbemeldung.0100"
    assert [n.kind for n in message.notifications] == list(Kind)
    assert b"geburtsdatum" not in delivery.xml.encode()


def test_statistics_command(
    musterstadt: Any, directory: dict[str, Recipient], capsys: pytest.CaptureFixture[str]
) -> None:
    from django.core.management import call_command

    notification_distribute(municipality=musterstadt, notification=full_notification(), case=None)
    StatisticsEntry.objects.update(period="2025-12")
    call_command("xgewerbe_statistics", "--today", "2026-01-05")
    out = capsys.readouterr().out
    assert "musterstadt 2025-12: 1 Meldungen an 1 Empfänger (Frist 02.01.2026)" in out


# --- recipient directory admin ----------------------------------------------------------------


def test_admin_lists_adds_and_edits_recipients(
    client: Any, musterstadt: Any, municipal_admin: Any, django_assert_max_num_queries: Any
) -> None:
    login_staff(client, municipal_admin)
    seed_recipients(musterstadt, [])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("xgewerbe_admin:recipients"), **HOST)
    assert response.status_code == 200
    assert "IT.NRW" in response.content.decode()

    url = reverse("xgewerbe_admin:recipient_add")
    data = {
        "authority": "IHK Musterland",
        "group": "ihk",
        "prefix": "xga",
        "identifier": "050000000399",
        "transport": "http",
        "address": "nicht-eine-url",
        "active": "on",
    }
    response = client.post(url, data, **HOST)
    assert response.status_code == 200
    assert "Bitte eine gültige URL" in response.content.decode()

    data["address"] = "https://ihk.example/xga"
    response = client.post(url, data, **HOST)
    assert response.status_code == 302
    recipient = Recipient.objects.of(musterstadt).get(authority="IHK Musterland")

    response = client.post(url, data, **HOST)  # the same again
    assert "schon eingetragen" in response.content.decode()

    edit = reverse("xgewerbe_admin:recipient_edit", args=[recipient.pk])
    assert client.get(edit, **HOST).status_code == 200
    data.update(transport="email", address="gewerbe@ihk.example")
    assert client.post(edit, data, **HOST).status_code == 302
    recipient.refresh_from_db()
    assert recipient.transport == "email"


def test_deliveries_are_shown_per_case_and_per_recipient(
    client: Any, musterstadt: Any, municipal_admin: Any, case: Any, directory: Any
) -> None:
    notification_distribute(municipality=musterstadt, notification=full_notification(), case=case)
    login_staff(client, municipal_admin)
    page = client.get(reverse("xgewerbe_admin:case_deliveries", args=[case.pk]), **HOST)
    assert page.status_code == 200
    assert "Test ihk" in page.content.decode()
    recipient_page = client.get(
        reverse("xgewerbe_admin:recipient_edit", args=[directory["ihk"].pk]), **HOST
    )
    assert case.reference in recipient_page.content.decode()
    delivery = Delivery.objects.of(musterstadt).filter(group="ihk").get()
    detail = client.get(reverse("xgewerbe_admin:delivery", args=[delivery.pk]), **HOST)
    assert "alg.gewerbemeldung.0300" in detail.content.decode()


def test_directory_is_tenant_isolated(
    client: Any, musterstadt: Any, beispieldorf: Any, municipal_admin: Any, case: Any
) -> None:
    other = add(beispieldorf, RecipientGroup.IHK, "http", "https://ihk.example/")
    own = add(musterstadt, RecipientGroup.HWK, "http", "https://hwk.example/")
    login_staff(client, municipal_admin)
    listing = client.get(reverse("xgewerbe_admin:recipients"), **HOST).content.decode()
    assert "Test hwk" in listing and "Test ihk" not in listing
    edit = reverse("xgewerbe_admin:recipient_edit", args=[other.pk])
    assert client.get(edit, **HOST).status_code == 404
    assert client.post(edit, {"authority": "x"}, **HOST).status_code == 404
    deliveries = notification_distribute(
        municipality=musterstadt, notification=full_notification(), case=case
    )
    assert [d.recipient for d in deliveries] == [own]


def test_clerks_cannot_manage_recipients(client: Any, musterstadt: Any, clerk: Any) -> None:
    login_staff(client, clerk)
    assert client.get(reverse("xgewerbe_admin:recipients"), **HOST).status_code == 403


def test_demo_seed_is_idempotent(musterstadt: Any) -> None:
    lines: list[str] = []
    seed_recipients(musterstadt, lines)
    seed_recipients(musterstadt, lines)
    assert len(lines) == 1
    assert Recipient.objects.of(musterstadt).count() == 10
