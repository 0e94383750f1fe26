"""The clerk sees on the case page whether the fee was paid (and opens the payment from there);
a case without a fee costs no payment query."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rathaus.payments import services
from rathaus.payments.tests.helpers import case_with_fee, paid_service, payment_of

M = "/m/musterstadt"


def test_case_page_shows_fee_and_payment_status(client, worker, musterstadt, citizen):
    service = paid_service(musterstadt, automatic=False)
    case = case_with_fee(service, citizen)
    payment = payment_of(case)
    client.force_login(worker)
    url = M + reverse("backoffice:case", args=[case.pk])

    page = client.get(url).content.decode()
    fee = page.split('data-testid="case-fee">', 1)[1].split("</dd>", 1)[0]
    assert "96,00 €" in fee and ">offen<" in fee
    assert reverse("payments_admin:detail", args=[payment.public_id]) in fee

    services.payment_mark_paid(payment=payment, provider_reference="Auszug 12", actor=worker)
    fee = client.get(url).content.decode().split('data-testid="case-fee">', 1)[1]
    assert fee.split("</dd>", 1)[0].count("bezahlt") == 1


def test_case_without_fee_needs_no_payment_query(client, worker, case):
    client.force_login(worker)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(M + reverse("backoffice:case", args=[case.pk])).content.decode()
    assert 'data-testid="case-fee"' not in page
    assert not any("payments_payment" in q["sql"] for q in ctx.captured_queries)
