"""Surges and possibly underserved districts, found once a day from the report counters.

The daily schedule reads the last 31 complete days of the district rows (filed per
category), asks `domain/surveillance.py` which district × category is far above its own
usual rate and which district files far fewer grievances per head than the rest of the
state, keeps each finding as an alert of that day, and tells the department head of the
category's department and the state cell — once per episode: a cell alerted in the 3 days
before is listed again but not messaged again.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.reports import period_of
from chalicelib.domain.surveillance import find_surges, find_underserved
from chalicelib.domain.tallies import View
from chalicelib.models import catalogue, officers, tallies
from chalicelib.services import staff_notices
from chalicelib.services.reports import scope_of, today

logger = Logger(child=True)

RECENT_DAYS = 3
BASELINE_DAYS = 28
UNDERSERVED_DAYS = 28
EPISODE_DAYS = 3  # the recent window: a surge stays in it this long


def detect(day: date | None = None) -> list[dict[str, Any]]:
    """Judge the days up to `day` (default: yesterday, the last complete day); keep and
    announce what is found. Returns the alerts kept this run."""
    last = day or today() - timedelta(days=1)
    first = last - timedelta(days=RECENT_DAYS + BASELINE_DAYS - 1)
    days = [first + timedelta(days=n) for n in range(RECENT_DAYS + BASELINE_DAYS)]
    daily: dict[tuple[str, str], dict[date, int]] = defaultdict(lambda: defaultdict(int))
    filed_lately: dict[str, int] = defaultdict(int)
    for row in tallies.rows(View.DISTRICT, first, last):
        district = row.key[0]
        for name, value in row.counters.items():
            outcome, _, category = name.partition(".")
            if outcome == "filed" and category:
                daily[(district, category)][row.day] += value
        if row.day > last - timedelta(days=UNDERSERVED_DAYS):
            filed_lately[district] += row.counters.get("filed", 0)
    history = {cell: [counts.get(d, 0) for d in days] for cell, counts in daily.items()}
    departments = {c.code: c.department for c in catalogue.list_categories()}
    found: list[dict[str, Any]] = []
    for surge in find_surges(history, recent_days=RECENT_DAYS, baseline_days=BASELINE_DAYS):
        found.append(
            {
                "kind": "surge",
                "district": surge.district,
                "category": surge.category,
                "department": departments.get(surge.category),
                "recent": surge.recent,
                "expected": round(surge.expected, 2),
                "ratio": round(surge.ratio, 2),
                "p_value": surge.p_value,
                "window_days": RECENT_DAYS,
            }
        )
    populations = {d.code: d.population for d in catalogue.list_districts() if d.population}
    for quiet in find_underserved({d: filed_lately.get(d, 0) for d in populations}, populations):
        found.append(
            {
                "kind": "underserved",
                "district": quiet.district,
                "category": None,
                "department": None,
                "filed": quiet.filed,
                "expected": round(quiet.expected, 2),
                "per_100k": round(quiet.per_100k, 2),
                "state_per_100k": round(quiet.state_per_100k, 2),
                "p_value": quiet.p_value,
                "window_days": UNDERSERVED_DAYS,
            }
        )
    # An episode is told once: not again on the days it stays in the window. A run repeated
    # the same day tells again (a message that failed to go out gets its chance), and the
    # messages' dedupe keys keep a recipient from hearing it twice.
    window = tallies.alerts_between(last - timedelta(days=EPISODE_DAYS), last - timedelta(days=1))
    earlier = {_key(alert) for _, alert in window}
    kept = []
    for alert in found:
        if tallies.save_alert(last, _key(alert), alert):
            kept.append(alert)
        if _key(alert) not in earlier:
            _tell(alert)
    logger.info("alerts detected", extra={"day": last.isoformat(), "found": len(found), "kept": len(kept)})
    return kept


def _key(alert: dict[str, Any]) -> str:
    return f"{alert['kind']}#{alert['district']}#{alert['category'] or '-'}"


def _tell(alert: dict[str, Any]) -> None:
    """The category's department head(s) and the state cell's officers hear of it."""
    recipients = officers.officers_in(None, None)
    if alert["department"]:
        recipients += [o for o in officers.list_officers(alert["department"]) if o.role is Role.DEPARTMENT_HEAD]
    for officer in recipients:
        if officer.active:
            staff_notices.tell_officer(officer, f"alert_{alert['kind']}", dedupe=f"alert#{_key(alert)}", **alert)


def alerts_report(caller: Principal, department: str | None, first: str | None, last: str | None) -> dict[str, Any]:
    """The alerts of the period (default the last 7 days), newest first; a department's
    staff see their department's surges, the state cell everything."""
    scope = scope_of(caller, department)
    when = period_of(first, last, today(), default_days=7)
    listed = [
        {"day": day.isoformat(), **alert}
        for day, alert in reversed(tallies.alerts_between(when.first, when.last))
        if scope.department is None or alert.get("department") == scope.department
    ]
    return {"from": when.first.isoformat(), "to": when.last.isoformat(), "alerts": listed}
