"""Which open grievances are about to breach their SLA: the ranking behind the staff queue's
`at_risk=true`.

The model, for each grievance in the list:

- Only grievances whose SLA clock runs (assigned or in progress, with a `due_at`) are ranked;
  the others (awaiting routing, paused on the citizen, decided) cannot breach now and are left out.
- One already overdue has breached: chance 1.
- Otherwise, with E the hours since filing and T the hours left to `due_at`, the owner's open
  load shortens the time left: T_eff = T / k, with k = max(1, owner's load / usual load) and the
  usual load the median load of the distinct owners of the ranked grievances (at least 1). A desk
  with twice the usual load has half the effective time; a lighter desk is not credited with more.
- chance = S(E + T_eff) / S(E): of the grievances like this one still unresolved after E hours,
  the share still unresolved after E + T_eff hours, i.e. the conditional probability that it is
  still open when the time its owner can give it runs out. S is the survival curve of the
  category's resolution-time histogram when that holds at least 20 resolutions, else of the
  state-wide histogram when that does, else an exponential prior S(x) = exp(-x / sla) with sla
  the grievance's `sla_hours` (72 without one), for which the ratio is exp(-T_eff / sla).
- S(E) = 0 means the grievance has been open longer than every resolution its history holds
  (a histogram's curve reaches 0 at the end of its slowest non-empty bucket). The history then
  cannot say when it will be resolved, only that it is stuck beyond anything seen, so it counts
  as certain to breach (chance 1): a false alarm costs a supervisor a look, a missed one costs a
  citizen a breach.
- The chance is clamped to [0, 1]; the list is sorted by chance (highest first), then `due_at`
  (earliest first), then tracking id.

Hours are wall-clock hours, as the histograms count them, so time left and history compare like
with like. The histograms hold resolved grievances only, so a category whose cases drag on
unresolved looks faster than it is: the chance orders a queue, it is not a forecast.

Each ranked grievance carries a short reason naming what dominates its chance: "overdue", the
owner's load ("3 h left, owner has 14 open (usual 5)") when the load takes away more of its
margin than it leaves (in log terms: the chance without the load is below the square of the chance
with it; for the exponential prior, a load more than twice the usual), else its history
("category usually takes 60 h, 20 h left", the median of the histogram used).

Pure: takes `now`, the owners' loads and the histograms; no I/O.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from chalicelib.domain.grievance import CLOCK_RUNNING, UNCATEGORISED_SLA_HOURS, Grievance
from chalicelib.domain.resolution_times import Histogram

# Fewer resolutions than this make a histogram too lumpy to trust for one category.
MIN_RESOLUTIONS = 20
# The prior's scale without an SLA of the grievance's own: what a grievance gets when nothing
# better is known about it.
PRIOR_SLA_HOURS = float(UNCATEGORISED_SLA_HOURS)
HOUR_SECONDS = 3600.0


@dataclass(frozen=True)
class Risk:
    """One ranked grievance: how likely it is to breach its `due_at`, and why."""

    grievance: Grievance
    chance: float  # 0..1, the estimated probability it breaches its due_at
    hours_left: float  # to due_at (negative when already overdue)
    owner_load: int
    reason: str  # short English phrase for the officer


Source = Literal["category", "state", "prior"]


@dataclass(frozen=True)
class _Basis:
    """The survival curve a grievance is judged by: a histogram, or the prior when histogram is None."""

    source: Source
    histogram: Histogram | None
    sla_hours: float

    def still_open(self, elapsed: float, more: float) -> float | None:
        """S(elapsed + more) / S(elapsed); None when S(elapsed) is 0 (open past all history)."""
        if self.histogram is None:
            # Memoryless: the ratio is taken directly, so a long elapsed time cannot underflow.
            return math.exp(-more / self.sla_hours)
        before = self.histogram.survival(elapsed)
        if not before:
            return None
        return (self.histogram.survival(elapsed + more) or 0.0) / before

    def usual(self, hours_left: float) -> str:
        if self.histogram is None:
            return f"{_hours(hours_left)} left of a {_hours(self.sla_hours)} SLA"
        median = self.histogram.quantile(0.5) or 0.0
        if self.source == "category":
            return f"category usually takes {_hours(median)}, {_hours(hours_left)} left"
        return f"grievances usually take {_hours(median)} state-wide, {_hours(hours_left)} left"

    def outlived(self, elapsed: float) -> str:
        peers = "of its category" if self.source == "category" else "in the state"
        return f"open {_hours(elapsed)}, longer than any resolved grievance {peers}"


def rank_at_risk(
    grievances: Sequence[Grievance],
    *,
    now: datetime,
    loads: Mapping[str, int],
    history: Mapping[str, Histogram],
    state_history: Histogram,
) -> list[Risk]:
    """The grievances whose SLA clock runs, most likely to breach first (the module's model).

    `loads`: open grievances per officer id (an owner missing from it counts as 0, no extra
    pressure); `history`: resolution-time histograms by category code; `state_history`: the
    state-wide one. Datetimes must be timezone-aware. Grievances not ranked are left out.
    """
    timed = [(g, due) for g in grievances if g.status in CLOCK_RUNNING and (due := g.due_at) is not None]
    owners = {g.assignee_id for g, _ in timed if g.assignee_id is not None}
    usual = _usual_load([loads.get(owner, 0) for owner in owners])
    ranked: list[tuple[Risk, datetime]] = []
    for grievance, due_at in timed:
        load = loads.get(grievance.assignee_id, 0) if grievance.assignee_id else 0
        basis = _basis(grievance, history, state_history)
        ranked.append((_risk(grievance, due_at, now, load, usual, basis), due_at))
    ranked.sort(key=lambda pair: (-pair[0].chance, pair[1], pair[0].grievance.tracking_id))
    return [risk for risk, _ in ranked]


def _usual_load(owner_loads: list[int]) -> float:
    # Each owner counts once: a desk with many grievances in the list must not set the norm.
    return max(1.0, float(statistics.median(owner_loads))) if owner_loads else 1.0


def _basis(grievance: Grievance, history: Mapping[str, Histogram], state_history: Histogram) -> _Basis:
    sla = grievance.sla_hours or PRIOR_SLA_HOURS
    own = history.get(grievance.category) if grievance.category else None
    if own is not None and own.total >= MIN_RESOLUTIONS:
        return _Basis("category", own, sla)
    if state_history.total >= MIN_RESOLUTIONS:
        return _Basis("state", state_history, sla)
    return _Basis("prior", None, sla)


def _risk(grievance: Grievance, due_at: datetime, now: datetime, load: int, usual: float, basis: _Basis) -> Risk:
    hours_left = (due_at - now).total_seconds() / HOUR_SECONDS
    if now >= due_at:
        late = -hours_left
        return Risk(grievance, 1.0, hours_left, load, "overdue" if late < 0.05 else f"overdue by {_hours(late)}")
    elapsed = max(0.0, (now - grievance.filed_at).total_seconds() / HOUR_SECONDS)
    factor = max(1.0, load / usual)
    chance = basis.still_open(elapsed, hours_left / factor)
    without_load = basis.still_open(elapsed, hours_left)
    if chance is None or without_load is None:
        return Risk(grievance, 1.0, hours_left, load, basis.outlived(elapsed))
    chance, without_load = _clamp(chance), _clamp(without_load)
    # In log terms the load's share of the margin is ln(chance / without_load) and what is left
    # is -ln(chance): the load dominates when its share is the larger.
    if without_load < chance * chance:
        reason = f"{_hours(hours_left)} left, owner has {load} open (usual {usual:g})"
    else:
        reason = basis.usual(hours_left)
    return Risk(grievance, chance, hours_left, load, reason)


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _hours(value: float) -> str:
    """'2.5 h' under ten hours, '14 h' above: as precise as an officer needs."""
    return f"{round(value, 1):g} h" if value < 10 else f"{value:.0f} h"
