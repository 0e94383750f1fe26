"""File references with "/" (a common Aktenzeichen pattern, e.g. "22.31/2026/000001") work in
every case path of the API when the client percent-encodes them."""

from __future__ import annotations

from urllib.parse import quote

from rathaus.cases.models import CaseSettings, CaseState
from rathaus.cases.tests.helpers import submitted_case


def test_reference_with_slashes_in_every_case_path(full_api, musterstadt, dog_service, citizen):
    CaseSettings.objects.create(
        municipality=musterstadt, reference_pattern="{file_plan}/{year}/{number:06d}"
    )
    case = submitted_case(dog_service, citizen)
    assert case.reference.count("/") == 2
    ref = quote(case.reference, safe="")

    detail = full_api.get(f"/cases/{ref}")
    assert detail.status_code == 200 and detail.json()["reference"] == case.reference
    assert full_api.get(f"/cases/{ref}/history").status_code == 200
    assert full_api.get(f"/cases/{ref}/documents").status_code == 200
    started = full_api.post(f"/cases/{ref}/state", {"action": "start"}, If_Match=detail["ETag"])
    assert started.status_code == 200, started.content
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS
    note = full_api.post(f"/cases/{ref}/notes", {"text": "Rückruf vereinbart"})
    assert note.status_code == 201
    # a reference that does not exist, with or without slashes, is a 404 problem
    for missing in (quote("22.31/2026/999999", safe=""), "22.31-2026-999999"):
        response = full_api.get(f"/cases/{missing}")
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/problem+json")
    assert full_api.get(f"/cases/{ref}/nonsense").status_code == 404
