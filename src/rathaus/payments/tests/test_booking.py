"""Booking: case fees wait for the payment, booking is once-only and race-safe."""

from decimal import Decimal

import pytest

from rathaus.cases.events import Kind
from rathaus.cases.models import CaseState, Outcome
from rathaus.core.errors import ErrorCode, RathausError
from rathaus.payments import services
from rathaus.payments.models import Payment, PaymentEvent
from rathaus.postbox.models import PostboxMessage

from .helpers import case_with_fee, paid_service, payment_of

pytestmark = pytest.mark.django_db


def test_submission_with_fee_opens_payment_and_waits_for_it(fee_service, citizen):
    case = case_with_fee(fee_service, citizen)

    payment = payment_of(case)
    assert case.state == CaseState.RECEIVED
    assert (payment.amount, payment.status, payment.reference) == (
        Decimal("96.00"),
        Payment.Status.OPEN,
        case.reference,
    )
    assert payment.handler == "cases.fee" and payment.handler_ref == str(case.pk)
    assert payment.municipality_id == case.municipality_id
    assert services.payment_url(payment) == f"/zahlung/{payment.public_id}/"


def test_booking_decides_automatically_once(fee_service, citizen, clerk):
    case = case_with_fee(fee_service, citizen)
    payment = payment_of(case)

    services.payment_mark_paid(payment=payment, provider_reference="Auszug 12", actor=clerk)
    services.payment_mark_paid(payment=payment, provider_reference="Auszug 12", actor=clerk)

    case.refresh_from_db()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.booked_by == clerk
    assert case.state == CaseState.DECIDED and case.outcome == Outcome.GRANTED
    assert case.decided_automatically
    kinds = list(case.events.order_by("seq").values_list("kind", flat=True))
    assert kinds.count(Kind.PAYMENT_RECEIVED) == 1 and kinds.count(Kind.DECIDED) == 1
    assert kinds.index(Kind.PAYMENT_RECEIVED) < kinds.index(Kind.DECIDED)
    assert PostboxMessage.objects.filter(case=case, subject="Zahlung eingegangen").count() == 1
    log = list(payment.events.values_list("kind", flat=True))
    assert log.count(PaymentEvent.Kind.BOOKED) == 1
    assert log.count(PaymentEvent.Kind.DUPLICATE) == 1


def test_booking_without_automatic_decision_leaves_case_to_clerk(musterstadt, citizen, clerk):
    service = paid_service(musterstadt, automatic=False)
    case = case_with_fee(service, citizen)

    services.payment_mark_paid(payment=payment_of(case), provider_reference="x", actor=clerk)

    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED
    assert case.events.filter(kind=Kind.PAYMENT_RECEIVED).count() == 1


def test_failed_checks_leave_paid_case_to_clerk(fee_service, citizen, clerk):
    case = case_with_fee(
        fee_service, citizen, check_results=[{"key": "volljaehrig", "passed": False}]
    )
    services.payment_mark_paid(payment=payment_of(case), provider_reference="x", actor=clerk)
    case.refresh_from_db()
    assert case.state == CaseState.RECEIVED


def test_no_payment_without_fee_and_automatic_decision_as_before(fee_service, citizen):
    case = case_with_fee(fee_service, citizen, fee="0.00")
    assert not Payment.objects.filter(case=case).exists()
    assert case.state == CaseState.DECIDED


def test_without_payment_setting_decides_at_once(musterstadt, citizen):
    """The definition key defaults to "none": the old behaviour stays."""
    from rathaus.catalog.services import service_definition_publish
    from rathaus.testing.factories import DEFINITIONS_DIR

    source = (DEFINITIONS_DIR / "hund-anmelden.yaml").read_text()
    source = source.replace("automatic_decision: false", "automatic_decision: true")
    service = service_definition_publish(municipality=musterstadt, source=source).service
    case = case_with_fee(service, citizen)
    assert not Payment.objects.filter(case=case).exists()
    assert case.state == CaseState.DECIDED


def test_staff_of_other_municipality_cannot_book(fee_service, citizen, beispieldorf):
    from rathaus.testing.factories import staff_user

    stranger = staff_user(beispieldorf, email="sb@beispieldorf.example")
    payment = payment_of(case_with_fee(fee_service, citizen))
    with pytest.raises(RathausError) as error:
        services.payment_mark_paid(payment=payment, provider_reference="x", actor=stranger)
    assert error.value.code == ErrorCode.NOT_FOUND
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN


def test_stale_version_is_refused(fee_service, citizen, clerk, invoice_settings):
    payment = payment_of(case_with_fee(fee_service, citizen))
    seen = payment.version
    services.payment_choose_invoice(payment=payment)
    with pytest.raises(RathausError) as error:
        services.payment_mark_paid(
            payment=payment, provider_reference="x", actor=clerk, version=seen
        )
    assert error.value.code == ErrorCode.STALE_OBJECT
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_payment_without_case_calls_its_handler_once(musterstadt, clerk):
    calls = []
    services.register_handler("test.daypass", lambda *, payment: calls.append(payment.pk))
    payment = services.payment_create(
        municipality=musterstadt,
        amount=Decimal("2.50"),
        purpose="Besuchertag",
        reference="BP-1",
        handler="test.daypass",
        handler_ref="1",
    )
    services.payment_mark_paid(payment=payment, provider_reference="bar", actor=clerk)
    services.payment_mark_paid(payment=payment, provider_reference="bar", actor=clerk)
    assert calls == [payment.pk]


def test_handler_failure_rolls_back_the_booking(musterstadt, clerk):
    def boom(*, payment):
        raise RuntimeError("handler broke")

    services.register_handler("test.boom", boom)
    payment = services.payment_create(
        municipality=musterstadt,
        amount=Decimal("1"),
        purpose="x",
        reference="R",
        handler="test.boom",
        handler_ref="",
    )
    with pytest.raises(RuntimeError):
        services.payment_mark_paid(payment=payment, provider_reference="x", actor=clerk)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    assert not payment.events.filter(kind=PaymentEvent.Kind.BOOKED).exists()


@pytest.mark.parametrize(
    ("amount", "handler"), [("0", "cases.fee"), ("-5", "cases.fee"), ("5", "unknown.handler")]
)
def test_create_refuses_bad_input(musterstadt, amount, handler):
    with pytest.raises(RathausError) as error:
        services.payment_create(
            municipality=musterstadt,
            amount=Decimal(amount),
            purpose="x",
            reference="R",
            handler=handler,
            handler_ref="1",
        )
    assert error.value.code == ErrorCode.INVALID_INPUT
