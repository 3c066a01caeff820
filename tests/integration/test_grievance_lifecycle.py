"""The issue's "done when", through the API: file → assigned → accept → comment → resolve →
feedback → closed, with the whole story in the history and its hash chain intact."""

from __future__ import annotations

import json

from tests.integration.conftest import bearer, post


def test_a_grievance_goes_from_filing_to_closure(api, citizen, file_grievance, consume, assignee_token, outbox):
    asha = citizen()
    filed = file_grievance(asha)
    tracking_id = filed.json_body["tracking_id"]
    assert filed.json_body["status"] == "registered"

    assert consume("route_grievances") >= 1
    mine = api.get(f"/grievances/{tracking_id}", headers=bearer(asha.access_token)).json_body
    assert mine["status"] == "assigned" and mine["department"] == "WATER" and mine["due_at"]
    assert "assigned_to" not in mine

    officer = assignee_token(tracking_id)
    steps = [
        {"action": "accept"},
        {"action": "comment", "note": "Valve at the junction is shut; crew informed."},
        {"action": "resolve", "note": "Valve reopened, supply restored."},
    ]
    for step in steps:
        response = post(api, f"/grievances/{tracking_id}/actions", step, officer)
        assert response.status_code == 200, response.body

    closed = post(api, f"/grievances/{tracking_id}/feedback", {"rating": 5}, asha.access_token)
    assert closed.status_code == 200, closed.body
    assert closed.json_body["status"] == "closed" and closed.json_body["rating"] == 5

    staff_view = api.get(f"/grievances/{tracking_id}/history", headers=bearer(officer)).json_body
    assert [e["event"] for e in staff_view["events"]] == [
        "filed",
        "assigned",
        "accepted",
        "commented",
        "resolved",
        "closed",
    ]
    assert staff_view["chain_intact"] is True

    citizen_view = api.get(f"/grievances/{tracking_id}/history", headers=bearer(asha.access_token)).json_body
    assert "commented" not in [e["event"] for e in citizen_view["events"]]
    assert all("actor_id" not in e for e in citizen_view["events"])

    texts = " ".join(m["text"] for m in outbox(asha.mobile))
    assert tracking_id in texts


def test_a_cursor_the_list_did_not_give_out_is_422_not_someone_elses_page(api, citizen, file_grievance):
    import base64
    import json

    asha, ravi = citizen(), citizen()
    for category in ("WATER_NO_SUPPLY", "ROADS_POTHOLE"):
        file_grievance(asha, category=category)
    page = api.get("/grievances?limit=1", headers=bearer(asha.access_token)).json_body
    assert page["next_cursor"]

    forged = [
        "not base64 at all!",
        base64.urlsafe_b64encode(b'{"a": 1}').decode(),
        page["next_cursor"],  # Asha's cursor, presented by Ravi
    ]
    for cursor in forged:
        response = api.get(f"/grievances?limit=1&cursor={cursor}", headers=bearer(ravi.access_token))
        assert response.status_code == 422, (cursor, response.body)
        assert response.json_body["error"]["field"] == "cursor"
    second = api.get(f"/grievances?limit=1&cursor={page['next_cursor']}", headers=bearer(asha.access_token))
    assert second.status_code == 200 and len(second.json_body["grievances"]) == 1
    assert json.dumps(second.json_body) != json.dumps(page)


def test_a_reassignment_shows_citizens_what_happened_but_no_officer_id(
    api, stack, citizen, routed_grievance, staff_token, admin_token
):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    owner = api.get(f"/grievances/{tracking_id}", headers=bearer(admin_token)).json_body["assigned_to"]
    other = next(
        a.officer_id
        for a in stack.seed.accounts
        if a.role == "officer" and (a.department, a.district) == ("WATER", "KHORDHA") and a.officer_id != owner
    )
    supervisor = staff_token("supervisor", department="WATER", district="KHORDHA")

    moved = post(api, f"/grievances/{tracking_id}/actions", {"action": "reassign", "officer_id": other}, supervisor)

    assert moved.status_code == 200 and moved.json_body["assigned_to"] == other
    for path in (f"/grievances/{tracking_id}", f"/grievances/{tracking_id}/history"):
        seen = api.get(path, headers=bearer(asha.access_token))
        assert "reassigned" in seen.body.decode()
        assert other not in seen.body.decode() and owner not in seen.body.decode()
    staff_view = api.get(f"/grievances/{tracking_id}/history", headers=bearer(supervisor)).body.decode()
    assert other in staff_view


def test_a_transfer_keeps_the_citizens_category_and_its_sla(api, citizen, routed_grievance, assignee_token, consume):
    from chalicelib.models import grievances

    tracking_id = routed_grievance(citizen(), category="WATER_NO_SUPPLY")
    before = grievances.get_grievance(tracking_id)
    moved = post(
        api,
        f"/grievances/{tracking_id}/actions",
        {"action": "transfer", "department": "ELECTRICITY", "note": "The pump has no power supply."},
        assignee_token(tracking_id),
    )
    assert moved.status_code == 200, moved.body
    consume("route_grievances")

    after = grievances.get_grievance(tracking_id)
    assert (after.department, after.category) == ("ELECTRICITY", "WATER_NO_SUPPLY")
    assert (after.sla_hours, after.round_the_clock) == (before.sla_hours, before.round_the_clock)


def test_a_reopened_grievance_whose_officer_left_goes_to_whoever_holds_the_seat(
    api, stack, citizen, routed_grievance, assignee_token, admin_token
):
    asha = citizen()
    tracking_id = routed_grievance(asha, location={"district": "BALASORE"}, category="ROADS_STREETLIGHT")
    officer = assignee_token(tracking_id)
    resolved = post(api, f"/grievances/{tracking_id}/actions", {"action": "resolve", "note": "Lamp replaced."}, officer)
    owner = resolved.json_body["assigned_to"]
    deactivated = api.request(
        method="PATCH",
        path=f"/officers/{owner}",
        headers={**bearer(admin_token), "Content-Type": "application/json"},
        body='{"active": false}',
    )
    assert deactivated.status_code == 200
    try:
        reopened = post(api, f"/grievances/{tracking_id}/reopen", {"reason": "Dark again."}, asha.access_token)
        assert reopened.status_code == 200 and reopened.json_body["status"] == "assigned"
        now_with = api.get(f"/grievances/{tracking_id}", headers=bearer(admin_token)).json_body["assigned_to"]
        seated = {
            a.officer_id
            for a in stack.seed.accounts
            if (a.role, a.department, a.district) == ("officer", "ROADS", "BALASORE")
        }
        assert now_with in seated - {owner}
    finally:
        api.request(
            method="PATCH",
            path=f"/officers/{owner}",
            headers={**bearer(admin_token), "Content-Type": "application/json"},
            body='{"active": true}',
        )


def test_each_grievance_event_is_one_business_metric(api, citizen, grievance_body, consume, capsys):
    asha = citizen()
    consume("fan_out_events")
    capsys.readouterr()

    response = post(api, "/grievances", grievance_body(), asha.access_token)
    consume("fan_out_events")  # the filing's reactions, counted where they run

    assert response.status_code == 201
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    (document,) = [d for d in emitted if d["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    names = [m["Name"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert names == ["GrievanceFiled"]
    assert document["GrievanceFiled"] in (1, 1.0, [1], [1.0])


def test_only_a_neighbour_with_the_same_problem_may_say_me_too(api, citizen, file_grievance):
    asha, stranger, neighbour = citizen(), citizen(), citizen()
    ward = {"district": "PURI", "ward": f"W-{asha.citizen_id[-6:]}"}
    tracking_id = file_grievance(asha, category="SANITATION_GARBAGE", location=ward).json_body["tracking_id"]
    file_grievance(stranger, category="ROADS_POTHOLE", location=ward)  # another problem, same ward
    file_grievance(neighbour, category="SANITATION_GARBAGE", location=ward)

    refused = post(api, f"/grievances/{tracking_id}/metoo", {}, stranger.access_token)
    counted = post(api, f"/grievances/{tracking_id}/metoo", {}, neighbour.access_token)

    assert refused.status_code == 404
    assert counted.status_code == 200 and counted.json_body["supporters"] == 1
