"""The trade register in the back office: search, extract, statistics, tenant isolation,
incoming messages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rathaus.accounts.models import StaffRole
from rathaus.accounts.testing import login_staff
from rathaus.applications.models import Channel
from rathaus.core.errors import RathausError
from rathaus.testing.factories import staff_user
from rathaus.trade.models import Business, BusinessEvent
from rathaus.trade.seed import _demo_register
from rathaus.trade.services import notification_receive
from rathaus.trade.testing import trade_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(musterstadt):
    _demo_register(musterstadt)
    return Business.objects.of(musterstadt)


def test_register_search_by_name_address_activity_and_person(client, clerk, register):
    login_staff(client, clerk)
    base = "/m/musterstadt/verwaltung/gewerbe/"
    assert "Bäckerei Korn" in client.get(base + "?q=korn").content.decode()
    page = client.get(base + "?q=marktplatz").content.decode()
    assert "Marktplatz 7" in page and "Bäckerei" not in page
    page = client.get(base + "?wz=96.02").content.decode()
    assert "Yilmaz" in page and "Bytewerk" not in page
    assert "Bytewerk GmbH" in client.get(base + "?q=lena+berg").content.decode()
    assert client.get(base + "?q=%00%27;drop&wz=abc&status=x").status_code == 200


def test_register_list_query_count_is_constant(client, clerk, register, musterstadt):
    login_staff(client, clerk)
    url = "/m/musterstadt/verwaltung/gewerbe/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _demo_register(musterstadt)
    _demo_register(musterstadt)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_business_page_and_extract_pdf(client, clerk, register):
    login_staff(client, clerk)
    business = register.get(name="Bytewerk GmbH")
    page = client.get(f"/m/musterstadt/verwaltung/gewerbe/{business.public_id}/")
    assert page.status_code == 200 and "62.01.9" in page.content.decode()
    pdf = client.get(f"/m/musterstadt/verwaltung/gewerbe/{business.public_id}/auszug.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")


def test_other_municipality_sees_nothing(client, register, beispieldorf):
    other = staff_user(beispieldorf, StaffRole.CLERK, email="clerk@beispieldorf.example")
    login_staff(client, other)
    business = register.first()
    page = client.get("/m/beispieldorf/verwaltung/gewerbe/?q=korn").content.decode()
    assert "Korn" not in page
    assert (
        client.get(f"/m/beispieldorf/verwaltung/gewerbe/{business.public_id}/").status_code == 404
    )
    url = f"/m/beispieldorf/verwaltung/gewerbe/{business.public_id}/auszug.pdf"
    assert client.get(url).status_code == 404


def test_register_needs_staff(client, citizen, register):
    client.force_login(citizen)
    assert client.get("/m/musterstadt/verwaltung/gewerbe/").status_code in (302, 403, 404)


def test_statistics_by_month_section_and_reason(client, clerk, register):
    login_staff(client, clerk)
    year = dt.date.today().year
    BusinessEvent.objects.update(valid_from=dt.date(year, 3, 10))
    page = client.get(f"/m/musterstadt/verwaltung/gewerbe/statistik/?jahr={year}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "Mär" in html
    assert "Sonstige Dienstleistungen" in html  # WZ section S (hair salon)
    assert "Neuerrichtung/Neugründung" in html
    assert client.get("/m/musterstadt/verwaltung/gewerbe/statistik/?jahr=abc").status_code == 200


def test_incoming_message_becomes_a_case(musterstadt, shared_dir):
    trade_services(musterstadt, postcodes=[])
    sample = shared_dir / "standards" / "xgewerbeanzeige-examples" / "xgwa2.2-valid.xml"
    if not sample.exists():
        pytest.skip("sample message not available")
    case = notification_receive(municipality=musterstadt, xml=sample.read_bytes())
    assert case.channel == Channel.API
    assert case.service.key.startswith("gewerbe-")
    assert case.application.data["taetigkeit"]["beschreibung"]


@pytest.mark.parametrize(
    "xml",
    [
        b"<kein xml",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b"<l>&b;&b;&b;</l>",
    ],
)
def test_bad_incoming_messages_are_refused(musterstadt, xml):
    trade_services(musterstadt)
    with pytest.raises(RathausError):
        notification_receive(municipality=musterstadt, xml=xml)
    assert not Business.objects.exists()


def test_basic_information_is_answered_automatically(musterstadt, register, citizen):
    from rathaus.cases.models import CaseState
    from rathaus.catalog.models import Service
    from rathaus.records.models import Document
    from rathaus.testing.tasks import tasks_run
    from rathaus.trade.testing import submit

    trade_services(musterstadt)
    service = Service.objects.of(musterstadt).get(key="gewerbeauskunft")
    basic = {"anfrage": {"art": "einfach", "name": "Bäckerei Korn", "email": "a@example.org"}}
    case = submit(service, basic, citizen).case
    assert case.state == CaseState.DECIDED
    tasks_run()  # the worker renders the answer
    assert Document.objects.filter(file__case=case, kind=Document.Kind.NOTICE).exists()
    extended = {
        "anfrage": {
            "art": "erweitert",
            "name": "Bäckerei Korn",
            "interesse": "Offene Rechnung Nr. 17 vom 1.2.",
            "email": "a@example.org",
        }
    }
    case = submit(service, extended, citizen).case
    assert case.state == CaseState.RECEIVED  # a clerk weighs the legitimate interest
