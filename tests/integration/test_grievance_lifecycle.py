"""The issue's "done when", through the API: file → assigned → accept → comment → resolve →
feedback → closed, with the whole story in the history and its hash chain intact."""

from __future__ import annotations

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
