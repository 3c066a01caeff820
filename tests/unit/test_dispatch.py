"""The one road after a save: what each saved event sets off, on the in-memory adapters.

Real moves of the grievance domain are dispatched; the twins of SQS, SNS and Step Functions
record what would have been sent. The AWS side of each (a timer really firing, a queue
really redelivering) is tested against moto in tests/integration.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib import adapters
from chalicelib.domain import events as e
from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.application import Application, Stage
from chalicelib.resource_names import Queue
from chalicelib.services.dispatch import REACTIONS, dispatch, hand_over, react
from tests.unit.cases import CITIZEN, CLOCK, OFFICER, START, filed, routed, saved


@pytest.fixture
def edge():
    with adapters.installed(adapters.in_memory()) as twins:
        yield twins


def routing_requests(edge) -> list[str]:
    return [json.loads(body)["tracking_id"] for body in edge.queues.sent.get(Queue.ROUTING, [])]


def announced(edge) -> list[tuple[str, int]]:
    """(event name, audit seq) of each announcement on the events queue."""
    bodies = [json.loads(body) for body in edge.queues.sent.get(Queue.EVENTS, [])]
    announcements = [body for body in bodies if not body["kind"].endswith("_saved")]  # not hand-overs
    return [(event["name"], event["seq"]) for body in announcements for event in body["events"]]


def test_every_kind_of_event_has_its_line_in_the_map():
    assert set(REACTIONS) == set(e.event_types())


def test_a_filed_grievance_is_routed_and_announced_and_starts_no_timer(edge):
    change = lifecycle.file(filed(), CITIZEN)

    dispatch(saved(change, 1), change.events, 1)

    assert routing_requests(edge) == ["OD-260302-ABCDEF"]
    assert announced(edge) == [("filed", 1)]
    assert edge.timers.started == {}


def test_routing_starts_the_sla_timer_named_by_the_grievance_and_its_timer_seq(edge):
    grievance = routed()

    dispatch(
        grievance, [e.GrievanceAssigned.by(e.SYSTEM, START, "registered", "assigned", department="WATER", level=0)], 2
    )

    timer = edge.timers.started[f"OD-260302-ABCDEF-t{grievance.timer_seq}"]
    assert timer["purpose"] == "sla" and timer["level"] == 0 and timer["timer_seq"] == grievance.timer_seq
    assert timer["warn_at"] < timer["due_at"]
    assert routing_requests(edge) == []


def test_a_second_dispatch_of_the_same_move_asks_for_the_same_timer_by_name(edge):
    grievance = routed()
    event = e.GrievanceAssigned.by(e.SYSTEM, START, "registered", "assigned", department="WATER", level=0)

    dispatch(grievance, [event], 2)
    dispatch(grievance, [event], 2)

    # Step Functions runs one execution per name: asking twice under one name starts one timer.
    assert edge.timers.requested == [f"OD-260302-ABCDEF-t{grievance.timer_seq}"] * 2
    assert len(edge.timers.started) == 1


def test_escalation_starts_the_next_levels_timer(edge):
    before = routed()
    change = lifecycle.escalate(before, "sup-1", CLOCK, before.due_at + timedelta(seconds=1))

    dispatch(saved(change, 3), change.events, 3)

    started = edge.timers.started[f"OD-260302-ABCDEF-t{before.timer_seq + 1}"]
    assert started["level"] == 1 and started["purpose"] == "sla"
    assert announced(edge) == [("escalated", 3)]


def test_a_resolution_starts_the_timer_that_closes_it_not_an_sla(edge):
    before = routed()
    change = lifecycle.resolve(before, OFFICER, "Pipe mended.", CLOCK, START + timedelta(hours=2))

    dispatch(saved(change, 3), change.events, 3)

    (timer,) = edge.timers.started.values()
    assert timer["purpose"] == "auto_close"


def test_a_transfer_goes_back_to_routing_with_no_timer(edge):
    before = routed()
    change = lifecycle.transfer(before, OFFICER, "ROADS", "A road cave-in, not a pipe.", START + timedelta(hours=1))

    dispatch(saved(change, 3), change.events, 3)

    assert routing_requests(edge) == ["OD-260302-ABCDEF"]
    assert edge.timers.started == {}


def test_a_reopened_grievance_with_an_owner_gets_a_timer_and_one_without_is_routed(edge):
    resolved = lifecycle.resolve(routed(), OFFICER, "Pipe mended.", CLOCK, START).grievance
    with_owner = lifecycle.reopen(resolved, CITIZEN, "Still dry.", CLOCK, START + timedelta(days=1))
    dispatch(saved(with_owner, 4), with_owner.events, 4)
    assert routing_requests(edge) == []
    assert [t["purpose"] for t in edge.timers.started.values()] == ["sla"]

    rejected = lifecycle.reject(filed(), OFFICER, "Not a grievance.", START).grievance
    without_owner = lifecycle.reopen(rejected, CITIZEN, "It is one.", CLOCK, START + timedelta(days=1))
    dispatch(saved(without_owner, 3), without_owner.events, 3)
    assert routing_requests(edge) == ["OD-260302-ABCDEF"]


def test_an_internal_note_tells_no_one_and_sets_off_nothing(edge):
    change = lifecycle.comment(routed(), OFFICER, "Called the lineman.", START)

    dispatch(saved(change, 3), change.events, 3)

    assert edge.queues.sent == {} and edge.timers.started == {} and edge.topics.published == []


def test_each_event_of_a_move_is_announced_with_its_own_audit_seq(edge):
    first = lifecycle.accept(routed(), OFFICER, START)
    second = lifecycle.request_info(first.grievance, OFFICER, "Which lane?", CLOCK, START)

    dispatch(saved(second, 5), [*first.events, *second.events], 5)

    assert announced(edge) == [("accepted", 4), ("info_requested", 5)]


def test_a_refused_timer_start_is_deferred_on_the_sla_events_queue_not_the_routing_queue(edge):
    edge.timers.unavailable = True
    grievance = routed()

    dispatch(
        grievance, [e.GrievanceAssigned.by(e.SYSTEM, START, "registered", "assigned", department="WATER", level=0)], 2
    )

    (deferred,) = [json.loads(body) for body in edge.queues.sent[Queue.SLA_EVENTS]]
    assert deferred == {"kind": "start_timer", "tracking_id": grievance.tracking_id, "timer_seq": grievance.timer_seq}
    assert routing_requests(edge) == []


def test_a_request_logs_a_failing_reaction_and_carries_on_while_a_consumer_raises(edge):
    edge.queues.refuse.add(Queue.ROUTING)
    change = lifecycle.file(filed(), CITIZEN)

    dispatch(saved(change, 1), change.events, 1, strict=False)
    assert announced(edge) == [("filed", 1)]  # the reaction after the failing one still ran

    with pytest.raises(Exception, match="refused"):
        dispatch(saved(change, 1), change.events, 1)
    assert announced(edge) == [("filed", 1), ("filed", 1)]  # raised only once every reaction ran


def test_an_application_event_is_announced_as_an_application(edge):
    application = Application(
        tracking_id="OD-APP-260302-ABCDEF",
        citizen_id=CITIZEN.subject_id,
        service_code="BIRTH_CERT",
        form_version=1,
        department="HEALTH",
        district="KHORDHA",
        fields={},
        filed_at=START,
        stage=Stage.SUBMITTED,
        audit_seq=1,
    )
    event = e.ApplicationSubmitted.by(
        CITIZEN, START, "submitted", "submitted", service="BIRTH_CERT", form_version=1, documents=[]
    )

    dispatch(application, [event], 1)

    (body,) = [json.loads(b) for b in edge.queues.sent[Queue.EVENTS]]
    assert body["kind"] == "application" and body["category"] == "BIRTH_CERT" and body["status"] == "submitted"
    assert edge.timers.started == {} and routing_requests(edge) == []


def test_a_handed_over_grievance_is_announced_and_keeps_its_running_timer(edge):
    from chalicelib.domain.handover import HandoverReason, hand_over_grievance

    before = routed()
    change = hand_over_grievance(before, "off-2", HandoverReason.OFFICER_DEACTIVATED, OFFICER, START)

    dispatch(saved(change, 3), change.events, 3)

    assert announced(edge) == [("handed_over", 3)]
    (body,) = [json.loads(b) for b in edge.queues.sent[Queue.EVENTS]]
    assert body["assignee_id"] == "off-2" and body["due_at"] is not None  # the new owner hears of it
    # The timer of this timer_seq is running already: no new one, no routing.
    assert edge.timers.started == {} and routing_requests(edge) == []


# --- a request's road: one message, the reactions in the events consumer --------------------


def handed_over(edge) -> list[dict]:
    return [body for body in map(json.loads, edge.queues.sent.get(Queue.EVENTS, [])) if body["kind"].endswith("_saved")]


def test_a_request_hands_its_move_over_in_one_message_and_the_events_consumer_reacts(edge):
    from chalicelib.notify.messages import HandedOver

    change = lifecycle.file(filed(), CITIZEN)
    grievance = saved(change, 1)

    hand_over(grievance, change.events, 1)

    # one message, nothing else yet: no routing request, no announcement
    (message,) = edge.queues.sent[Queue.EVENTS]
    assert set(edge.queues.sent) == {Queue.EVENTS} and announced(edge) == []
    handed = HandedOver.model_validate_json(message)
    assert handed.kind == "grievance_saved" and handed.last_seq == 1 and handed.events[0]["type"] == "GrievanceFiled"

    react(handed)

    # the consumer runs the filing's reactions on the case as it was saved
    assert routing_requests(edge) == [grievance.tracking_id]
    assert announced(edge) == [("filed", 1)]


def test_the_case_and_its_events_reach_the_consumer_as_they_were_saved(edge):
    from chalicelib.domain.handover import HandoverReason, hand_over_grievance
    from chalicelib.models import grievances
    from chalicelib.notify.messages import HandedOver

    change = hand_over_grievance(routed(), "off-2", HandoverReason.OFFICER_DEACTIVATED, OFFICER, START)
    case = saved(change, 3)

    hand_over(case, change.events, 3)

    (handed,) = [HandedOver.model_validate(body) for body in handed_over(edge)]
    assert grievances.from_snapshot(handed.case) == case
    assert [e.from_message(event) for event in handed.events] == change.events


def test_a_request_that_cannot_send_its_message_runs_the_reactions_itself(edge):
    edge.queues.refuse.add(Queue.EVENTS)
    change = lifecycle.file(filed(), CITIZEN)

    hand_over(saved(change, 1), change.events, 1)

    assert routing_requests(edge) == ["OD-260302-ABCDEF"]  # routed from the request, as before
    assert handed_over(edge) == []


def test_a_citizens_own_event_and_a_count_only_event_are_never_queued(edge):
    from chalicelib.domain.identity import Citizen, CitizenStatus

    citizen = Citizen(
        citizen_id=CITIZEN.subject_id,
        status=CitizenStatus.ACTIVE,
        name="Asha",
        national_id_kind="aadhaar",
        national_id_last4="1234",
        mobile="+919812300001",
        email=None,
        password_hash=None,
        address=None,
        language="en",
        version=1,
    )
    released = e.NationalIdReleased.by(CITIZEN, START, None, None, national_id="123412341234")
    note = e.GrievanceCommented.by(OFFICER, START, "assigned", "assigned", note="Called the citizen.")

    hand_over(citizen, [released], 4)
    hand_over(routed(), [note], 5)

    assert handed_over(edge) == []  # a national id never travels on a queue
