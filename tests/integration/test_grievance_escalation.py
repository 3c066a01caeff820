"""The SLA escalation ladder, against the real stack: timer messages handled by the app's
consumer logic, stale timers ignored, the auto-close timer, and the Step Functions timer
that really runs on moto and drives an escalation end to end with a compressed clock.

Timer messages are handed to `handle_timer_event` with an explicit `now` just after the
deadline they stand for, so the ladder can be walked without waiting for real hours.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, timedelta

import pytest

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.domain.grievance import Status
from chalicelib.models import audit_trail, grievances
from chalicelib.resource_names import Queue, StateMachine
from chalicelib.services.grievance_timers import TimerMessage, handle_timer_event
from chalicelib.services.route_grievance import route_grievance
from tests.integration.conftest import bearer, post

SECOND = timedelta(seconds=1)
DEPARTMENT, DISTRICT = "WATER", "KHORDHA"  # where the default grievance body is routed


def current(tracking_id: str) -> grievances.Grievance:
    grievance = grievances.get_grievance(tracking_id)
    assert grievance is not None, tracking_id
    return grievance


def events_of(tracking_id: str) -> list[str]:
    return [entry["event"] for entry in audit_trail.history(tracking_id)]


def account_of(stack, officer_id: str):
    return next(a for a in stack.seed.accounts if a.officer_id == officer_id)


def seat(stack, role: str, department: str | None = None, district: str | None = None):
    return next(
        a for a in stack.seed.accounts if a.role == role and a.department == department and a.district == district
    )


def breach(grievance: grievances.Grievance, *, after: timedelta = SECOND) -> str:
    """The breach message of the grievance's current timer, handled just after its deadline."""
    assert grievance.due_at is not None
    message = TimerMessage("sla_breached", grievance.tracking_id, grievance.level, grievance.timer_seq)
    return handle_timer_event(message, now=grievance.due_at + after)


def closing_due(grievance: grievances.Grievance) -> str:
    """The message of a resolved grievance's timer, handled just after its closing date."""
    assert grievance.due_at is not None
    message = TimerMessage("auto_close_due", grievance.tracking_id, grievance.level, grievance.timer_seq)
    return handle_timer_event(message, now=grievance.due_at + SECOND)


def warning(grievance: grievances.Grievance) -> str:
    assert grievance.warn_at is not None
    message = TimerMessage("sla_warning", grievance.tracking_id, grievance.level, grievance.timer_seq)
    return handle_timer_event(message, now=grievance.warn_at + SECOND)


def texts_to(outbox, recipient: str, tracking_id: str) -> list[str]:
    return [m["text"] for m in outbox(recipient) if tracking_id in m.get("text", "") and m["channel"] == "sms"]


# --- the ladder -------------------------------------------------------------------------------


def test_an_untouched_grievance_walks_up_every_level_once(stack, api, citizen, routed_grievance, outbox, admin_token):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    first = current(tracking_id)
    assert first.status is Status.ASSIGNED and first.level == 0 and first.due_at is not None
    officer = account_of(stack, first.assignee_id)
    assert (officer.role, officer.department, officer.district) == ("officer", DEPARTMENT, DISTRICT)

    expected_owners = [
        seat(stack, "supervisor", DEPARTMENT, DISTRICT),
        seat(stack, "department_head", DEPARTMENT),
        seat(stack, "state_admin"),
    ]
    before = first
    for level, owner in enumerate(expected_owners, start=1):
        now = before.due_at + SECOND
        assert breach(before) == "escalated"
        # The same message delivered again finds the grievance moved on.
        assert breach(before) == "stale"
        after = current(tracking_id)
        assert after.level == level
        assert after.assignee_id == owner.officer_id
        assert after.status is Status.ASSIGNED
        assert after.timer_seq == before.timer_seq + 1
        assert after.due_at is not None and after.due_at > now
        assert after.warn_at is not None and now <= after.warn_at <= after.due_at
        before = after

    at_top = before
    assert breach(at_top) == "breached_at_top"
    assert breach(at_top) == "duplicate"
    final = current(tracking_id)
    assert final.level == 3 and final.assignee_id == expected_owners[-1].officer_id
    assert final.timer_seq == at_top.timer_seq  # nobody above: no new timer

    history = events_of(tracking_id)
    assert history.count("escalated") == 3
    assert history.count("sla_breached") == 1
    levels = [e["details"].get("level") for e in audit_trail.history(tracking_id) if e["event"] == "escalated"]
    assert [int(level) for level in levels] == [1, 2, 3]

    seen = api.get(f"/grievances/{tracking_id}", headers=bearer(asha.access_token)).json_body
    assert seen["escalation_level"] == 3

    # The citizen hears of every escalation; each new owner hears it landed on their desk.
    citizen_texts = texts_to(outbox, asha.mobile, tracking_id)
    for level in (1, 2, 3):
        assert any(f"level {level}" in text and "senior officer" in text for text in citizen_texts), citizen_texts
    for level, owner in enumerate(expected_owners, start=1):
        owner_texts = texts_to(outbox, owner.mobile, tracking_id)
        assert any(f"escalated to you (level {level})" in text for text in owner_texts), (owner.role, owner_texts)
    top_texts = texts_to(outbox, expected_owners[-1].mobile, tracking_id)
    assert sum("past its deadline" in text for text in top_texts) == 1, top_texts


def test_a_warning_is_given_once_and_changes_no_level(stack, citizen, routed_grievance, outbox):
    tracking_id = routed_grievance(citizen())
    before = current(tracking_id)

    assert warning(before) == "warned"
    assert warning(before) == "duplicate"

    after = current(tracking_id)
    assert after.level == 0 and after.status is Status.ASSIGNED
    assert after.timer_seq == before.timer_seq and after.due_at == before.due_at
    assert after.assignee_id == before.assignee_id
    assert events_of(tracking_id).count("sla_warning") == 1
    owner = account_of(stack, before.assignee_id)
    owner_texts = texts_to(outbox, owner.mobile, tracking_id)
    assert sum("80%" in text for text in owner_texts) == 1, owner_texts

    # The warning does not use up the breach of the same timer.
    assert breach(before) == "escalated"
    assert current(tracking_id).level == 1


def test_a_warning_redelivered_after_the_top_level_breach_is_not_repeated(citizen, routed_grievance):
    tracking_id = routed_grievance(citizen())
    for _ in range(3):
        assert breach(current(tracking_id)) == "escalated"
    at_top = current(tracking_id)
    assert at_top.level == 3

    assert warning(at_top) == "warned"
    assert breach(at_top) == "breached_at_top"
    # SQS delivers at least once and in no guaranteed order: the same warning again is no news.
    assert warning(at_top) in {"duplicate", "stale"}
    assert events_of(tracking_id).count("sla_warning") == 1


# --- stale timers -----------------------------------------------------------------------------


def other_officer(stack, officer_id: str) -> str:
    return next(
        a.officer_id
        for a in stack.seed.accounts
        if a.role == "officer" and a.department == DEPARTMENT and a.district == DISTRICT and a.officer_id != officer_id
    )


@pytest.mark.parametrize("move", ["resolve", "reassign", "transfer", "request_info"])
def test_a_timer_of_an_earlier_generation_does_nothing(
    move, stack, api, citizen, routed_grievance, assignee_token, staff_token, consume
):
    tracking_id = routed_grievance(citizen())
    old = current(tracking_id)
    body = {
        "resolve": {"action": "resolve", "note": "Supply restored."},
        "reassign": {"action": "reassign", "officer_id": other_officer(stack, old.assignee_id)},
        "transfer": {"action": "transfer", "department": "ELECTRICITY", "note": "The pump has no power."},
        "request_info": {"action": "request_info", "note": "Which house number?"},
    }[move]
    token = (
        staff_token("supervisor", department=DEPARTMENT, district=DISTRICT)
        if move == "reassign"
        else assignee_token(tracking_id)
    )
    response = post(api, f"/grievances/{tracking_id}/actions", body, token)
    assert response.status_code == 200, response.body
    if move == "transfer":
        consume("route_grievances")  # routed again in the new department, with its own timer
    moved = current(tracking_id)
    history = events_of(tracking_id)

    assert breach(old) == "stale"
    assert warning(old) == "stale"
    # Even long after the old deadline, the old timer changes nothing.
    assert breach(old, after=timedelta(days=30)) == "stale"

    unchanged = current(tracking_id)
    assert unchanged.version == moved.version
    assert (unchanged.level, unchanged.status, unchanged.assignee_id) == (moved.level, moved.status, moved.assignee_id)
    assert unchanged.timer_seq == moved.timer_seq
    assert events_of(tracking_id) == history


# --- auto-close ------------------------------------------------------------------------------


def test_the_resolved_grievance_closes_itself_when_its_timer_fires(
    api, citizen, routed_grievance, assignee_token, outbox
):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    routed = current(tracking_id)
    response = post(
        api,
        f"/grievances/{tracking_id}/actions",
        {"action": "resolve", "note": "Supply restored."},
        assignee_token(tracking_id),
    )
    assert response.status_code == 200, response.body
    resolved = current(tracking_id)
    assert resolved.status is Status.RESOLVED
    assert resolved.timer_seq == routed.timer_seq + 1
    assert resolved.due_at is not None and resolved.resolved_at is not None
    assert resolved.due_at - resolved.resolved_at == timedelta(days=7)

    # An SLA timer's messages mean nothing to a resolved grievance: only its closing timer closes it.
    assert warning(resolved) == breach(resolved) == "stale"
    assert current(tracking_id).status is Status.RESOLVED

    assert closing_due(resolved) == "closed"
    closed = current(tracking_id)
    assert closed.status is Status.CLOSED and closed.closed_at == resolved.due_at + SECOND
    assert closed.rating is None
    assert closing_due(resolved) == "stale"  # redelivered: already closed
    assert events_of(tracking_id).count("closed") == 1

    late = post(api, f"/grievances/{tracking_id}/feedback", {"rating": 4}, asha.access_token)
    assert late.status_code == 409, late.body
    assert late.json_body["error"]["code"] == "action_not_allowed"
    assert "closed" in " ".join(texts_to(outbox, asha.mobile, tracking_id))


def test_a_timer_started_before_timers_named_their_purpose_still_closes_a_resolved_grievance(
    api, citizen, routed_grievance, assignee_token, consume
):
    """An execution keeps the definition it started with: one started by the previous release
    sends `version` and reports the closing date of a resolved grievance as `sla_breached`."""
    tracking_id = routed_grievance(citizen())
    resolve = {"action": "resolve", "note": "Supply restored."}
    assert post(api, f"/grievances/{tracking_id}/actions", resolve, assignee_token(tracking_id)).status_code == 200
    resolved = current(tracking_id)
    legacy = {
        "kind": "sla_breached",
        "tracking_id": tracking_id,
        "level": resolved.level,
        "version": resolved.timer_seq,
    }
    sqs = aws.client("sqs")
    sqs.send_message(QueueUrl=aws.queue_url(Queue.SLA_EVENTS), MessageBody=json.dumps({**legacy, "due_at": "x"}))

    assert consume("handle_sla_events") >= 1

    assert current(tracking_id).status is Status.CLOSED


# --- the timer as deployed: Step Functions on moto --------------------------------------------


def executions_named(name: str) -> list[dict]:
    sfn = aws.client("stepfunctions")
    found = []
    for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=aws.state_machine_arn(StateMachine.SLA_TIMER)
    ):
        found.extend(e for e in page["executions"] if e["name"] == name)
    return found


def test_routing_starts_one_named_timer_execution(citizen, routed_grievance):
    tracking_id = routed_grievance(citizen())
    grievance = current(tracking_id)
    name = f"{tracking_id}-t{grievance.timer_seq}"

    assert route_grievance(tracking_id) is not None  # a redelivered routing message: no second timer
    executions = executions_named(name)
    assert len(executions) == 1, executions
    assert executions[0]["status"] == "RUNNING"

    described = aws.client("stepfunctions").describe_execution(executionArn=executions[0]["executionArn"])
    timer_input = json.loads(described["input"])
    assert timer_input["tracking_id"] == tracking_id
    assert timer_input["level"] == 0 and timer_input["timer_seq"] == grievance.timer_seq
    assert timer_input["purpose"] == "sla"
    assert timer_input["warn_at"] < timer_input["due_at"]
    # Whole seconds, never before the deadline it stands for.
    due_at = grievance.due_at.astimezone(UTC)
    assert timer_input["due_at"] >= due_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert timer_input["due_at"] <= (due_at + SECOND).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def compressed_clock(monkeypatch):
    """WATER_NO_SUPPLY (24 h, round the clock) due about 2 s after routing."""
    monkeypatch.setenv("SLA_SECONDS_PER_HOUR", str(2 / 24))
    get_settings.cache_clear()
    assert get_settings().sla_seconds_per_hour == pytest.approx(2 / 24)
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_step_functions_timer_escalates_an_untouched_grievance(
    stack, compressed_clock, citizen, routed_grievance, consume
):
    asha = citizen()
    started = time.monotonic()
    tracking_id = routed_grievance(asha)
    routed = current(tracking_id)
    assert routed.level == 0
    assert routed.due_at - routed.filed_at < timedelta(seconds=10)  # the compressed SLA was used
    assert len(executions_named(f"{tracking_id}-t{routed.timer_seq}")) == 1

    deadline = started + 15
    grievance = routed
    while time.monotonic() < deadline:
        consume("handle_sla_events")
        grievance = current(tracking_id)
        if grievance.level >= 1:
            break
        time.sleep(0.25)

    assert grievance.level == 1, f"not escalated within 15 s: {events_of(tracking_id)}"
    assert grievance.assignee_id == seat(stack, "supervisor", DEPARTMENT, DISTRICT).officer_id
    assert grievance.timer_seq == routed.timer_seq + 1
    history = events_of(tracking_id)
    assert history.count("escalated") == 1
    assert len(executions_named(f"{tracking_id}-t{grievance.timer_seq}")) == 1  # the next level's timer


# --- races and failures around a timer ---------------------------------------------------------


def test_a_breach_that_collides_with_a_comment_still_escalates(monkeypatch, stack, citizen, routed_grievance):
    """The officer's comment lands between the timer's read and its write: the escalation
    loses the version race, looks again, and escalates — the breach is not dropped."""
    from chalicelib.domain.identity import Principal, Role
    from chalicelib.services import act_on_grievance

    tracking_id = routed_grievance(citizen())
    stale = current(tracking_id)
    owner = account_of(stack, stale.assignee_id)
    save_change, interfered = grievances.save_change, []

    def comment_first(before, change, now):
        if not interfered:
            interfered.append(True)
            act_on_grievance.act_as_officer(
                Principal(owner.officer_id, Role.OFFICER, owner.department, owner.district),
                tracking_id,
                act_on_grievance.OfficerAction(act_on_grievance.Action.COMMENT, "Looking into it."),
            )
        return save_change(before, change, now)

    monkeypatch.setattr(grievances, "save_change", comment_first)
    outcome = breach(stale)

    assert outcome == "escalated"
    after = current(tracking_id)
    assert after.level == 1 and events_of(tracking_id)[-2:] == ["commented", "escalated"]


def test_a_timer_that_could_not_be_started_is_started_through_the_sla_events_queue(
    monkeypatch, citizen, routed_grievance, consume
):
    tracking_id = routed_grievance(citizen())
    sfn = aws.client("stepfunctions")
    real_start, refused = sfn.start_execution, []

    def unavailable_once(**kwargs):
        if not refused:
            refused.append(kwargs["name"])
            raise sfn.exceptions.ClientError(
                {"Error": {"Code": "ServiceUnavailable", "Message": "try later"}}, "StartExecution"
            )
        return real_start(**kwargs)

    monkeypatch.setattr(sfn, "start_execution", unavailable_once)
    assert breach(current(tracking_id)) == "escalated"
    escalated = current(tracking_id)
    assert refused == [f"{tracking_id}-t{escalated.timer_seq}"]
    assert executions_named(refused[0]) == []

    consume("route_grievances")  # the routing queue only routes: nothing there starts it
    assert executions_named(refused[0]) == []
    assert consume("handle_sla_events") >= 1

    assert [e["name"] for e in executions_named(refused[0])] == refused


def test_a_stale_timer_message_restarts_a_missing_current_timer(monkeypatch, citizen, routed_grievance, consume):
    """Even if the deferred start were lost too, the old timer's message, redelivered or
    late, finds the timer_seq moved on and makes sure the current timer runs."""
    tracking_id = routed_grievance(citizen())
    first = current(tracking_id)
    sfn = aws.client("stepfunctions")
    real_start = sfn.start_execution

    def unavailable(**kwargs):
        raise sfn.exceptions.ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "StartExecution")

    monkeypatch.setattr(sfn, "start_execution", unavailable)
    assert breach(first) == "escalated"
    consume("handle_sla_events")  # the deferred start fails again: the message goes back
    escalated = current(tracking_id)
    name = f"{tracking_id}-t{escalated.timer_seq}"
    assert executions_named(name) == []

    monkeypatch.setattr(sfn, "start_execution", real_start)
    assert breach(first) == "stale"

    assert [e["name"] for e in executions_named(name)] == [name]


def test_a_grievance_the_state_cell_owns_has_nobody_above_and_does_not_climb(stack, citizen, routed_grievance):
    tracking_id = routed_grievance(citizen(), category=None, description="Lorem ipsum dolor sit amet, consectetur.")
    owned = current(tracking_id)
    assert owned.department == "STATE_CELL" and owned.level == 3
    assert account_of(stack, owned.assignee_id).role == "state_admin"

    assert breach(owned) == "breached_at_top"
    assert breach(owned) == "duplicate"

    assert "escalated" not in events_of(tracking_id)
    assert events_of(tracking_id).count("sla_breached") == 1
