"""Isolation by record: who sees and touches one grievance and one application, by the
viewer's role and their relation to the record (its owner, its officer, the same seat, the
same department elsewhere, another department in the same district, the state cell).
`test_access_matrix.py` holds each route's roles; this holds each record's reach
(`chalicelib/domain/access.py`): a "no" to an existing record answers exactly as an unknown
tracking id would, so probing reveals nothing.

Everything here happens in two districts of this module's own, so no other test's officer
is ever the least loaded one."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.conftest import bearer, post
from tests.integration.documents import FIELDS, SERVICE, upload
from tests.integration.staff import appoint, open_district

SEEN, HIDDEN, NOT_YOUR_ROLE = 200, 404, 403


@dataclass
class World:
    tokens: dict[str, str]
    grievance: str
    application: str
    unknown_grievance: str = "OD-000000-AAAAAA"
    unknown_application: str = "OD-APP-000000-AAAAAA"


# Who looks, and at a grievance / an application of the owner, filed in district A with WATER.
VIEWERS = {
    "owner": "the citizen who filed it",
    "other citizen": "another registered citizen",
    "its officer": "the WATER officer of district A it is assigned to",
    "officer, same seat": "another WATER officer of district A",
    "officer, other district": "a WATER officer of district B",
    "supervisor, same seat": "the WATER supervisor of district A",
    "supervisor, other district": "the WATER supervisor of district B",
    "supervisor, other department": "the ELECTRICITY supervisor of district A",
    "head, same department": "the WATER department head",
    "head, other department": "the ELECTRICITY department head",
    "state cell": "the state grievance cell",
}
READERS = {"owner", "its officer", "supervisor, same seat", "head, same department", "state cell"}
STAFF_READERS = READERS - {"owner"}
CITIZENS = {"owner", "other citizen"}


@pytest.fixture(scope="module")
def built() -> dict[str, World]:
    return {}


@pytest.fixture
def world(built, api, citizen, staff_token, consume) -> World:
    """Built once per module (the records and staff are only read after)."""
    if "world" not in built:
        built["world"] = build_world(api, citizen, staff_token, consume)
    return built["world"]


def build_world(api: Any, citizen: Any, staff_token: Any, consume: Any) -> World:
    admin = staff_token("state_admin")
    district_a, district_b = open_district(api, admin), open_district(api, admin)
    tokens: dict[str, str] = {"state cell": admin}
    # The only WATER officer of A when the records arrive: both are given to them.
    tokens["its officer"] = appoint(api, admin, district=district_a).log_in()
    owner, other = citizen(), citizen()
    tokens["owner"], tokens["other citizen"] = owner.access_token, other.access_token
    grievance = {
        "category": "WATER_NO_SUPPLY",
        "description": "No water for three days.",
        "location": {"district": district_a},
    }
    filed = post(api, "/grievances", grievance, owner.access_token)
    assert filed.status_code == 201, filed.json_body
    consume("route_grievances")
    documents = {slot: upload(api, owner, slot) for slot in ("proof_of_ownership", "identity_proof")}
    application = {"service_code": SERVICE, "fields": FIELDS, "documents": documents, "district": district_a}
    applied = post(api, "/applications", application, owner.access_token)
    assert applied.status_code == 201, applied.json_body

    tokens["officer, same seat"] = appoint(api, admin, district=district_a).log_in()
    tokens["officer, other district"] = appoint(api, admin, district=district_b).log_in()
    tokens["supervisor, same seat"] = appoint(api, admin, district=district_a, role="supervisor").log_in()
    tokens["supervisor, other district"] = appoint(api, admin, district=district_b, role="supervisor").log_in()
    tokens["supervisor, other department"] = appoint(
        api, admin, district=district_a, role="supervisor", department="ELECTRICITY"
    ).log_in()
    tokens["head, same department"] = staff_token("department_head", department="WATER")
    tokens["head, other department"] = staff_token("department_head", department="ELECTRICITY")
    world = World(tokens, filed.json_body["tracking_id"], applied.json_body["tracking_id"])
    seen = api.get(f"/grievances/{world.grievance}", headers=bearer(admin)).json_body
    assert seen["status"] == "assigned", seen  # routed, so "its officer" is really its officer
    return world


def read(api: Any, path: str, token: str) -> Any:
    return api.get(path, headers=bearer(token))


def act(api: Any, path: str, token: str, body: dict[str, Any]) -> Any:
    return api.post(path, headers={**bearer(token), "Content-Type": "application/json"}, body=json.dumps(body))


def expected_read(viewer: str) -> int:
    return SEEN if viewer in READERS else HIDDEN


def expected_staff_only(viewer: str) -> int:
    if viewer in CITIZENS:
        return NOT_YOUR_ROLE
    return SEEN if viewer in STAFF_READERS else HIDDEN


# (route, how the viewer calls it, the status each viewer gets)
ROUTES = {
    "GET /grievances/{id}": (lambda api, w, t: read(api, f"/grievances/{w.grievance}", t), expected_read),
    "GET /grievances/{id}/history": (
        lambda api, w, t: read(api, f"/grievances/{w.grievance}/history", t),
        expected_read,
    ),
    "GET /grievances/{id}/notifications": (
        lambda api, w, t: read(api, f"/grievances/{w.grievance}/notifications", t),
        expected_staff_only,
    ),
    "POST /grievances/{id}/actions comment": (
        lambda api, w, t: act(api, f"/grievances/{w.grievance}/actions", t, {"action": "comment", "note": "Seen."}),
        expected_staff_only,
    ),
    "GET /applications/{id}": (lambda api, w, t: read(api, f"/applications/{w.application}", t), expected_read),
    "GET /applications/{id}/documents/{slot}": (
        lambda api, w, t: read(api, f"/applications/{w.application}/documents/identity_proof", t),
        expected_read,
    ),
}


@pytest.mark.parametrize("viewer", sorted(VIEWERS))
@pytest.mark.parametrize("route", sorted(ROUTES))
def test_each_viewer_reaches_exactly_the_records_of_their_reach(api, world, route, viewer):
    call, expected = ROUTES[route]

    response = call(api, world, world.tokens[viewer])

    assert response.status_code == expected(viewer), (VIEWERS[viewer], response.json_body)
    if response.status_code == HIDDEN:
        # exactly what an unknown tracking id answers: nothing tells that the record exists
        unknown = World(world.tokens, world.unknown_grievance, world.unknown_application)
        assert response.json_body == call(api, unknown, world.tokens[viewer]).json_body


def test_the_matrix_covers_every_relation_and_every_record_route():
    assert len(VIEWERS) * len(ROUTES) == 66
    assert set(VIEWERS) >= READERS and set(VIEWERS) >= CITIZENS
