"""The application on Essen's real zones: address → residence → vehicle → period → fee →
payment → automatic permit; and each way it can go wrong."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rathaus.accounts.testing import login_citizen
from rathaus.cases.models import Case, CaseState, Outcome
from rathaus.integrations import domain_events
from rathaus.integrations.models import OutboxMessage
from rathaus.parking.models import Permit, PermitStatus
from rathaus.payments.models import Payment
from rathaus.payments.services import payment_mark_paid
from rathaus.postbox.models import PostboxMessage
from rathaus.records.models import Document
from rathaus.testing.tasks import tasks_run

from .conftest import ZONE
from .helpers import make_permit

BASE = "/m/essen/antraege"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

ADDRESS = {
    "anschrift__street": "Admiral-Scheer-Str. 12",
    "anschrift__postcode": "45130",
    "anschrift__city": "Essen",
}
PERSON = {
    "vorname": "Erika",
    "nachname": "Mustermann",
    "geburtsdatum": "1984-08-12",
    "email": "erika@example.org",
}


def vehicle(**overrides: str) -> dict[str, object]:
    data: dict[str, object] = {
        "kennzeichen": "e ab 1234",
        "marke_modell": "VW Golf",
        "laenge": "4.284",
        "breite": "1.789",
        "nutzung": "halter",
        "zb1": SimpleUploadedFile("zb1.pdf", PDF, "application/pdf"),
    }
    data.update(overrides)
    return data


def period(**overrides: str) -> dict[str, str]:
    data = {"laufzeit": "12", "beginn": timezone.localdate().isoformat(), "ersetzt": ""}
    data.update(overrides)
    return data


def start(client) -> str:
    response = client.post(f"{BASE}/neu/bewohnerparken/")
    assert response.status_code == 302, response
    match = re.search(r"/antraege/([0-9a-f-]{36})/schritt/adresse/$", response["Location"])
    assert match, response["Location"]
    return match[1]


def post_step(client, public_id: str, key: str, data: dict[str, object]):
    return client.post(f"{BASE}/{public_id}/schritt/{key}/", data)


def fill(client, public_id: str, **overrides: dict[str, object]) -> None:
    for key, data in (
        ("adresse", ADDRESS),
        ("person", PERSON),
        ("fahrzeug", vehicle()),
        ("zeitraum", period()),
    ):
        response = post_step(client, public_id, key, {**data, **overrides.get(key, {})})
        assert response.status_code == 302, response.content.decode()[:4000]


@pytest.fixture
def events():
    seen: list[dict[str, object]] = []

    def receiver(sender, **kwargs):
        seen.append(kwargs)

    domain_events.domain_event.connect(receiver)
    yield seen
    domain_events.domain_event.disconnect(receiver)


def test_whole_flow_fee_payment_automatic_permit(
    client, parking_service, resident, essen_clerk, events
):
    login_citizen(client, resident)
    public_id = start(client)
    fill(client, public_id)
    summary = client.get(f"{BASE}/{public_id}/zusammenfassung/").content.decode()
    assert "110,00" in summary  # 4.284 m: second length band, 12 months
    response = client.post(f"{BASE}/{public_id}/absenden/")
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.state == CaseState.RECEIVED  # waits for the fee
    assert all(r["passed"] for r in case.application.check_results), case.application.check_results
    assert not Permit.objects.exists()
    payment = Payment.objects.get()
    assert payment.amount == Decimal("110.00")

    payment_mark_paid(payment=payment, provider_reference="Kontoauszug 12", actor=essen_clerk)

    case.refresh_from_db()
    assert case.state == CaseState.DECIDED and case.outcome == Outcome.GRANTED
    assert case.decided_automatically
    permit = Permit.objects.get()
    assert (permit.plate, permit.zone_code, permit.zone.code) == ("E-AB 1234", ZONE, ZONE)
    assert permit.holder == resident and permit.fee == Decimal("110.00")
    assert permit.valid_from == timezone.localdate()
    assert (permit.valid_to - permit.valid_from).days in (364, 365)
    # the PDFs (receipt, notice, permit) are the worker's: until it ran, no download
    assert permit.document is None
    assert (
        f"/parkausweis/{permit.number}/pdf/"
        not in client.get("/m/essen/parkausweis/").content.decode()
    )

    def mails() -> list[str]:
        return [m.payload["subject"] for m in OutboxMessage.objects.filter(kind="email")]

    assert not any("Ihr Bewohnerparkausweis" in subject for subject in mails())
    assert tasks_run() == 3
    permit.refresh_from_db()
    assert permit.document is not None and permit.document.file.case == case
    message = PostboxMessage.objects.get(case=case, subject="Ihr Bewohnerparkausweis")
    assert message.document == permit.document
    assert sum("Ihr Bewohnerparkausweis" in subject for subject in mails()) == 1
    generated = Document.objects.filter(file__case=case, origin=Document.Origin.SYSTEM)
    assert tasks_run() == 0 and generated.count() == 3  # a second run files nothing again
    assert [e["type"] for e in events if e["type"].startswith("parking.")] == [
        "parking.permit_issued"
    ]
    # the holder downloads the PDF and sees the permit in "Meine Parkausweise"
    page = client.get("/m/essen/parkausweis/").content.decode()
    assert permit.number in page and "E-AB 1234" in page
    pdf = client.get(f"/m/essen/parkausweis/{permit.number}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # the QR code's URL shows the permit as valid
    from rathaus.parking.services import permit_token

    check = client.get(f"/m/essen/parkausweis/pruefen/{permit_token(permit)}")
    assert 'data-state="valid"' in check.content.decode()


def test_address_outside_every_zone_is_refused_at_the_first_step(client, parking_service, resident):
    login_citizen(client, resident)
    public_id = start(client)
    response = post_step(
        client,
        public_id,
        "adresse",
        {
            "anschrift__street": "Rathausplatz 1",
            "anschrift__postcode": "45127",
            "anschrift__city": "Essen",
        },
    )
    assert response.status_code == 200
    assert "liegt in keinem Bewohnerparkgebiet" in response.content.decode()


def test_the_step_after_the_address_names_the_zone(client, parking_service, resident):
    login_citizen(client, resident)
    public_id = start(client)
    assert (
        "liegt im Bewohnerparkgebiet"
        not in client.get(f"{BASE}/{public_id}/schritt/adresse/").content.decode()
    )
    response = post_step(client, public_id, "adresse", ADDRESS)
    page = client.get(response["Location"]).content.decode()
    assert f"(Zone {ZONE})" in page and "liegt im Bewohnerparkgebiet" in page


def test_plate_format_and_over_length_vehicle(client, parking_service, resident):
    login_citizen(client, resident)
    public_id = start(client)
    post_step(client, public_id, "adresse", ADDRESS)
    post_step(client, public_id, "person", PERSON)
    response = post_step(client, public_id, "fahrzeug", vehicle(kennzeichen="EAB1234"))
    assert response.status_code == 200
    assert "kein gültiges deutsches Kennzeichen" in response.content.decode()
    response = post_step(client, public_id, "fahrzeug", vehicle(laenge="5.61"))
    assert response.status_code == 200
    assert "über 5,6 m" in response.content.decode()


def test_duplicate_permit_for_plate_or_person_is_refused(client, parking_service, resident, essen):
    make_permit(
        essen,
        plate="E-AB 1234",
        holder_name="Jemand Anderes",
        holder_birth_date=None,
        valid_to=timezone.localdate() + timezone.timedelta(days=20),
    )
    login_citizen(client, resident)
    public_id = start(client)
    post_step(client, public_id, "adresse", ADDRESS)
    post_step(client, public_id, "person", PERSON)
    post_step(client, public_id, "fahrzeug", vehicle())
    response = post_step(client, public_id, "zeitraum", period())
    assert response.status_code == 200
    assert "bereits einen gültigen Bewohnerparkausweis für das Kennzeichen" in (
        response.content.decode()
    )
    # a renewal starting after the old permit ends is fine
    other = Permit.objects.get()
    later = (other.valid_to + timezone.timedelta(days=1)).isoformat()
    assert post_step(client, public_id, "zeitraum", period(beginn=later)).status_code == 302
    # the same person with another car in the same period is refused
    Permit.objects.update(
        holder_name="Erika Mustermann", holder_birth_date="1984-08-12", plate_key="X"
    )
    post_step(client, public_id, "fahrzeug", vehicle(kennzeichen="E-ZZ 9"))
    response = post_step(client, public_id, "zeitraum", period())
    assert "bereits einen gültigen Bewohnerparkausweis für Sie" in response.content.decode()


@pytest.mark.parametrize("allowed", [False, True])
def test_secondary_residence_goes_to_a_clerk_unless_the_zone_allows_it(
    client, parking_service, resident, essen, essen_clerk, allowed
):
    from rathaus.geo.models import Zone

    Zone.objects.of(essen).filter(code=ZONE).update(secondary_residence_allowed=allowed)
    from rathaus.parking.models import RegisteredResident

    RegisteredResident.objects.update(residence="secondary")
    login_citizen(client, resident)
    public_id = start(client)
    fill(client, public_id)
    client.post(f"{BASE}/{public_id}/absenden/")
    payment_mark_paid(payment=Payment.objects.get(), provider_reference="X", actor=essen_clerk)
    case = Case.objects.get()
    if allowed:
        assert case.state == CaseState.DECIDED and Permit.objects.count() == 1
    else:
        assert case.state == CaseState.RECEIVED and not Permit.objects.exists()
        failed = [r for r in case.application.check_results if not r["passed"]]
        assert [r["key"] for r in failed] == ["melderegister"]
        assert "Nebenwohnung" in failed[0]["message"]
        # the clerk sees it among the manual reviews, with the reason
        from rathaus.accounts.testing import login_staff

        client.logout()
        login_staff(client, essen_clerk)
        page = client.get("/m/essen/verwaltung/parkausweise/pruefungen/").content.decode()
        assert case.reference in page and "Nebenwohnung" in page
        # and a clerk's positive decision issues the permit too
        from rathaus.cases.services import case_decide, case_start

        case = case_start(case=case, actor=essen_clerk, version=case.version)
        case_decide(
            case=case,
            actor=essen_clerk,
            version=case.version,
            outcome=Outcome.GRANTED,
            reasons="Nebenwohnung nachgewiesen.",
        )
        assert Permit.objects.get().status == PermitStatus.VALID


def test_not_in_register_goes_to_clerk(client, parking_service, resident, essen_clerk):
    from rathaus.parking.models import RegisteredResident

    RegisteredResident.objects.all().delete()
    login_citizen(client, resident)
    public_id = start(client)
    fill(client, public_id)
    client.post(f"{BASE}/{public_id}/absenden/")
    payment_mark_paid(payment=Payment.objects.get(), provider_reference="X", actor=essen_clerk)
    assert Case.objects.get().state == CaseState.RECEIVED
    assert not Permit.objects.exists()
