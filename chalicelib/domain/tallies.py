"""What each grievance event adds to the report counters, kept as events happen.

Reports never count grievances: they add up counters that every saved event moved once
(the `tally` reaction of the dispatcher, `services/tally_events.py`). An event counts into
a few *views*, each a row per day of what one report shows:
- DEPARTMENT: per department and day — received (routed in), resolved, rejected, escalated
  by level, disposed on time / late, ratings, channel, resolution-time histogram;
- DISTRICT: per district and day — filed, resolved and rejected, in total and per category
  (`filed.<CATEGORY>`), on time / late, ratings and the histogram (public figures);
- OFFICER: per seat (department × district), day and officer — what they disposed and
  whether on time;
- CATEGORY: per category and day — the resolution-time histogram the at-risk ranking reads.
and moves two gauges of its department, OPEN and OVERDUE, by what it changed: a grievance
is *open* in a department while an officer there holds it, *overdue* while open and it
has missed a deadline in this round (`Grievance.breached`: escalated for lateness, or past
the top level's deadline).

"On time" is one definition, read by every report: disposed (resolved or rejected by its
owner) with no deadline missed in this round and the current one not passed
(`Grievance.disposed_on_time`). DIGIT PGR's blank SLA columns came from three sources that
disagreed; here the events carry the verdict and the reports only add.

Each counter row is split over `shards` items (the event's id picks one) so that a hot
row — a flood in one district — spreads its writes; a report adds the shards up.

Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum
from typing import Any

from chalicelib.domain import events as e
from chalicelib.domain.grievance import OWNED, Grievance, Status
from chalicelib.domain.resolution_times import bucket_name, bucket_of

SHARDS = 4  # items per counter row: a hot row takes up to 4x one item's write rate
UNROUTED = "AWAITING_ROUTING"  # the department of a grievance before routing
UNCATEGORISED = "UNCATEGORISED"


class View(StrEnum):
    DEPARTMENT = "department"
    DISTRICT = "district"
    OFFICER = "officer"
    CATEGORY = "category"


class Gauge(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Row:
    """One row of one view: `key` names it (e.g. ("WATER",) or ("WATER", "KHORDHA", "off-1"))."""

    view: View
    key: tuple[str, ...]
    counters: dict[str, int]


@dataclass(frozen=True)
class Tally:
    """What one event adds: `event_id` (tracking id and audit seq) is counted once."""

    event_id: str
    day: date
    rows: list[Row] = field(default_factory=list)
    gauges: dict[tuple[str, Gauge], int] = field(default_factory=dict)  # (department, gauge) -> +1/-1

    @property
    def empty(self) -> bool:
        return not self.rows and not any(self.gauges.values())

    def as_message(self) -> dict[str, Any]:
        """As JSON, to be counted later (when counting now failed)."""
        return {
            "event_id": self.event_id,
            "day": self.day.isoformat(),
            "rows": [{"view": r.view.value, "key": list(r.key), "counters": r.counters} for r in self.rows],
            "gauges": [[department, gauge.value, by] for (department, gauge), by in self.gauges.items()],
        }

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> Tally:
        return cls(
            message["event_id"],
            date.fromisoformat(message["day"]),
            [Row(View(r["view"]), tuple(r["key"]), dict(r["counters"])) for r in message["rows"]],
            {(department, Gauge(gauge)): int(by) for department, gauge, by in message["gauges"]},
        )


def shard_of(event_id: str, shards: int) -> int:
    """Stable across processes (unlike hash()), so a redelivered event hits the same item."""
    return int.from_bytes(hashlib.sha256(event_id.encode()).digest()[:4], "big") % max(shards, 1)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters_between(first: date, last: date) -> list[str]:
    """The quarters a range of days touches, oldest first: at most 2 for 90 days."""
    found: list[str] = []
    year, quarter = first.year, (first.month - 1) // 3
    while (year, quarter) <= (last.year, (last.month - 1) // 3):
        found.append(f"{year}Q{quarter + 1}")
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)
    return found


def is_late(grievance: Grievance) -> bool:
    """Missed a deadline in this round (escalated for lateness, or past the top level's)."""
    return grievance.breached


def tally_of(grievance: Grievance, event: e.Event, seq: int, zone: tzinfo) -> Tally:
    """The counters `event` (the move that left `grievance` as it is) adds, on its local day."""
    day = _local_day(event.at, zone)
    tally = Tally(f"{grievance.tracking_id}#{seq}", day)
    department = grievance.department or UNROUTED
    district = grievance.district
    category = grievance.category or UNCATEGORISED

    def count(view: View, key: tuple[str, ...], **counters: int) -> None:
        tally.rows.append(Row(view, key, {name: n for name, n in counters.items() if n}))

    match event:
        case e.GrievanceFiled():
            count(View.DISTRICT, (district,), **{"filed": 1, f"filed.{category}": 1, f"channel_{event.channel}": 1})
        case e.GrievanceAssigned() if event.from_state == Status.REGISTERED.value:
            count(View.DEPARTMENT, (department,), received=1)
        case e.GrievanceEscalated():
            count(View.DEPARTMENT, (department,), **{f"escalated_{event.level}": 1})
        case e.GrievanceTransferred():
            count(View.DEPARTMENT, (event.from_department or UNROUTED,), transferred_out=1)
        case e.GrievanceReopened():
            count(View.DEPARTMENT, (department,), reopened=1)
            count(View.DISTRICT, (district,), reopened=1)
        case e.GrievanceAppealed():
            count(View.DEPARTMENT, (department,), appealed=1)
        case e.GrievanceClosed() if event.rating is not None:
            ratings = {"rated": 1, "rating_sum": event.rating, f"rating_{event.rating}": 1}
            count(View.DEPARTMENT, (department,), **ratings)
            count(View.DISTRICT, (district,), **ratings)
        case e.GrievanceResolved() | e.GrievanceRejected():
            _count_disposal(tally, grievance, event)
        case _:
            pass
    _move_gauges(tally, grievance, event)
    return tally


def _count_disposal(tally: Tally, grievance: Grievance, event: e.GrievanceResolved | e.GrievanceRejected) -> None:
    department, district = grievance.department or UNROUTED, grievance.district
    category = grievance.category or UNCATEGORISED
    outcome = "resolved" if isinstance(event, e.GrievanceResolved) else "rejected"
    counters = {outcome: 1}
    if event.on_time is not None:
        counters["on_time" if event.on_time else "late"] = 1
    timed = dict(counters)
    if outcome == "resolved":
        hours = (event.at - grievance.filed_at).total_seconds() / 3600
        timed[bucket_name(bucket_of(hours))] = 1
    tally.rows.append(Row(View.DEPARTMENT, (department,), timed))
    tally.rows.append(Row(View.DISTRICT, (district,), {**timed, f"{outcome}.{category}": 1}))
    if outcome == "resolved":
        tally.rows.append(Row(View.CATEGORY, (category,), {k: v for k, v in timed.items() if k not in counters}))
    if event.own_deadline is not None and event.actor_role not in ("system", "citizen"):
        # An officer is judged by the deadline they were given, not one missed before them.
        judged = {outcome: 1, "on_time" if event.own_deadline else "late": 1}
        tally.rows.append(Row(View.OFFICER, (department, district, event.actor_id), judged))


def _move_gauges(tally: Tally, after: Grievance, event: e.Event) -> None:
    """Open and overdue move only when the event took the grievance into or out of an
    officer's hands, or (escalation) past its first deadline."""
    was_owned = event.from_state in OWNED_STATES
    is_owned = after.status in OWNED
    department_before = event.from_department if isinstance(event, e.GrievanceTransferred) else after.department
    first_breach = isinstance(event, e.GrievanceEscalated | e.GrievanceBreachedAtTop) and event.first_breach
    if isinstance(event, e.GrievanceTransferred):
        late_before = was_owned and event.left_overdue
    else:
        late_before = was_owned and after.breached and not first_breach
    late_after = is_owned and after.breached

    def move(department: str | None, gauge: Gauge, by: int) -> None:
        key = (department or UNROUTED, gauge)
        tally.gauges[key] = tally.gauges.get(key, 0) + by

    if was_owned:
        move(department_before, Gauge.OPEN, -1)
    if is_owned:
        move(after.department, Gauge.OPEN, +1)
    if late_before:
        move(department_before, Gauge.OVERDUE, -1)
    if late_after:
        move(after.department, Gauge.OVERDUE, +1)
    for key in [key for key, by in tally.gauges.items() if by == 0]:
        del tally.gauges[key]


OWNED_STATES = frozenset(status.value for status in OWNED)


def _local_day(at: datetime, zone: tzinfo) -> date:
    return at.astimezone(zone).date()


def add_up(rows: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The sum of counter rows (shards, days, districts ...)."""
    total: dict[str, int] = {}
    for row in rows:
        for name, value in row.items():
            total[name] = total.get(name, 0) + int(value)
    return total
