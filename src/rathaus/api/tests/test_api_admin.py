"""The back office pages: admins register a client and see its credentials once; clerks may not;
another municipality's admin gets 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rathaus.accounts.models import StaffRole
from rathaus.accounts.testing import login_staff
from rathaus.api.models import ApiClient, WebhookDelivery
from rathaus.api.services import subscription_create
from rathaus.cases import services as case_services
from rathaus.testing.factories import staff_user

from .conftest import Api

pytestmark = pytest.mark.django_db

BASE = "/m/musterstadt/verwaltung/schnittstellen/"


def test_admin_registers_client_and_credentials_work(municipal_admin, dog_service, case):
    http = Client()
    login_staff(http, municipal_admin)
    assert http.get(BASE).status_code == 200
    response = http.post(
        BASE, {"name": "Hundesteuer", "scopes": ["cases:read"], "services": [dog_service.pk]}
    )
    assert response.status_code == 200
    html = response.content.decode()
    key = re.search(r'data-testid="api-key">([^<]+)<', html).group(1)
    client = ApiClient.objects.get(name="Hundesteuer")
    assert key not in (client.api_key_hash, client.secret_hash)  # only hashes stored
    assert Api(key).get(f"/cases/{case.reference}").status_code == 200
    page = http.get(f"{BASE}clients/{client.pk}/")
    assert key not in page.content.decode()  # shown once only
    assert case.reference in page.content.decode()  # the call log
    http.post(f"{BASE}clients/{client.pk}/widerrufen/")
    assert Api(key).get(f"/cases/{case.reference}").status_code == 401


def test_invalid_form_shows_errors(municipal_admin, dog_service):
    http = Client()
    login_staff(http, municipal_admin)
    response = http.post(BASE, {"name": "", "scopes": ["nope"]})
    assert response.status_code == 200
    assert not ApiClient.objects.exists()


def test_clerk_forbidden_and_other_admin_not_found(clerk, beispieldorf):
    http = Client()
    login_staff(http, clerk)
    assert http.get(BASE).status_code == 403
    other = staff_user(beispieldorf, StaffRole.ADMIN, email="admin@beispieldorf.example")
    http = Client()
    login_staff(http, other)
    assert http.get(BASE).status_code == 404


def test_delivery_history_and_replay(municipal_admin, full_api, case, settings):
    sub = subscription_create(
        client=full_api.client, url="http://127.0.0.1:9/hook", event_types=["case.state_changed"]
    )
    case_services.case_start(
        case=case,
        actor=case_services.ExternalActor(label="x", municipality_id=case.municipality_id),
        version=case.version,
    )
    delivery = WebhookDelivery.objects.get()
    http = Client()
    login_staff(http, municipal_admin)
    page = http.get(f"{BASE}webhooks/{sub.pk}/")
    assert page.status_code == 200 and delivery.event_id in page.content.decode()
    response = http.post(f"{BASE}zustellungen/{delivery.pk}/erneut/")
    assert response.status_code == 302


def test_demo_credentials_from_docs_work(musterstadt, dog_service, case):
    from rathaus.api.seed import seed_demo_clients

    lines: list[str] = []
    seed_demo_clients(musterstadt, lines)
    seed_demo_clients(musterstadt, lines)  # idempotent
    assert ApiClient.objects.count() == 2
    assert Api("rk_demo-musterstadt-fachverfahren-schluessel").get("/cases").status_code == 200
    http = Client()
    token = http.post(
        "/api/v1/oauth/token",
        "grant_type=client_credentials&client_id=demo-musterstadt-lesen"
        "&client_secret=rs_demo-musterstadt-lesen-geheim",
        content_type="application/x-www-form-urlencoded",
    )
    assert token.status_code == 200
    reader = Api(token.json()["access_token"])
    assert reader.get(f"/cases/{case.reference}").status_code == 200
    assert reader.post(f"/cases/{case.reference}/claim").status_code == 403
