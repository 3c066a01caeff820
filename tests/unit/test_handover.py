"""Handing an officer's desk over, on the pure domain: what moves, what is kept, who may
change an officer, and what citizens see of it."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chalicelib.domain import events as e
from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.access import require_may_change_officer, visible_entries
from chalicelib.domain.application import Application, Stage
from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.domain.handover import (
    HandoverReason,
    hand_over_application,
    hand_over_grievance,
    holds_seat_for,
    is_on_desk_of,
    must_hand_over,
    reason_for,
)
from chalicelib.domain.identity import Officer, Principal, Role
from tests.unit.cases import CITIZEN, CLOCK, OFFICER, START, filed, routed

ADMIN = Principal("adm-1", Role.STATE_ADMIN)
WATER_HEAD = Principal("head-water", Role.DEPARTMENT_HEAD, department="WATER")
LATER = START + timedelta(hours=3)


def officer(**overrides) -> Officer:
    values = {
        "officer_id": "off-1",
        "name": "Meera",
        "role": Role.OFFICER,
        "department": "WATER",
        "district": "KHORDHA",
        "mobile": "+919811112222",
        "email": "meera@od.gov.in",
        "password_hash": "x",
        "active": True,
        "version": 3,
    }
    return Officer(**{**values, **overrides})


def application(**overrides) -> Application:
    values = {
        "tracking_id": "OD-APP-260302-ABCDEF",
        "citizen_id": CITIZEN.subject_id,
        "service_code": "WATER_CONNECTION",
        "form_version": 1,
        "department": "WATER",
        "district": "KHORDHA",
        "fields": {},
        "filed_at": START,
        "stage": Stage.UNDER_VERIFICATION,
        "assignee_id": "off-1",
        "due_at": START + timedelta(days=5),
        "audit_seq": 2,
    }
    return Application(**{**values, **overrides})


# --- the move ------------------------------------------------------------------------------


def test_a_handed_over_grievance_keeps_its_status_level_deadlines_and_timer():
    before = routed()
    assert before.assignee_id == "off-1" and before.due_at is not None

    change = hand_over_grievance(before, "off-2", HandoverReason.OFFICER_DEACTIVATED, ADMIN, LATER)

    after = change.grievance
    assert after.assignee_id == "off-2"
    kept = ("status", "level", "due_at", "warn_at", "timer_seq", "sla_remaining_seconds", "department", "district")
    assert {name: getattr(after, name) for name in kept} == {name: getattr(before, name) for name in kept}
    (event,) = change.events
    assert isinstance(event, e.GrievanceHandedOver) and event.name == "handed_over"
    assert event.details == {"from_officer": "off-1", "to_officer": "off-2", "reason": "officer_deactivated"}
    assert (event.from_state, event.to_state) == ("assigned", "assigned")
    assert (event.actor_id, event.actor_role, event.at) == ("adm-1", "state_admin", LATER)


def test_a_grievance_waiting_on_the_citizen_stays_paused_with_its_time_left():
    paused = lifecycle.request_info(routed(), OFFICER, "Which lane?", CLOCK, START + timedelta(hours=1)).grievance

    after = hand_over_grievance(paused, "off-2", HandoverReason.OFFICER_REPOSTED, WATER_HEAD, LATER).grievance

    assert after.status is lifecycle.Status.INFO_REQUESTED
    assert after.sla_remaining_seconds == paused.sla_remaining_seconds and after.timer_seq == paused.timer_seq


def test_a_handed_over_application_keeps_its_stage_and_deadline():
    before = application()

    change = hand_over_application(before, "off-2", HandoverReason.OFFICER_REPOSTED, WATER_HEAD, LATER)

    assert change.application == replace(before, assignee_id="off-2")
    (event,) = change.events
    assert isinstance(event, e.ApplicationHandedOver) and event.name == "application_handed_over"
    assert event.details == {"from_officer": "off-1", "to_officer": "off-2", "reason": "officer_reposted"}


@pytest.mark.parametrize(
    "case",
    [
        lifecycle.resolve(routed(), OFFICER, "Pipe mended.", CLOCK, START).grievance,  # decided: off the desk
        filed(),  # awaiting routing: nobody's
    ],
    ids=["resolved", "unrouted"],
)
def test_only_an_open_owned_case_is_handed_over(case):
    with pytest.raises(InvalidInput):
        hand_over_grievance(case, "off-2", HandoverReason.OFFICER_DEACTIVATED, ADMIN, LATER)


def test_a_case_is_not_handed_to_its_own_owner():
    with pytest.raises(InvalidInput, match="theirs already"):
        hand_over_grievance(routed(), "off-1", HandoverReason.OFFICER_DEACTIVATED, ADMIN, LATER)


def test_a_completed_application_is_off_the_desk():
    done = application(stage=Stage.COMPLETED)

    assert not is_on_desk_of(done, "off-1")
    assert is_on_desk_of(application(stage=Stage.REJECTED), "off-1")  # a refusal still has to be closed
    with pytest.raises(InvalidInput):
        hand_over_application(done, "off-2", HandoverReason.OFFICER_DEACTIVATED, ADMIN, LATER)


# --- what goes --------------------------------------------------------------------------------


def test_a_deactivated_or_re_posted_officer_hands_over_everything():
    gone, moved = officer(active=False), officer(district="CUTTACK")
    here = {"department": "WATER", "district": "CUTTACK", "level": 0}  # fits the new seat

    assert must_hand_over(gone, reposted=False, **here)
    assert must_hand_over(moved, reposted=True, **here)
    assert reason_for(gone) is HandoverReason.OFFICER_DEACTIVATED
    assert reason_for(moved) is HandoverReason.OFFICER_REPOSTED


def test_a_repeat_moves_only_what_the_present_seat_does_not_hold():
    # Re-posted to Cuttack earlier; the request is repeated with nothing to change.
    moved = officer(district="CUTTACK")

    assert must_hand_over(moved, reposted=False, department="WATER", district="KHORDHA", level=0)
    assert not must_hand_over(moved, reposted=False, department="WATER", district="CUTTACK", level=0)
    assert must_hand_over(moved, reposted=False, department="WATER", district="CUTTACK", level=1)


@pytest.mark.parametrize(
    "holder, department, district, level, holds",
    [
        (officer(), "WATER", "KHORDHA", 0, True),
        (officer(), "WATER", "KHORDHA", 1, False),  # escalated above an officer
        (officer(), "ROADS", "KHORDHA", 0, False),
        (officer(role=Role.SUPERVISOR), "WATER", "KHORDHA", 0, True),  # a case reassigned to them
        (officer(role=Role.SUPERVISOR), "WATER", "KHORDHA", 2, False),
        (officer(role=Role.DEPARTMENT_HEAD, district=None), "WATER", "CUTTACK", 2, True),
        (officer(role=Role.DEPARTMENT_HEAD, district=None), "WATER", "CUTTACK", 3, False),
        (officer(role=Role.DEPARTMENT_HEAD, district=None), lifecycle.STATE_CELL, "CUTTACK", 0, False),
        (officer(role=Role.STATE_ADMIN, department=None, district=None), lifecycle.STATE_CELL, "CUTTACK", 3, True),
        (officer(active=False), "WATER", "KHORDHA", 0, False),
    ],
)
def test_which_seat_holds_which_case(holder, department, district, level, holds):
    assert holds_seat_for(holder, department, district, level) is holds


# --- who may change an officer ----------------------------------------------------------


def may_change(principal: Principal, target: Officer, placed_by: Role | None = None, **posting) -> None:
    role = posting.get("role", target.role)
    department = posting.get("department", target.department)
    reposts = (role, department, posting.get("district", target.district)) != (
        target.role,
        target.department,
        target.district,
    )
    require_may_change_officer(
        principal, target, placed_by=placed_by, role=role, department=department, reposts=reposts
    )


def test_the_state_cell_changes_anyone_but_itself():
    may_change(ADMIN, officer(deactivated_by=Role.STATE_ADMIN), placed_by=Role.STATE_ADMIN, district="CUTTACK")
    may_change(ADMIN, officer(), role=Role.DEPARTMENT_HEAD, department="ROADS")

    with pytest.raises(Forbidden):
        may_change(ADMIN, officer(officer_id=ADMIN.subject_id, role=Role.STATE_ADMIN, department=None))


def test_a_department_head_re_posts_within_their_department_only():
    may_change(WATER_HEAD, officer(), district="CUTTACK")
    may_change(WATER_HEAD, officer(), role=Role.SUPERVISOR)

    with pytest.raises(Forbidden) as elsewhere:
        may_change(WATER_HEAD, officer(), department="ROADS")
    with pytest.raises(Forbidden) as promoted:
        may_change(WATER_HEAD, officer(), role=Role.DEPARTMENT_HEAD)
    with pytest.raises(Forbidden):
        may_change(WATER_HEAD, officer(role=Role.DEPARTMENT_HEAD, district=None, officer_id="head-2"))

    assert (elsewhere.value.field, promoted.value.field) == ("department", "role")


def test_a_department_head_does_not_undo_the_state_cell():
    switched_off = officer(active=False, deactivated_by=Role.STATE_ADMIN)
    with pytest.raises(Forbidden) as back_on:
        may_change(WATER_HEAD, switched_off)
    assert back_on.value.code == "deactivated_by_state_cell"

    with pytest.raises(Forbidden) as re_posted:
        may_change(WATER_HEAD, officer(), placed_by=Role.STATE_ADMIN, district="CUTTACK")
    assert re_posted.value.code == "placed_by_state_cell"

    # ...but may still switch off someone the state cell posted, and re-post whom they posted
    may_change(WATER_HEAD, officer(), placed_by=Role.STATE_ADMIN)
    may_change(WATER_HEAD, officer(), placed_by=Role.DEPARTMENT_HEAD, district="CUTTACK")


# --- what citizens see -----------------------------------------------------------------------


def test_citizens_see_the_handover_but_not_the_officers():
    change = hand_over_grievance(routed(), "off-2", HandoverReason.OFFICER_DEACTIVATED, ADMIN, LATER)
    (event,) = change.events
    entry = {
        "seq": 3,
        "event": event.name,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "internal": event.internal,
        "details": event.details,
        "note_salt": None,
        "prev_hash": "a",
        "entry_hash": "b",
    }

    (seen,) = visible_entries(CITIZEN, [entry])

    assert seen["event"] == "handed_over" and seen["details"] == {"reason": "officer_deactivated"}
    (staff,) = visible_entries(WATER_HEAD, [entry])
    assert staff["details"]["to_officer"] == "off-2"
