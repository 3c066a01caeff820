"""The report tables, added up from the counter rows the events left (`domain/tallies.py`).

Every figure is a sum of counters or read off a sum: SLA compliance is on time over
decided (resolved + rejected by an officer, the one definition of `disposed_on_time`),
median and p90 hours come from the resolution-time histogram, the average rating from
the ratings' sum and count. A row with nothing decided shows null, not 0 %.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.resolution_times import NAMES, Histogram
from chalicelib.domain.tallies import Gauge, add_up

MAX_RANGE_DAYS = 366
DEFAULT_RANGE_DAYS = 30
PUBLIC_MONTHS = 3
PUBLIC_MINIMUM = 10  # a public row about fewer grievances than this shows no figures
ESCALATION_LEVELS = (1, 2, 3)


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period_of(first: str | None, last: str | None, today: date, default_days: int = DEFAULT_RANGE_DAYS) -> Period:
    """`from`/`to` (ISO dates, inclusive; default: the last `default_days` days to today)."""
    end = _day(last, "to") if last else today
    start = _day(first, "from") if first else end - timedelta(days=default_days - 1)
    if start > end:
        raise InvalidInput("from: must not be after to.", field="from")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"from: at most {MAX_RANGE_DAYS} days from to.", field="from")
    return Period(start, end)


EARLIEST = date(2000, 1, 1)  # no state's records go further back; bounds date arithmetic too


def _day(text: str, field: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{field}: a date as YYYY-MM-DD.", field=field) from None
    if day < EARLIEST:
        raise InvalidInput(f"{field}: no earlier than {EARLIEST.isoformat()}.", field=field)
    return day


def figures(counters: Mapping[str, int]) -> dict[str, Any]:
    """The derived figures of one row's counters."""
    decided = counters.get("on_time", 0) + counters.get("late", 0)
    histogram = Histogram.from_counters(counters)
    median, p90 = histogram.quantile(0.5), histogram.quantile(0.9)
    rated = counters.get("rated", 0)
    return {
        "sla_compliance_pct": round(100 * counters.get("on_time", 0) / decided, 1) if decided else None,
        "median_hours": round(median, 1) if median is not None else None,
        "p90_hours": round(p90, 1) if p90 is not None else None,
        "average_rating": round(counters.get("rating_sum", 0) / rated, 2) if rated else None,
    }


def department_table(
    rows: Iterable[tuple[str, Mapping[str, int]]],
    gauges: Mapping[str, Mapping[Gauge, int]],
    departments: Sequence[str],
) -> list[dict[str, Any]]:
    """One row per department: `rows` are (department, counters) of the period's days."""
    summed: dict[str, list[Mapping[str, int]]] = {d: [] for d in departments}
    for department, counters in rows:
        if department in summed:
            summed[department].append(counters)
    table = []
    for department in departments:
        c = add_up(summed[department])
        now = gauges.get(department, {})
        table.append(
            {
                "department": department,
                # Shown as counted, even below zero: a drift must be seen to be mended
                # (grievances open before the counters existed; `infra/backfill_seats`).
                "open": now.get(Gauge.OPEN, 0),
                "overdue": now.get(Gauge.OVERDUE, 0),
                "received": c.get("received", 0),
                "resolved": c.get("resolved", 0),
                "rejected": c.get("rejected", 0),
                "on_time": c.get("on_time", 0),
                "late": c.get("late", 0),
                "reopened": c.get("reopened", 0),
                "appealed": c.get("appealed", 0),
                "transferred_out": c.get("transferred_out", 0),
                "escalated": {str(level): c.get(f"escalated_{level}", 0) for level in ESCALATION_LEVELS},
                "ratings": c.get("rated", 0),
                **figures(c),
                "resolution_hours": _histogram(c),
            }
        )
    return table


def district_table(
    rows: Iterable[tuple[date, str, Mapping[str, int]]],
    districts: Sequence[str],
    categories: Sequence[str] | None,
) -> list[dict[str, Any]]:
    """One row per district: totals, counts by category and a daily series. With
    `categories` (a department's), only those categories are counted and the
    district-wide figures (SLA, ratings, channels) are left out: they are not per category."""
    by_district: dict[str, list[tuple[date, Mapping[str, int]]]] = {d: [] for d in districts}
    for day, district, counters in rows:
        if district in by_district:
            by_district[district].append((day, counters))
    table = []
    for district in districts:
        days = by_district[district]
        c = add_up([counters for _, counters in days])
        by_category = _by_category(c, categories)
        series: dict[date, dict[str, int]] = {}
        for day, counters in days:
            point = series.setdefault(day, {"filed": 0, "resolved": 0})
            for outcome in ("filed", "resolved"):
                point[outcome] += _scoped(counters, outcome, categories)
        row: dict[str, Any] = {
            "district": district,
            "filed": _scoped(c, "filed", categories),
            "resolved": _scoped(c, "resolved", categories),
            "rejected": _scoped(c, "rejected", categories),
            "by_category": by_category,
            "series": [{"day": day.isoformat(), **point} for day, point in sorted(series.items())],
        }
        if categories is None:
            row |= {
                "on_time": c.get("on_time", 0),
                "late": c.get("late", 0),
                "ratings": c.get("rated", 0),
                "channels": {k.removeprefix("channel_"): v for k, v in sorted(c.items()) if k.startswith("channel_")},
                **figures(c),
            }
        table.append(row)
    return table


def _scoped(counters: Mapping[str, int], outcome: str, categories: Sequence[str] | None) -> int:
    if categories is None:
        return counters.get(outcome, 0)
    return sum(counters.get(f"{outcome}.{category}", 0) for category in categories)


def _by_category(counters: Mapping[str, int], categories: Sequence[str] | None) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for name, value in counters.items():
        outcome, _, category = name.partition(".")
        if category and (categories is None or category in categories):
            found.setdefault(category, {"filed": 0, "resolved": 0, "rejected": 0})[outcome] = value
    return dict(sorted(found.items()))


def officer_table(
    rows: Iterable[tuple[str, Mapping[str, int]]], loads: Mapping[str, int], officers: Mapping[str, str]
) -> list[dict[str, Any]]:
    """One row per officer of the team (`officers`: id -> name): open load now, and what
    they decided in the period, on time or late."""
    summed: dict[str, list[Mapping[str, int]]] = {officer: [] for officer in officers}
    for officer, counters in rows:
        if officer in summed:
            summed[officer].append(counters)
    table = []
    for officer, name in officers.items():
        c = add_up(summed[officer])
        decided = c.get("on_time", 0) + c.get("late", 0)
        table.append(
            {
                "officer_id": officer,
                "name": name,
                "open_load": loads.get(officer, 0),
                "resolved": c.get("resolved", 0),
                "rejected": c.get("rejected", 0),
                "on_time": c.get("on_time", 0),
                "late": c.get("late", 0),
                "on_time_pct": round(100 * c.get("on_time", 0) / decided, 1) if decided else None,
            }
        )
    return sorted(table, key=lambda row: (-row["open_load"], row["officer_id"]))


def public_row(key: str, name: str, counters: Mapping[str, int], filed: int) -> dict[str, Any]:
    """A row of the public performance page. Each figure needs `PUBLIC_MINIMUM` grievances
    behind it — the row's filed, the decided ones for on-time %, the resolved for the
    median, the rated for the rating — else it is withheld, so a small cell cannot point at
    a person (one citizen's rating, one officer's case)."""
    if filed < PUBLIC_MINIMUM:
        return {"code": key, "name": name, "suppressed": True, "filed": None, "resolved": None,
                "on_time_pct": None, "median_days": None, "average_rating": None}  # fmt: skip
    shown = figures(counters)
    decided = counters.get("on_time", 0) + counters.get("late", 0)
    timed = Histogram.from_counters(counters).total
    median_hours = shown["median_hours"] if timed >= PUBLIC_MINIMUM else None
    return {
        "code": key,
        "name": name,
        "suppressed": False,
        "filed": filed,
        "resolved": counters.get("resolved", 0),
        "on_time_pct": shown["sla_compliance_pct"] if decided >= PUBLIC_MINIMUM else None,
        "median_days": round(median_hours / 24, 1) if median_hours is not None else None,
        "average_rating": shown["average_rating"] if counters.get("rated", 0) >= PUBLIC_MINIMUM else None,
    }


def whole_months(months: int, today: date) -> Period:
    """The `months` calendar months before the current one: the public page's period. Whole
    months only, so two periods never differ by a day whose few grievances a subtraction
    would reveal."""
    last = today.replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return Period(first, last)


def _histogram(counters: Mapping[str, int]) -> dict[str, int]:
    return {name: counters.get(name, 0) for name in NAMES}
