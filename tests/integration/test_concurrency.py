"""Races on the real stack (issue 17, part 5): two officers moving one grievance at once, one
Idempotency-Key replayed twenty times at once, two timer fires for one level, officers
re-posted or switched off while routing hands out new grievances, and two staff changes
racing for the administrative trail.

The racers are use cases and consumer handlers called from threads released together
(tests/integration/concurrently.py); where the point is that the conditional write decides,
every racer reads the grievance before any of them saves it. Each test then counts what
storage holds — the record's version, its audit trail and hash chain, the load counters,
the queues, the notification log — never only what the threads answered.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC
from functools import partial
from typing import Any

import pytest

from chalicelib.domain.admin import ADMIN_TRAIL, AdminAct, subject_of
from chalicelib.domain.audit import first_broken_entry
from chalicelib.domain.errors import Conflict
from chalicelib.domain.grievance import Action, Grievance, Status
from chalicelib.domain.handover import holds_seat_for
from chalicelib.domain.identity import Principal, Role
from chalicelib.handlers import grievance_events
from chalicelib.handlers.http import domain_error_response
from chalicelib.ids import new_id
from chalicelib.models import admin_trail, audit_trail, officers
from chalicelib.models import grievances as grievance_store
from chalicelib.models.case_store import open_load
from chalicelib.models.notification_log import NotificationLogEntry
from chalicelib.services import file_grievance as filing
from chalicelib.services import manage_officers
from chalicelib.services import route_grievance as routing
from chalicelib.services.act_on_grievance import OfficerAction, act_as_officer
from chalicelib.services.manage_officers import OfficerChangeRequest
from tests.integration.concurrently import (
    WAIT_SECONDS,
    all_read_before_any_writes,
    handed_back,
    race,
    sqs_event,
)
from tests.integration.conftest import bearer
from tests.integration.staff import appoint, open_district

WATER_CATEGORIES = ("WATER_NO_SUPPLY", "WATER_CONTAMINATED", "WATER_PIPE_LEAK")
REDELIVERIES = 5  # SQS hands a failed record back; a handful of rounds settles any collision


# --- helpers -----------------------------------------------------------------------------


def stored(tracking_id: str) -> Grievance:
    grievance = grievance_store.get_grievance(tracking_id)
    assert grievance is not None, tracking_id
    return grievance


def trail_of(tracking_id: str) -> list[dict[str, Any]]:
    """The grievance's audit trail, checked to chain up to the record's own head."""
    grievance = stored(tracking_id)
    trail = audit_trail.history(tracking_id)
    assert first_broken_entry(tracking_id, trail, grievance.audit_seq, grievance.audit_hash) is None, trail
    return trail


def seated(stack, role: str, department: str | None = None, district: str | None = None) -> Principal:
    account = next(
        a for a in stack.seed.accounts if a.role == role and a.department == department and a.district == district
    )
    return Principal(account.officer_id, Role(role), department, district)


def state_cell(stack) -> Principal:
    return seated(stack, "state_admin")


def is_a_409_conflict(error: Exception) -> bool:
    """What the API answers for it: 409 with code `conflict` (the version check lost), not
    a refusal of the move itself (`action_not_allowed`)."""
    if not isinstance(error, Conflict):
        return False
    answer = domain_error_response(error)
    return answer.status_code == 409 and answer.body["error"]["code"] == "conflict"


def route_until_settled(*tracking_ids: str) -> None:
    """Run the routing consumer on these grievances as SQS would: a record it hands back is
    delivered again."""
    bodies = [{"tracking_id": t} for t in tracking_ids]
    for _ in range(REDELIVERIES):
        if not bodies:
            return
        bodies = handed_back(grievance_events.route_grievances, sqs_event(*bodies))
    assert not bodies, f"routing never settled: {bodies}"


def queue_of(officer_id: str) -> list[str]:
    page = grievance_store.officer_queue(officer_id, due_before=None, status=None, limit=100, cursor=None)
    return [g.tracking_id for g in page.cases]


def notified(tracking_id: str) -> list[tuple[int, str, str]]:
    """(audit seq, who, channel) of everything claimed in the notification log about the
    grievance, read from the keys (tracking id # seq # citizen|owner|department|webhook # …)."""
    sent = []
    for entry in NotificationLogEntry.query(tracking_id):
        _, seq, who, channel = entry.notification_id.split("#", 3)
        sent.append((int(seq), who, channel))
    return sent


# --- two officers, one grievance ---------------------------------------------------------


def _resolve(officer: Principal, tracking_id: str) -> Grievance:
    return act_as_officer(officer, tracking_id, OfficerAction(Action.RESOLVE, note="Valve on the main replaced."))


def _transfer(supervisor: Principal, tracking_id: str) -> Grievance:
    move = OfficerAction(Action.TRANSFER, note="The pipe is under the road: roads first.", department="ROADS")
    return act_as_officer(supervisor, tracking_id, move)


@pytest.mark.parametrize("second_move", ["supervisor_transfers", "owner_resolves_again"])
def test_two_moves_at_once_on_one_grievance_one_wins_and_the_other_gets_409(
    stack, citizen, routed_grievance, second_move
):
    # Given a grievance routed to one of Khordha's water officers
    asha = citizen()
    tracking_id = routed_grievance(asha)
    before = stored(tracking_id)
    owner = Principal(before.assignee_id, Role.OFFICER, before.department, before.district)
    supervisor = seated(stack, "supervisor", before.department, before.district)
    trail_before = trail_of(tracking_id)
    load_before = open_load(owner.subject_id)
    second = partial(_transfer, supervisor, tracking_id) if second_move == "supervisor_transfers" else None

    # When the owner resolves it while a second move is made, both having read it first
    with all_read_before_any_writes(grievance_store, "save_change", parties=2) as gate:
        outcome = race(partial(_resolve, owner, tracking_id), second or partial(_resolve, owner, tracking_id))

    # Then exactly one move is saved; the other caller is told to re-read (409 conflict)
    assert outcome.started == 2 and gate.released == 2, "the two moves did not overlap"
    assert len(outcome.answers) == 1 and len(outcome.errors) == 1, outcome.outcomes
    assert is_a_409_conflict(outcome.errors[0]), repr(outcome.errors[0])
    winner = outcome.answers[0]
    after = stored(tracking_id)
    assert after.version == before.version + 1
    assert after.status is winner.status and after.status in {Status.RESOLVED, Status.REGISTERED}
    # ...on the trail once, the hash chain intact...
    trail = trail_of(tracking_id)
    assert trail[: len(trail_before)] == trail_before
    assert [e["event"] for e in trail[len(trail_before) :]] == [
        "resolved" if after.status is Status.RESOLVED else "transferred"
    ]
    # ...and off the owner's desk once, not twice.
    assert open_load(owner.subject_id) == load_before - 1


# --- one Idempotency-Key, twenty callers -------------------------------------------------


def test_one_idempotency_key_sent_20_times_at_once_files_one_grievance(api, citizen):
    # Given a citizen who has filed before (so this process's idempotency store is set up,
    # as each Lambda instance's is before it serves a request: it serves one at a time,
    # while these threads share one process)
    asha = citizen()
    caller = Principal(asha.citizen_id, Role.CITIZEN)
    earlier = filing.NewGrievance(description="Streetlight out near the temple for a week.", district="CUTTACK")
    filing.file_grievance(caller, earlier, str(uuid.uuid4()))
    # No category: the same-kind duplicate link cannot hide a second filing; only the key can.
    request = filing.NewGrievance(
        description=f"Open drain overflowing onto the school road (report {uuid.uuid4().hex[:8]}).",
        district="CUTTACK",
    )
    key = str(uuid.uuid4())

    # When the same filing is sent with one key by 20 callers at once (each its own request)
    outcome = race(*(partial(filing.file_grievance, caller, request, key) for _ in range(20)))

    # Then every caller gets the one first answer: the answer is kept in the filing's own
    # transaction, so each loser's transaction is refused by it and reads it (DynamoDB may
    # also refuse one as "being changed at the same moment": a 409 the client retries)
    assert outcome.started == 20
    assert outcome.answers, "nobody filed it"
    tracking_ids = {answer.tracking_id for answer in outcome.answers}
    assert len(tracking_ids) == 1, tracking_ids
    assert all(is_a_409_conflict(e) for e in outcome.errors), outcome.errors
    (tracking_id,) = tracking_ids
    # ...and one grievance is stored, with one filing on its trail
    page = grievance_store.citizen_grievances(asha.citizen_id, limit=100, cursor=None)
    assert [g.tracking_id for g in page.cases if g.description == request.description] == [tracking_id]
    assert [e["event"] for e in trail_of(tracking_id)] == ["filed"]
    listed = api.get("/grievances", headers=bearer(asha.access_token)).json_body["grievances"]
    assert len(listed) == 2 and tracking_id in {g["tracking_id"] for g in listed}

    # A retry once the race is over gets the same answer and files nothing more
    again = filing.file_grievance(caller, request, key)
    assert again.tracking_id == tracking_id
    assert len(grievance_store.citizen_grievances(asha.citizen_id, limit=100, cursor=None).cases) == 2


# --- two timer fires, one level ----------------------------------------------------------


def test_two_breach_messages_of_one_timer_at_once_escalate_once(stack, citizen, routed_grievance, outbox):
    # Given a grievance with a Khordha water officer, and its timer's breach message
    asha = citizen()
    tracking_id = routed_grievance(asha)
    before = stored(tracking_id)
    assert before.level == 0 and before.due_at is not None
    supervisor = seated(stack, "supervisor", before.department, before.district)
    breach = {
        "kind": "sla_breached",
        "tracking_id": tracking_id,
        "level": before.level,
        "timer_seq": before.timer_seq,
        "due_at": before.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    loads_before = {o: open_load(o) for o in (before.assignee_id, supervisor.subject_id)}
    # Two deliveries of it (a redelivery, or a second execution): two records, two consumers.
    fires = [sqs_event(breach, queue="sla-events") for _ in range(2)]

    # When both consumers handle it at once, both having read the grievance first
    with all_read_before_any_writes(grievance_store, "save_change", parties=2) as gate:
        outcome = race(*(partial(handed_back, grievance_events.handle_sla_events, event) for event in fires))

    # Then neither record goes back to the queue...
    assert outcome.started == 2 and gate.released == 2, "the two fires did not overlap"
    assert outcome.outcomes == [[], []]
    # ...and the grievance went up one level, to the supervisor, once
    after = stored(tracking_id)
    assert (after.level, after.assignee_id) == (1, supervisor.subject_id)
    assert (after.version, after.timer_seq) == (before.version + 1, before.timer_seq + 1)
    trail = trail_of(tracking_id)
    escalations = [e for e in trail if e["event"] == "escalated"]
    assert len(escalations) == 1, escalations
    assert open_load(before.assignee_id) == loads_before[before.assignee_id] - 1
    assert open_load(supervisor.subject_id) == loads_before[supervisor.subject_id] + 1

    # ...and announced once: the citizen gets one SMS of it, the supervisor and the
    # department's topic hear of that one escalation
    texts = [m["text"] for m in outbox(asha.mobile) if m["channel"] == "sms" and tracking_id in m["text"]]
    escalated_texts = [t for t in texts if "senior officer" in t]
    assert len(escalated_texts) == 1 and "(level 1)" in escalated_texts[0], texts
    told = {(who, channel) for seq, who, channel in notified(tracking_id) if seq == int(escalations[0]["seq"])}
    assert {("citizen", "sms"), ("owner", "sms"), ("department", "topic")} <= told, told


# --- officers leaving their seat while routing hands out work ----------------------------


def _appoint_officers(api, admin_token: str, district: str, count: int) -> list[str]:
    return [appoint(api, admin_token, district=district, own_password=False).officer_id for _ in range(count)]


def _file_in(district: str, count: int) -> list[str]:
    """`count` water grievances in `district`, each filed by a citizen of its own through the
    filing use case (what races here is routing, not filing: no API citizen is needed)."""
    return [
        filing.file_for(
            Principal(new_id("cit"), Role.CITIZEN),
            filing.NewGrievance(
                description=f"No water in the lane since Monday (report {n}).",
                district=district,
                category=WATER_CATEGORIES[n % len(WATER_CATEGORIES)],
                ward=f"W-{n}",
            ),
        ).tracking_id
        for n in range(count)
    ]


def _finish_handover(changed: manage_officers.OfficerChanged, actor: Principal, request: OfficerChangeRequest) -> None:
    """What PATCH /officers/{id}'s contract asks of its caller: the same request again while
    the answer says the handover is incomplete (and only then)."""
    for _ in range(REDELIVERIES):
        if changed.handover_complete:
            return
        changed = manage_officers.change_officer(actor, changed.officer.officer_id, request)
    assert changed.handover_complete, f"{changed.officer.officer_id}'s desk never emptied"


def test_officers_reposted_and_switched_off_while_routing_runs_lose_no_grievance(api, stack, admin_token):
    # Given a water seat of three officers in a district of our own, one grievance on each desk
    district, elsewhere = open_district(api, admin_token), open_district(api, admin_token)
    moving, leaving, staying = _appoint_officers(api, admin_token, district, 3)
    held = _file_in(district, 3)
    route_until_settled(*held)
    assert sorted(stored(t).assignee_id for t in held) == sorted([moving, leaving, staying])
    admin = state_cell(stack)

    def route(tracking_id: str) -> list[dict[str, Any]]:
        return handed_back(grievance_events.route_grievances, sqs_event({"tracking_id": tracking_id}))

    # When routing runs on three new grievances while one officer is re-posted to another
    # district, then on three more while another is switched off (one staff change at a
    # time: two at once race for the administrative trail, a test of its own below)
    new: list[str] = []
    for officer_id, request in (
        (moving, OfficerChangeRequest(district=elsewhere)),
        (leaving, OfficerChangeRequest(active=False)),
    ):
        batch = _file_in(district, 3)
        outcome = race(
            *(partial(route, t) for t in batch), partial(manage_officers.change_officer, admin, officer_id, request)
        )
        assert outcome.started == len(batch) + 1
        assert outcome.errors == [], outcome.errors
        # ...what is left over being finished as the contracts say: SQS delivers a record
        # the consumer handed back again, and a handover reported incomplete is repeated.
        *routed_back, changed = outcome.outcomes
        route_until_settled(*(body["tracking_id"] for bodies in routed_back for body in bodies))
        _finish_handover(changed, admin, request)
        new += batch

    # Then every grievance is with the one officer still in the seat, once, on their queue
    everything = held + new
    owners = {t: stored(t).assignee_id for t in everything}
    assert owners == dict.fromkeys(everything, staying), owners
    assert all(stored(t).status is Status.ASSIGNED for t in everything)
    assert sorted(queue_of(staying)) == sorted(everything)
    assert queue_of(moving) == [] and queue_of(leaving) == []
    # ...counted once on each desk's load counter...
    assert [open_load(o) for o in (staying, moving, leaving)] == [len(everything), 0, 0]
    # ...and routed once each, every trail intact.
    assert all([e["event"] for e in trail_of(t)].count("assigned") == 1 for t in everything)


def test_two_officers_changed_at_once_are_both_changed_with_both_acts_on_the_trail(api, stack, admin_token):
    # Given two officers of a seat of our own, nothing on their desks
    district, elsewhere = open_district(api, admin_token), open_district(api, admin_token)
    reposted, switched_off = _appoint_officers(api, admin_token, district, 2)
    admin = state_cell(stack)

    # When the state cell re-posts one and switches the other off at once, each change
    # having read the administrative trail's head before either writes
    with all_read_before_any_writes(admin_trail, "TransactWrite", parties=2) as gate:
        outcome = race(
            partial(manage_officers.change_officer, admin, reposted, OfficerChangeRequest(district=elsewhere)),
            partial(manage_officers.change_officer, admin, switched_off, OfficerChangeRequest(active=False)),
        )

    # Then both are made: the act that lost the race for the head chains onto the winner's
    assert outcome.started == 2 and gate.released == 2, "the two changes did not overlap"
    assert outcome.errors == [], outcome.errors
    moved, off = officers.get_officer(reposted), officers.get_officer(switched_off)
    assert moved is not None and (moved.district, moved.active) == (elsewhere, True)
    assert off is not None and off.active is False
    for officer_id in (reposted, switched_off):
        acts, _ = admin_trail.read(subject_of("officer", officer_id), None, 10)
        assert [a["event"] for a in acts].count(AdminAct.OFFICER_CHANGED.value) == 1, acts
    head_seq, head_hash = admin_trail.head()
    assert first_broken_entry(ADMIN_TRAIL, admin_trail.whole(), head_seq, head_hash) is None


def _pause_after_choosing(chosen: threading.Event, resume: threading.Event) -> Callable[..., Any]:
    """routing's `find_owner`, stopping after the choice until told to go on and save."""
    real = routing.find_owner

    def find_then_wait(*args: Any, **kwargs: Any) -> Any:
        owner = real(*args, **kwargs)
        chosen.set()
        assert resume.wait(WAIT_SECONDS), "never resumed"
        return owner

    return find_then_wait


@pytest.mark.parametrize("leaves_by", ["switched_off", "reposted"])
def test_an_officer_who_leaves_between_routings_choice_and_its_save_is_not_given_the_grievance(
    api, stack, admin_token, monkeypatch, leaves_by
):
    # Given a seat of one officer (and a supervisor above them) in a district of our own,
    # and a grievance routing has just chosen that officer for
    district, elsewhere = open_district(api, admin_token), open_district(api, admin_token)
    (officer,) = _appoint_officers(api, admin_token, district, 1)
    supervisor = appoint(api, admin_token, role="supervisor", district=district, own_password=False).officer_id
    (tracking_id,) = _file_in(district, 1)
    chosen, resume = threading.Event(), threading.Event()
    monkeypatch.setattr(routing, "find_owner", _pause_after_choosing(chosen, resume))
    event = sqs_event({"tracking_id": tracking_id})
    redelivered: list[dict[str, Any]] = []
    router = threading.Thread(target=lambda: redelivered.extend(handed_back(grievance_events.route_grievances, event)))
    router.start()
    assert chosen.wait(WAIT_SECONDS), "routing never chose an owner"

    # When the officer leaves the seat before routing saves (their desk handed over: empty)
    request = (
        OfficerChangeRequest(active=False) if leaves_by == "switched_off" else OfficerChangeRequest(district=elsewhere)
    )
    changed = manage_officers.change_officer(state_cell(stack), officer, request)
    assert changed.handed_over == [] and changed.handover_complete is True
    resume.set()
    router.join(WAIT_SECONDS)
    monkeypatch.undo()
    assert not router.is_alive()
    route_until_settled(*(body["tracking_id"] for body in redelivered))

    # Then the grievance is held by someone who sits in its seat (the supervisor, the
    # officer's seat being empty now), on their queue, and not left with the officer
    grievance = stored(tracking_id)
    owner = officers.get_officer(grievance.assignee_id)
    assert owner is not None and holds_seat_for(owner, grievance.department, grievance.district, grievance.level), (
        f"{tracking_id} is with {grievance.assignee_id}, who left {district}"
    )
    assert grievance.assignee_id == supervisor and queue_of(supervisor) == [tracking_id]
    assert queue_of(officer) == [] and open_load(officer) == 0
