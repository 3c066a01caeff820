"""The grievance lifecycle as a pure state machine: every allowed move, every refused one,
the escalation ladder's owners, and a Hypothesis state machine that drives random
sequences of actions (with time passing) and checks the lifecycle's invariants."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.errors import AboveYourLevel, Conflict, DomainError, Forbidden, InvalidInput
from chalicelib.domain.events import SYSTEM, GrievanceAssigned, GrievanceEscalated
from chalicelib.domain.grievance import (
    ALLOWED,
    APPELLATE_LEVEL,
    AUTO_CLOSE_AFTER_HOURS,
    CLOCK_RUNNING,
    MAX_TRANSFERS,
    OPEN,
    STATE_CELL,
    TOP_LEVEL,
    Action,
    ActionNotAllowed,
    Change,
    Grievance,
    Status,
    timer_of,
)
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.sla import SlaClock, WorkingCalendar
from chalicelib.services import dispatch as dispatcher
from chalicelib.services.dispatch import REACTIONS
from tests.unit.cases import CITIZEN, START
from tests.unit.cases import filed as registered

CLOCK = SlaClock(WorkingCalendar(holidays=frozenset({date(2026, 3, 4)})))
OFFICER = Principal("off-1", Role.OFFICER, department="WATER", district="KHORDHA")
SUPERVISOR = Principal("sup-1", Role.SUPERVISOR, department="WATER", district="KHORDHA")
HEAD = Principal("head-1", Role.DEPARTMENT_HEAD, department="WATER")
STATE_ADMIN = Principal("admin-1", Role.STATE_ADMIN)
HOUR = timedelta(hours=1)


def route(g: Grievance, now: datetime = START, *, sla_hours: float = 24, round_the_clock: bool = False) -> Change:
    return lifecycle.assign(
        g,
        department=g.department or "WATER",
        category=g.category,
        assignee_id="off-1",
        sla_hours=sla_hours,
        round_the_clock=round_the_clock,
        clock=CLOCK,
        now=now,
    )


def in_status(status: Status, now: datetime = START) -> Grievance:
    """A grievance brought to `status` through real transitions, all at `now`."""
    g = registered()
    if status is Status.REGISTERED:
        return g
    g = route(g, now).grievance
    if status is Status.ASSIGNED:
        return g
    if status is Status.REJECTED:
        return lifecycle.reject(g, OFFICER, "Not a grievance.", now).grievance
    g = lifecycle.accept(g, OFFICER, now).grievance
    if status is Status.IN_PROGRESS:
        return g
    if status is Status.INFO_REQUESTED:
        return lifecycle.request_info(g, OFFICER, "Which house?", CLOCK, now).grievance
    g = lifecycle.resolve(g, OFFICER, "Fixed.", CLOCK, now).grievance
    if status is Status.RESOLVED:
        return g
    return lifecycle.give_feedback(g, CITIZEN, 1, "Still dry.", now).grievance


def perform(g: Grievance, action: Action, now: datetime) -> Change:
    """`action` with valid arguments (the caller chooses the state)."""
    match action:
        case Action.ACCEPT:
            return lifecycle.accept(g, OFFICER, now)
        case Action.COMMENT:
            return lifecycle.comment(g, OFFICER, "Crew informed.", now)
        case Action.REQUEST_INFO:
            return lifecycle.request_info(g, OFFICER, "Which house?", CLOCK, now)
        case Action.TRANSFER:
            return lifecycle.transfer(g, OFFICER, "ELECTRICITY", "The pump has no power.", now)
        case Action.REASSIGN:
            return lifecycle.reassign(g, SUPERVISOR, "off-2", CLOCK, now)
        case Action.RESOLVE:
            return lifecycle.resolve(g, OFFICER, "Valve reopened.", CLOCK, now)
        case Action.REJECT:
            return lifecycle.reject(g, OFFICER, "Not a grievance.", now)
        case Action.REPLY:
            return lifecycle.reply(g, CITIZEN, "House 12.", CLOCK, now)
        case Action.FEEDBACK:
            return lifecycle.give_feedback(g, CITIZEN, 4, None, now)
        case Action.REOPEN:
            return lifecycle.reopen(g, CITIZEN, "Still no water.", CLOCK, now)
        case Action.APPEAL:
            return lifecycle.appeal(g, CITIZEN, "Wrongly rejected.", "head-1", CLOCK, now)
    raise AssertionError(action)


# Every allowed (state, action) and where it leads, with the event it records.
TRANSITIONS: dict[tuple[Status, Action], tuple[Status, str]] = {
    (Status.REGISTERED, Action.COMMENT): (Status.REGISTERED, "commented"),
    (Status.REGISTERED, Action.REJECT): (Status.REJECTED, "rejected"),
    (Status.ASSIGNED, Action.ACCEPT): (Status.IN_PROGRESS, "accepted"),
    (Status.ASSIGNED, Action.COMMENT): (Status.ASSIGNED, "commented"),
    (Status.ASSIGNED, Action.REQUEST_INFO): (Status.INFO_REQUESTED, "info_requested"),
    (Status.ASSIGNED, Action.TRANSFER): (Status.REGISTERED, "transferred"),
    (Status.ASSIGNED, Action.REASSIGN): (Status.ASSIGNED, "reassigned"),
    (Status.ASSIGNED, Action.RESOLVE): (Status.RESOLVED, "resolved"),
    (Status.ASSIGNED, Action.REJECT): (Status.REJECTED, "rejected"),
    (Status.IN_PROGRESS, Action.COMMENT): (Status.IN_PROGRESS, "commented"),
    (Status.IN_PROGRESS, Action.REQUEST_INFO): (Status.INFO_REQUESTED, "info_requested"),
    (Status.IN_PROGRESS, Action.TRANSFER): (Status.REGISTERED, "transferred"),
    (Status.IN_PROGRESS, Action.REASSIGN): (Status.IN_PROGRESS, "reassigned"),
    (Status.IN_PROGRESS, Action.RESOLVE): (Status.RESOLVED, "resolved"),
    (Status.IN_PROGRESS, Action.REJECT): (Status.REJECTED, "rejected"),
    (Status.INFO_REQUESTED, Action.COMMENT): (Status.INFO_REQUESTED, "commented"),
    (Status.INFO_REQUESTED, Action.REASSIGN): (Status.INFO_REQUESTED, "reassigned"),
    (Status.INFO_REQUESTED, Action.REJECT): (Status.REJECTED, "rejected"),
    (Status.INFO_REQUESTED, Action.REPLY): (Status.IN_PROGRESS, "info_provided"),
    (Status.RESOLVED, Action.COMMENT): (Status.RESOLVED, "commented"),
    (Status.RESOLVED, Action.FEEDBACK): (Status.CLOSED, "closed"),
    (Status.RESOLVED, Action.REOPEN): (Status.ASSIGNED, "reopened"),
    (Status.CLOSED, Action.COMMENT): (Status.CLOSED, "commented"),
    (Status.CLOSED, Action.APPEAL): (Status.ASSIGNED, "appealed"),
    (Status.REJECTED, Action.COMMENT): (Status.REJECTED, "commented"),
    (Status.REJECTED, Action.REOPEN): (Status.ASSIGNED, "reopened"),
    (Status.REJECTED, Action.APPEAL): (Status.ASSIGNED, "appealed"),
}


def test_the_transition_table_covers_exactly_what_is_allowed():
    assert set(TRANSITIONS) == {(status, action) for status, actions in ALLOWED.items() for action in actions}
    assert set(ALLOWED) == set(Status)


@pytest.mark.parametrize(("status", "action"), sorted(TRANSITIONS))
def test_every_allowed_transition(status, action):
    before = in_status(status)
    now = START + 2 * HOUR
    change = perform(before, action, now)
    target, event = TRANSITIONS[(status, action)]

    assert change.grievance.status is target
    assert [e.name for e in change.events] == [event]
    only = change.events[0]
    assert (only.from_state, only.to_state, only.at) == (status.value, target.value, now)
    assert only.internal is (action is Action.COMMENT)
    # Identity never changes.
    assert (change.grievance.tracking_id, change.grievance.citizen_id) == (before.tracking_id, before.citizen_id)


@pytest.mark.parametrize(("status", "action"), sorted((s, a) for s in Status for a in Action if a not in ALLOWED[s]))
def test_every_other_move_is_refused_with_the_allowed_ones(status, action):
    before = in_status(status)
    with pytest.raises(ActionNotAllowed) as refused:
        perform(before, action, START + HOUR)
    assert refused.value.allowed == sorted(a.value for a in ALLOWED[status])
    assert refused.value.code == "action_not_allowed"
    assert isinstance(refused.value, Conflict)  # a 409
    assert action.value in refused.value.message and status.value in refused.value.message


def test_routing_a_routed_grievance_is_refused():
    with pytest.raises(ActionNotAllowed) as refused:
        route(in_status(Status.ASSIGNED))
    assert refused.value.allowed == sorted(a.value for a in ALLOWED[Status.ASSIGNED])


# --- the transitions in detail ---------------------------------------------------------------


def test_routing_sets_the_owner_and_a_working_hours_deadline():
    change = route(registered(), START, sla_hours=10)
    g = change.grievance
    assert (g.status, g.department, g.assignee_id, g.level, g.timer_seq) == (Status.ASSIGNED, "WATER", "off-1", 0, 1)
    # 10 working hours from Monday 10:00: 7.5 on Monday, 2.5 on Tuesday.
    assert g.due_at == datetime(2026, 3, 3, 12, 30, tzinfo=CLOCK.calendar.zone)
    assert g.warn_at == datetime(2026, 3, 3, 10, 30, tzinfo=CLOCK.calendar.zone)  # 8 of 10 hours
    assert isinstance(change.events[0], GrievanceAssigned) and change.events[0].actor_role == "system"


@pytest.mark.parametrize(
    ("mutation", "field"),
    [
        (lambda g: lifecycle.comment(g, OFFICER, "  ", START), "note"),
        (lambda g: lifecycle.request_info(g, OFFICER, None, CLOCK, START), "note"),
        (lambda g: lifecycle.transfer(g, OFFICER, "ROADS", "", START), "note"),
        (lambda g: lifecycle.transfer(g, OFFICER, None, "Wrong desk.", START), "department"),
        (lambda g: lifecycle.transfer(g, OFFICER, "WATER", "Wrong desk.", START), "department"),
        (lambda g: lifecycle.reassign(g, SUPERVISOR, None, CLOCK, START), "officer_id"),
        (lambda g: lifecycle.reassign(g, SUPERVISOR, "off-1", CLOCK, START), "officer_id"),
        (lambda g: lifecycle.resolve(g, OFFICER, "", CLOCK, START), "note"),
        (lambda g: lifecycle.reject(g, OFFICER, None, START), "note"),
    ],
)
def test_officer_actions_need_their_details(mutation, field):
    with pytest.raises(InvalidInput) as invalid:
        mutation(in_status(Status.IN_PROGRESS))
    assert invalid.value.field == field


@pytest.mark.parametrize("actor", [OFFICER, CITIZEN])
def test_only_supervisors_and_above_reassign(actor):
    with pytest.raises(Forbidden):
        lifecycle.require_may_act(actor, in_status(Status.ASSIGNED), Action.REASSIGN)


# --- the level a grievance has reached ----------------------------------------------------

MOVES_AT_A_LEVEL = sorted(lifecycle.OFFICER_ACTIONS - {Action.COMMENT})
# The staff who may see a Khordha water grievance, by the rung they hold.
RUNGS = [(OFFICER, 0), (SUPERVISOR, 1), (HEAD, 2), (STATE_ADMIN, 3)]


def at_level(level: int) -> Grievance:
    """An assigned grievance at `level`, owned by the officer so that every rung sees it."""
    return replace(in_status(Status.ASSIGNED), level=level)


@pytest.mark.parametrize("level", range(TOP_LEVEL + 1))
@pytest.mark.parametrize(("actor", "rung"), RUNGS, ids=lambda v: getattr(getattr(v, "role", None), "value", v))
@pytest.mark.parametrize("action", MOVES_AT_A_LEVEL)
def test_nobody_below_the_level_a_grievance_reached_moves_it(level, actor, rung, action):
    g = at_level(level)
    if action is Action.REASSIGN and rung == 0:
        with pytest.raises(Forbidden):  # an officer never reassigns, at any level
            lifecycle.require_may_act(actor, g, action)
    elif rung < level:
        with pytest.raises(AboveYourLevel) as refused:
            lifecycle.require_may_act(actor, g, action)
        assert refused.value.code == "above_your_level" and refused.value.field == "action"
    else:
        lifecycle.require_may_act(actor, g, action)


@pytest.mark.parametrize("level", range(TOP_LEVEL + 1))
@pytest.mark.parametrize(("actor", "rung"), RUNGS, ids=lambda v: getattr(getattr(v, "role", None), "value", v))
def test_an_internal_note_is_open_to_every_rung_that_sees_the_grievance(level, actor, rung):
    lifecycle.require_may_act(actor, at_level(level), Action.COMMENT)


def test_the_gate_refuses_the_person_before_the_moment():
    # A supervisor under an appeal's level learns it is not theirs, not which moves remain.
    appealed = at_level(lifecycle.APPELLATE_LEVEL)
    with pytest.raises(AboveYourLevel):
        lifecycle.require_may_act(SUPERVISOR, replace(appealed, status=Status.REJECTED), Action.RESOLVE)
    with pytest.raises(ActionNotAllowed):
        lifecycle.require_may_act(HEAD, replace(appealed, status=Status.REJECTED), Action.RESOLVE)


@pytest.mark.parametrize(
    "actor", [CITIZEN, Principal("sup-9", Role.SUPERVISOR, department="ROADS", district="KHORDHA")]
)
def test_nobody_acts_on_a_grievance_they_may_not_see(actor):
    with pytest.raises(Forbidden):
        lifecycle.require_may_act(actor, at_level(0), Action.COMMENT)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.STATE_ADMIN])
def test_reassigning_restarts_the_sla_for_the_new_officer(role):
    before = in_status(Status.IN_PROGRESS)
    now = START + 3 * HOUR
    after = lifecycle.reassign(before, Principal("boss", role), "off-2", CLOCK, now).grievance
    assert after.assignee_id == "off-2" and after.status is Status.IN_PROGRESS
    assert after.timer_seq == before.timer_seq + 1
    assert after.due_at == CLOCK.deadline(now, 24 * 3600, False)


def test_reassigning_while_waiting_on_the_citizen_keeps_the_clock_paused():
    before = in_status(Status.INFO_REQUESTED)
    after = lifecycle.reassign(before, SUPERVISOR, "off-2", CLOCK, START + HOUR).grievance
    assert after.status is Status.INFO_REQUESTED and after.assignee_id == "off-2"
    assert after.sla_remaining_seconds == before.sla_remaining_seconds
    assert after.timer_seq == before.timer_seq  # no timer runs while paused


def test_waiting_on_the_citizen_pauses_the_clock_and_the_reply_resumes_it():
    g = route(registered(), START, sla_hours=10).grievance  # due Tuesday 12:30
    asked_at = START + 2 * HOUR  # Monday 12:00: 8 working hours left
    paused = lifecycle.request_info(g, OFFICER, "Which house?", CLOCK, asked_at).grievance
    assert paused.sla_remaining_seconds == pytest.approx(8 * 3600)
    assert paused.timer_seq == g.timer_seq
    replied_at = datetime(2026, 3, 5, 16, 0, tzinfo=CLOCK.calendar.zone)  # Thursday (Wednesday is a holiday)
    resumed = lifecycle.reply(paused, CITIZEN, "House 12.", CLOCK, replied_at).grievance
    assert resumed.status is Status.IN_PROGRESS and resumed.sla_remaining_seconds is None
    assert resumed.timer_seq == g.timer_seq + 1
    # 1.5 h on Thursday, 6.5 h on Friday.
    assert resumed.due_at == datetime(2026, 3, 6, 16, 30, tzinfo=CLOCK.calendar.zone)
    assert CLOCK.remaining(replied_at, resumed.due_at, False) == pytest.approx(8 * 3600)


def test_transfers_go_where_asked_three_times_then_to_the_state_cell():
    g = in_status(Status.IN_PROGRESS)
    g = replace(g, level=2)
    targets = ["ELECTRICITY", "ROADS", "WATER", "HEALTH"]
    for number, target in enumerate(targets, start=1):
        change = lifecycle.transfer(g, HEAD, target, "Not ours.", START + number * HOUR)
        g = change.grievance
        expected = target if number <= MAX_TRANSFERS else STATE_CELL
        # The level reached travels with it: an appeal stays with a department head.
        assert (g.department, g.transfers, g.status, g.level) == (expected, number, Status.REGISTERED, 2)
        assert g.assignee_id is None and g.due_at is None
        assert change.events[0].details["to_department"] == expected
        g = route(g, START + number * HOUR).grievance
        assert g.department == expected
        assert g.level == (TOP_LEVEL if expected == STATE_CELL else 2)


def test_the_state_cell_does_not_keep_transferring():
    """At most MAX_TRANSFERS transfers, then the state cell: a grievance there is not bounced
    again (which would also restart its escalation ladder at level 0)."""
    g = in_status(Status.IN_PROGRESS)
    for number in range(1, MAX_TRANSFERS + 2):
        g = route(lifecycle.transfer(g, OFFICER, f"DEPT{number}", "Not ours.", START).grievance).grievance
    assert g.department == STATE_CELL and g.transfers == MAX_TRANSFERS + 1
    g = replace(g, level=3)
    try:
        after = lifecycle.transfer(g, OFFICER, "WATER", "Not ours either.", START).grievance
    except DomainError:
        return  # refusing is one acceptable answer
    assert after.transfers <= MAX_TRANSFERS + 1
    assert after.department == STATE_CELL


def test_resolution_arms_the_auto_close_timer_seven_days_on():
    before = in_status(Status.IN_PROGRESS)
    now = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # a Saturday: wall-clock days still count
    after = lifecycle.resolve(before, OFFICER, "Fixed.", CLOCK, now).grievance
    assert after.resolved_at == now
    assert after.due_at == after.warn_at == now + timedelta(hours=AUTO_CLOSE_AFTER_HOURS)
    assert after.timer_seq == before.timer_seq + 1


def test_a_manager_cannot_reassign_what_was_escalated_above_them():
    escalated = lifecycle.escalate(in_status(Status.ASSIGNED), "head-1", CLOCK, START).grievance
    escalated = lifecycle.escalate(escalated, "head-1", CLOCK, START).grievance
    assert escalated.level == 2
    with pytest.raises(AboveYourLevel):
        lifecycle.require_may_act(SUPERVISOR, escalated, Action.REASSIGN)
    lifecycle.require_may_act(HEAD, escalated, Action.REASSIGN)
    assert lifecycle.reassign(escalated, HEAD, "head-2", CLOCK, START).grievance.level == 2


def test_the_state_cell_owns_at_the_top_of_the_ladder():
    transferred = in_status(Status.ASSIGNED)
    for department in ("ELECTRICITY", "ROADS", "WATER", "HEALTH"):
        transferred = lifecycle.transfer(transferred, OFFICER, department, "Not ours.", START).grievance
        if transferred.department != STATE_CELL:
            transferred = route(transferred, START).grievance
    assert transferred.department == STATE_CELL
    routed = lifecycle.assign(
        transferred,
        department=STATE_CELL,
        category=None,
        assignee_id="admin-1",
        sla_hours=72,
        round_the_clock=False,
        clock=CLOCK,
        now=START,
    ).grievance
    assert routed.level == TOP_LEVEL


def test_auto_close_is_done_by_the_system():
    before = in_status(Status.RESOLVED)
    change = lifecycle.auto_close(before, START + timedelta(days=7))
    assert change.grievance.status is Status.CLOSED and change.grievance.closed_at == START + timedelta(days=7)
    assert change.grievance.rating is None
    assert change.events[0].actor_role == "system" and change.events[0].actor_id == SYSTEM.subject_id


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_a_rating_is_from_one_to_five(rating):
    with pytest.raises(InvalidInput) as invalid:
        lifecycle.give_feedback(in_status(Status.RESOLVED), CITIZEN, rating, None, START)
    assert invalid.value.field == "rating"


def test_a_grievance_reopens_within_seven_days_of_resolution_only():
    resolved = in_status(Status.RESOLVED)
    reopened = lifecycle.reopen(resolved, CITIZEN, "Dry again.", CLOCK, START + timedelta(days=7)).grievance
    assert reopened.status is Status.ASSIGNED and reopened.reopened == 1
    assert reopened.due_at is not None and reopened.due_at > START + timedelta(days=7)
    with pytest.raises(ActionNotAllowed) as late:
        lifecycle.reopen(resolved, CITIZEN, "Dry again.", CLOCK, START + timedelta(days=7, seconds=1))
    assert late.value.allowed == ["comment", "feedback"]


def test_a_rejection_can_be_reopened_within_seven_days_back_to_its_officer():
    rejected = in_status(Status.REJECTED)
    reopened = lifecycle.reopen(rejected, CITIZEN, "It is a grievance.", CLOCK, START + timedelta(days=7)).grievance
    assert (reopened.status, reopened.assignee_id) == (Status.ASSIGNED, rejected.assignee_id)
    assert reopened.rejected_at is None and reopened.due_at is not None
    with pytest.raises(ActionNotAllowed):
        lifecycle.reopen(rejected, CITIZEN, "Late.", CLOCK, START + timedelta(days=7, seconds=1))


def test_a_rejection_before_routing_reopens_into_routing():
    rejected = lifecycle.reject(registered(), OFFICER, "Spam.", START).grievance
    reopened = lifecycle.reopen(rejected, CITIZEN, "It is not spam.", CLOCK, START + HOUR).grievance
    assert (reopened.status, reopened.assignee_id, reopened.due_at) == (Status.REGISTERED, None, None)
    assert reopened.timer_seq == rejected.timer_seq + 1


def test_an_appeal_goes_to_the_appellate_level_once_within_thirty_days():
    rejected = in_status(Status.REJECTED)
    now = START + timedelta(days=30)
    appealed = lifecycle.appeal(rejected, CITIZEN, "Wrongly rejected.", "head-1", CLOCK, now).grievance
    assert (appealed.status, appealed.level, appealed.assignee_id) == (Status.ASSIGNED, APPELLATE_LEVEL, "head-1")
    assert appealed.appealed and appealed.due_at is not None and appealed.due_at > now
    with pytest.raises(ActionNotAllowed):
        lifecycle.appeal(rejected, CITIZEN, "Late.", "head-1", CLOCK, now + timedelta(seconds=1))
    again = lifecycle.reject(appealed, OFFICER, "Still not a grievance.", now).grievance
    with pytest.raises(ActionNotAllowed) as twice:
        lifecycle.appeal(again, CITIZEN, "Once more.", "head-1", CLOCK, now)
    assert "appeal" not in twice.value.allowed


@pytest.mark.parametrize(("rating", "allowed"), [(1, True), (2, True), (3, False), (5, False)])
def test_only_a_poorly_rated_closure_can_be_appealed(rating, allowed):
    closed = lifecycle.give_feedback(in_status(Status.RESOLVED), CITIZEN, rating, None, START).grievance
    if allowed:
        assert lifecycle.appeal(closed, CITIZEN, "Not fixed.", "head-1", CLOCK, START).grievance.level == 2
    else:
        with pytest.raises(ActionNotAllowed):
            lifecycle.appeal(closed, CITIZEN, "Not fixed.", "head-1", CLOCK, START)


def test_an_auto_closed_grievance_cannot_be_appealed():
    closed = lifecycle.auto_close(in_status(Status.RESOLVED), START + timedelta(days=7)).grievance
    with pytest.raises(ActionNotAllowed):
        lifecycle.appeal(closed, CITIZEN, "Not fixed.", "head-1", CLOCK, START + timedelta(days=8))


def test_an_appeal_of_a_grievance_rejected_before_routing_gets_a_real_deadline():
    """ "Goes to the appellate level with its own SLA": even one rejected while still
    registered (never routed, so without sla_hours) must not be due the moment it is filed."""
    rejected = lifecycle.reject(registered(), OFFICER, "Spam.", START).grievance
    now = START + HOUR
    appealed = lifecycle.appeal(rejected, CITIZEN, "It is not spam.", "admin-1", CLOCK, now).grievance
    assert appealed.status is Status.ASSIGNED
    assert appealed.due_at is not None and appealed.due_at > now
    assert appealed.warn_at is not None and now < appealed.warn_at < appealed.due_at


# --- escalation --------------------------------------------------------------------------------


def test_escalation_climbs_one_level_with_a_fresh_deadline():
    g = in_status(Status.IN_PROGRESS)
    owners = ["sup-1", "head-1", "admin-1"]
    for level, owner in enumerate(owners, start=1):
        now = g.due_at + timedelta(seconds=1)
        change = lifecycle.escalate(g, owner, CLOCK, now)
        after = change.grievance
        assert (after.level, after.assignee_id, after.status) == (level, owner, Status.IN_PROGRESS)
        assert after.timer_seq == g.timer_seq + 1
        assert after.due_at == CLOCK.deadline(now, 24 * 3600, False) and after.due_at > now
        assert change.events[0].name == "escalated"
        assert change.events[0].details == {
            "level": level,
            "owner_role": ["supervisor", "department_head", "state_admin"][level - 1],
            "first_breach": level == 1,  # overdue from the first missed deadline on
        }
        assert isinstance(change.events[0], GrievanceEscalated)
        assert after.breached
        g = after
    assert g.level == TOP_LEVEL


def test_warning_and_the_top_breach_are_recorded_without_moving_anything():
    g = in_status(Status.ASSIGNED)
    warned = lifecycle.warn(g, START + HOUR)
    assert warned.grievance.last_timer_event == f"{g.timer_seq}:sla_warning"
    assert replace(warned.grievance, last_timer_event=None) == g
    assert warned.grievance.timer_seq == g.timer_seq  # the same timer runs on to its breach
    top = replace(g, level=TOP_LEVEL)
    breached = lifecycle.breached_at_top(top, START + HOUR)
    assert breached.grievance.last_timer_event == f"{g.timer_seq}:sla_breached"
    # nothing moves, but it has missed a deadline now: it counts as overdue, and late if decided
    assert replace(breached.grievance, last_timer_event=None, breached=False) == top
    assert breached.grievance.breached and breached.grievance.disposed_on_time(START + HOUR) is False
    assert breached.events[0].details == {"level": TOP_LEVEL, "first_breach": True}
    again = lifecycle.breached_at_top(breached.grievance, START + 2 * HOUR)
    assert again.events[0].details == {"level": TOP_LEVEL, "first_breach": False}


def test_me_too_raises_the_priority_of_an_open_grievance_only():
    g = in_status(Status.ASSIGNED)
    after = lifecycle.support(g, Principal("cit-2", Role.CITIZEN), START).grievance
    assert (after.priority, after.supporters) == (g.priority + 1, g.supporters + 1)
    with pytest.raises(ActionNotAllowed):
        lifecycle.support(in_status(Status.CLOSED), Principal("cit-2", Role.CITIZEN), START)


NEAR_BHUBANESWAR = {"district": "KHORDHA", "lat": 20.2961, "lon": 85.8245}


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ({"ward": "W-12"}, "same_ward"),
        ({"ward": "W-12", "lat": 21.0, "lon": 86.0}, "same_ward"),
        ({"lat": 20.2961 + 0.0020}, "nearby"),  # about 220 m north
        ({"lat": 20.2961 + 0.0025}, None),  # about 280 m
        ({"lat": None, "lon": None}, None),
        ({"ward": "W-12", "category": "ROADS_POTHOLE"}, None),
        ({"ward": "W-12", "district": "CUTTACK"}, None),
    ],
)
def test_the_same_problem_nearby_is_one_rule(other, expected):
    mine = registered(ward="W-12", **NEAR_BHUBANESWAR)
    theirs = registered(tracking_id="OD-260302-GHJKLM", citizen_id="cit-2", **{**NEAR_BHUBANESWAR, **other})
    assert lifecycle.nearness(mine, theirs) == expected
    assert lifecycle.nearness(theirs, mine) == expected


def test_an_uncategorised_grievance_is_near_nothing():
    mine = registered(category=None, ward="W-12")
    assert lifecycle.nearness(mine, mine) is None


def test_tracking_ids_are_readable_and_not_sequential():
    ids = {lifecycle.new_tracking_id("OD", START) for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"OD-260302-[2-9A-HJ-NP-Z]{6}", i) for i in ids)


# --- owners ------------------------------------------------------------------------------------


def test_the_least_loaded_officer_gets_the_grievance():
    assert lifecycle.choose_owner([("a", 3, "2026-01-01"), ("b", 1, "2026-03-01"), ("c", 2, "")]) == "b"


def test_on_a_tie_the_one_given_work_longest_ago_then_the_smaller_id():
    assert lifecycle.choose_owner([("a", 1, "2026-03-02T10:00"), ("b", 1, "2026-03-01T10:00")]) == "b"
    assert lifecycle.choose_owner([("a", 1, "2026-03-01T10:00"), ("b", 1, "")]) == "b"  # never given any
    assert lifecycle.choose_owner([("z", 1, "2026-03-01"), ("m", 1, "2026-03-01")]) == "m"


def test_nobody_to_choose_from():
    assert lifecycle.choose_owner([]) is None


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (0, ["officer", "supervisor", "department_head", "state_admin"]),
        (1, ["supervisor", "department_head", "state_admin"]),
        (2, ["department_head", "state_admin"]),
        (3, ["state_admin"]),
        (7, ["state_admin"]),
    ],
)
def test_seats_for_each_level_nearest_first(level, expected):
    seats = lifecycle.seats_for_level(level, "WATER", "KHORDHA")
    assert [role.value for role, _, _ in seats] == expected
    where = {
        "officer": ("WATER", "KHORDHA"),
        "supervisor": ("WATER", "KHORDHA"),
        "department_head": ("WATER", None),
        "state_admin": (None, None),
    }
    assert all((department, district) == where[role.value] for role, department, district in seats)


@pytest.mark.parametrize("department", [None, STATE_CELL])
def test_the_state_cell_is_owned_by_the_state_admin(department):
    for level in range(TOP_LEVEL + 1):
        assert lifecycle.seats_for_level(level, department, "KHORDHA") == [(Role.STATE_ADMIN, None, None)]


# --- the state machine -------------------------------------------------------------------------

# Where a status may lead (self-loops aside), from the diagram.
EDGES = {
    (Status.REGISTERED, Status.ASSIGNED),
    (Status.REGISTERED, Status.REJECTED),
    (Status.ASSIGNED, Status.IN_PROGRESS),
    (Status.ASSIGNED, Status.INFO_REQUESTED),
    (Status.IN_PROGRESS, Status.INFO_REQUESTED),
    (Status.INFO_REQUESTED, Status.IN_PROGRESS),
    (Status.ASSIGNED, Status.REGISTERED),
    (Status.IN_PROGRESS, Status.REGISTERED),
    (Status.ASSIGNED, Status.RESOLVED),
    (Status.IN_PROGRESS, Status.RESOLVED),
    (Status.ASSIGNED, Status.REJECTED),
    (Status.IN_PROGRESS, Status.REJECTED),
    (Status.INFO_REQUESTED, Status.REJECTED),
    (Status.RESOLVED, Status.CLOSED),
    (Status.RESOLVED, Status.ASSIGNED),
    (Status.CLOSED, Status.ASSIGNED),
    (Status.REJECTED, Status.ASSIGNED),
    (Status.REJECTED, Status.REGISTERED),  # reopened, never having had an owner
}
# Moves that re-arm the SLA timer (a new timer_seq) and those that only retire the old one.
FRESH_SLA = {"route", "escalate", "reassign", "reopen", "appeal"}
BUMPS_TIMER = FRESH_SLA | {"reply", "resolve", "transfer", "reject", "feedback"}
TIMED = CLOCK_RUNNING | {Status.RESOLVED}
OFFICER_IDS = ["off-1", "off-2", "off-3"]
DEPARTMENTS = ["WATER", "ELECTRICITY", "ROADS"]


def expected_level(kind: str, before: Grievance, after: Grievance) -> int:
    """The level only climbs (a transfer keeps it), except an appeal (to the appellate
    level, as the contract says) and routing to the state cell (the top)."""
    if kind == "route" and after.department == STATE_CELL:
        return TOP_LEVEL
    if kind == "appeal":
        return APPELLATE_LEVEL
    if kind == "escalate":
        return before.level + 1
    return before.level


class GrievanceLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = START
        self.g = lifecycle.file(registered(), CITIZEN).grievance
        self.moves: list[str] = []

    # -- the check every move goes through --

    def apply(self, kind: str, make, *, expect_invalid: bool = False, refused_by_rule: bool = False) -> None:
        """Run a move; it must be refused when not allowed here, else obey the invariants.
        `refused_by_rule`: the state allows the action but a rule (a window, once only) does not."""
        before = self.g
        action = Action(kind) if kind in Action.__members__.values() else None
        if action is not None and action not in ALLOWED[before.status]:
            with pytest.raises(ActionNotAllowed) as refused:
                make()
            assert refused.value.allowed == sorted(a.value for a in ALLOWED[before.status])
            return
        if refused_by_rule:
            with pytest.raises(ActionNotAllowed) as refused:
                make()
            assert kind not in refused.value.allowed
            return
        if expect_invalid:
            with pytest.raises(InvalidInput):
                make()
            return
        change = make()
        self.check_move(kind, before, change)
        self.g = change.grievance
        self.moves.append(kind)

    def check_move(self, kind: str, before: Grievance, change: Change) -> None:
        after = change.grievance
        assert change.events, kind
        for event in change.events:
            assert event.at == self.now
            assert (event.from_state, event.to_state) == (before.status.value, after.status.value)
        # Only the edges of the diagram; closed is left only by an appeal, rejected by an
        # appeal or a reopen.
        if after.status is not before.status:
            assert (before.status, after.status) in EDGES, (kind, before.status, after.status)
        if before.status is Status.CLOSED and after.status is not before.status:
            assert kind == "appeal" and after.status is Status.ASSIGNED
        if before.status is Status.REJECTED and after.status is not before.status:
            assert kind in {"appeal", "reopen"}
        assert after.level == expected_level(kind, before, after), kind
        # The timer_seq never goes back and moves on exactly when the timer is re-armed or retired.
        rearmed = kind in BUMPS_TIMER and not (kind == "reassign" and before.status is Status.INFO_REQUESTED)
        assert after.timer_seq == before.timer_seq + (1 if rearmed else 0), kind
        if kind in FRESH_SLA and after.status in CLOCK_RUNNING:
            assert after.due_at is not None and after.due_at > self.now, (kind, after.due_at, self.now)
        if kind == "transfer":
            assert after.transfers == before.transfers + 1
            if before.transfers >= MAX_TRANSFERS:
                assert after.department == STATE_CELL
        if kind in {"warn", "breached_at_top"}:
            assert after.last_timer_event == f"{before.timer_seq}:{'sla_warning' if kind == 'warn' else 'sla_breached'}"
        # A move that leaves the grievance a new timer is one the dispatcher starts a timer for.
        if after.timer_seq != before.timer_seq and timer_of(after) is not None:
            assert all(dispatcher.start_timer in REACTIONS[type(event)] for event in change.events), kind

    @invariant()
    def the_grievance_is_consistent(self) -> None:
        g = self.g
        assert g.status in set(Status)
        assert 0 <= g.level <= TOP_LEVEL
        assert g.transfers <= MAX_TRANSFERS + 1, self.moves
        if g.transfers > MAX_TRANSFERS:
            assert g.department == STATE_CELL
        # The deadline exists exactly while a timer may run for it.
        if g.status in TIMED:
            assert g.due_at is not None and g.warn_at is not None and g.warn_at <= g.due_at
        if g.status in {Status.REGISTERED, Status.REJECTED}:
            assert g.due_at is None and g.warn_at is None
        if g.status is Status.INFO_REQUESTED:
            assert g.sla_remaining_seconds is not None and g.sla_remaining_seconds >= 0
        if g.status in CLOCK_RUNNING:
            assert g.sla_remaining_seconds is None
        if g.status in OPEN - {Status.REGISTERED}:
            assert g.assignee_id is not None
        if g.status is Status.REGISTERED:
            assert g.assignee_id is None
        if g.status is Status.CLOSED:
            assert g.closed_at is not None
        if g.status is Status.RESOLVED:
            assert g.resolved_at is not None

    # -- time --

    @rule(minutes=st.integers(min_value=0, max_value=20 * 24 * 60))
    def time_passes(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    # -- the system --

    @rule(sla_hours=st.sampled_from([4, 24, 72]), round_the_clock=st.booleans())
    def route(self, sla_hours: int, round_the_clock: bool) -> None:
        before = self.g
        if before.status is not Status.REGISTERED:
            with pytest.raises(ActionNotAllowed):
                route(before, self.now, sla_hours=sla_hours, round_the_clock=round_the_clock)
            return
        self.apply("route", lambda: route(before, self.now, sla_hours=sla_hours, round_the_clock=round_the_clock))

    @precondition(lambda self: self.g.status in CLOCK_RUNNING)
    @rule(owner=st.sampled_from(OFFICER_IDS))
    def breach(self, owner: str) -> None:
        """The timer fires at the deadline: up a level, or recorded at the top."""
        self.now = max(self.now, self.g.due_at)
        if self.g.level >= TOP_LEVEL:
            self.apply("breached_at_top", lambda: lifecycle.breached_at_top(self.g, self.now))
        else:
            self.apply("escalate", lambda: lifecycle.escalate(self.g, owner, CLOCK, self.now))

    @precondition(lambda self: self.g.status in CLOCK_RUNNING)
    @rule()
    def warn(self) -> None:
        self.now = max(self.now, self.g.warn_at)
        self.apply("warn", lambda: lifecycle.warn(self.g, self.now))

    @precondition(lambda self: self.g.status is Status.RESOLVED)
    @rule()
    def auto_close(self) -> None:
        self.now = max(self.now, self.g.due_at)
        self.apply("auto_close", lambda: lifecycle.auto_close(self.g, self.now))

    # -- officers --

    @rule()
    def accept(self) -> None:
        self.apply("accept", lambda: lifecycle.accept(self.g, OFFICER, self.now))

    @rule()
    def comment(self) -> None:
        self.apply("comment", lambda: lifecycle.comment(self.g, OFFICER, "Noted.", self.now))

    @rule()
    def request_info(self) -> None:
        self.apply("request_info", lambda: lifecycle.request_info(self.g, OFFICER, "Which house?", CLOCK, self.now))

    @rule(department=st.sampled_from(DEPARTMENTS))
    def transfer(self, department: str) -> None:
        g = self.g
        self.apply(
            "transfer",
            lambda: lifecycle.transfer(g, OFFICER, department, "Not ours.", self.now),
            refused_by_rule=g.department == STATE_CELL and g.transfers > MAX_TRANSFERS,
            expect_invalid=department == g.department,
        )

    @rule(officer_id=st.sampled_from(OFFICER_IDS))
    def reassign(self, officer_id: str) -> None:
        g = self.g
        if Action.REASSIGN in ALLOWED[g.status] and g.level > 1:
            # Escalated above the supervisor: reassigning would pull it back down.
            with pytest.raises(AboveYourLevel):
                seen = replace(g, department=SUPERVISOR.department)  # within the supervisor's sight
                lifecycle.require_may_act(SUPERVISOR, seen, Action.REASSIGN)
            return
        self.apply(
            "reassign",
            lambda: lifecycle.reassign(g, SUPERVISOR, officer_id, CLOCK, self.now),
            expect_invalid=officer_id == g.assignee_id,
        )

    @rule()
    def resolve(self) -> None:
        self.apply("resolve", lambda: lifecycle.resolve(self.g, OFFICER, "Fixed.", CLOCK, self.now))

    @rule()
    def reject(self) -> None:
        self.apply("reject", lambda: lifecycle.reject(self.g, OFFICER, "Not a grievance.", self.now))

    # -- the citizen --

    @rule()
    def reply(self) -> None:
        self.apply("reply", lambda: lifecycle.reply(self.g, CITIZEN, "House 12.", CLOCK, self.now))

    @rule(rating=st.integers(min_value=1, max_value=5))
    def feedback(self, rating: int) -> None:
        self.apply("feedback", lambda: lifecycle.give_feedback(self.g, CITIZEN, rating, None, self.now))

    @rule()
    def reopen(self) -> None:
        g = self.g
        decided_at = g.resolved_at if g.status is Status.RESOLVED else g.rejected_at
        late = decided_at is None or self.now - decided_at > lifecycle.REOPEN_WINDOW
        self.apply("reopen", lambda: lifecycle.reopen(g, CITIZEN, "Dry again.", CLOCK, self.now), refused_by_rule=late)

    @rule()
    def appeal(self) -> None:
        g = self.g
        decided_at = g.rejected_at if g.status is Status.REJECTED else g.closed_at
        refused = (
            g.appealed
            or (g.status is Status.CLOSED and (g.rating is None or g.rating > 2))
            or decided_at is None
            or self.now - decided_at > lifecycle.APPEAL_WINDOW
        )
        self.apply(
            "appeal",
            lambda: lifecycle.appeal(g, CITIZEN, "Please look again.", "head-1", CLOCK, self.now),
            refused_by_rule=refused,
        )


GrievanceLifecycle.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestGrievanceLifecycle = GrievanceLifecycle.TestCase
