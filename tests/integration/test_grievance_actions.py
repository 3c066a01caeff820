"""Every grievance action through the HTTP API, and what must not happen: officer actions
(accept, comment, request_info, transfer, reassign, resolve, reject), the citizen's side
(list, read, reply, feedback, reopen, appeal, "me too"), idempotent and duplicate filing,
bad input, public tracking, the race between two officers and a tampered audit trail.

Time only moves through the services (`now=` injected) where a window must pass; all else
goes through the API. The seeded stack is shared: every test makes its own citizens and
never assumes which of a district's officers got a grievance.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.aws import client
from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.audit import first_broken_entry
from chalicelib.domain.errors import Conflict, DomainError
from chalicelib.domain.grievance import ALLOWED, Action, Status
from chalicelib.domain.identity import Principal, Role
from chalicelib.handlers.http import domain_error_response
from chalicelib.models import audit_trail
from chalicelib.models import grievances as grievance_store
from chalicelib.services import act_on_grievance
from tests.integration.conftest import JSON, bearer, post

UNKNOWN_ID = "OD-260101-ZZZZZZ"  # shaped like a tracking id, dated before this stack filed anything
WATER_SLA_HOURS = 24  # WATER_NO_SUPPLY: 24 hours, round the clock


# --- helpers -----------------------------------------------------------------------------


def act(api, tracking_id: str, token: str, action: str, **fields: Any):
    return post(api, f"/grievances/{tracking_id}/actions", {"action": action, **fields}, token)


def read(api, tracking_id: str, token: str):
    return api.get(f"/grievances/{tracking_id}", headers=bearer(token))


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.body
    return response.json_body


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.body
    return response.json_body["error"]


def when(text: str | None) -> datetime:
    assert text, "expected a timestamp"
    return datetime.fromisoformat(text)


def sla_wall(hours: float) -> timedelta:
    """Wall time of `hours` SLA hours of a round-the-clock category on this stage."""
    return timedelta(seconds=hours * get_settings().sla_seconds_per_hour)


def close_to(actual: datetime, expected: datetime, slack: timedelta = timedelta(seconds=60)) -> bool:
    return abs(actual - expected) <= slack


def status_of(error: DomainError) -> int:
    return domain_error_response(error).status_code


def my_ids(api, person) -> list[str]:
    body = ok(api.get("/grievances?limit=100", headers=bearer(person.access_token)))
    return [g["tracking_id"] for g in body["grievances"]]


def events_of(api, tracking_id: str, token: str) -> list[str]:
    return [e["event"] for e in ok(api.get(f"/grievances/{tracking_id}/history", headers=bearer(token)))["events"]]


@pytest.fixture
def accounts(stack) -> Callable[..., list[Any]]:
    """Seeded staff accounts matching role / department / district."""

    def find(role: str, department: str | None = None, district: str | None = None) -> list[Any]:
        found = [
            a
            for a in stack.seed.accounts
            if a.role == role
            and (department is None or a.department == department)
            and (district is None or a.district == district)
        ]
        assert found, (role, department, district)
        return found

    return find


@pytest.fixture
def login(api, stack) -> Callable[[Any], str]:
    """Access token of a seeded account (or an officer id), logged in once per test."""
    tokens: dict[str, str] = {}

    def run(account_or_id: Any) -> str:
        account = account_or_id
        if isinstance(account_or_id, str):
            account = next(a for a in stack.seed.accounts if a.officer_id == account_or_id)
        if account.username not in tokens:
            response = post(api, "/auth/login", {"username": account.username, "password": account.password})
            tokens[account.username] = ok(response)["access_token"]
        return tokens[account.username]

    return run


@pytest.fixture
def owner_of(api, admin_token) -> Callable[[str], str | None]:
    """The officer id currently owning a grievance (through the state admin's view)."""
    return lambda tracking_id: ok(read(api, tracking_id, admin_token))["assigned_to"]


@pytest.fixture
def owner_token(owner_of, login) -> Callable[[str], str]:
    return lambda tracking_id: login(owner_of(tracking_id))


def assert_not_allowed(error: dict, attempted: str, state: str, contract_moves: set[str]) -> None:
    """A 409 for a move the state does not allow, listing the moves it does: the state
    machine's own list for that state, which holds the contract's moves and not this one."""
    assert error["code"] == "action_not_allowed", error
    allowed = error.get("allowed")
    assert isinstance(allowed, list), error
    assert attempted not in allowed and contract_moves <= set(allowed), (attempted, allowed)
    assert allowed == sorted(a.value for a in ALLOWED[Status(state)]), (state, allowed)


def principal_of(stack, officer_id: str) -> Principal:
    account = next(a for a in stack.seed.accounts if a.officer_id == officer_id)
    return Principal(officer_id, Role(account.role), account.department, account.district)


# --- officer actions -----------------------------------------------------------------------


def test_accept_comment_and_a_tamper_evident_history(api, citizen, routed_grievance, owner_token):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    officer = owner_token(tracking_id)

    assert ok(act(api, tracking_id, officer, "accept"))["status"] == "in_progress"
    again = error_of(act(api, tracking_id, officer, "accept"), 409)
    assert_not_allowed(again, "accept", "in_progress", {"comment", "reject", "request_info", "resolve", "transfer"})

    # A comment is internal: staff read it, the citizen never sees it.
    secret = "INTERNAL-NOTE-valve-key-with-junior-engineer"
    assert error_of(act(api, tracking_id, officer, "comment"), 422)["field"] == "note"
    assert ok(act(api, tracking_id, officer, "comment", note=secret))["status"] == "in_progress"
    mine = read(api, tracking_id, asha.access_token)
    assert [e["event"] for e in ok(mine)["timeline"]] == ["filed", "assigned", "accepted"]
    assert secret not in json.dumps(mine.json_body)
    citizen_trail = api.get(f"/grievances/{tracking_id}/history", headers=bearer(asha.access_token))
    assert [e["event"] for e in ok(citizen_trail)["events"]] == ["filed", "assigned", "accepted"]
    assert secret not in json.dumps(citizen_trail.json_body)
    assert citizen_trail.json_body["chain_intact"] is True

    trail = ok(api.get(f"/grievances/{tracking_id}/history", headers=bearer(officer)))
    assert [e["event"] for e in trail["events"]] == ["filed", "assigned", "accepted", "commented"]
    assert trail["events"][-1]["note"] == secret and trail["events"][-1]["internal"] is True
    assert trail["chain_intact"] is True
    pairs = zip(trail["events"], trail["events"][1:], strict=False)
    assert all(later["prev_hash"] == earlier["entry_hash"] for earlier, later in pairs)

    # Someone with table access rewrites who accepted it: the chain shows it.
    client("dynamodb").update_item(
        TableName=get_settings().resource_name("audit"),
        Key={"subject": {"S": tracking_id}, "seq": {"N": "3"}},
        UpdateExpression="SET actor_id = :who",
        ExpressionAttributeValues={":who": {"S": "off-someone-else"}},
    )
    stored = grievance_store.get_grievance(tracking_id)
    head = (stored.audit_seq, stored.audit_hash)
    assert first_broken_entry(tracking_id, audit_trail.history(tracking_id), *head) == 3
    assert ok(api.get(f"/grievances/{tracking_id}/history", headers=bearer(officer)))["chain_intact"] is False
    assert ok(api.get(f"/grievances/{tracking_id}/history", headers=bearer(asha.access_token)))["chain_intact"] is False


def test_entries_cut_off_the_end_of_the_trail_are_noticed(api, citizen, routed_grievance, owner_token):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    officer = owner_token(tracking_id)
    ok(post(api, f"/grievances/{tracking_id}/actions", {"action": "reject", "note": "Not ours."}, officer))
    entries = audit_trail.history(tracking_id)
    assert entries[-1]["event"] == "rejected"

    # Deleting the last entries leaves a chain that is intact as far as it goes.
    client("dynamodb").delete_item(
        TableName=get_settings().resource_name("audit"),
        Key={"subject": {"S": tracking_id}, "seq": {"N": str(entries[-1]["seq"])}},
    )

    trail = ok(api.get(f"/grievances/{tracking_id}/history", headers=bearer(officer)))
    assert [e["event"] for e in trail["events"]][-1] != "rejected"
    assert trail["chain_intact"] is False


def test_a_trail_copied_onto_another_grievance_does_not_verify(citizen, routed_grievance):
    asha = citizen()
    first, second = routed_grievance(asha), routed_grievance(asha, category="ROADS_POTHOLE")
    copied = audit_trail.history(first)
    target = grievance_store.get_grievance(second)

    assert first_broken_entry(second, copied, len(copied), copied[-1]["entry_hash"]) == 1
    assert first_broken_entry(second, audit_trail.history(second), target.audit_seq, target.audit_hash) is None


def test_request_info_pauses_the_sla_and_the_reply_resumes_it_with_the_time_left(
    api, citizen, routed_grievance, owner_token
):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    officer = owner_token(tracking_id)
    early = error_of(post(api, f"/grievances/{tracking_id}/reply", {"message": "hello"}, asha.access_token), 409)
    assert_not_allowed(early, "reply", "assigned", {"accept", "request_info"})
    ok(act(api, tracking_id, officer, "accept"))
    due_before = when(ok(read(api, tracking_id, asha.access_token))["due_at"])

    assert error_of(act(api, tracking_id, officer, "request_info"), 422)["field"] == "note"
    asked = ok(act(api, tracking_id, officer, "request_info", note="Which lane exactly, and since when?"))
    assert asked["status"] == "info_requested"
    paused = ok(read(api, tracking_id, asha.access_token))
    assert paused["status"] == "info_requested" and paused["overdue"] is False
    assert "info_requested" in [e["event"] for e in paused["timeline"]]  # the question is for the citizen
    stored = grievance_store.get_grievance(tracking_id)
    assert stored is not None and stored.overdue(due_before + timedelta(days=3)) is False
    queue = ok(api.get("/officer/grievances?overdue=true&limit=100", headers=bearer(officer)))
    assert tracking_id not in [g["tracking_id"] for g in queue["grievances"]]
    # It waits on the citizen: the officer cannot resolve it meanwhile.
    waiting = error_of(act(api, tracking_id, officer, "resolve", note="done"), 409)
    assert_not_allowed(waiting, "resolve", "info_requested", {"reply"})

    # The citizen answers 5 hours later: the deadline moves by the 5 paused hours.
    waited = timedelta(hours=5)
    me = Principal(asha.citizen_id, Role.CITIZEN)
    replied = act_on_grievance.reply(me, tracking_id, "Lane 4 behind the temple.", now=utc_now() + waited)
    assert replied.status.value == "in_progress"
    resumed = ok(read(api, tracking_id, asha.access_token))
    assert resumed["status"] == "in_progress"
    assert close_to(when(resumed["due_at"]), due_before + waited), (resumed["due_at"], due_before)

    # Through the API, at once: the deadline stays where it was.
    due_before = when(resumed["due_at"])
    ok(act(api, tracking_id, officer, "request_info", note="And the meter number?"))
    reply_path = f"/grievances/{tracking_id}/reply"
    assert error_of(post(api, reply_path, {"message": ""}, asha.access_token), 422)["field"] == "message"
    answered = ok(post(api, reply_path, {"message": "Meter 4471."}, asha.access_token))
    assert answered["status"] == "in_progress"
    assert close_to(when(answered["due_at"]), due_before, timedelta(seconds=30))
    assert events_of(api, tracking_id, officer)[-2:] == ["info_requested", "info_provided"]

    # While paused there is no running deadline to show the citizen.
    ok(act(api, tracking_id, officer, "request_info", note="One more thing: a photo?"))
    assert ok(read(api, tracking_id, asha.access_token))["due_at"] is None


def test_transfers_need_a_reason_are_rerouted_and_the_fourth_goes_to_the_state_cell(
    api, citizen, routed_grievance, owner_of, login, consume, accounts
):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    water_officer = login(owner_of(tracking_id))
    refused = [
        ({"department": "ELECTRICITY"}, "note"),
        ({"note": "not ours"}, "department"),
        ({"note": "not ours", "department": "WATER"}, "department"),
        ({"note": "not ours", "department": "ATLANTIS"}, "department"),
    ]
    for fields, field in refused:
        assert error_of(act(api, tracking_id, water_officer, "transfer", **fields), 422)["field"] == field, fields

    for number, department in enumerate(["ELECTRICITY", "ROADS", "SANITATION"], start=1):
        officer = login(owner_of(tracking_id))
        moved = ok(act(api, tracking_id, officer, "transfer", note=f"Not ours ({number})", department=department))
        assert (moved["status"], moved["department"], moved["transfers"]) == ("registered", department, number)
        consume("route_grievances")
        new_owner = owner_of(tracking_id)
        assert new_owner in {a.officer_id for a in accounts("officer", department, "KHORDHA")}
        mine = ok(read(api, tracking_id, asha.access_token))
        assert mine["status"] == "assigned" and mine["department"] == department and mine["due_at"]
        # The officer who sent it away no longer sees it, exactly like a missing one.
        assert read(api, tracking_id, officer).status_code == 404
        assert ok(read(api, tracking_id, login(new_owner)))["status"] == "assigned"

    officer = login(owner_of(tracking_id))
    fourth = ok(act(api, tracking_id, officer, "transfer", note="Not ours either", department="HEALTH"))
    assert (fourth["department"], fourth["transfers"]) == ("STATE_CELL", 4)
    consume("route_grievances")
    (state_admin,) = accounts("state_admin")
    assert owner_of(tracking_id) == state_admin.officer_id
    mine = ok(read(api, tracking_id, asha.access_token))
    assert mine["status"] == "assigned" and mine["department"] == "STATE_CELL"


def test_reassign_is_for_supervisors_and_only_to_an_officer_of_the_same_department(
    api, citizen, routed_grievance, owner_of, login, accounts
):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    first = owner_of(tracking_id)
    (other,) = [a.officer_id for a in accounts("officer", "WATER", "KHORDHA") if a.officer_id != first]

    supervisor = login(accounts("supervisor", "WATER", "KHORDHA")[0])
    electrician = accounts("officer", "ELECTRICITY", "KHORDHA")[0].officer_id
    wrong_department = error_of(act(api, tracking_id, supervisor, "reassign", officer_id=electrician), 422)
    assert wrong_department["field"] == "officer_id"
    unknown = error_of(act(api, tracking_id, supervisor, "reassign", officer_id="off-nobody"), 422)
    assert unknown["field"] == "officer_id"
    # A supervisor of another district cannot even see it.
    elsewhere = login(accounts("supervisor", "WATER", "CUTTACK")[0])
    assert act(api, tracking_id, elsewhere, "reassign", officer_id=other).status_code == 404
    assert owner_of(tracking_id) == first

    reassigned = ok(act(api, tracking_id, supervisor, "reassign", officer_id=other))
    assert reassigned["assigned_to"] == other and reassigned["status"] == "assigned"
    assert owner_of(tracking_id) == other
    assert read(api, tracking_id, login(first)).status_code == 404
    new_owner = login(other)
    assert ok(read(api, tracking_id, new_owner))["assigned_to"] == other

    # An officer may not reassign, not even their own grievance: 403.
    forbidden = error_of(act(api, tracking_id, new_owner, "reassign", officer_id=first), 403)
    assert forbidden["message"]
    assert owner_of(tracking_id) == other


def test_two_officers_acting_at_once_one_wins_and_the_other_gets_409(
    api, citizen, routed_grievance, owner_of, login, stack, monkeypatch
):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    officer_id = owner_of(tracking_id)
    officer = principal_of(stack, officer_id)
    stale = grievance_store.get_grievance(tracking_id)
    assert stale is not None

    # Both threads read the grievance before either writes. Their writes then reach the
    # store one after the other, as DynamoDB serialises them (moto's TransactWriteItems is
    # not isolated from a concurrent one: a cancelled transaction restores a whole-table
    # snapshot, which could undo the other's committed write).
    real_save = grievance_store.save_change
    both_read = threading.Barrier(2, timeout=10)
    one_at_a_time = threading.Lock()

    def save_after_both_read(before, change, now):
        both_read.wait()
        with one_at_a_time:
            return real_save(before, change, now)

    monkeypatch.setattr(grievance_store, "save_change", save_after_both_read)

    def attempt(action: Action, note: str) -> Any:
        try:
            return act_on_grievance.act_as_officer(officer, tracking_id, act_on_grievance.OfficerAction(action, note))
        except DomainError as error:
            return error

    with ThreadPoolExecutor(max_workers=2) as pool:
        decisions = [(Action.RESOLVE, "Fixed the valve."), (Action.REJECT, "Not ours.")]
        outcomes = list(pool.map(lambda decision: attempt(*decision), decisions))
    monkeypatch.undo()

    winners = [o for o in outcomes if not isinstance(o, Exception)]
    losers = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert isinstance(losers[0], Conflict) and status_of(losers[0]) == 409
    final = ok(read(api, tracking_id, asha.access_token))
    assert final["status"] == winners[0].status.value
    token = login(officer_id)
    events = events_of(api, tracking_id, token)
    assert events.count("resolved") + events.count("rejected") == 1
    assert ok(api.get(f"/grievances/{tracking_id}/history", headers=bearer(token)))["chain_intact"] is True

    # A write from the stale read is refused as well, and changes nothing.
    late = lifecycle.accept(stale, officer, utc_now())
    with pytest.raises(Conflict):
        grievance_store.save_change(stale, late, utc_now())
    assert events_of(api, tracking_id, token) == events


def test_resolve_needs_a_note_feedback_closes_and_a_rating_4_cannot_be_appealed(
    api, citizen, routed_grievance, owner_token
):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    officer = owner_token(tracking_id)
    assert error_of(act(api, tracking_id, officer, "resolve"), 422)["field"] == "note"
    assert error_of(act(api, tracking_id, officer, "resolve", note="   "), 422)["field"] == "note"
    assert ok(read(api, tracking_id, officer))["status"] == "assigned"
    resolved = ok(act(api, tracking_id, officer, "resolve", note="Supply restored."))
    assert resolved["status"] == "resolved" and resolved["resolved_at"]

    feedback = f"/grievances/{tracking_id}/feedback"
    for bad in (0, 6, "5", 4.5, None):
        assert error_of(post(api, feedback, {"rating": bad}, asha.access_token), 422)["field"] == "rating", bad
    assert ok(read(api, tracking_id, asha.access_token))["status"] == "resolved"

    closed = ok(post(api, feedback, {"rating": 4, "comment": "ok"}, asha.access_token))
    assert closed["status"] == "closed" and closed["rating"] == 4 and closed["closed_at"]
    appeal = post(api, f"/grievances/{tracking_id}/appeal", {"reason": "I changed my mind"}, asha.access_token)
    assert 400 <= appeal.status_code < 500, appeal.body
    assert ok(read(api, tracking_id, asha.access_token))["status"] == "closed"

    late = error_of(act(api, tracking_id, officer, "resolve", note="again"), 409)
    assert_not_allowed(late, "resolve", "closed", {"appeal"})
    rated_again = error_of(post(api, feedback, {"rating": 5}, asha.access_token), 409)
    assert_not_allowed(rated_again, "feedback", "closed", set())


def test_reject_needs_a_reason_and_an_appeal_goes_to_the_department_head_once(
    api, citizen, routed_grievance, owner_token, owner_of, login, accounts
):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    officer = owner_token(tracking_id)
    assert error_of(act(api, tracking_id, officer, "reject"), 422)["field"] == "note"
    assert ok(read(api, tracking_id, officer))["status"] == "assigned"
    rejected = ok(act(api, tracking_id, officer, "reject", note="Private connection."))
    assert rejected["status"] == "rejected" and rejected["rejected_at"]
    again = error_of(act(api, tracking_id, officer, "reject", note="again"), 409)
    assert_not_allowed(again, "reject", "rejected", {"appeal"})

    appeal_path = f"/grievances/{tracking_id}/appeal"
    assert error_of(post(api, appeal_path, {"reason": ""}, asha.access_token), 422)["field"] == "reason"
    appealed = ok(post(api, appeal_path, {"reason": "It is a public main."}, asha.access_token))
    assert appealed["status"] == "assigned" and appealed["escalation_level"] == 2
    assert appealed["appealed"] is True and appealed["due_at"]
    head = accounts("department_head", "WATER")[0].officer_id
    assert owner_of(tracking_id) == head

    twice = post(api, appeal_path, {"reason": "Again"}, asha.access_token)
    assert 400 <= twice.status_code < 500, twice.body
    # Rejected again by the appellate authority: there is no second appeal.
    ok(act(api, tracking_id, login(head), "reject", note="Upheld: private connection."))
    second = post(api, appeal_path, {"reason": "Again"}, asha.access_token)
    assert 400 <= second.status_code < 500, second.body
    assert ok(read(api, tracking_id, asha.access_token))["status"] == "rejected"


def test_appeals_only_within_30_days_and_after_a_low_rating(
    api, citizen, routed_grievance, owner_token, owner_of, accounts
):
    asha = citizen()
    me = Principal(asha.citizen_id, Role.CITIZEN)
    rejected = routed_grievance(asha)
    ok(act(api, rejected, owner_token(rejected), "reject", note="Not a supply problem."))
    with pytest.raises(DomainError) as refused:
        act_on_grievance.appeal(me, rejected, "It is.", now=utc_now() + timedelta(days=31))
    assert 400 <= status_of(refused.value) < 500
    assert ok(read(api, rejected, asha.access_token))["status"] == "rejected"
    assert act_on_grievance.appeal(me, rejected, "It is.", now=utc_now() + timedelta(days=29)).level == 2

    poorly_rated = routed_grievance(asha, category="ROADS_POTHOLE")
    ok(act(api, poorly_rated, owner_token(poorly_rated), "resolve", note="Patched."))
    ok(post(api, f"/grievances/{poorly_rated}/feedback", {"rating": 2}, asha.access_token))
    appealed = ok(post(api, f"/grievances/{poorly_rated}/appeal", {"reason": "Washed away"}, asha.access_token))
    assert appealed["status"] == "assigned" and appealed["escalation_level"] == 2
    assert owner_of(poorly_rated) == accounts("department_head", "ROADS")[0].officer_id


def test_reopen_only_within_7_days_back_to_the_officer_with_a_fresh_deadline(
    api, citizen, routed_grievance, owner_of, login
):
    asha = citizen()
    tracking_id = routed_grievance(asha)
    officer_id = owner_of(tracking_id)
    ok(act(api, tracking_id, login(officer_id), "resolve", note="Supply restored."))
    assert ok(read(api, tracking_id, asha.access_token))["due_at"] is None

    me = Principal(asha.citizen_id, Role.CITIZEN)
    with pytest.raises(DomainError) as refused:
        act_on_grievance.reopen(me, tracking_id, "Dry again.", now=utc_now() + timedelta(days=8))
    assert 400 <= status_of(refused.value) < 500
    assert ok(read(api, tracking_id, asha.access_token))["status"] == "resolved"

    reopen = f"/grievances/{tracking_id}/reopen"
    assert error_of(post(api, reopen, {"reason": ""}, asha.access_token), 422)["field"] == "reason"
    reopened = ok(post(api, reopen, {"reason": "Dry again."}, asha.access_token))
    assert reopened["status"] == "assigned" and reopened["escalation_level"] == 0
    assert close_to(when(reopened["due_at"]), utc_now() + sla_wall(WATER_SLA_HOURS))
    assert owner_of(tracking_id) == officer_id
    assert events_of(api, tracking_id, asha.access_token)[-2:] == ["resolved", "reopened"]


# --- the level a grievance has reached ------------------------------------------------------


@pytest.fixture
def appealed_grievance(api, citizen, routed_grievance, owner_token, accounts) -> Callable[[], tuple[Any, str]]:
    """A water grievance in Khordha its officer rejected and its citizen appealed: now at the
    appellate level (2), with the department head. Returns (citizen, tracking id)."""

    def run() -> tuple[Any, str]:
        asha = citizen()
        tracking_id = routed_grievance(asha)
        ok(act(api, tracking_id, owner_token(tracking_id), "reject", note="Private connection."))
        appealed = ok(post(api, f"/grievances/{tracking_id}/appeal", {"reason": "It is the main."}, asha.access_token))
        assert appealed["escalation_level"] == 2
        return asha, tracking_id

    return run


def test_a_district_supervisor_cannot_overrule_an_appeal_the_department_head_hears(
    api, appealed_grievance, owner_of, login, accounts, consume, outbox
):
    # Given an appeal with the Water department head, and everything it caused delivered
    asha, tracking_id = appealed_grievance()
    consume("route_grievances")
    supervisor = login(accounts("supervisor", "WATER", "KHORDHA")[0])
    other_officer = accounts("officer", "WATER", "KHORDHA")[0].officer_id
    stored, trail, sent = (
        grievance_store.get_grievance(tracking_id),
        events_of(api, tracking_id, supervisor),
        outbox(asha.mobile),
    )

    # When the district supervisor, who may read it, tries to close, move or pause it
    attempts = {
        "reject": {"note": "Upheld."},
        "resolve": {"note": "Done."},
        "transfer": {"department": "ROADS", "note": "Roads' pipe."},
        "request_info": {"note": "Which house?"},
        "accept": {},
        "reassign": {"officer_id": other_officer},
    }
    for action, fields in attempts.items():
        refused = error_of(act(api, tracking_id, supervisor, action, **fields), 403)
        # Then each is a 403 naming the level, not a 409 listing what else could be tried
        assert (refused["code"], refused["field"]) == ("above_your_level", "action"), action

    # And nothing changed: the record, its trail, what the citizen was told, routing
    assert grievance_store.get_grievance(tracking_id) == stored
    assert events_of(api, tracking_id, supervisor) == trail
    assert outbox(asha.mobile) == sent
    assert consume("route_grievances") == 0
    assert ok(read(api, tracking_id, asha.access_token))["status"] == "assigned"
    # The supervisor may still tell the appellate authority what the district knows.
    assert ok(act(api, tracking_id, supervisor, "comment", note="The main runs under lane 4."))
    head = login(owner_of(tracking_id))
    assert ok(act(api, tracking_id, head, "resolve", note="Main repaired."))["status"] == "resolved"


def test_an_appeal_transferred_on_is_heard_by_the_other_departments_head(
    api, appealed_grievance, owner_of, login, accounts, consume
):
    asha, tracking_id = appealed_grievance()
    head = login(owner_of(tracking_id))

    moved = ok(act(api, tracking_id, head, "transfer", department="ROADS", note="The roads' culvert."))
    assert (moved["status"], moved["escalation_level"]) == ("registered", 2)
    consume("route_grievances")

    assert owner_of(tracking_id) == accounts("department_head", "ROADS")[0].officer_id
    mine = ok(read(api, tracking_id, asha.access_token))
    assert (mine["department"], mine["escalation_level"], mine["status"]) == ("ROADS", 2, "assigned")
    roads_supervisor = login(accounts("supervisor", "ROADS", "KHORDHA")[0])
    refused = error_of(act(api, tracking_id, roads_supervisor, "reject", note="Not ours."), 403)
    assert refused["code"] == "above_your_level"
    assert ok(read(api, tracking_id, asha.access_token))["status"] == "assigned"


def test_an_appeal_is_not_handed_back_down_to_an_officer(api, appealed_grievance, owner_of, login, accounts):
    _, tracking_id = appealed_grievance()
    head_id = owner_of(tracking_id)
    officer_id = accounts("officer", "WATER", "KHORDHA")[0].officer_id
    stored = grievance_store.get_grievance(tracking_id)

    refused = error_of(act(api, tracking_id, login(head_id), "reassign", officer_id=officer_id), 422)

    assert refused["field"] == "officer_id"
    assert grievance_store.get_grievance(tracking_id) == stored and owner_of(tracking_id) == head_id


# --- the citizen's side --------------------------------------------------------------------


def test_citizens_list_their_own_grievances_page_by_page(api, citizen, file_grievance):
    asha = citizen()
    filed = [
        file_grievance(asha, category=category).json_body["tracking_id"]
        for category in ("WATER_NO_SUPPLY", "ROADS_POTHOLE", "SANITATION_GARBAGE")
    ]
    first = ok(api.get("/grievances?limit=2", headers=bearer(asha.access_token)))
    assert len(first["grievances"]) == 2 and first["next_cursor"]
    second = ok(api.get(f"/grievances?limit=2&cursor={first['next_cursor']}", headers=bearer(asha.access_token)))
    assert len(second["grievances"]) == 1 and second["next_cursor"] is None
    listed = [g["tracking_id"] for g in first["grievances"] + second["grievances"]]
    assert listed == list(reversed(filed))  # newest first, each once

    one = ok(read(api, filed[0], asha.access_token))
    assert one["tracking_id"] == filed[0] and one["category"] == "WATER_NO_SUPPLY" and one["status"] == "registered"
    assert "assigned_to" not in one and [e["event"] for e in one["timeline"]] == ["filed"]


def test_others_cannot_see_a_grievance_but_another_citizen_can_say_me_too_once(
    api, citizen, file_grievance, consume, accounts, login, owner_token
):
    asha, ravi = citizen(), citizen()
    ward = {"district": "KHORDHA", "ward": f"W-metoo-{asha.citizen_id[-8:]}"}
    tracking_id = file_grievance(asha, location=ward).json_body["tracking_id"]
    consume("route_grievances")

    unknown = read(api, UNKNOWN_ID, ravi.access_token)
    assert unknown.status_code == 404
    theirs = read(api, tracking_id, ravi.access_token)
    assert theirs.status_code == 404 and theirs.json_body == unknown.json_body
    assert api.get(f"/grievances/{tracking_id}/history", headers=bearer(ravi.access_token)).status_code == 404
    assert post(api, f"/grievances/{tracking_id}/reopen", {"reason": "x"}, ravi.access_token).status_code == 404
    other_department = login(accounts("officer", "ELECTRICITY", "KHORDHA")[0])
    staff_unknown = read(api, UNKNOWN_ID, other_department)
    assert staff_unknown.status_code == 404
    assert read(api, tracking_id, other_department).json_body == staff_unknown.json_body
    assert api.get(f"/grievances/{tracking_id}/history", headers=bearer(other_department)).status_code == 404
    assert act(api, tracking_id, other_department, "accept").status_code == 404
    assert read(api, tracking_id, login(accounts("supervisor", "ELECTRICITY", "KHORDHA")[0])).status_code == 404
    assert ok(read(api, tracking_id, owner_token(tracking_id)))["status"] == "assigned"

    # Ravi has the same problem in the same ward: offered as "me too" (without its id),
    # and counted once whether he takes the offer or knows the id.
    before = ok(read(api, tracking_id, asha.access_token))
    (offer,) = file_grievance(ravi, location=ward).json_body["similar"]
    assert tracking_id not in json.dumps(offer) and offer["nearness"] == "same_ward"
    first = ok(post(api, f"/grievances/metoo/{offer['offer']}", {}, ravi.access_token))
    assert first["supporters"] == before["supporters"] + 1 and "tracking_id" not in first
    twice = ok(post(api, f"/grievances/{tracking_id}/metoo", {}, ravi.access_token))
    assert twice["supporters"] == before["supporters"] + 1
    after = ok(read(api, tracking_id, asha.access_token))
    assert after["supporters"] == before["supporters"] + 1 and after["priority"] == before["priority"] + 1
    own = post(api, f"/grievances/{tracking_id}/metoo", {}, asha.access_token)
    assert own.status_code == 404, own.body
    assert ok(read(api, tracking_id, asha.access_token))["supporters"] == before["supporters"] + 1


# --- filing: idempotency, duplicates, bad input -------------------------------------------


def test_idempotent_retries_and_duplicates_file_once(api, citizen, file_grievance):
    asha = citizen()
    same = {
        "category": "ROADS_POTHOLE",
        "description": "A deep pothole outside the school gate.",
        "location": {"district": "KHORDHA", "ward": "W-idem"},
    }
    headers = {**JSON, **bearer(asha.access_token), "Idempotency-Key": f"retry-{asha.citizen_id}"}
    first = file_grievance(asha, key=headers["Idempotency-Key"], **same).json_body
    again = api.post("/grievances", headers=headers, body=json.dumps(same))
    assert again.status_code in (200, 201), again.body
    assert again.json_body["tracking_id"] == first["tracking_id"]
    assert my_ids(api, asha) == [first["tracking_id"]]

    other_body = {**same, "description": "A deep pothole outside the hospital gate."}
    assert (
        error_of(api.post("/grievances", headers=headers, body=json.dumps(other_body)), 422)["field"]
        == "Idempotency-Key"
    )
    assert my_ids(api, asha) == [first["tracking_id"]]

    # The same category in the same district within 7 days is linked, not doubled.
    water = file_grievance(asha).json_body
    assert water["duplicate"] is False
    linked = file_grievance(asha, expect=200).json_body  # other words, other ward
    assert linked["duplicate"] is True and linked["tracking_id"] == water["tracking_id"]
    assert sorted(my_ids(api, asha)) == sorted([first["tracking_id"], water["tracking_id"]])


BAD_FILINGS = [
    ("unknown-category", {"category": "NOT_A_CATEGORY"}, 422, "category"),
    ("unknown-district", {"location": {"district": "ATLANTIS"}}, 422, "location.district"),
    ("empty-description", {"description": ""}, 422, "description"),
    ("blank-description", {"description": "   "}, 422, "description"),
    ("20KB-description", {"description": "water " * 3500}, None, "description"),
    ("unknown-field", {"status": "closed"}, 422, "status"),
]


def test_bad_filings_are_refused_naming_the_field_and_store_nothing(api, citizen, grievance_body):
    asha = citizen()
    headers = {**JSON, **bearer(asha.access_token)}
    problems = []
    for name, overrides, status, field in BAD_FILINGS:
        response = api.post("/grievances", headers=headers, body=json.dumps(grievance_body(**overrides)))
        right_status = 400 <= response.status_code < 500 if status is None else response.status_code == status
        if not right_status or (response.json_body or {}).get("error", {}).get("field") != field:
            problems.append((name, response.status_code, response.body))
    malformed = api.post("/grievances", headers=headers, body='{"category": "WATER_NO_SUPPLY",')
    if malformed.status_code != 400 or "error" not in (malformed.json_body or {}):
        problems.append(("malformed-json", malformed.status_code, malformed.body))
    assert problems == []
    assert my_ids(api, asha) == []


# --- public tracking ----------------------------------------------------------------------


def test_public_tracking_shows_status_and_dates_only_and_limits_guesses(api, citizen, routed_grievance):
    _stay_inside_one_tracking_window()
    asha = citizen()
    tracking_id = routed_grievance(asha)
    right = asha.mobile[-4:]
    wrong = f"{(int(right) + 1) % 10000:04d}"

    shown = ok(api.get(f"/track/{tracking_id}?mobile_last4={right}"))
    assert set(shown) == {"tracking_id", "status", "filed_at", "due_at", "resolved_at", "closed_at"}
    assert shown["tracking_id"] == tracking_id and shown["status"] == "assigned" and shown["due_at"]
    raw = json.dumps(shown)
    description = ok(read(api, tracking_id, asha.access_token))["description"]
    assert description not in raw and asha.mobile not in raw and "Asha" not in raw

    miss = api.get(f"/track/{tracking_id}?mobile_last4={wrong}")
    unknown = api.get(f"/track/{UNKNOWN_ID}?mobile_last4={right}")
    assert miss.status_code == 404 and unknown.status_code == 404
    assert miss.json_body == unknown.json_body

    for attempt in range(3, 11):  # lookups 3..10 (misses) are still plain 404s
        assert api.get(f"/track/{tracking_id}?mobile_last4={wrong}").status_code == 404, attempt
    # the 11th lookup of this tracking id in the window is refused, even with the right digits
    limited = api.get(f"/track/{tracking_id}?mobile_last4={right}")
    assert error_of(limited, 429)["code"]
    assert int(limited.headers.get("Retry-After") or limited.headers.get("retry-after")) > 0


def _stay_inside_one_tracking_window() -> None:
    """The lookup counter lives in fixed 15-minute windows: don't start right at an edge."""
    left = 900 - time.time() % 900
    if left < 30:
        time.sleep(left + 1)
