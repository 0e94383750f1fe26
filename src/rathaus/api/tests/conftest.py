"""Fixtures for the API tests: clients with credentials, a Django test client speaking JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from rathaus.api.models import Scope
from rathaus.api.services import client_create
from rathaus.cases.tests.helpers import submitted_case
from rathaus.testing.factories import publish_service


class Api:
    """A thin JSON client for ``/api/v1`` with a fixed credential."""

    def __init__(self, key: str, host: str = "testserver") -> None:
        self.key = key
        self.http = Client(HTTP_HOST=host)

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **(extra or {})}

    def get(self, path: str, **headers: str) -> Any:
        return self.http.get("/api/v1" + path, headers=self.headers(headers))

    def post(self, path: str, body: Any = None, raw: bytes | None = None, **headers: str) -> Any:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.http.post(
            "/api/v1" + path,
            data=data,
            content_type=headers.pop("content_type", "application/json"),
            headers=self.headers(headers),
        )

    def patch(self, path: str, body: Any, **headers: str) -> Any:
        return self.http.patch(
            "/api/v1" + path,
            data=json.dumps(body),
            content_type="application/json",
            headers=self.headers(headers),
        )

    def delete(self, path: str) -> Any:
        return self.http.delete("/api/v1" + path, headers=self.headers())


def make_api(municipality, scopes, services=()) -> tuple[Api, Any]:
    client, credentials = client_create(
        municipality=municipality,
        name="Hundesteuer-Fachverfahren",
        scopes=scopes,
        services=services,
        actor=None,
    )
    return Api(credentials.api_key), client


@pytest.fixture
def full_api(musterstadt, dog_service):
    api, client = make_api(musterstadt, Scope.values)
    api.client = client  # type: ignore[attr-defined]
    return api


@pytest.fixture
def read_api(musterstadt, dog_service):
    return make_api(musterstadt, [Scope.CASES_READ])[0]


@pytest.fixture
def dorf_case(beispieldorf):
    service = publish_service(beispieldorf, "hund-anmelden")
    found = submitted_case(service)
    # references are unique per municipality only: make this one differ from Musterstadt's
    type(found).objects.filter(pk=found.pk).update(reference="BD-2026-000001")
    found.refresh_from_db()
    return found


@pytest.fixture
def case(dog_service, citizen):
    """A submitted dog-licence case of the citizen, in state "eingegangen"."""
    return submitted_case(dog_service, citizen)
