"""The "about to breach" ranking: who is ranked, the chance each gets from time left, the
owner's load and the category's history (or the state's, or the prior), the order, and the
reason shown to the officer."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest

from chalicelib.domain.at_risk import MIN_RESOLUTIONS, Risk, rank_at_risk
from chalicelib.domain.grievance import Grievance, Status
from chalicelib.domain.resolution_times import Histogram

NOW = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
EMPTY = Histogram.empty()
# Every resolution in the (4, 8] h bucket: S(5) = 0.75, S(7) = 0.25, median 6 h.
FAST = Histogram.of([6.0] * 30)
# Every resolution in the (72, 120] h bucket: nothing resolves in the first 72 h, median 96 h.
SLOW = Histogram.of([100.0] * 30)
SPREAD = Histogram.of([1, 3, 5, 10, 20, 30, 50, 70, 100, 150, 200, 300, 500, 1000] * 2)


def case(
    tracking_id: str = "OD-260310-AAAAAA",
    *,
    left: float = 2,
    open_for: float = 5,
    owner: str | None = "off-a",
    category: str | None = "WATER",
    sla_hours: float | None = 24,
    status: Status = Status.IN_PROGRESS,
    due: bool = True,
) -> Grievance:
    """A grievance filed `open_for` hours before NOW with `left` hours to its deadline."""
    return Grievance(
        tracking_id=tracking_id,
        citizen_id="cit-1",
        district="KHORDHA",
        description="No water in our lane.",
        filed_at=NOW - open_for * HOUR,
        category=category,
        department="WATER",
        status=status,
        assignee_id=owner,
        sla_hours=sla_hours,
        due_at=NOW + left * HOUR if due else None,
    )


def rank(
    grievances: list[Grievance],
    *,
    loads: dict[str, int] | None = None,
    history: dict[str, Histogram] | None = None,
    state: Histogram = EMPTY,
) -> list[Risk]:
    return rank_at_risk(grievances, now=NOW, loads=loads or {}, history=history or {}, state_history=state)


def by_id(risks: list[Risk]) -> dict[str, Risk]:
    return {risk.grievance.tracking_id: risk for risk in risks}


# --- who is ranked --------------------------------------------------------------------------------


def test_only_grievances_whose_clock_runs_are_ranked():
    # Given grievances in every state, one assigned and one in progress with their clocks running
    grievances = [
        case("RUN-ASSIGNED", status=Status.ASSIGNED),
        case("RUN-IN-PROGRESS", status=Status.IN_PROGRESS),
        case("REGISTERED", status=Status.REGISTERED, due=False),
        case("PAUSED", status=Status.INFO_REQUESTED),  # paused: a due_at is kept but does not run
        case("RESOLVED", status=Status.RESOLVED),
        case("CLOSED", status=Status.CLOSED),
        case("REJECTED", status=Status.REJECTED),
        case("NO-DEADLINE", status=Status.ASSIGNED, due=False),
        case("OVERDUE-BUT-RESOLVED", status=Status.RESOLVED, left=-10),
    ]
    # When they are ranked
    ranked = rank(grievances)
    # Then only the two running ones are
    assert {risk.grievance.tracking_id for risk in ranked} == {"RUN-ASSIGNED", "RUN-IN-PROGRESS"}


def test_nothing_to_rank_gives_an_empty_list():
    assert rank([]) == []
    assert rank([case(status=Status.CLOSED)]) == []


# --- overdue --------------------------------------------------------------------------------------


def test_an_overdue_grievance_ranks_first_and_is_certain():
    # Given one overdue on a light desk in a fast category, and one with an hour left on a
    # crowded desk in a slow category
    late = case("LATE", left=-2, owner="off-light", category="FAST")
    close = case("CLOSE", left=1, owner="off-busy", category="SLOW")
    loads = {"off-light": 1, "off-busy": 30}
    # When ranked
    ranked = rank([close, late], loads=loads, history={"FAST": FAST, "SLOW": SLOW})
    # Then the overdue one comes first, certain, with negative time left
    assert [risk.grievance.tracking_id for risk in ranked] == ["LATE", "CLOSE"]
    assert ranked[0].chance == 1.0
    assert ranked[0].hours_left == pytest.approx(-2)
    assert ranked[0].owner_load == 1
    assert ranked[0].reason == "overdue by 2 h"


def test_a_grievance_at_its_deadline_is_overdue():
    (risk,) = rank([case(left=0)])
    assert (risk.chance, risk.hours_left, risk.reason) == (1.0, 0.0, "overdue")


def test_equal_chances_go_by_deadline_then_tracking_id():
    grievances = [
        case("OD-B", left=-1),
        case("OD-A", left=-1),
        case("OD-C", left=-5),
    ]
    assert [risk.grievance.tracking_id for risk in rank(grievances)] == ["OD-C", "OD-A", "OD-B"]


# --- the owner's load -----------------------------------------------------------------------------


def test_with_equal_time_left_the_heavier_desk_ranks_higher():
    # Given three grievances alike but for their owners; off-a carries three times the usual load
    grievances = [case("C", owner="off-c"), case("A", owner="off-a"), case("B", owner="off-b")]
    loads = {"off-a": 15, "off-b": 5, "off-c": 5}
    # When ranked on the prior (no history), 2 h left of a 24 h SLA
    ranked = rank(grievances, loads=loads)
    # Then off-a's comes first, its 2 h worth a third as much; the others tie and go by id
    assert [risk.grievance.tracking_id for risk in ranked] == ["A", "B", "C"]
    risks = by_id(ranked)
    assert risks["A"].chance == pytest.approx(math.exp(-(2 / 3) / 24))
    assert risks["B"].chance == pytest.approx(math.exp(-2 / 24))
    assert risks["A"].owner_load == 15


def test_a_lighter_desk_is_not_credited_with_more_time():
    grievances = [case("LIGHT", owner="off-a"), case("USUAL", owner="off-b"), case("USUAL2", owner="off-c")]
    risks = by_id(rank(grievances, loads={"off-a": 1, "off-b": 10, "off-c": 10}))
    assert risks["LIGHT"].chance == pytest.approx(risks["USUAL"].chance)
    assert risks["LIGHT"].chance == pytest.approx(math.exp(-2 / 24))


def test_the_usual_load_counts_each_owner_once():
    # Given off-a owns five of the seven grievances: weighting by grievance would make 10 the norm
    grievances = [case(f"A{i}", owner="off-a") for i in range(5)] + [
        case("B", owner="off-b"),
        case("C", owner="off-c"),
    ]
    risks = by_id(rank(grievances, loads={"off-a": 10, "off-b": 2, "off-c": 2}))
    # Then the usual load is the median of 10, 2, 2 and off-a's desk has a fifth of the time
    assert risks["A0"].chance == pytest.approx(math.exp(-(2 / 5) / 24))
    assert risks["B"].chance == pytest.approx(math.exp(-2 / 24))


def test_an_owner_missing_from_the_loads_adds_no_pressure():
    grievances = [case("KNOWN", owner="off-a"), case("UNKNOWN", owner="off-x"), case("NOBODY", owner=None)]
    risks = by_id(rank(grievances, loads={"off-a": 1}))
    assert risks["UNKNOWN"].owner_load == 0
    assert risks["NOBODY"].owner_load == 0
    assert risks["UNKNOWN"].chance == pytest.approx(risks["KNOWN"].chance)


# --- the category's history -----------------------------------------------------------------------


def test_with_equal_load_a_slow_category_ranks_above_a_fast_one():
    # Given two grievances open 5 h with 2 h left on equally loaded desks
    grievances = [case("FAST-ONE", category="FAST", owner="off-a"), case("SLOW-ONE", category="SLOW", owner="off-b")]
    history = {"FAST": FAST, "SLOW": SLOW}
    # When ranked
    ranked = rank(grievances, loads={"off-a": 4, "off-b": 4}, history=history)
    # Then the slow category's is first: none of its kind resolves within 72 h
    assert [risk.grievance.tracking_id for risk in ranked] == ["SLOW-ONE", "FAST-ONE"]
    risks = by_id(ranked)
    assert risks["SLOW-ONE"].chance == pytest.approx(1.0)
    # and the fast one's is S(7) / S(5) = 0.25 / 0.75 of its own histogram
    assert risks["FAST-ONE"].chance == pytest.approx(1 / 3)


def test_sparse_category_history_falls_back_to_the_state_then_to_the_prior():
    grievance = case(category="WATER", sla_hours=24)
    enough, sparse = Histogram.of([6.0] * MIN_RESOLUTIONS), Histogram.of([6.0] * (MIN_RESOLUTIONS - 1))
    state_sparse = Histogram.of([100.0] * (MIN_RESOLUTIONS - 1))

    # With 20 resolutions the category's own history is used: S(7) / S(5)
    (own,) = rank([grievance], history={"WATER": enough}, state=SLOW)
    assert own.chance == pytest.approx(1 / 3)
    assert own.reason == "category usually takes 6 h, 2 h left"

    # With 19 the state's: nothing state-wide resolves within 72 h
    (state,) = rank([grievance], history={"WATER": sparse}, state=SLOW)
    assert state.chance == pytest.approx(1.0)
    assert state.reason == "grievances usually take 96 h state-wide, 2 h left"

    # With the state sparse too, the exponential prior on the grievance's own SLA
    (prior,) = rank([grievance], history={"WATER": sparse}, state=state_sparse)
    assert prior.chance == pytest.approx(math.exp(-2 / 24))
    assert prior.reason == "2 h left of a 24 h SLA"


def test_a_grievance_without_category_or_sla_uses_the_state_then_a_72_hour_prior():
    grievance = case(category=None, sla_hours=None)
    (state,) = rank([grievance], history={"WATER": FAST}, state=SLOW)
    assert state.chance == pytest.approx(1.0)
    (prior,) = rank([grievance], history={"WATER": FAST})
    assert prior.chance == pytest.approx(math.exp(-2 / 72))
    assert prior.reason == "2 h left of a 72 h SLA"


def test_a_grievance_open_longer_than_any_resolved_is_certain_to_breach():
    # Given a category that always resolves within 8 h, and one of its grievances open 10 h
    # with a day left: the history has nothing to say about it but that it is stuck
    stuck = case("STUCK", open_for=10, left=24, category="FAST", owner="off-a")
    fresh = case("FRESH", open_for=5, left=2, category="FAST", owner="off-b")
    ranked = rank([fresh, stuck], history={"FAST": FAST})
    assert [risk.grievance.tracking_id for risk in ranked] == ["STUCK", "FRESH"]
    assert ranked[0].chance == 1.0
    assert ranked[0].reason == "open 10 h, longer than any resolved grievance of its category"


def test_past_the_state_history_the_reason_says_so():
    (risk,) = rank([case(open_for=10, category=None)], state=FAST)
    assert risk.chance == 1.0
    assert risk.reason == "open 10 h, longer than any resolved grievance in the state"


# --- chance against time left ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "state"),
    [({"WATER": SPREAD}, EMPTY), ({}, SPREAD), ({}, EMPTY)],
    ids=["category", "state", "prior"],
)
@pytest.mark.parametrize("load", [1, 3, 40])
def test_chance_never_rises_with_more_time_left(history, state, load):
    # Given the same grievance (open 15 h) with ever more time left, on desks of several loads
    loads = {"off-a": load, "off-b": 3}
    chances = []
    for tenths in range(1, 4000, 7):
        left = tenths / 10
        grievances = [case("A", left=left, open_for=15, owner="off-a"), case("B", owner="off-b")]
        risk = by_id(rank(grievances, loads=loads, history=history, state=state))["A"]
        assert 0.0 <= risk.chance <= 1.0
        assert risk.hours_left == pytest.approx(left)
        chances.append(risk.chance)
    # Then the chance of breaching never rises as the deadline moves away, and it does fall
    assert all(later <= earlier for earlier, later in pairwise(chances))
    assert chances[-1] < chances[0]


def test_a_heavier_load_never_lowers_the_chance():
    for tenths in range(1, 2000, 13):
        left = tenths / 10
        grievances = [case("HEAVY", left=left, owner="off-a"), case("USUAL", left=left, owner="off-b")]
        risks = by_id(rank(grievances, loads={"off-a": 9, "off-b": 1}, history={"WATER": SPREAD}))
        assert risks["HEAVY"].chance >= risks["USUAL"].chance


# --- the reason -----------------------------------------------------------------------------------


def test_the_reason_names_a_crowded_desk_when_the_load_dominates():
    # Given off-a with ten times the usual load, 3 h left of a 24 h SLA
    grievances = [case("A", left=3, owner="off-a"), case("B", left=3, owner="off-b"), case("C", owner="off-c")]
    risks = by_id(rank(grievances, loads={"off-a": 20, "off-b": 2, "off-c": 2}))
    assert risks["A"].reason == "3 h left, owner has 20 open (usual 2)"
    # and a usual desk's reason is its time against the SLA
    assert risks["B"].reason == "3 h left of a 24 h SLA"


def test_a_slightly_busy_desk_is_not_the_reason():
    # Given half again the usual load: under the prior the load dominates only above twice the usual
    grievances = [case("A", left=3, owner="off-a"), case("B", owner="off-b"), case("C", owner="off-c")]
    risks = by_id(rank(grievances, loads={"off-a": 3, "off-b": 2, "off-c": 2}))
    assert risks["A"].reason == "3 h left of a 24 h SLA"


def test_the_reason_names_a_slow_category_when_its_history_dominates():
    grievances = [case("SLOW-ONE", left=20, open_for=30, category="SLOW", owner="off-a"), case("B", owner="off-b")]
    risks = by_id(rank(grievances, loads={"off-a": 4, "off-b": 4}, history={"SLOW": SLOW}))
    assert risks["SLOW-ONE"].reason == "category usually takes 96 h, 20 h left"


def test_a_crowded_desk_is_named_even_in_a_fast_category_when_it_turns_safe_into_likely():
    # Given 3 h left in a category resolved within 8 h: on a usual desk it would make it
    grievances = [case("A", left=3, open_for=5, category="FAST", owner="off-a"), case("B", owner="off-b")]
    risks = by_id(rank(grievances, loads={"off-a": 12, "off-b": 2}, history={"FAST": FAST}))
    # Then with the load (k = 12 / 7) the chance is above the load-free S(8) / S(5) = 0
    assert risks["A"].chance > 0
    assert risks["A"].reason == "3 h left, owner has 12 open (usual 7)"
