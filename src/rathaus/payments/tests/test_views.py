"""The payer's pages and the staff list, with invoices (bank transfer)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rathaus.accounts.testing import login_citizen, login_staff
from rathaus.cases.models import CaseState
from rathaus.payments.models import Payment
from rathaus.testing.factories import staff_user

from .conftest import configure
from .helpers import case_with_fee, paid_service, payment_of

pytestmark = pytest.mark.django_db

M = "/m/musterstadt"


def test_confirmation_and_postbox_lead_to_the_payment_page(client, fee_service, citizen):
    case = case_with_fee(fee_service, citizen)
    payment = payment_of(case)
    login_citizen(client, citizen)

    page = client.get(f"{M}/antraege/{case.application.public_id}/eingereicht/")
    postbox = client.get(f"{M}/postfach/vorgang/{case.pk}/")

    link = f'href="{M}/zahlung/{payment.public_id}/"'
    assert page.status_code == 200 and "Jetzt bezahlen" in page.text and link in page.text
    assert postbox.status_code == 200 and link in postbox.text


def test_invoice_shows_bank_details_and_goes_pending(
    client, fee_service, citizen, invoice_settings
):
    payment = payment_of(case_with_fee(fee_service, citizen))
    url = f"{M}/zahlung/{payment.public_id}/"

    before = client.get(url)
    response = client.post(f"{url}zahlungsart/", {"provider": "invoice"})
    after = client.get(url)

    assert "Per Überweisung bezahlen" in before.text and "DE0212" not in before.text
    assert response.status_code == 302 and response["Location"] == url
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.provider == "invoice"
    assert "DE02120300000000202051" in after.text and payment.reference in after.text
    assert "Stadtkasse Musterstadt" in after.text


def test_unknown_or_disabled_provider_gives_a_message_not_an_error(client, fee_service, citizen):
    configure(fee_service.municipality, invoice_enabled=False)
    payment = payment_of(case_with_fee(fee_service, citizen))
    url = f"{M}/zahlung/{payment.public_id}/"

    for provider in ("invoice", "xbezahldienste", "bitcoin", ""):
        response = client.post(f"{url}zahlungsart/", {"provider": provider}, follow=True)
        assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    assert "Zahlungsart" in response.text


def test_payment_page_of_other_municipality_is_404(client, fee_service, citizen, beispieldorf):
    payment = payment_of(case_with_fee(fee_service, citizen))
    assert client.get(f"/m/beispieldorf/zahlung/{payment.public_id}/").status_code == 404
    assert client.get(f"{M}/zahlung/00000000-0000-0000-0000-000000000000/").status_code == 404
    response = client.post(
        f"/m/beispieldorf/zahlung/{payment.public_id}/zahlungsart/", {"provider": "invoice"}
    )
    assert response.status_code == 404


def test_clerk_searches_and_books_a_transfer(client, fee_service, citizen, clerk, invoice_settings):
    case = case_with_fee(fee_service, citizen)
    payment = payment_of(case)
    other = case_with_fee(fee_service, citizen)
    login_staff(client, clerk)

    listing = client.get(f"{M}/verwaltung/zahlungen/", {"q": case.reference})
    assert listing.status_code == 200
    assert case.reference in listing.text and other.reference not in listing.text

    detail = client.get(f"{M}/verwaltung/zahlungen/{payment.public_id}/")
    assert detail.status_code == 200 and "Zahlungseingang buchen" in detail.text
    book = f"{M}/verwaltung/zahlungen/{payment.public_id}/buchen/"
    empty = client.post(book, {"provider_reference": "", "version": payment.version})
    assert empty.status_code == 400
    response = client.post(book, {"provider_reference": "Auszug 7", "version": payment.version})
    assert response.status_code == 302
    again = client.post(book, {"provider_reference": "Auszug 7", "version": payment.version})
    assert again.status_code == 302

    payment.refresh_from_db()
    case.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.provider_reference == "Auszug 7"
    assert case.state == CaseState.DECIDED
    assert case.events.filter(kind="payment_received").count() == 1


def test_stale_booking_form_gets_409(client, fee_service, citizen, clerk, invoice_settings):
    from rathaus.payments.services import payment_choose_invoice

    payment = payment_of(case_with_fee(fee_service, citizen))
    seen = payment.version
    payment_choose_invoice(payment=payment)
    login_staff(client, clerk)
    response = client.post(
        f"{M}/verwaltung/zahlungen/{payment.public_id}/buchen/",
        {"provider_reference": "x", "version": seen},
    )
    assert response.status_code == 409
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_staff_list_is_tenant_isolated(client, musterstadt, beispieldorf, citizen, clerk):
    mine = case_with_fee(paid_service(musterstadt), citizen)
    theirs = case_with_fee(paid_service(beispieldorf), citizen)
    stranger = staff_user(beispieldorf, email="sb@beispieldorf.example")
    login_staff(client, clerk)

    listing = client.get(f"{M}/verwaltung/zahlungen/", {"status": "alle"})
    foreign = client.get(f"{M}/verwaltung/zahlungen/{payment_of(theirs).public_id}/")
    foreign_book = client.post(
        f"{M}/verwaltung/zahlungen/{payment_of(theirs).public_id}/buchen/",
        {"provider_reference": "x", "version": 1},
    )

    assert str(payment_of(mine).public_id) in listing.text
    assert str(payment_of(theirs).public_id) not in listing.text
    assert listing.text.count('data-testid="payment-row"') == 1
    assert foreign.status_code == 404 and foreign_book.status_code == 404
    assert payment_of(theirs).status == Payment.Status.OPEN

    client.logout()
    login_staff(client, stranger)
    assert client.get(f"{M}/verwaltung/zahlungen/").status_code == 404


def test_citizen_cannot_open_staff_list(client, citizen, musterstadt):
    login_citizen(client, citizen)
    response = client.get(f"{M}/verwaltung/zahlungen/")
    assert response.status_code in (302, 403, 404)


def test_staff_list_query_count_does_not_grow(client, fee_service, citizen, clerk):
    login_staff(client, clerk)
    case_with_fee(fee_service, citizen)
    client.get(f"{M}/verwaltung/zahlungen/")
    with CaptureQueriesContext(connection) as few:
        assert client.get(f"{M}/verwaltung/zahlungen/").status_code == 200
    for _ in range(5):
        case_with_fee(fee_service, citizen)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{M}/verwaltung/zahlungen/")
    assert response.text.count('data-testid="payment-row"') == 6
    assert len(many) == len(few)
