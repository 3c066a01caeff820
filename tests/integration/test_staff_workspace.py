"""Supervisors, department heads and the state cell list their whole jurisdiction's cases,
not only their own desk: one Query per page, refused outside the jurisdiction, cursors
good only for the list that gave them.

Each test opens a district of its own, so its seat holds only the test's cases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.domain.identity import Principal, Role
from chalicelib.services import view_grievances
from tests.integration.conftest import bearer
from tests.integration.staff import StaffMember, appoint, open_district


def listed(api, token: str, query: str = "", kind: str = "grievances") -> list[str]:
    """Every tracking id the list holds, following its cursor to the end."""
    found, cursor = [], None
    for _ in range(200):
        suffix = f"&cursor={cursor}" if cursor else ""
        response = api.get(f"/staff/{kind}?{query}{suffix}", headers=bearer(token))
        assert response.status_code == 200, response.body
        found += [case["tracking_id"] for case in response.json_body[kind]]
        cursor = response.json_body["next_cursor"]
        if cursor is None:
            return found
    raise AssertionError("the list never ended")


@dataclass
class Cases:
    district: str
    supervisor: StaffMember
    officers: dict[str, StaffMember]
    water: list[str]
    roads: str

    def __iter__(self):  # district, supervisor, water, roads
        return iter((self.district, self.supervisor, self.water, self.roads))


@pytest.fixture
def district_with_cases(api, admin_token, citizen, routed_grievance):
    """A new district with two water officers, a supervisor, and three water grievances
    (spread over both officers by the least-load rule) and one of roads."""
    district = open_district(api, admin_token)
    officers = {
        member.officer_id: member for member in (appoint(api, admin_token, district=district) for _ in range(2))
    }
    supervisor = appoint(api, admin_token, role="supervisor", district=district)
    appoint(api, admin_token, department="ROADS", district=district)
    # three residents: one citizen's second water grievance in a week would be linked to the first
    people = [citizen(address={"line": "1 Fort Road", "district": district, "pincode": "751002"}) for _ in range(3)]
    water = [
        routed_grievance(person, location={"district": district, "ward": f"W-{n}"}, description=f"Dry tap {n}.")
        for n, person in enumerate(people)
    ]
    roads = routed_grievance(people[0], category="ROADS_POTHOLE", location={"district": district, "ward": "W-9"})
    return Cases(district, supervisor, officers, water, roads)


def test_a_supervisor_lists_every_grievance_of_their_seat_newest_first(api, admin_token, district_with_cases):
    district, supervisor, water, _ = district_with_cases
    token = supervisor.log_in()

    assert listed(api, token) == list(reversed(water))  # both officers' desks, not the roads one
    owners = {api.get(f"/grievances/{t}", headers=bearer(admin_token)).json_body["assigned_to"] for t in water}
    assert len(owners) == 2  # really more than one desk
    assert listed(api, token, f"district={district}&department=WATER&limit=2") == list(reversed(water))


def test_a_supervisor_is_refused_outside_their_seat(api, district_with_cases):
    _, supervisor, _, _ = district_with_cases
    token = supervisor.log_in()

    for query in ("department=ROADS", "district=KHORDHA"):
        refused = api.get(f"/staff/grievances?{query}", headers=bearer(token))
        assert refused.status_code == 403, refused.body
        assert refused.json_body["error"]["code"] == "outside_jurisdiction"


def test_filters_narrow_the_list(api, admin_token, district_with_cases):
    district, _, water, roads = district_with_cases
    first = water[0]
    owner = api.get(f"/grievances/{first}", headers=bearer(admin_token)).json_body["assigned_to"]
    accepted = api.post(
        f"/grievances/{first}/actions",
        headers={**bearer(district_with_cases.officers[owner].log_in()), "Content-Type": "application/json"},
        body=json.dumps({"action": "accept"}),
    )
    assert accepted.status_code == 200, accepted.body

    assert listed(api, admin_token, f"district={district}&status=in_progress") == [first]
    assert listed(api, admin_token, f"district={district}&category=ROADS_POTHOLE") == [roads]
    assert listed(api, admin_token, f"district={district}&channel=sms") == []
    assert listed(api, admin_token, f"district={district}&overdue=true") == []  # nothing is late yet


def test_overdue_keeps_the_open_ones_past_their_deadline(district_with_cases):
    district, _, water, roads = district_with_cases
    state_cell = Principal("off-state-admin", Role.STATE_ADMIN)
    later = datetime.now(UTC) + timedelta(days=400)

    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = view_grievances.jurisdiction(
            state_cell,
            department=None,
            district=district,
            category=None,
            status=None,
            channel=None,
            overdue=True,
            limit=100,
            cursor=cursor,
            now=later,
        )
        seen += [g.tracking_id for g in page.cases]
        cursor = page.cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted([*water, roads])


def test_the_state_cell_walks_every_department_of_a_district(api, admin_token, district_with_cases):
    district, _, water, roads = district_with_cases

    assert sorted(listed(api, admin_token, f"district={district}&limit=1")) == sorted([*water, roads])


def test_a_department_head_sees_their_department_across_districts(api, staff_token, district_with_cases):
    district, _, water, roads = district_with_cases
    head = staff_token("department_head", department="WATER")

    assert listed(api, head, f"district={district}") == list(reversed(water))
    mine = listed(api, head, "limit=100")
    assert set(water) <= set(mine) and roads not in mine
    assert api.get("/staff/grievances?department=ROADS", headers=bearer(head)).status_code == 403


def test_a_cursor_serves_only_the_list_that_gave_it(api, admin_token, staff_token, district_with_cases):
    _, supervisor, _, _ = district_with_cases
    token = supervisor.log_in()
    cursor = api.get("/staff/grievances?limit=1", headers=bearer(token)).json_body["next_cursor"]
    assert cursor

    head = staff_token("department_head", department="ELECTRICITY")
    elsewhere = api.get(f"/staff/grievances?limit=1&cursor={cursor}", headers=bearer(head))
    garbage = api.get("/staff/grievances?cursor=bm90LWEtY3Vyc29y", headers=bearer(token))

    assert elsewhere.status_code == 422 and elsewhere.json_body["error"]["field"] == "cursor"
    assert garbage.status_code == 422 and garbage.json_body["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("department=NOWHERE", 422, "department"),
        ("district=NOWHERE", 422, "district"),
        ("status=lost", 422, "status"),
        ("limit=0", 422, "limit"),
        ("department=lower", 422, "department"),
    ],
)
def test_a_bad_query_is_refused_naming_the_field(api, admin_token, query, status, field):
    response = api.get(f"/staff/grievances?{query}", headers=bearer(admin_token))
    assert response.status_code == status, response.body
    assert response.json_body["error"]["field"] == field


def test_officers_and_citizens_have_no_jurisdiction_list(api, staff_token, citizen):
    officer = staff_token("officer", department="WATER", district="KHORDHA")
    assert api.get("/staff/grievances", headers=bearer(officer)).status_code == 403
    assert api.get("/staff/applications", headers=bearer(citizen().access_token)).status_code == 403


def test_cases_saved_before_the_seat_index_are_given_their_key_by_the_backfill(api, district_with_cases, capsys):
    from chalicelib.models.base import shared_connection
    from chalicelib.models.grievances import GrievanceRecord
    from infra import backfill_seats

    district, supervisor, water, _ = district_with_cases
    token = supervisor.log_in()
    # Given a case as saved before the release: no seat key (and its version as it was)
    before = GrievanceRecord.get(water[0])
    shared_connection().client.update_item(
        TableName=GrievanceRecord.Meta.table_name, Key={"tracking_id": {"S": water[0]}}, UpdateExpression="REMOVE seat"
    )
    assert water[0] not in listed(api, token)

    # When the operator runs the backfill
    assert backfill_seats.main(["local"]) == 0

    # Then the supervisor lists it again, and nothing else about it changed
    assert listed(api, token) == list(reversed(water))
    after = GrievanceRecord.get(water[0])
    assert (after.seat, after.version) == (f"WATER#{district}", before.version)
    assert "grievances: 1 given their seat key" in capsys.readouterr().out
    assert backfill_seats.main(["local"]) == 0  # again: nothing left to do
    assert "grievances: 0 given their seat key" in capsys.readouterr().out


# --- search ---------------------------------------------------------------------------------


def search(api, token: str, query: str):
    return api.get(f"/staff/search?{query}", headers=bearer(token))


def test_staff_find_a_case_by_tracking_id_only_within_their_jurisdiction(api, staff_token, district_with_cases):
    _, supervisor, water, roads = district_with_cases
    token = supervisor.log_in()

    found = search(api, token, f"tracking_id={water[1].lower()}")
    assert found.status_code == 200, found.body
    assert [g["tracking_id"] for g in found.json_body["grievances"]] == [water[1]]
    assert found.json_body["applications"] == []
    # the roads grievance of the same district is not a water supervisor's: as if it did not exist
    assert search(api, token, f"tracking_id={roads}").status_code == 404
    assert search(api, token, "tracking_id=OD-000000-NOSUCH").status_code == 404


def test_a_search_by_mobile_shows_what_the_caller_may_see_and_is_audited(
    api, admin_token, citizen, routed_grievance, district_with_cases
):
    district, supervisor, _, _ = district_with_cases
    person = citizen(address={"line": "2 Fort Road", "district": district, "pincode": "751002"})
    mine = routed_grievance(person, location={"district": district, "ward": "W-5"}, description="No water again.")
    elsewhere = routed_grievance(person, category="ROADS_POTHOLE", location={"district": district, "ward": "W-6"})
    token = supervisor.log_in()

    found = search(api, token, f"mobile={person.mobile.replace('+', '%2B')}")

    assert found.status_code == 200, found.body
    assert [g["tracking_id"] for g in found.json_body["grievances"]] == [mine]  # not the roads one
    (entry,) = api.get(f"/admin/audit?subject=citizen/{person.citizen_id}", headers=bearer(admin_token)).json_body[
        "entries"
    ]
    assert (entry["event"], entry["actor_id"]) == ("citizen_searched", supervisor.officer_id)
    assert entry["details"]["grievances_shown"] == [mine] and elsewhere not in json.dumps(entry)
    assert person.mobile not in json.dumps(entry) and entry["details"]["mobile"].endswith(person.mobile[-4:])


def test_a_search_for_a_mobile_nobody_holds_finds_nothing_and_is_audited_too(api, admin_token):
    found = search(api, admin_token, "mobile=9876501234")

    assert found.status_code == 200 and found.json_body == {"grievances": [], "applications": []}
    latest = api.get("/admin/audit?subject=search&limit=1", headers=bearer(admin_token)).json_body["entries"][0]
    assert latest["event"] == "citizen_searched" and latest["details"]["mobile"] == "+91XXXXXX1234"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "tracking_id"),
        ("tracking_id=OD-1&mobile=9876501234", "tracking_id"),
        ("mobile=12", "mobile"),
        ("mobile=abcdefgh", "mobile"),
    ],
)
def test_a_search_needs_exactly_one_good_key(api, admin_token, query, field):
    refused = search(api, admin_token, query)
    assert refused.status_code == 422, refused.body
    assert refused.json_body["error"]["field"] == field


def test_citizens_cannot_search(api, citizen):
    assert search(api, citizen().access_token, "mobile=9876501234").status_code == 403
