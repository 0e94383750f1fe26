"""The simulator delivers its signed notification over real HTTP to a running Rathaus."""

from urllib.parse import urlsplit

import pytest
import requests

from rathaus.cases.models import CaseState
from rathaus.payments import services
from rathaus.payments.models import Payment
from rathaus.payments.simulator import Simulator

from .conftest import configure
from .helpers import case_with_fee, paid_service, payment_of


@pytest.mark.django_db(transaction=True)
def test_notification_over_http_books_without_the_browser(live_server, musterstadt, citizen):
    simulator = Simulator(send_notifications=True).start()
    try:
        configure(musterstadt, simulator)
        case = case_with_fee(paid_service(musterstadt), citizen)
        payment = payment_of(case)
        base = f"{live_server.url}/m/musterstadt/zahlung/{payment.public_id}"
        pay_page = services.payment_start_online(
            payment=payment,
            return_url=f"{base}/zurueck/",
            notification_url=f"{base}/benachrichtigung/",
        )

        response = requests.post(
            pay_page, data={"action": "pay"}, allow_redirects=False, timeout=10
        )

        assert response.status_code == 303
        assert urlsplit(response.headers["Location"]).path.endswith("/zurueck/")
        notification = simulator.notifications[-1]
        assert notification.delivered, notification.error
        payment.refresh_from_db()
        case.refresh_from_db()
        assert payment.status == Payment.Status.PAID
        assert case.state == CaseState.DECIDED
    finally:
        simulator.stop()
