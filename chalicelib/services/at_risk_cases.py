"""About to breach: a jurisdiction's running grievances ranked by their chance of breaching
(`domain/at_risk.py`), and each supervisor's daily digest of that list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.domain.at_risk import Risk, rank_at_risk
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.identity import Officer, Principal, Role
from chalicelib.domain.jurisdiction import IndexName
from chalicelib.domain.resolution_times import Histogram
from chalicelib.domain.tallies import View
from chalicelib.models import case_store, catalogue, grievances, officers, tallies
from chalicelib.services import staff_notices
from chalicelib.services.reports import today
from chalicelib.services.staff_jurisdiction import partitions

logger = Logger(child=True)

HISTORY_DAYS = 90  # the resolutions the category's history is read from
DIGEST_CHANCE = 0.5  # a digest lists the grievances at least this likely to breach
DIGEST_TOP = 3  # tracking ids named in the SMS


def at_risk(
    caller: Principal,
    *,
    department: str | None,
    district: str | None,
    category: str | None,
    channel: str | None,
    limit: int,
    now: datetime | None = None,
) -> list[Risk]:
    """The caller's jurisdiction (narrowed as asked), most likely to breach first."""
    running = [
        g
        for g in _running(caller, department, district)
        if (category is None or g.category == category) and (channel is None or g.channel == channel)
    ]
    return _rank(running, now or utc_now())[:limit]


def _running(caller: Principal, department: str | None, district: str | None) -> Iterator[Grievance]:
    for partition in partitions(caller, department, district):
        if partition.index is IndexName.SEAT:
            seat_department, seat_district = partition.key.split("#", 1)
            yield from grievances.running_in(seat_department, seat_district)
        else:
            yield from grievances.running_in(partition.key, None)


def _rank(running: list[Grievance], now: datetime, history: dict[str, Histogram] | None = None) -> list[Risk]:
    if not running:
        return []
    owners = sorted({g.assignee_id for g in running if g.assignee_id})
    loads = {owner: load for owner, (load, _) in case_store.open_loads(owners).items()}
    history = category_history() if history is None else history
    state = Histogram.empty()
    for histogram in history.values():
        state = state + histogram
    return rank_at_risk(running, now=now, loads=loads, history=history, state_history=state)


def category_history() -> dict[str, Histogram]:
    """Each category's resolution times over the last 90 days (at most 2 Queries)."""
    last = today()
    summed: dict[str, Histogram] = defaultdict(Histogram.empty)
    for row in tallies.rows(View.CATEGORY, last - timedelta(days=HISTORY_DAYS - 1), last):
        summed[row.key[0]] = summed[row.key[0]] + Histogram.from_counters(row.counters)
    return dict(summed)


def send_digests(now: datetime | None = None) -> int:
    """Each active supervisor with grievances likely to breach hears how many and which
    first, by SMS and email. Returns how many were told."""
    now = now or utc_now()
    history = category_history()  # read once for every seat
    told = 0
    for supervisor in _supervisors():
        seat = list(grievances.running_in(supervisor.department or "", supervisor.district))
        likely = [r for r in _rank(seat, now, history) if r.chance >= DIGEST_CHANCE]
        if not likely:
            continue
        top = ", ".join(r.grievance.tracking_id for r in likely[:DIGEST_TOP])
        staff_notices.tell_officer(supervisor, "at_risk_digest", dedupe="digest", count=len(likely), top=top)
        told += 1
    logger.info("at-risk digests sent", extra={"supervisors": told})
    return told


def _supervisors() -> Iterator[Officer]:
    for department in catalogue.list_departments():
        for officer in officers.list_officers(department.code):
            if officer.role is Role.SUPERVISOR and officer.active and officer.district:
                yield officer
