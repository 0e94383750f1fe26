"""The committed OpenAPI document matches the generated one; the spec and reference page are
served."""

from __future__ import annotations

import json

import pytest

from rathaus.api.openapi import COMMITTED, openapi_document


def test_committed_openapi_is_current():
    committed = json.loads(COMMITTED.read_text())
    generated = json.loads(json.dumps(openapi_document()))
    assert committed == generated, (
        "src/rathaus/api/openapi.json is out of date. Regenerate it with\n"
        "    .venv/bin/python -m rathaus.config.cli api_schema > src/rathaus/api/openapi.json\n"
        "and commit the file."
    )


def test_openapi_is_3_1_and_every_operation_documents_problems():
    document = openapi_document()
    assert document["openapi"] == "3.1.0"
    for path, methods in document["paths"].items():
        assert path.startswith("/api/v1/")
        for op in methods.values():
            assert "405" in op["responses"]
            if op["security"]:
                assert "401" in op["responses"] and "404" in op["responses"]


@pytest.mark.django_db
def test_served_spec_and_reference_page(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "Rathaus API"
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "GET /api/v1/cases/{reference}" in html
    assert "cdn" not in html.lower()
