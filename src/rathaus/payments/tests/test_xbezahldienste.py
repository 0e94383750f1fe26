"""Online payment against the simulator on loopback: the real protocol, end to end."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from rathaus.cases.models import CaseState
from rathaus.payments.models import Payment, PaymentEvent
from rathaus.payments.signing import HEADER_SIGNATURE, sign_headers
from rathaus.payments.xbezahldienste import XBezahldiensteClient, XBezahldiensteError

from .conftest import configure
from .helpers import case_with_fee, paid_service, payment_of

pytestmark = pytest.mark.django_db

M = "/m/musterstadt"


def _start(client, payment) -> str:
    """Choose online payment; returns the simulator's pay page URL."""
    response = client.post(
        f"{M}/zahlung/{payment.public_id}/zahlungsart/", {"provider": "xbezahldienste"}
    )
    assert response.status_code == 302
    return response["Location"]


def _press(pay_page: str, action: str) -> str:
    """Press a button on the simulator's pay page; returns where it sends the browser."""
    page = requests.get(pay_page, timeout=5)
    assert page.status_code == 200 and "Bezahlen" in page.text and "Abbrechen" in page.text
    response = requests.post(pay_page, data={"action": action}, allow_redirects=False, timeout=5)
    assert response.status_code == 303
    return response.headers["Location"]


def _notify(client, notification, **headers):
    path = urlsplit(notification.url).path
    sent = {**notification.headers, **headers}
    return client.post(
        path,
        data=notification.body,
        content_type="application/json",
        headers={k: v for k, v in sent.items() if k != "Content-Type"},
    )


def test_paying_online_books_and_decides(client, fee_service, citizen, online_settings, simulator):
    case = case_with_fee(fee_service, citizen)
    payment = payment_of(case)

    pay_page = _start(client, payment)
    assert pay_page.startswith(simulator.url + "/bezahlen/")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and payment.provider_transaction_id

    back = _press(pay_page, "pay")
    assert back == f"http://testserver{M}/zahlung/{payment.public_id}/zurueck/"
    page = client.get(urlsplit(back).path, follow=True)

    assert "Vielen Dank" in page.text
    payment.refresh_from_db()
    case.refresh_from_db()
    assert payment.status == Payment.Status.PAID and payment.provider == "xbezahldienste"
    assert case.state == CaseState.DECIDED
    sent = simulator.transactions[payment.provider_transaction_id].request
    assert sent["grossAmount"] == 9600 and sent["currency"] == "EUR"
    assert sent["purpose"] == case.reference and len(sent["purpose"]) <= 27


@pytest.mark.parametrize(
    ("action", "status", "text"),
    [
        ("fail", Payment.Status.FAILED, "fehlgeschlagen"),
        ("cancel", Payment.Status.CANCELLED, "abgebrochen"),
    ],
)
def test_failed_or_cancelled_payment_can_be_tried_again(
    client, fee_service, citizen, online_settings, simulator, action, status, text
):
    case = case_with_fee(fee_service, citizen)
    payment = payment_of(case)

    back = _press(_start(client, payment), action)
    page = client.get(urlsplit(back).path, follow=True)

    payment.refresh_from_db()
    case.refresh_from_db()
    assert payment.status == status and text in page.text
    assert case.state == CaseState.RECEIVED
    # A second attempt is a new transaction, which can succeed.
    second = _start(client, payment)
    client.get(urlsplit(_press(second, "pay")).path)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert len(simulator.transactions) == 2


def test_lost_return_is_recovered_by_reconcile(
    client, fee_service, citizen, online_settings, simulator
):
    case = case_with_fee(fee_service, citizen)
    payment = payment_of(case)
    _press(_start(client, payment), "pay")  # the browser never comes back, no notification

    call_command("payments_reconcile", "--older-than", "10")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING  # too young to be looked at

    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    call_command("payments_reconcile", "--older-than", "10")

    payment.refresh_from_db()
    case.refresh_from_db()
    assert payment.status == Payment.Status.PAID and case.state == CaseState.DECIDED
    assert payment.events.filter(kind=PaymentEvent.Kind.STATUS_QUERIED).exists()


def test_signed_notification_books_once_even_when_replayed(
    client, fee_service, citizen, online_settings, simulator
):
    case = case_with_fee(fee_service, citizen)
    payment = payment_of(case)
    _press(_start(client, payment), "pay")
    notification = simulator.notifications[-1]

    first = _notify(client, notification)
    replay = _notify(client, notification)
    back = client.get(f"{M}/zahlung/{payment.public_id}/zurueck/")

    assert first.status_code == 200 and replay.status_code == 200 and back.status_code == 302
    payment.refresh_from_db()
    case.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert case.events.filter(kind="payment_received").count() == 1
    assert case.events.filter(kind="decided").count() == 1
    kinds = list(payment.events.values_list("kind", flat=True))
    assert kinds.count(PaymentEvent.Kind.BOOKED) == 1
    assert kinds.count(PaymentEvent.Kind.DUPLICATE) == 2  # the replay and the late return


def test_wrong_signature_is_refused_and_books_nothing(
    client, fee_service, citizen, online_settings, simulator
):
    case = case_with_fee(fee_service, citizen)
    payment = payment_of(case)
    _press(_start(client, payment), "pay")
    notification = simulator.notifications[-1]

    forged = _notify(client, notification, **{HEADER_SIGNATURE: "sha256=" + "0" * 64})
    unsigned = client.post(
        urlsplit(notification.url).path, data=notification.body, content_type="application/json"
    )
    other_key = _notify(client, notification, **sign_headers("guessed-secret", notification.body))
    old = _notify(
        client,
        notification,
        **sign_headers(online_settings.xbd_notification_secret, notification.body, now=0),
    )
    garbage_body = b'{"transactionId": "x", "status": "BOOKED"'
    garbage = client.post(
        urlsplit(notification.url).path,
        data=garbage_body,
        content_type="application/json",
        headers=sign_headers(online_settings.xbd_notification_secret, garbage_body),
    )

    assert [r.status_code for r in (forged, unsigned, other_key, old, garbage)] == [400] * 5
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert payment.events.filter(kind=PaymentEvent.Kind.NOTIFICATION_REFUSED).count() == 5


def test_signed_notification_about_unknown_transaction_is_not_applied(
    client, fee_service, citizen, online_settings
):
    payment = payment_of(case_with_fee(fee_service, citizen))
    body = b'{"transactionId":"made-up","status":"BOOKED"}'
    response = client.post(
        f"{M}/zahlung/{payment.public_id}/benachrichtigung/",
        data=body,
        content_type="application/json",
        headers=sign_headers(online_settings.xbd_notification_secret, body),
    )
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN


def test_return_and_notification_for_other_municipality_are_404(
    client, musterstadt, beispieldorf, citizen, simulator
):
    configure(musterstadt, simulator)
    configure(beispieldorf, simulator)
    theirs = payment_of(case_with_fee(paid_service(beispieldorf), citizen))

    assert client.get(f"{M}/zahlung/{theirs.public_id}/zurueck/").status_code == 404
    assert client.post(f"{M}/zahlung/{theirs.public_id}/benachrichtigung/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Payment.Status.OPEN


def test_platform_down_gives_a_message_not_an_error(client, fee_service, citizen, musterstadt):
    configure(
        musterstadt,
        xbezahldienste_enabled=True,
        xbd_base_url="http://127.0.0.1:9/v1",  # discard port: nothing listens
        xbd_client_id="x",
        xbd_client_secret="y",
    )
    payment = payment_of(case_with_fee(fee_service, citizen))

    response = client.post(
        f"{M}/zahlung/{payment.public_id}/zahlungsart/", {"provider": "xbezahldienste"}, follow=True
    )

    assert response.status_code == 200 and "nicht erreichbar" in response.text
    payment.refresh_from_db()
    assert payment.status == Payment.Status.OPEN
    assert payment.events.filter(kind=PaymentEvent.Kind.PROVIDER_ERROR).exists()


def test_client_reports_wrong_credentials_clearly(simulator):
    client = XBezahldiensteClient(
        base_url=simulator.base_url,
        originator_id="musterstadt",
        endpoint_id="rathaus",
        client_id="rathaus-demo",
        client_secret="wrong",
    )
    with pytest.raises(XBezahldiensteError) as error:
        client.get_transaction("abc")
    assert "HTTP 401" in str(error.value) and "Anmeldung" in str(error.value)


def test_client_refuses_invalid_transaction_ids(simulator):
    client = XBezahldiensteClient(
        base_url=simulator.base_url,
        originator_id="m",
        endpoint_id="e",
        client_id="rathaus-demo",
        client_secret="demo-client-secret",
    )
    with pytest.raises(XBezahldiensteError):
        client.get_transaction("../../etc")


def test_worker_periodic_job_queues_the_reconciliation(
    client, fee_service, citizen, online_settings, simulator, settings
):
    from django_tasks_db.models import DBTaskResult

    from rathaus.core.periodic import run_due_jobs
    from rathaus.payments import tasks

    payment = payment_of(case_with_fee(fee_service, citizen))
    _press(_start(client, payment), "pay")
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - timedelta(minutes=11))

    assert "payments.reconcile" in run_due_jobs()
    assert DBTaskResult.objects.filter(task_path__endswith="payments_reconcile_task").exists()
    assert tasks.payments_reconcile_task.call() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_pay_page_lets_its_form_lead_to_the_platform_and_nowhere_else(
    client, fee_service, citizen, online_settings, simulator
):
    """Browsers apply CSP ``form-action`` to the redirect after the form: the pay page (only it)
    allows the platform's origin."""
    payment = payment_of(case_with_fee(fee_service, citizen))
    policy = client.get(f"{M}/zahlung/{payment.public_id}/")["Content-Security-Policy"]
    form_action = next(d for d in policy.split(";") if d.strip().startswith("form-action"))
    assert simulator.url in form_action and "'self'" in form_action
    assert simulator.url not in client.get(f"{M}/")["Content-Security-Policy"]
