"""Webhook targets: public HTTPS only unless the operator allows internal receivers."""

import pytest

from rathaus.api.egress import ensure_public_target
from rathaus.core.errors import RathausError


@pytest.fixture
def strict(settings):
    settings.RATHAUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False


@pytest.mark.parametrize(
    "url",
    [
        "http://receiver.example.org/hook",  # not https
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10:8443/hook",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[::1]/hook",
        "https://localhost/hook",  # resolves to loopback
        "https://name.that.does.not.resolve.invalid/hook",
    ],
)
def test_internal_or_insecure_targets_are_refused(strict, url):
    with pytest.raises(RathausError):
        ensure_public_target(url)


def test_a_public_https_address_is_allowed(strict):
    ensure_public_target("https://93.184.215.14/hook")  # a literal public address: no DNS needed


def test_operator_may_allow_internal_receivers(settings):
    settings.RATHAUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS = True
    ensure_public_target("http://127.0.0.1:9000/hook")


def test_api_refuses_an_internal_webhook_url_with_422(full_api, settings):
    settings.RATHAUS_WEBHOOK_ALLOW_PRIVATE_NETWORKS = False
    response = full_api.post(
        "/webhooks", {"url": "https://127.0.0.1:9/hook", "event_types": ["case.decided"]}
    )
    assert response.status_code == 422
    assert "interne Adresse" in response.json()["detail"]
