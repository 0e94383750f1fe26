"""Two confirmations at the same moment (PostgreSQL: real row locks) book once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from rathaus.payments import services
from rathaus.payments.models import Payment, PaymentEvent


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_book_once(musterstadt, clerk):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    calls: list[int] = []
    entered = threading.Barrier(4)

    def handler(*, payment):
        calls.append(payment.pk)

    services.register_handler("test.concurrent", handler)
    payment = services.payment_create(
        municipality=musterstadt,
        amount=Decimal("30.70"),
        purpose="Parallel",
        reference="P-1",
        handler="test.concurrent",
        handler_ref="1",
    )
    errors: list[BaseException] = []

    def confirm() -> None:
        try:
            entered.wait(timeout=10)
            services.payment_mark_paid(payment=payment, provider_reference="x", actor=clerk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert calls == [payment.pk]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert payment.events.filter(kind=PaymentEvent.Kind.BOOKED).count() == 1
    assert payment.events.filter(kind=PaymentEvent.Kind.DUPLICATE).count() == 3
