"""Holder actions and the lifecycle after issue: renewal, vehicle change, return, reminders,
moving out of the zone, visitor day passes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from rathaus.accounts.testing import login_citizen
from rathaus.applications.models import Application
from rathaus.core.errors import RathausError
from rathaus.integrations.models import OutboxMessage
from rathaus.parking import registry, services, tokens
from rathaus.parking.models import Permit, PermitStatus, RegisteredResident, VisitorPass
from rathaus.payments.models import Payment
from rathaus.payments.services import payment_mark_paid
from rathaus.postbox.models import PostboxMessage

from .conftest import ZONE
from .test_flow import BASE, fill, period, start, vehicle


@pytest.fixture
def permit(client, parking_service, resident, essen_clerk):
    """A permit issued through the real flow (application, payment, automatic decision)."""
    login_citizen(client, resident)
    public_id = start(client)
    fill(client, public_id)
    client.post(f"{BASE}/{public_id}/absenden/")
    payment_mark_paid(payment=Payment.objects.get(), provider_reference="X", actor=essen_clerk)
    return Permit.objects.get()


def test_return_invalidates_at_once(client, permit):
    token = services.permit_token(permit)
    response = client.post(f"/m/essen/parkausweis/{permit.number}/rueckgabe/")
    assert response.status_code == 302
    permit.refresh_from_db()
    assert permit.status == PermitStatus.RETURNED
    page = client.get(f"/m/essen/parkausweis/pruefen/{token}").content.decode()
    assert 'data-state="revoked"' in page
    assert PostboxMessage.objects.filter(subject__contains="zurückgegeben").exists()


def test_other_people_cannot_touch_a_permit(client, permit):
    from rathaus.testing.factories import UserFactory

    client.logout()
    login_citizen(client, UserFactory(email="mallory@example.org"))
    for path in ("rueckgabe/", "verlaengern/", "fahrzeugwechsel/", "besuch/", "pdf/"):
        assert client.get(f"/m/essen/parkausweis/{permit.number}/{path}").status_code == 404
    assert client.post(f"/m/essen/parkausweis/{permit.number}/rueckgabe/").status_code == 404
    permit.refresh_from_db()
    assert permit.status == PermitStatus.VALID


def test_vehicle_change_issues_new_permit_and_revokes_the_old(
    client, permit, essen_clerk, resident
):
    response = client.post(f"/m/essen/parkausweis/{permit.number}/fahrzeugwechsel/")
    assert response.status_code == 302
    application = Application.objects.filter(status=Application.Status.DRAFT).get()
    assert application.data["zeitraum"]["ersetzt"] == permit.number
    assert application.data["adresse"]["anschrift"]["street"] == "Admiral-Scheer-Str. 12"
    public_id = str(application.public_id)
    fill(
        client,
        public_id,
        fahrzeug=vehicle(kennzeichen="E-NE 42"),
        zeitraum=period(ersetzt=permit.number),
    )
    client.post(f"{BASE}/{public_id}/absenden/")
    payment = Payment.objects.exclude(status="paid").get()
    payment_mark_paid(payment=payment, provider_reference="Y", actor=essen_clerk)
    permit.refresh_from_db()
    new = Permit.objects.exclude(pk=permit.pk).get()
    assert new.plate == "E-NE 42" and new.replaces == permit
    assert permit.status == PermitStatus.REVOKED and "Fahrzeugwechsel" in permit.status_reason


def test_renewal_is_prefilled_and_starts_after_expiry(client, permit):
    Permit.objects.filter(pk=permit.pk).update(valid_to=timezone.localdate() + timedelta(days=20))
    permit.refresh_from_db()
    assert client.get(f"/m/essen/parkausweis/{permit.number}/verlaengern/").status_code == 200
    response = client.post(f"/m/essen/parkausweis/{permit.number}/verlaengern/")
    assert response.status_code == 302
    draft = Application.objects.filter(status=Application.Status.DRAFT).get()
    assert draft.data["fahrzeug"]["kennzeichen"] == "e ab 1234"
    assert draft.data["zeitraum"]["beginn"] == (permit.valid_to + timedelta(days=1)).isoformat()
    # the renewal passes the one-permit rule (it starts after the old one ends)
    public_id = str(draft.public_id)
    zeitraum = period(beginn=draft.data["zeitraum"]["beginn"])
    fill(client, public_id, zeitraum=zeitraum)


def test_reminder_four_weeks_before_expiry_once(permit):
    Permit.objects.filter(pk=permit.pk).update(valid_to=timezone.localdate() + timedelta(days=40))
    assert services.permits_send_reminders() == 0
    Permit.objects.filter(pk=permit.pk).update(valid_to=timezone.localdate() + timedelta(days=27))
    assert services.permits_send_reminders() == 1
    assert services.permits_send_reminders() == 0  # idempotent
    mails = [m for m in OutboxMessage.objects.all() if "läuft ab" in m.payload.get("subject", "")]
    assert len(mails) == 1
    assert f"/parkausweis/{permit.number}/verlaengern/" in mails[0].payload["body"]


def test_expiry_is_stored_and_shown(client, permit):
    token = services.permit_token(permit)
    Permit.objects.filter(pk=permit.pk).update(
        valid_from=date(2020, 1, 1), valid_to=timezone.localdate() - timedelta(days=1)
    )
    assert services.permits_expire() == 1
    assert Permit.objects.get().status == PermitStatus.EXPIRED
    page = client.get(f"/m/essen/parkausweis/pruefen/{token}").content.decode()
    assert 'data-state="expired"' in page


def test_moving_out_revokes_after_register_import(permit, essen):
    csv = (
        b"familienname;vornamen;geburtsdatum;strasse;hausnummer;plz;wohnungsstatus\n"
        b"Mustermann;Erika;12.08.1984;Lindenallee;5;45127;haupt\n"
    )
    assert registry.residents_import(municipality=essen, content=csv) == 1
    revoked = services.permits_recheck_residence(municipality=essen)
    assert [p.pk for p in revoked] == [permit.pk]
    permit.refresh_from_db()
    assert permit.status == PermitStatus.REVOKED
    assert PostboxMessage.objects.filter(subject__contains="widerrufen").exists()


def test_register_import_refuses_broken_files_as_a_whole(essen, resident):
    before = RegisteredResident.objects.count()
    bad = (
        b"familienname;vornamen;geburtsdatum;strasse;hausnummer\n"
        b"Muster;Max;31.02.1990;Weg;1\n"
        b"Muster;Moritz;1990-01-01;Weg;2\n"
    )
    with pytest.raises(RathausError, match="Zeile 2"):
        registry.residents_import(municipality=essen, content=bad)
    with pytest.raises(RathausError, match="fehlen die Spalten"):
        registry.residents_import(municipality=essen, content=b"name;street\nx;y\n")
    with pytest.raises(RathausError, match="UTF-8"):
        registry.residents_import(municipality=essen, content="ä".encode("latin-1"))
    assert RegisteredResident.objects.count() == before


def test_registry_connector_is_a_setting(settings, essen):
    settings.RATHAUS_PARKING_REGISTRY = "rathaus.parking.tests.test_holder.AlwaysSecondary"
    found = registry.registry().lookup(
        municipality=essen,
        person=registry.Person("A", "B", None),
        address=registry.RegistryAddress("X", "1"),
    )
    assert found.status == "secondary"


class AlwaysSecondary:
    def lookup(self, **_):
        return registry.Residence("secondary")


def test_visitor_passes_within_the_yearly_quota(client, permit, essen, essen_clerk):
    from rathaus.geo.models import Zone

    Zone.objects.of(essen).filter(code=ZONE).update(visitor_passes_per_year=1)
    url = f"/m/essen/parkausweis/{permit.number}/besuch/"
    today = timezone.localdate().isoformat()
    response = client.post(url, {"day": today, "plate": "D-XY 987"})
    assert response.status_code == 302 and "/zahlung/" in response["Location"]
    visitor = VisitorPass.objects.get()
    assert visitor.status == VisitorPass.Status.PENDING and visitor.fee == Decimal("2.50")
    payment = Payment.objects.get(public_id=visitor.payment_public_id)
    assert payment.handler == "parking.visitor_pass"
    payment_mark_paid(payment=payment, provider_reference="Z", actor=essen_clerk)
    visitor.refresh_from_db()
    assert visitor.status == VisitorPass.Status.VALID
    token = services.visitor_pass_token(visitor)
    assert tokens.token_verify(municipality=essen, token=token).kind == tokens.VISITOR
    page = client.get(f"/m/essen/parkausweis/pruefen/{token}").content.decode()
    assert 'data-state="valid"' in page and "D-XY 987" in page
    # quota exhausted: a clear message, no payment
    response = client.post(url, {"day": today, "plate": "D-XY 988"})
    assert response.status_code == 200 and "ausgeschöpft" in response.content.decode()
    response = client.post(url, {"day": today, "plate": "kaputt"})
    assert "kein gültiges deutsches Kennzeichen" in response.content.decode()
    assert VisitorPass.objects.count() == 1
    pdf = client.get(f"/m/essen/parkausweis/besuch/{visitor.public_id}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
