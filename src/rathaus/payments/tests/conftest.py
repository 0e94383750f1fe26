from collections.abc import Iterator

import pytest

from rathaus.payments.models import PaymentSettings
from rathaus.payments.simulator import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_NOTIFICATION_SECRET,
    Simulator,
)

from .helpers import paid_service


@pytest.fixture
def fee_service(musterstadt):
    return paid_service(musterstadt)


def configure(municipality, simulator=None, **extra) -> PaymentSettings:
    defaults = {
        "invoice_enabled": True,
        "recipient": f"Stadtkasse {municipality.name}",
        "iban": "DE02120300000000202051",
        "bic": "BYLADEM1001",
    }
    if simulator is not None:
        defaults.update(
            xbezahldienste_enabled=True,
            xbd_base_url=simulator.base_url,
            xbd_originator_id=municipality.slug,
            xbd_endpoint_id="rathaus",
            xbd_client_id=DEMO_CLIENT_ID,
            xbd_client_secret=DEMO_CLIENT_SECRET,
            xbd_notification_secret=DEMO_NOTIFICATION_SECRET,
        )
    defaults.update(extra)
    settings, _ = PaymentSettings.objects.update_or_create(
        municipality=municipality, defaults=defaults
    )
    return settings


@pytest.fixture
def simulator() -> Iterator[Simulator]:
    sim = Simulator(send_notifications=False).start()
    yield sim
    sim.stop()


@pytest.fixture
def invoice_settings(musterstadt):
    return configure(musterstadt)


@pytest.fixture
def online_settings(musterstadt, simulator):
    return configure(musterstadt, simulator)
