"""Property-based run (schemathesis) over every operation of the OpenAPI document, through the
real WSGI application: no server error, and every response as documented."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from rathaus.api.openapi import openapi_document

schema = schemathesis.openapi.from_dict(openapi_document())
app = get_wsgi_application()
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_in_test_transaction():
    """Like Django's test client: keep the test's database connection open across requests."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms(case, full_api, wsgi_in_test_transaction):
    response = case.call(app=app, headers={"Authorization": f"Bearer {full_api.key}"})
    case.validate_response(response, checks=CHECKS)
