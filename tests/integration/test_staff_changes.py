"""Staff changes on the real handlers against moto: an officer switched off or re-posted
hands their open grievances and applications to the next owner of the seat (deadlines
kept, each move on the case's trail, the new owner and the citizen told); a department head
stays within their department and does not undo the state cell; every change is on the
administrative trail.

Each test opens a district of its own (PUT /districts) and appoints its staff there, so the
seat's occupants — and who the least-load rule picks — are the test's alone."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.models import applications, case_store, grievances
from tests.integration.conftest import Person, bearer, post, unique_mobile
from tests.integration.documents import FIELDS, SERVICE, upload
from tests.integration.staff import StaffMember, appoint, open_district


def patch(api, officer_id: str, body: Any, token: str):
    return api.request(
        method="PATCH",
        path=f"/officers/{officer_id}",
        headers={**bearer(token), "Content-Type": "application/json"},
        body=json.dumps(body),
    )


@dataclass
class Seated:
    member: StaffMember
    mobile: str

    @property
    def officer_id(self) -> str:
        return self.member.officer_id


@dataclass
class Seat:
    """A water seat in a district of the test's own: its officers and supervisor."""

    district: str
    officers: list[Seated]
    supervisor: Seated | None


@pytest.fixture
def water_seat(api, admin_token):
    def make(officers: int = 2, supervisor: bool = True) -> Seat:
        district = open_district(api, admin_token)

        def seat(role: str) -> Seated:
            mobile = unique_mobile()
            return Seated(appoint(api, admin_token, role=role, district=district, mobile=mobile), mobile)

        return Seat(district, [seat("officer") for _ in range(officers)], seat("supervisor") if supervisor else None)

    return make


@pytest.fixture
def resident(citizen):
    """A citizen living in a district (their applications are served there)."""

    def make(district: str) -> Person:
        return citizen(address={"line": "1 Fort Road", "district": district, "pincode": "751002"})

    return make


def grievance_in(routed_grievance, person: Person, district: str) -> str:
    return routed_grievance(person, location={"district": district, "ward": f"W-{uuid.uuid4().hex[:4]}"})


def history(api, tracking_id: str, token: str) -> list[dict]:
    """A grievance's trail (GET .../history) or an application's (its timeline), checked intact."""
    path = f"/applications/{tracking_id}" if "-APP-" in tracking_id else f"/grievances/{tracking_id}/history"
    response = api.get(path, headers=bearer(token))
    assert response.status_code == 200, response.body
    body = response.json_body
    assert body["chain_intact"] is True
    return list(body["timeline"] if "timeline" in body else body["events"])


def texts_about(outbox, recipient: str, tracking_id: str) -> list[str]:
    return [m["text"] for m in outbox(recipient) if tracking_id in (m.get("text") or "")]


# --- deactivation ---------------------------------------------------------------------------


def test_a_deactivated_officers_grievance_goes_to_the_other_officer_of_the_seat_with_its_date_kept(
    api, admin_token, water_seat, resident, routed_grievance, outbox
):
    # Given a seat of two officers, and a grievance routed to one of them
    seat = water_seat()
    asha = resident(seat.district)
    tracking_id = grievance_in(routed_grievance, asha, seat.district)
    before = grievances.get_grievance(tracking_id)
    assert before is not None and before.assignee_id in {o.officer_id for o in seat.officers}
    leaving = next(o for o in seat.officers if o.officer_id == before.assignee_id)
    staying = next(o for o in seat.officers if o.officer_id != before.assignee_id)

    # When the state cell switches the owner off
    answer = patch(api, leaving.officer_id, {"active": False}, admin_token)

    # Then the grievance is the other officer's, at the same level, with the same deadlines and timer
    assert answer.status_code == 200, answer.body
    assert answer.json_body["active"] is False
    assert answer.json_body["handed_over"] == [{"tracking_id": tracking_id, "to_officer": staying.officer_id}]
    assert answer.json_body["handover_complete"] is True
    after = grievances.get_grievance(tracking_id)
    assert after is not None and after.assignee_id == staying.officer_id
    assert (after.status, after.level, after.due_at, after.warn_at, after.timer_seq) == (
        before.status,
        before.level,
        before.due_at,
        before.warn_at,
        before.timer_seq,
    )
    # And the move is on the grievance's own trail, officers named for staff only
    (entry,) = [e for e in history(api, tracking_id, admin_token) if e["event"] == "handed_over"]
    assert entry["details"] == {
        "from_officer": leaving.officer_id,
        "to_officer": staying.officer_id,
        "reason": "officer_deactivated",
    }
    citizens_view = api.get(f"/grievances/{tracking_id}/history", headers=bearer(asha.access_token)).body.decode()
    assert "handed_over" in citizens_view
    assert leaving.officer_id not in citizens_view and staying.officer_id not in citizens_view
    # And the new owner and the citizen are told
    assert any("handed over to you" in text for text in texts_about(outbox, staying.mobile, tracking_id))
    assert any("another officer" in text for text in texts_about(outbox, asha.mobile, tracking_id))
    assert texts_about(outbox, leaving.mobile, tracking_id) == []  # the leaving officer hears nothing of it
    # And the open loads routing counts on moved with it
    loads = case_store.open_loads([leaving.officer_id, staying.officer_id])
    assert (loads[leaving.officer_id][0], loads[staying.officer_id][0]) == (0, 1)


def test_with_no_officer_left_in_the_seat_the_grievance_goes_to_the_supervisor(
    api, admin_token, water_seat, resident, routed_grievance, outbox
):
    seat = water_seat(officers=1)
    (only,), supervisor = seat.officers, seat.supervisor
    assert supervisor is not None
    tracking_id = grievance_in(routed_grievance, resident(seat.district), seat.district)
    due_before = grievances.get_grievance(tracking_id).due_at  # type: ignore[union-attr]

    answer = patch(api, only.officer_id, {"active": False}, admin_token)

    assert answer.status_code == 200, answer.body
    assert answer.json_body["handed_over"] == [{"tracking_id": tracking_id, "to_officer": supervisor.officer_id}]
    after = grievances.get_grievance(tracking_id)
    assert after is not None and (after.assignee_id, after.level, after.due_at) == (
        supervisor.officer_id,
        0,
        due_before,
    )
    assert texts_about(outbox, supervisor.mobile, tracking_id)

    # And when its deadline passes, it climbs past the supervisor who already holds it
    from chalicelib.services.grievance_timers import TimerMessage, handle_timer_event

    message = TimerMessage("sla_breached", tracking_id, after.level, after.timer_seq)
    assert handle_timer_event(message, now=after.due_at + timedelta(seconds=1)) == "escalated"
    escalated = grievances.get_grievance(tracking_id)
    assert escalated is not None and escalated.level == 1
    assert escalated.assignee_id not in {supervisor.officer_id, only.officer_id}


def test_repeating_the_request_moves_nothing_twice_and_reactivation_brings_nothing_back(
    api, admin_token, water_seat, resident, routed_grievance
):
    seat = water_seat()
    tracking_id = grievance_in(routed_grievance, resident(seat.district), seat.district)
    owner = grievances.get_grievance(tracking_id).assignee_id  # type: ignore[union-attr]
    assert patch(api, owner, {"active": False}, admin_token).json_body["handed_over"]
    seq = grievances.get_grievance(tracking_id).audit_seq  # type: ignore[union-attr]

    again = patch(api, owner, {"active": False}, admin_token)
    back = patch(api, owner, {"active": True}, admin_token)

    assert again.status_code == back.status_code == 200
    assert again.json_body["handed_over"] == back.json_body["handed_over"] == []
    after = grievances.get_grievance(tracking_id)
    assert after is not None and after.audit_seq == seq and after.assignee_id != owner


def test_a_deactivated_officers_application_goes_to_the_other_officer_too(
    api, admin_token, water_seat, resident, outbox
):
    seat = water_seat()
    asha = resident(seat.district)
    documents = {slot: upload(api, asha, slot) for slot in ("proof_of_ownership", "identity_proof")}
    applied = post(
        api, "/applications", {"service_code": SERVICE, "fields": FIELDS, "documents": documents}, asha.access_token
    )
    assert applied.status_code == 201, applied.body
    tracking_id = applied.json_body["tracking_id"]
    before = applications.get_application(tracking_id)
    assert before is not None
    staying = next(o for o in seat.officers if o.officer_id != before.assignee_id)

    answer = patch(api, before.assignee_id, {"active": False}, admin_token)  # type: ignore[arg-type]

    assert answer.status_code == 200, answer.body
    assert answer.json_body["handed_over"] == [{"tracking_id": tracking_id, "to_officer": staying.officer_id}]
    after = applications.get_application(tracking_id)
    assert after is not None and (after.assignee_id, after.stage, after.due_at) == (
        staying.officer_id,
        before.stage,
        before.due_at,
    )
    events = [e["event"] for e in history(api, tracking_id, admin_token)]
    assert events[-1] == "application_handed_over"
    assert any("handed over to you" in text for text in texts_about(outbox, staying.mobile, tracking_id))
    assert any("another officer" in text for text in texts_about(outbox, asha.mobile, tracking_id))


# --- re-posting ----------------------------------------------------------------------------------


def test_a_re_posted_officer_leaves_their_cases_in_the_seat_they_left(
    api, admin_token, staff_token, water_seat, resident, routed_grievance
):
    seat, elsewhere = water_seat(), open_district(api, admin_token)
    tracking_id = grievance_in(routed_grievance, resident(seat.district), seat.district)
    owner = grievances.get_grievance(tracking_id).assignee_id  # type: ignore[union-attr]
    staying = next(o for o in seat.officers if o.officer_id != owner)
    water_head = staff_token("department_head", department="WATER")

    # When the water department head posts the owner to another district
    answer = patch(api, owner, {"district": elsewhere}, water_head)

    # Then the officer sits there and the grievance stays in its seat, with the other officer
    assert answer.status_code == 200, answer.body
    assert (answer.json_body["district"], answer.json_body["active"]) == (elsewhere, True)
    assert answer.json_body["handed_over"] == [{"tracking_id": tracking_id, "to_officer": staying.officer_id}]
    (entry,) = [e for e in history(api, tracking_id, admin_token) if e["event"] == "handed_over"]
    assert entry["details"]["reason"] == "officer_reposted" and entry["actor_role"] == "department_head"
    seated_there = api.get("/officers?department=WATER", headers=bearer(admin_token)).json_body["officers"]
    assert {o["officer_id"] for o in seated_there if o["district"] == elsewhere} == {owner}


def test_an_officer_promoted_in_place_hands_their_desk_up_the_ladder_not_to_themselves(
    api, stack, admin_token, water_seat, resident, routed_grievance
):
    # Given the seat's only officer, with a grievance, and no supervisor in the district
    seat = water_seat(officers=1, supervisor=False)
    (officer,) = seat.officers
    tracking_id = grievance_in(routed_grievance, resident(seat.district), seat.district)
    heads = {a.officer_id for a in stack.seed.accounts if (a.role, a.department) == ("department_head", "WATER")}

    # When the officer is made the district's supervisor: the very rung their case falls back to
    answer = patch(api, officer.officer_id, {"role": "supervisor"}, admin_token)

    # Then the grievance climbs to the department head rather than staying with its leaving owner
    assert answer.status_code == 200, answer.body
    ((moved,),) = [answer.json_body["handed_over"]]
    assert moved["tracking_id"] == tracking_id and moved["to_officer"] in heads
    after = grievances.get_grievance(tracking_id)
    assert after is not None and after.assignee_id in heads and after.level == 0


def test_a_department_head_keeps_to_their_department_and_does_not_undo_the_state_cell(
    api, admin_token, staff_token, water_seat
):
    seat = water_seat(officers=1, supervisor=False)
    (officer,) = seat.officers
    water_head = staff_token("department_head", department="WATER")

    # Not to another department, nor to a rank above their own
    to_roads = patch(api, officer.officer_id, {"department": "ROADS"}, water_head)
    promoted = patch(api, officer.officer_id, {"role": "department_head"}, water_head)
    assert (to_roads.status_code, to_roads.json_body["error"]["field"]) == (403, "department")
    assert (promoted.status_code, promoted.json_body["error"]["field"]) == (403, "role")

    # Whom the state cell re-posted, the head does not re-post
    assert patch(api, officer.officer_id, {"role": "supervisor"}, admin_token).status_code == 200
    undone = patch(api, officer.officer_id, {"role": "officer"}, water_head)
    assert (undone.status_code, undone.json_body["error"]["code"]) == (403, "placed_by_state_cell")

    # Whom the state cell switched off, the head does not switch on
    assert patch(api, officer.officer_id, {"active": False}, admin_token).status_code == 200
    back_on = patch(api, officer.officer_id, {"active": True}, water_head)
    assert (back_on.status_code, back_on.json_body["error"]["code"]) == (403, "deactivated_by_state_cell")

    seen = api.get("/officers?department=WATER", headers=bearer(admin_token)).json_body["officers"]
    (stored,) = [o for o in seen if o["officer_id"] == officer.officer_id]
    assert (stored["role"], stored["department"], stored["active"]) == ("supervisor", "WATER", False)


def test_nobody_changes_their_own_account(api, staff_token, stack):
    head = next(a for a in stack.seed.accounts if a.role == "department_head" and a.department == "WATER")

    refused = patch(api, head.officer_id, {"district": "KHORDHA"}, staff_token("department_head", department="WATER"))

    assert refused.status_code == 403


@pytest.mark.parametrize(
    "body, field",
    [
        ({"active": "false"}, "active"),
        ({"active": None}, "active"),
        ({"role": "citizen"}, "role"),
        ({"role": None}, "role"),
        ({"department": "water"}, "department"),
        ({"district": "NO_SUCH_DISTRICT"}, "district"),
        ({"department": "NO_SUCH_DEPARTMENT"}, "department"),
        ({"role": "state_admin", "district": "KHORDHA"}, "district"),
        ({"nickname": "Meera"}, "nickname"),
        ({}, None),
    ],
)
def test_a_bad_change_is_refused_naming_the_field_and_changes_nothing(api, admin_token, water_seat, body, field):
    seat = water_seat(officers=1, supervisor=False)
    (officer,) = seat.officers

    refused = patch(api, officer.officer_id, body, admin_token)

    assert refused.status_code == 422, refused.body
    assert refused.json_body["error"]["field"] == field
    listed = api.get("/officers?department=WATER", headers=bearer(admin_token)).json_body["officers"]
    (stored,) = [o for o in listed if o["officer_id"] == officer.officer_id]
    assert (stored["role"], stored["district"], stored["active"]) == ("officer", seat.district, True)


# --- the administrative trail -------------------------------------------------------------------


def test_the_trail_shows_the_appointment_each_change_and_the_handover(
    api, admin_token, water_seat, resident, routed_grievance
):
    seat = water_seat()
    tracking_id = grievance_in(routed_grievance, resident(seat.district), seat.district)
    owner = grievances.get_grievance(tracking_id).assignee_id  # type: ignore[union-attr]
    staying = next(o for o in seat.officers if o.officer_id != owner)
    assert patch(api, owner, {"active": False}, admin_token).status_code == 200

    trail = api.get(f"/admin/audit?subject=officer/{owner}&verify=true", headers=bearer(admin_token))

    assert trail.status_code == 200, trail.body
    entries = {e["event"]: e for e in trail.json_body["entries"]}
    assert set(entries) == {"officer_created", "officer_changed", "cases_handed_over"}
    assert entries["officer_created"]["details"] == {
        "role": "officer",
        "department": "WATER",
        "district": seat.district,
    }
    assert entries["officer_changed"]["details"] == {
        "active": {"from": True, "to": False},
        "deactivated_by": {"from": None, "to": "state_admin"},
    }
    handed = entries["cases_handed_over"]["details"]
    assert (handed["count"], handed["tracking_ids"], handed["to"]) == (1, [tracking_id], {staying.officer_id: 1})
    assert all(e["actor_role"] == "state_admin" for e in entries.values())
    assert trail.json_body["chain_intact"] is True
    assert "password" not in trail.body.decode() and "mobile" not in trail.body.decode()


def test_a_case_is_never_saved_onto_an_officer_relieved_meanwhile(water_seat, resident, routed_grievance):
    # Given a grievance, and the seat's other officer relieved just as a handover chose them
    # (the index owners are found on can lag the switch-off on DynamoDB)
    from datetime import UTC, datetime

    from chalicelib.domain.events import SYSTEM
    from chalicelib.domain.handover import HandoverReason, hand_over_grievance
    from chalicelib.models.officers import OfficerRecord

    seat = water_seat(supervisor=False)
    tracking_id = grievance_in(routed_grievance, resident(seat.district), seat.district)
    before = grievances.get_grievance(tracking_id)
    assert before is not None
    other = next(o.officer_id for o in seat.officers if o.officer_id != before.assignee_id)
    OfficerRecord.get(other).update(actions=[OfficerRecord.active.set(False)])

    # When the move is saved anyway, it is refused and nothing changes
    move = hand_over_grievance(before, other, HandoverReason.OFFICER_DEACTIVATED, SYSTEM, datetime.now(UTC))
    with pytest.raises(case_store.OwnerRelieved):
        grievances.save_change(before, move, datetime.now(UTC))
    assert grievances.get_grievance(tracking_id) == before
    assert case_store.open_loads([other])[other][0] == 0


def test_a_case_the_desk_index_does_not_show_yet_leaves_the_handover_incomplete(
    api, admin_token, water_seat, resident, routed_grievance
):
    # Given a grievance on an officer's desk that the queue index does not show yet (on
    # DynamoDB it lags the write that gave it to them)
    from chalicelib.models.grievances import GrievanceRecord

    seat = water_seat()
    tracking_id = grievance_in(routed_grievance, resident(seat.district), seat.district)
    owner = grievances.get_grievance(tracking_id).assignee_id
    record = GrievanceRecord.get(tracking_id)
    hidden_key = (record.queue_owner, record.queue_due)
    record.update(actions=[GrievanceRecord.queue_owner.remove(), GrievanceRecord.queue_due.remove()])

    # When the officer is switched off, the handover cannot see it...
    answer = patch(api, owner, {"active": False}, admin_token)
    assert answer.status_code == 200, answer.body
    # Then it says so, from the load counter, rather than claim the desk is clear
    assert (answer.json_body["handed_over"], answer.json_body["handover_complete"]) == ([], False)

    # And once the index shows it, repeating the request moves it
    GrievanceRecord.get(tracking_id).update(
        actions=[GrievanceRecord.queue_owner.set(hidden_key[0]), GrievanceRecord.queue_due.set(hidden_key[1])]
    )
    again = patch(api, owner, {"active": False}, admin_token)
    assert [m["tracking_id"] for m in again.json_body["handed_over"]] == [tracking_id]
    assert again.json_body["handover_complete"] is True
