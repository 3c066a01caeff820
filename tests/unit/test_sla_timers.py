"""Routing terms, which timer a grievance should have, and what a timer's message means —
pure rules, and the walk from filing to escalation on the in-memory adapters.

The consumers that load, save and act on these (route_grievance, grievance_timers) are
tested against moto in tests/integration, where DynamoDB's conditions and Step Functions'
executions are the point.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from chalicelib import adapters
from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.grievance import (
    STATE_CELL,
    TOP_LEVEL,
    UNCATEGORISED_SLA_HOURS,
    Status,
    TimerKind,
    TimerVerdict,
    route_terms,
    timer_of,
    timer_verdict,
)
from chalicelib.resource_names import Queue
from chalicelib.services.dispatch import dispatch
from tests.unit.cases import CITIZEN, CLOCK, OFFICER, SECOND, START, WATER, filed, route, routed, saved

# --- routing terms ----------------------------------------------------------------------


def test_a_categorised_grievance_goes_to_its_categorys_department_on_its_sla():
    terms = route_terms(filed(), WATER)
    assert (terms.department, terms.category, terms.sla_hours, terms.round_the_clock) == (
        "WATER",
        "WATER_NO_SUPPLY",
        24,
        False,
    )


def test_a_grievance_nobody_could_categorise_goes_to_the_state_cell_on_the_default_sla():
    terms = route_terms(filed(category=None), None)
    assert (terms.department, terms.category, terms.sla_hours) == (STATE_CELL, None, UNCATEGORISED_SLA_HOURS)
    assert routed(filed(category=None), None).level == TOP_LEVEL  # the state cell has nobody above


def test_a_transferred_grievance_keeps_its_category_and_sla_in_its_new_department():
    terms = route_terms(filed(department="ROADS"), WATER)
    assert (terms.department, terms.category, terms.sla_hours) == ("ROADS", "WATER_NO_SUPPLY", 24)


# --- which timer -------------------------------------------------------------------------


def test_a_running_clock_has_an_sla_timer_and_a_resolved_grievance_its_closing_timer():
    assigned = routed()
    sla = timer_of(assigned)
    assert sla is not None and (sla.purpose, sla.level, sla.timer_seq) == ("sla", 0, assigned.timer_seq)
    assert (sla.warn_at, sla.due_at) == (assigned.warn_at, assigned.due_at)

    resolved = lifecycle.resolve(assigned, OFFICER, "Pipe mended.", CLOCK, START + SECOND).grievance
    closing = timer_of(resolved)
    assert closing is not None and closing.purpose == "auto_close" and closing.timer_seq == assigned.timer_seq + 1


@pytest.mark.parametrize(
    "move",
    [
        lambda g: lifecycle.request_info(g, OFFICER, "Which lane?", CLOCK, START).grievance,
        lambda g: lifecycle.reject(g, OFFICER, "Not ours to fix.", START).grievance,
        lambda g: lifecycle.transfer(g, OFFICER, "ROADS", "A road cave-in.", START).grievance,
    ],
    ids=["paused", "rejected", "transferred"],
)
def test_a_paused_decided_or_awaiting_routing_grievance_has_no_timer(move):
    assert timer_of(move(routed())) is None
    assert timer_of(filed()) is None


# --- what a timer's message means ----------------------------------------------------------


def test_the_current_timers_warning_then_breach_warn_then_escalate():
    g = routed()
    assert timer_verdict(g, TimerKind.SLA_WARNING, 0, g.timer_seq) is TimerVerdict.WARN
    warned = lifecycle.warn(g, START).grievance
    assert timer_verdict(warned, TimerKind.SLA_WARNING, 0, g.timer_seq) is TimerVerdict.DUPLICATE
    assert timer_verdict(warned, TimerKind.SLA_BREACHED, 0, g.timer_seq) is TimerVerdict.ESCALATE


def test_at_the_top_a_breach_is_recorded_once():
    g = replace(routed(), level=TOP_LEVEL)
    assert timer_verdict(g, TimerKind.SLA_BREACHED, TOP_LEVEL, g.timer_seq) is TimerVerdict.BREACHED_AT_TOP
    after = lifecycle.breached_at_top(g, START).grievance
    assert timer_verdict(after, TimerKind.SLA_BREACHED, TOP_LEVEL, g.timer_seq) is TimerVerdict.DUPLICATE
    assert timer_verdict(after, TimerKind.SLA_WARNING, TOP_LEVEL, g.timer_seq) is TimerVerdict.DUPLICATE


def test_an_older_timers_message_only_makes_sure_the_newer_one_runs():
    g = routed()
    escalated = lifecycle.escalate(g, "sup-1", CLOCK, g.due_at + SECOND).grievance
    assert timer_verdict(escalated, TimerKind.SLA_BREACHED, 0, g.timer_seq) is TimerVerdict.REPLACED
    assert timer_verdict(escalated, TimerKind.SLA_BREACHED, 1, escalated.timer_seq + 1) is TimerVerdict.STALE
    assert timer_verdict(None, TimerKind.SLA_BREACHED, 0, 1) is TimerVerdict.STALE


def test_only_the_closing_timer_closes_a_resolved_grievance():
    resolved = lifecycle.resolve(routed(), OFFICER, "Pipe mended.", CLOCK, START).grievance
    seq = resolved.timer_seq
    assert timer_verdict(resolved, TimerKind.AUTO_CLOSE_DUE, 0, seq) is TimerVerdict.CLOSE
    assert timer_verdict(resolved, TimerKind.SLA_BREACHED, 0, seq) is TimerVerdict.STALE
    assert timer_verdict(resolved, TimerKind.SLA_WARNING, 0, seq) is TimerVerdict.STALE
    # A timer started before timers named their purpose reported the closing date as a breach.
    assert timer_verdict(resolved, TimerKind.SLA_BREACHED, 0, seq, legacy=True) is TimerVerdict.CLOSE


def test_a_closing_message_on_a_running_clock_means_nothing():
    g = routed()
    assert timer_verdict(g, TimerKind.AUTO_CLOSE_DUE, 0, g.timer_seq) is TimerVerdict.DUPLICATE
    paused = lifecycle.request_info(g, OFFICER, "Which lane?", CLOCK, START).grievance
    assert timer_verdict(paused, TimerKind.SLA_BREACHED, 0, g.timer_seq) is TimerVerdict.STALE


# --- the walk, on the in-memory adapters ---------------------------------------------------


def test_from_filing_to_escalation_each_move_sets_off_exactly_its_reactions():
    with adapters.installed(adapters.in_memory()) as edge:
        filing = lifecycle.file(filed(), CITIZEN)
        dispatch(saved(filing, 1), filing.events, 1)
        assert [json.loads(b)["tracking_id"] for b in edge.queues.take(Queue.ROUTING)] == ["OD-260302-ABCDEF"]

        routing = route(filing.grievance)
        assigned = saved(routing, 2)
        dispatch(assigned, routing.events, 2)
        assert list(edge.timers.started) == [f"OD-260302-ABCDEF-t{assigned.timer_seq}"]

        breach = timer_verdict(assigned, TimerKind.SLA_BREACHED, 0, assigned.timer_seq)
        assert breach is TimerVerdict.ESCALATE
        escalation = lifecycle.escalate(assigned, "sup-1", CLOCK, assigned.due_at + SECOND)
        escalated = saved(escalation, 3)
        dispatch(escalated, escalation.events, 3)

        assert escalated.status is Status.ASSIGNED and escalated.level == 1
        timers = edge.timers.started
        assert list(timers) == [f"OD-260302-ABCDEF-t{n}" for n in (assigned.timer_seq, escalated.timer_seq)]
        assert timers[f"OD-260302-ABCDEF-t{escalated.timer_seq}"]["level"] == 1
        names = [e["name"] for body in edge.queues.take(Queue.EVENTS) for e in json.loads(body)["events"]]
        assert names == ["filed", "assigned", "escalated"]
        assert edge.queues.sent.get(Queue.ROUTING, []) == []  # routed once
