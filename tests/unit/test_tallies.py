"""What each grievance event adds to the report counters and the OPEN/OVERDUE gauges.

Grievances are moved by the domain's own functions and each move's events are tallied
with the grievance that move left, as the dispatcher's `tally` reaction does: the tests
check the true pairing of "grievance after the move" and event, not hand-made events.
The last part drives many random legal lifecycles and checks that the gauges, summed
over every event, always equal a recount of the grievances as they stand."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import events as e
from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.catalogue import Category
from chalicelib.domain.errors import DomainError
from chalicelib.domain.grievance import (
    APPELLATE_LEVEL,
    MAX_TRANSFERS,
    OWNED,
    STATE_CELL,
    TOP_LEVEL,
    Change,
    Grievance,
    Status,
    TimerKind,
    TimerVerdict,
    route_terms,
    timer_of,
    timer_verdict,
)
from chalicelib.domain.handover import HandoverReason, hand_over_grievance
from chalicelib.domain.identity import ESCALATION_ROLES, Principal, Role
from chalicelib.domain.resolution_times import NAMES, bucket_name, bucket_of
from chalicelib.domain.tallies import (
    SHARDS,
    UNCATEGORISED,
    UNROUTED,
    Gauge,
    Row,
    Tally,
    View,
    add_up,
    is_late,
    quarter_of,
    quarters_between,
    shard_of,
    tally_of,
)
from tests.unit.cases import CITIZEN, CLOCK, OFFICER, START, WATER, filed

ZONE = ZoneInfo("Asia/Kolkata")
HOUR = timedelta(hours=1)
SUPERVISOR = Principal("sup-1", Role.SUPERVISOR, department="WATER", district="KHORDHA")
HEAD = Principal("head-1", Role.DEPARTMENT_HEAD, department="WATER")
ADMIN = Principal("admin-1", Role.STATE_ADMIN)
OPEN, OVERDUE = Gauge.OPEN, Gauge.OVERDUE


def seeded(seed: int | str) -> random.Random:
    return random.Random(seed)  # noqa: S311 - repeatable test data, not a secret


def one(change: Change, seq: int = 7) -> Tally:
    """The tally of a move's one event, with the grievance that move left."""
    assert len(change.events) == 1
    return tally_of(change.grievance, change.events[0], seq, ZONE)


def by_row(tally: Tally) -> dict[tuple[View, tuple[str, ...]], dict[str, int]]:
    rows = {(row.view, row.key): row.counters for row in tally.rows}
    assert len(rows) == len(tally.rows), "one row per view and key"
    return rows


def route(g: Grievance, category: Category | None = WATER, now: datetime = START, owner: str = "off-1") -> Change:
    terms = route_terms(g, category)
    return lifecycle.assign(
        g,
        department=terms.department,
        category=terms.category,
        assignee_id=owner,
        sla_hours=terms.sla_hours,
        round_the_clock=terms.round_the_clock,
        clock=CLOCK,
        now=now,
        escalation_hours=terms.escalation_hours,
    )


def working(now: datetime = START) -> Grievance:
    """Filed and routed at START (due 24 working hours on), accepted by off-1 at `now`."""
    return lifecycle.accept(route(filed()).grievance, OFFICER, now).grievance


def escalated(g: Grievance, times: int) -> Grievance:
    """Escalated `times` as its timers would: each at the deadline of the level it is at."""
    owners = {1: "sup-1", 2: "head-1", 3: "admin-1"}
    for _ in range(times):
        assert g.due_at is not None
        g = lifecycle.escalate(g, owners[g.level + 1], CLOCK, g.due_at).grievance
    return g


def gauges_of(tallies: list[Tally]) -> dict[tuple[str, Gauge], int]:
    summed: Counter[tuple[str, Gauge]] = Counter()
    for tally in tallies:
        summed.update(tally.gauges)
    return {key: n for key, n in summed.items() if n}


# --- filing and routing ------------------------------------------------------------------------


def test_a_filing_counts_in_its_district_in_total_by_category_and_by_channel():
    counted = one(lifecycle.file(filed(channel="sms"), CITIZEN), seq=1)
    assert counted.rows == [
        Row(View.DISTRICT, ("KHORDHA",), {"filed": 1, "filed.WATER_NO_SUPPLY": 1, "channel_sms": 1})
    ]
    assert counted.gauges == {}  # registered: nobody holds it yet
    assert counted.event_id == "OD-260302-ABCDEF#1"


def test_an_uncategorised_filing_counts_under_uncategorised():
    counted = one(lifecycle.file(filed(category=None, channel="ivrs"), CITIZEN))
    assert by_row(counted) == {
        (View.DISTRICT, ("KHORDHA",)): {"filed": 1, f"filed.{UNCATEGORISED}": 1, "channel_ivrs": 1}
    }


def test_routing_counts_received_in_the_department_and_opens_it_there():
    counted = one(route(filed()))
    assert by_row(counted) == {(View.DEPARTMENT, ("WATER",)): {"received": 1}}
    assert counted.gauges == {("WATER", OPEN): 1}


def test_a_transfer_counts_out_of_one_department_and_routing_counts_it_received_in_the_next():
    # Given a grievance WATER works on
    g = working()
    # When WATER transfers it and routing gives it to ROADS
    transferred = lifecycle.transfer(g, OFFICER, "ROADS", "A road cave-in broke the pipe.", START + HOUR)
    rerouted = route(transferred.grievance, now=START + 2 * HOUR, owner="off-9")
    # Then WATER counts it out and is no longer holding it, and ROADS counts it received
    out = one(transferred)
    assert by_row(out) == {(View.DEPARTMENT, ("WATER",)): {"transferred_out": 1}}
    assert out.gauges == {("WATER", OPEN): -1}
    into = one(rerouted)
    assert by_row(into) == {(View.DEPARTMENT, ("ROADS",)): {"received": 1}}
    assert into.gauges == {("ROADS", OPEN): 1}


def test_only_an_assignment_out_of_registered_counts_as_received():
    """Reopening, appealing, reassigning, handing over and escalating give the grievance an
    owner too, but it was received once, when routed."""
    g = working()
    moves = [
        lambda g: lifecycle.reassign(g, SUPERVISOR, "off-2", CLOCK, START + HOUR),
        lambda g: hand_over_grievance(g, "off-3", HandoverReason.OFFICER_REPOSTED, ADMIN, START + 2 * HOUR),
        lambda g: lifecycle.escalate(g, "sup-1", CLOCK, START + 3 * HOUR),
        lambda g: lifecycle.reject(g, SUPERVISOR, "Private property.", START + 4 * HOUR),
        lambda g: lifecycle.reopen(g, CITIZEN, "It is the public main.", CLOCK, START + 5 * HOUR),
        lambda g: lifecycle.resolve(g, SUPERVISOR, "Main repaired.", CLOCK, START + 6 * HOUR),
        lambda g: lifecycle.give_feedback(g, CITIZEN, 1, "Dry again.", START + 7 * HOUR),
        lambda g: lifecycle.appeal(g, CITIZEN, "Still dry.", "head-1", CLOCK, START + 8 * HOUR),
    ]
    for move in moves:
        change = move(g)
        assert all("received" not in row.counters for row in one(change).rows), change.events[0].name
        g = change.grievance
    # The guard itself: an assignment event not out of registered is not a receipt.
    routed = route(filed())
    odd = replace(routed.events[0], from_state=Status.ASSIGNED.value)
    assert all("received" not in row.counters for row in tally_of(routed.grievance, odd, 2, ZONE).rows)


# --- disposals: resolved and rejected ----------------------------------------------------------


def test_a_resolution_on_time_at_the_first_level_counts_everywhere_it_should():
    # Given a grievance routed at START, due 24 working hours later
    g = working()
    # When its officer resolves it two hours after filing
    counted = one(lifecycle.resolve(g, OFFICER, "Valve reopened.", CLOCK, START + 2 * HOUR))
    # Then it is resolved on time, in the (1, 2] h bucket, counted in each view
    assert by_row(counted) == {
        (View.DEPARTMENT, ("WATER",)): {"resolved": 1, "on_time": 1, "le_2h": 1},
        (View.DISTRICT, ("KHORDHA",)): {"resolved": 1, "on_time": 1, "le_2h": 1, "resolved.WATER_NO_SUPPLY": 1},
        (View.CATEGORY, ("WATER_NO_SUPPLY",)): {"le_2h": 1},
        (View.OFFICER, ("WATER", "KHORDHA", "off-1")): {"resolved": 1, "on_time": 1},
    }
    assert counted.gauges == {("WATER", OPEN): -1}


@pytest.mark.parametrize("hours", [0.25, 1.0, 3.0, 11.0, 30.0, 100.0, 500.0, 900.0])
def test_a_resolution_carries_exactly_one_bucket_and_one_verdict(hours):
    g = working()
    counted = one(lifecycle.resolve(g, OFFICER, "Done.", CLOCK, START + timedelta(hours=hours)))
    rows = by_row(counted)
    bucket = bucket_name(bucket_of(hours))
    for view, key in [(View.DEPARTMENT, ("WATER",)), (View.DISTRICT, ("KHORDHA",)), (View.CATEGORY, (g.category,))]:
        assert [name for name in rows[(view, key)] if name in NAMES] == [bucket]
        assert rows[(view, key)][bucket] == 1
    judged = [
        (View.DEPARTMENT, ("WATER",)),
        (View.DISTRICT, ("KHORDHA",)),
        (View.OFFICER, ("WATER", "KHORDHA", "off-1")),
    ]
    for view, key in judged:
        verdicts = {name: n for name, n in rows[(view, key)].items() if name in ("on_time", "late")}
        assert list(verdicts.values()) == [1]
    # Nothing else says how long it took: the officer row has no bucket.
    assert not set(rows[(View.OFFICER, ("WATER", "KHORDHA", "off-1"))]) & set(NAMES)


def test_hours_to_resolution_count_from_filing_not_from_routing():
    # Filed at START, routed ten hours later, resolved an hour after that: 11 h, not 1 h.
    g = route(filed(), now=START + 10 * HOUR).grievance
    counted = one(lifecycle.resolve(g, OFFICER, "Done.", CLOCK, START + 11 * HOUR))
    assert by_row(counted)[(View.CATEGORY, ("WATER_NO_SUPPLY",))] == {"le_12h": 1}


def test_a_resolution_past_the_deadline_before_any_timer_fired_counts_late():
    g = working()
    assert g.due_at is not None
    counted = one(lifecycle.resolve(g, OFFICER, "Done.", CLOCK, g.due_at))
    # 24 working hours from Monday 10:00 end on Thursday 11:30: 73.5 hours after filing.
    assert g.due_at - START == timedelta(hours=73.5)
    assert by_row(counted)[(View.DEPARTMENT, ("WATER",))] == {"resolved": 1, "late": 1, "le_120h": 1}


def test_an_escalated_then_resolved_grievance_counts_late():
    # Given a grievance its officer let run past the deadline: the timer escalated it to the supervisor
    g = escalated(working(), 1)
    assert g.level == 1
    # When the supervisor resolves it within the fresh deadline
    change = lifecycle.resolve(g, SUPERVISOR, "Valve reopened.", CLOCK, g.due_at - HOUR)
    # Then the grievance was not resolved on time: it breached its SLA once already...
    assert change.events[0].on_time is False
    assert by_row(one(change))[(View.DEPARTMENT, ("WATER",))]["late"] == 1
    # ...but the supervisor met the deadline they were given: the lateness is not theirs
    assert change.events[0].own_deadline is True
    assert by_row(one(change))[(View.OFFICER, ("WATER", "KHORDHA", "sup-1"))] == {"resolved": 1, "on_time": 1}


def test_a_grievance_escalated_twice_and_then_resolved_counts_late_for_its_resolver():
    g = escalated(working(), 2)
    counted = one(lifecycle.resolve(g, HEAD, "Main replaced.", CLOCK, g.due_at - HOUR))
    rows = by_row(counted)
    assert rows[(View.OFFICER, ("WATER", "KHORDHA", "head-1"))] == {"resolved": 1, "on_time": 1}  # their own clock
    assert rows[(View.DEPARTMENT, ("WATER",))]["late"] == 1 and "on_time" not in rows[(View.DEPARTMENT, ("WATER",))]
    assert counted.gauges == {("WATER", OPEN): -1, ("WATER", OVERDUE): -1}


def test_each_escalation_counts_by_its_level_in_the_department():
    g = working()
    for level, owner in [(1, "sup-1"), (2, "head-1"), (3, "admin-1")]:
        change = lifecycle.escalate(g, owner, CLOCK, g.due_at)
        assert by_row(one(change)) == {(View.DEPARTMENT, ("WATER",)): {f"escalated_{level}": 1}}
        g = change.grievance


def test_the_first_escalation_makes_the_grievance_overdue():
    g = working()
    change = lifecycle.escalate(g, "sup-1", CLOCK, g.due_at)
    assert one(change).gauges == {("WATER", OVERDUE): 1}


def test_a_grievance_escalated_twice_is_overdue_once_and_leaves_the_gauges_when_resolved():
    g = route(filed())
    tallies = [one(g)]
    g = g.grievance
    for owner in ("sup-1", "head-1"):
        change = lifecycle.escalate(g, owner, CLOCK, g.due_at)
        tallies.append(one(change))
        g = change.grievance
    assert gauges_of(tallies) == {("WATER", OPEN): 1, ("WATER", OVERDUE): 1}
    tallies.append(one(lifecycle.resolve(g, HEAD, "Done.", CLOCK, g.due_at)))
    assert gauges_of(tallies) == {}


def test_an_appeal_is_late_only_above_the_appellate_level():
    # Given a rejected grievance appealed to the department head
    rejected = lifecycle.reject(working(), OFFICER, "Not ours.", START + HOUR).grievance
    appealed = lifecycle.appeal(rejected, CITIZEN, "It is.", "head-1", CLOCK, START + 2 * HOUR)
    assert appealed.grievance.level == APPELLATE_LEVEL
    assert one(appealed).gauges == {("WATER", OPEN): 1}  # not overdue: it entered at this level
    assert by_row(one(appealed)) == {(View.DEPARTMENT, ("WATER",)): {"appealed": 1}}
    # When the head decides it in time, it is on time
    on_time = lifecycle.resolve(appealed.grievance, HEAD, "Fixed.", CLOCK, START + 3 * HOUR)
    assert by_row(one(on_time))[(View.OFFICER, ("WATER", "KHORDHA", "head-1"))] == {"resolved": 1, "on_time": 1}
    # But once its timer escalated it to the state cell, it is overdue and decided late
    climbed = lifecycle.escalate(appealed.grievance, "admin-1", CLOCK, appealed.grievance.due_at)
    assert one(climbed).gauges == {("WATER", OVERDUE): 1}
    late = lifecycle.resolve(climbed.grievance, ADMIN, "Fixed.", CLOCK, START + 100 * HOUR)
    assert late.events[0].on_time is False
    assert by_row(one(late))[(View.DEPARTMENT, ("WATER",))]["late"] == 1
    # the state cell itself is judged late only past its own deadline
    mine = climbed.grievance.due_at
    assert mine is not None
    past = lifecycle.resolve(climbed.grievance, ADMIN, "Fixed.", CLOCK, mine + HOUR)
    assert by_row(one(past))[(View.OFFICER, ("WATER", "KHORDHA", "admin-1"))] == {"resolved": 1, "late": 1}


def state_cell_case() -> Change:
    """An uncategorised grievance, routed to the state cell (which owns at the top level)."""
    return route(filed(category=None), category=None, owner="admin-1")


def test_a_grievance_routed_to_the_state_cell_is_not_overdue_on_arrival():
    routed = state_cell_case()
    assert routed.grievance.level == TOP_LEVEL
    assert one(routed).gauges == {(STATE_CELL, OPEN): 1}


def test_the_state_cell_resolving_within_its_deadline_is_on_time():
    g = state_cell_case().grievance
    change = lifecycle.resolve(g, ADMIN, "Referred and fixed.", CLOCK, START + HOUR)
    assert change.events[0].on_time is True


def test_a_rejection_before_routing_counts_rejected_with_no_verdict_and_no_gauge():
    # Given a registered grievance, never routed, so no SLA ever ran
    change = lifecycle.reject(filed(), ADMIN, "Not a grievance: a greeting.", START + HOUR)
    assert change.events[0].on_time is None
    counted = one(change)
    rows = by_row(counted)
    assert rows[(View.DEPARTMENT, (UNROUTED,))] == {"rejected": 1}
    assert rows[(View.DISTRICT, ("KHORDHA",))] == {"rejected": 1, "rejected.WATER_NO_SUPPLY": 1}
    assert all(not {"on_time", "late"} & set(row.counters) for row in counted.rows)
    assert all(not set(NAMES) & set(row.counters) for row in counted.rows)
    assert View.CATEGORY not in {row.view for row in counted.rows}
    assert counted.gauges == {}


def test_a_rejection_before_routing_has_no_officer_row():
    counted = one(lifecycle.reject(filed(), ADMIN, "Not a grievance: a greeting.", START + HOUR))
    assert View.OFFICER not in {row.view for row in counted.rows}


def test_a_rejection_by_its_owner_counts_its_verdict_but_no_resolution_time():
    counted = one(lifecycle.reject(working(), OFFICER, "Private connection.", START + HOUR))
    assert by_row(counted) == {
        (View.DEPARTMENT, ("WATER",)): {"rejected": 1, "on_time": 1},
        (View.DISTRICT, ("KHORDHA",)): {"rejected": 1, "on_time": 1, "rejected.WATER_NO_SUPPLY": 1},
        (View.OFFICER, ("WATER", "KHORDHA", "off-1")): {"rejected": 1, "on_time": 1},
    }
    assert counted.gauges == {("WATER", OPEN): -1}


def test_a_rejection_while_waiting_on_the_citizen_leaves_the_gauges():
    asked = lifecycle.request_info(working(), OFFICER, "Which house?", CLOCK, START + HOUR)
    assert one(asked).gauges == {}  # still held: open before and after
    counted = one(lifecycle.reject(asked.grievance, OFFICER, "No answer.", START + 200 * HOUR))
    assert counted.gauges == {("WATER", OPEN): -1}
    assert by_row(counted)[(View.DEPARTMENT, ("WATER",))] == {"rejected": 1, "on_time": 1}  # the clock was paused


# --- after the decision: ratings, reopening, appeals ----------------------------------------


def resolved() -> Grievance:
    return lifecycle.resolve(working(), OFFICER, "Done.", CLOCK, START + HOUR).grievance


@pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
def test_a_rating_counts_in_the_department_and_the_district(rating):
    counted = one(lifecycle.give_feedback(resolved(), CITIZEN, rating, None, START + 2 * HOUR))
    ratings = {"rated": 1, "rating_sum": rating, f"rating_{rating}": 1}
    assert by_row(counted) == {(View.DEPARTMENT, ("WATER",)): ratings, (View.DISTRICT, ("KHORDHA",)): ratings}
    assert counted.gauges == {}


def test_closing_without_a_rating_counts_nothing():
    assert one(lifecycle.auto_close(resolved(), START + timedelta(days=8))).empty


def test_a_reopening_counts_in_department_and_district_and_opens_it_again():
    counted = one(lifecycle.reopen(resolved(), CITIZEN, "Dry again.", CLOCK, START + 2 * HOUR))
    assert by_row(counted) == {
        (View.DEPARTMENT, ("WATER",)): {"reopened": 1},
        (View.DISTRICT, ("KHORDHA",)): {"reopened": 1},
    }
    assert counted.gauges == {("WATER", OPEN): 1}


def test_only_a_resolution_writes_the_category_view_and_only_staff_disposals_the_officer_view():
    g = filed()
    changes = [lifecycle.file(g, CITIZEN)]
    moves: list[Callable[[Grievance], Change]] = [
        route,
        lambda g: lifecycle.accept(g, OFFICER, START + HOUR),
        lambda g: lifecycle.comment(g, OFFICER, "Crew sent.", START + HOUR),
        lambda g: lifecycle.request_info(g, OFFICER, "Which house?", CLOCK, START + HOUR),
        lambda g: lifecycle.reply(g, CITIZEN, "House 12.", CLOCK, START + 2 * HOUR),
        lambda g: lifecycle.support(g, Principal("cit-2", Role.CITIZEN), START + 2 * HOUR),
        lambda g: lifecycle.reassign(g, SUPERVISOR, "off-2", CLOCK, START + 3 * HOUR),
        lambda g: lifecycle.warn(g, START + 4 * HOUR),
        lambda g: lifecycle.escalate(g, "sup-1", CLOCK, START + 5 * HOUR),
        lambda g: lifecycle.resolve(g, SUPERVISOR, "Done.", CLOCK, START + 6 * HOUR),
        lambda g: lifecycle.give_feedback(g, CITIZEN, 2, "Slow.", START + 7 * HOUR),
        lambda g: lifecycle.appeal(g, CITIZEN, "Slow.", "head-1", CLOCK, START + 8 * HOUR),
        lambda g: lifecycle.reject(g, HEAD, "Resolved already.", START + 9 * HOUR),
    ]
    for move in moves:
        changes.append(move(changes[-1].grievance))
    tallies = [one(change, seq) for seq, change in enumerate(changes, start=1)]
    names = [change.events[0].name for change in changes]
    category_rows = {names[i]: t for i, t in enumerate(tallies) if any(r.view is View.CATEGORY for r in t.rows)}
    officer_rows = {names[i]: t for i, t in enumerate(tallies) if any(r.view is View.OFFICER for r in t.rows)}
    assert list(category_rows) == ["resolved"]
    (category,) = [r for r in category_rows["resolved"].rows if r.view is View.CATEGORY]
    assert set(category.counters) <= set(NAMES) and sum(category.counters.values()) == 1
    assert list(officer_rows) == ["resolved", "rejected"]
    assert [r.key for t in officer_rows.values() for r in t.rows if r.view is View.OFFICER] == [
        ("WATER", "KHORDHA", "sup-1"),
        ("WATER", "KHORDHA", "head-1"),
    ]
    # Every event is counted under its own id, once.
    assert len({t.event_id for t in tallies}) == len(tallies)


# --- the local day -------------------------------------------------------------------------


def test_an_evening_event_in_utc_counts_on_the_next_local_day():
    # 20:00 UTC on 2 March is 01:30 on 3 March in Odisha.
    late_evening = datetime(2026, 3, 2, 20, 0, tzinfo=UTC)
    change = lifecycle.file(filed(filed_at=late_evening), CITIZEN)
    assert tally_of(change.grievance, change.events[0], 1, ZONE).day == date(2026, 3, 3)
    # The zone passed in is the one that counts.
    assert tally_of(change.grievance, change.events[0], 1, UTC).day == date(2026, 3, 2)
    # 18:29 UTC is still 23:59 on 2 March there.
    early = lifecycle.file(filed(filed_at=datetime(2026, 3, 2, 18, 29, tzinfo=UTC)), CITIZEN)
    assert tally_of(early.grievance, early.events[0], 1, ZONE).day == date(2026, 3, 2)


def test_a_disposal_counts_on_the_local_day_it_happened_not_the_day_of_filing():
    g = working()
    counted = one(lifecycle.resolve(g, OFFICER, "Done.", CLOCK, datetime(2026, 3, 4, 19, 0, tzinfo=UTC)))
    assert counted.day == date(2026, 3, 5)


# --- shards and quarters ---------------------------------------------------------------------


def test_a_shard_is_stable_in_range_and_spreads_events():
    ids = [f"OD-260302-{n:06d}#{seq}" for n in range(500) for seq in (1, 2)]
    shards = [shard_of(event_id, SHARDS) for event_id in ids]
    assert shards == [shard_of(event_id, SHARDS) for event_id in ids]
    assert set(shards) == set(range(SHARDS))
    # 1000 ids over 4 shards: 250 expected each, a standard deviation of about 14.
    assert all(150 < n < 350 for n in Counter(shards).values())
    assert {shard_of(event_id, 1) for event_id in ids} == {0}
    assert {shard_of(event_id, 0) for event_id in ids} == {0}  # no shards configured: one item


def test_a_shard_is_the_same_in_another_process():
    """A redelivered event may land on another Lambda: the shard cannot depend on hash()."""
    ids = [f"OD-260302-{n:06d}#3" for n in range(50)]
    script = f"from chalicelib.domain.tallies import shard_of; print([shard_of(i, 4) for i in {ids!r}])"
    root = Path(__file__).resolve().parents[2]
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == str([shard_of(i, 4) for i in ids])


@pytest.mark.parametrize(
    ("day", "quarter"),
    [(date(2026, 1, 1), "2026Q1"), (date(2026, 3, 31), "2026Q1"), (date(2026, 4, 1), "2026Q2"),
     (date(2026, 9, 30), "2026Q3"), (date(2026, 10, 1), "2026Q4"), (date(2026, 12, 31), "2026Q4")],
)  # fmt: skip
def test_quarter_of(day, quarter):
    assert quarter_of(day) == quarter


def test_quarters_between():
    assert quarters_between(date(2026, 2, 1), date(2026, 3, 31)) == ["2026Q1"]
    assert quarters_between(date(2026, 5, 5), date(2026, 5, 5)) == ["2026Q2"]
    assert quarters_between(date(2025, 12, 15), date(2026, 1, 10)) == ["2025Q4", "2026Q1"]
    assert quarters_between(date(2025, 11, 1), date(2026, 7, 1)) == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]


def test_any_ninety_day_window_touches_at_most_two_quarters_and_exactly_those_of_its_days():
    first = date(2024, 1, 1)  # a leap year and a common one
    for start in (first + timedelta(days=n) for n in range(366 + 365)):
        window = [start + timedelta(days=n) for n in range(90)]
        touched = quarters_between(window[0], window[-1])
        assert touched == sorted({quarter_of(day) for day in window}), start
        assert len(touched) <= 2, start
    # The bound is tight: 92 days can touch three (31 Dec .. 1 Apr).
    assert len(quarters_between(date(2024, 12, 31), date(2025, 4, 1))) == 3


def test_add_up_sums_rows_and_reads_dynamodb_numbers():
    rows = [{"resolved": 2, "on_time": 1}, {"resolved": Decimal(3), "late": Decimal(1)}, {}]
    assert add_up(rows) == {"resolved": 5, "on_time": 1, "late": 1}
    assert all(type(n) is int for n in add_up(rows).values())
    assert add_up([]) == {}


# --- the gauges never drift: random legal lifecycles ---------------------------------------------

CATEGORIES = {
    c.code: c
    for c in (
        WATER,
        Category(code="POTHOLE", department="ROADS", sla_hours=48, names={"en": "Pothole"}, escalation_hours=(24, 24)),
        Category(code="POWER_CUT", department="ELECTRICITY", sla_hours=6, round_the_clock=True, names={"en": "Cut"}),
    )
}
DEPARTMENTS = ("WATER", "ROADS", "ELECTRICITY", "HEALTH")
DISTRICTS = ("KHORDHA", "CUTTACK")
CHANNELS = ("web", "sms", "ivrs", "kiosk")


def owner_at(level: int, department: str | None, district: str) -> str:
    if department in (None, STATE_CELL) or level >= TOP_LEVEL:
        return "admin-1"
    return (f"off-{department}-{district}", f"sup-{department}-{district}", f"head-{department}")[level]


def staff_of(g: Grievance) -> Principal:
    """The owner of the grievance at its level, who decides it."""
    role = ESCALATION_ROLES[min(g.level, TOP_LEVEL)]
    return Principal(g.assignee_id or "admin-1", role, department=g.department, district=g.district)


@dataclass
class Case:
    grievance: Grievance
    seq: int = 0


@dataclass
class World:
    """Grievances moved by the domain's functions, every event tallied as it happens."""

    rng: random.Random
    now: datetime = START
    cases: list[Case] = field(default_factory=list)
    gauges: Counter[tuple[str, Gauge]] = field(default_factory=Counter)
    seen: Counter[str] = field(default_factory=Counter)
    event_ids: set[str] = field(default_factory=set)

    def apply(self, case: Case, change: Change, label: str) -> None:
        for event in change.events:
            case.seq += 1
            counted = tally_of(change.grievance, event, case.seq, ZONE)
            assert counted.event_id not in self.event_ids
            self.event_ids.add(counted.event_id)
            self.gauges.update(counted.gauges)
            check_verdict(event, counted)
            self.seen[event.name] += 1
        self.seen[label] += 1
        case.grievance = change.grievance

    def file(self) -> None:
        n = len(self.cases)
        g = Grievance(
            tracking_id=f"OD-260302-{n:06d}",
            citizen_id=f"cit-{n}",
            district=self.rng.choice(DISTRICTS),
            description="Something is wrong.",
            filed_at=self.now,
            category=self.rng.choice([*CATEGORIES, None]),
            channel=self.rng.choice(CHANNELS),
        )
        case = Case(g)
        self.cases.append(case)
        self.apply(case, lifecycle.file(g, Principal(g.citizen_id, Role.CITIZEN)), "filed")

    def fire_timers(self) -> None:
        """What the timers would do by now: warn, escalate, record a breach at the top, close."""
        for case in self.cases:
            g = case.grievance
            timer = timer_of(g)
            if timer is None or timer.warn_at > self.now:
                continue
            if timer.due_at > self.now:
                kind = TimerKind.SLA_WARNING
            else:
                kind = TimerKind.SLA_BREACHED if timer.purpose == "sla" else TimerKind.AUTO_CLOSE_DUE
            verdict = timer_verdict(g, kind, timer.level, timer.timer_seq)
            if verdict is TimerVerdict.ESCALATE:
                owner = owner_at(g.level + 1, g.department, g.district)
                self.apply(case, lifecycle.escalate(g, owner, CLOCK, self.now), f"escalated_{g.level + 1}")
                self.seen["escalated_in_appeal"] += g.appealed
            elif verdict is TimerVerdict.WARN:
                self.apply(case, lifecycle.warn(g, self.now), "warned")
            elif verdict is TimerVerdict.BREACHED_AT_TOP:
                self.apply(case, lifecycle.breached_at_top(g, self.now), "breached_at_top")
            elif verdict is TimerVerdict.CLOSE:
                self.apply(case, lifecycle.auto_close(g, self.now), "auto_closed")

    def step(self) -> None:
        self.now += timedelta(minutes=self.rng.randint(0, 150))
        self.fire_timers()
        if not self.cases or self.rng.random() < 0.08:
            self.file()
            return
        case = self.rng.choice(self.cases)
        options = MOVES[case.grievance.status]
        label, move = self.rng.choices(options, weights=[w for _, _, w in options])[0][:2]
        try:
            change = move(self, case.grievance)
        except DomainError:
            return  # refused (a window passed, appealed already, ...): a legal run records nothing
        self.apply(case, change, label)

    def recount(self) -> dict[tuple[str, Gauge], int]:
        """The gauges as the grievances stand: held by an officer, and held past the first deadline."""
        found: Counter[tuple[str, Gauge]] = Counter()
        for case in self.cases:
            g = case.grievance
            if g.status in OWNED:
                found[(g.department or UNROUTED, OPEN)] += 1
                if is_late(g):
                    found[(g.department or UNROUTED, OVERDUE)] += 1
        return dict(found)


def check_verdict(event: e.Event, counted: Tally) -> None:
    """A disposal of a held grievance carries exactly one verdict; one never held carries none."""
    if not isinstance(event, e.GrievanceResolved | e.GrievanceRejected):
        return
    (department_row,) = [row for row in counted.rows if row.view is View.DEPARTMENT]
    verdicts = [name for name in ("on_time", "late") if name in department_row.counters]
    assert len(verdicts) == (1 if event.from_state in {s.value for s in OWNED} else 0), event


Move = Callable[[World, Grievance], Change]


def _route(w: World, g: Grievance) -> Change:
    terms = route_terms(g, CATEGORIES.get(g.category or ""))
    level = TOP_LEVEL if terms.department == STATE_CELL else g.level
    return lifecycle.assign(
        g,
        department=terms.department,
        category=terms.category,
        assignee_id=owner_at(level, terms.department, g.district),
        sla_hours=terms.sla_hours,
        round_the_clock=terms.round_the_clock,
        clock=CLOCK,
        now=w.now,
        escalation_hours=terms.escalation_hours,
    )


def _transfer(w: World, g: Grievance) -> Change:
    target = w.rng.choice([d for d in DEPARTMENTS if d != g.department])
    return lifecycle.transfer(g, staff_of(g), target, "Not ours.", w.now)


def _citizen(g: Grievance) -> Principal:
    return Principal(g.citizen_id, Role.CITIZEN)


def _appeal(w: World, g: Grievance) -> Change:
    return lifecycle.appeal(
        g, _citizen(g), "Unfair.", owner_at(APPELLATE_LEVEL, g.department, g.district), CLOCK, w.now
    )


def _hand_over(w: World, g: Grievance) -> Change:
    """Its owner deactivated: the seat's next officer takes it, level and deadline kept."""
    return hand_over_grievance(g, f"{g.assignee_id}+", HandoverReason.OFFICER_DEACTIVATED, ADMIN, w.now)


# (label, move, weight) per state: every move the state allows, plus the hand-over and "me too".
STAFF_MOVES: list[tuple[str, Move, int]] = [
    ("transferred", _transfer, 2),
    ("reassigned", lambda w, g: lifecycle.reassign(g, ADMIN, w.rng.choice(["off-x", "off-y"]), CLOCK, w.now), 1),
    ("resolved", lambda w, g: lifecycle.resolve(g, staff_of(g), "Done.", CLOCK, w.now), 4),
    ("rejected", lambda w, g: lifecycle.reject(g, staff_of(g), "No.", w.now), 1),
    ("request_info", lambda w, g: lifecycle.request_info(g, staff_of(g), "Where?", CLOCK, w.now), 1),
    ("commented", lambda w, g: lifecycle.comment(g, staff_of(g), "Noted.", w.now), 1),
    ("handed_over", _hand_over, 1),
    ("supported", lambda w, g: lifecycle.support(g, Principal("cit-x", Role.CITIZEN), w.now), 1),
]
MOVES: dict[Status, list[tuple[str, Move, int]]] = {
    Status.REGISTERED: [
        ("routed", _route, 8),
        ("rejected_before_routing", lambda w, g: lifecycle.reject(g, ADMIN, "Spam.", w.now), 1),
        ("commented", lambda w, g: lifecycle.comment(g, ADMIN, "Noted.", w.now), 1),
    ],
    Status.ASSIGNED: [("accepted", lambda w, g: lifecycle.accept(g, staff_of(g), w.now), 4), *STAFF_MOVES],
    Status.IN_PROGRESS: STAFF_MOVES,
    Status.INFO_REQUESTED: [
        ("replied", lambda w, g: lifecycle.reply(g, _citizen(g), "Here.", CLOCK, w.now), 4),
        ("rejected", lambda w, g: lifecycle.reject(g, staff_of(g), "No answer.", w.now), 1),
        ("reassigned", lambda w, g: lifecycle.reassign(g, ADMIN, w.rng.choice(["off-x", "off-y"]), CLOCK, w.now), 1),
    ],
    Status.RESOLVED: [
        ("rated", lambda w, g: lifecycle.give_feedback(g, _citizen(g), w.rng.randint(1, 5), None, w.now), 3),
        ("reopened", lambda w, g: lifecycle.reopen(g, _citizen(g), "Not fixed.", CLOCK, w.now), 1),
    ],
    Status.CLOSED: [
        ("appealed", _appeal, 1),
    ],
    Status.REJECTED: [
        ("reopened", lambda w, g: lifecycle.reopen(g, _citizen(g), "Wrongly rejected.", CLOCK, w.now), 1),
        ("appealed", _appeal, 1),
    ],
}

MUST_HAPPEN = {
    "filed",
    "routed",
    "accepted",
    "transferred",
    "escalated_1",
    "escalated_2",
    "resolved",
    "rejected",
    "rejected_before_routing",
    "reopened",
    "appealed",
    "rated",
    "handed_over",
    "info_provided",
    "auto_closed",
}


@pytest.mark.parametrize("seed", range(8))
def test_the_gauges_always_equal_a_recount_of_the_grievances(seed):
    """Gauges are kept by adding each event's +1/-1; a single mis-paired move would leave a
    department's open or overdue count off for good. After every move of many random legal
    lifecycles, the summed gauges must equal the grievances held (and held late) per department."""
    world = World(seeded(seed))
    for number in range(1500):
        world.step()
        summed = {key: n for key, n in world.gauges.items() if n}
        assert summed == world.recount(), f"drift after step {number}: {world.seen}"
    assert set(world.seen) >= MUST_HAPPEN, MUST_HAPPEN - set(world.seen)
    # And each run reached the rarer corners: the state cell, and the top of the ladder or the transfer limit.
    assert any(c.grievance.department == STATE_CELL for c in world.cases)
    assert any(c.grievance.transfers > MAX_TRANSFERS or c.grievance.level == TOP_LEVEL for c in world.cases)


def test_the_random_lifecycles_reach_every_corner_across_seeds():
    seen: Counter[str] = Counter()
    for seed in range(8):
        world = World(seeded(seed))
        for _ in range(1500):
            world.step()
        seen.update(world.seen)
    assert {"escalated_3", "breached_at_top", "warned", "supported", "reassigned", "replied"} <= set(seen)
    assert seen["transferred"] > 20 and seen["rejected_before_routing"] > 5 and seen["appealed"] > 5
    assert seen["escalated_in_appeal"] > 0


def test_a_transfer_leaves_the_lateness_with_the_department_that_missed_the_deadline():
    # Given WATER let a grievance run late (escalated), then transferred it to ROADS
    late = escalated(working(), 1)
    moved = lifecycle.transfer(late, SUPERVISOR, "ROADS", "Road cut, not a pipe.", START + 200 * HOUR)
    # Then WATER's open and overdue both drop, and ROADS starts with a fresh SLA
    assert moved.grievance.breached is False
    assert one(moved).gauges == {("WATER", OPEN): -1, ("WATER", OVERDUE): -1}
    assert by_row(one(moved)) == {(View.DEPARTMENT, ("WATER",)): {"transferred_out": 1}}
