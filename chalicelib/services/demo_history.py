"""Six weeks of past grievances for the demo state's reports, so `make dev` opens on figures
rather than zeros: every district × category files at a steady rate (per head of
population), one district files far fewer (possibly underserved), one district × category
surges over the last 3 days — and the day's alert run finds both.

Written through the reports' own code (`domain/tallies.tally_of` on each synthetic
grievance's events), summed beforehand (`models/tallies.put_summed`), ending yesterday:
today's figures stay the live ones. Local stage only; deterministic (seeded).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from chalicelib.domain import events as e
from chalicelib.domain.catalogue import Category
from chalicelib.domain.events import SYSTEM
from chalicelib.domain.grievance import Grievance, Status
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.tallies import Tally, tally_of
from chalicelib.models import catalogue, tallies
from chalicelib.services import detect_alerts
from chalicelib.services.tally_events import report_zone

DAYS = 42
PER_LAKH_A_DAY = 0.03  # a district of 20 lakh files ~0.6 a day per category
QUIET_SHARE = 0.15  # the quiet district files this share of its due
DEMO_CITIZEN = Principal("cit-demo", Role.CITIZEN)


@dataclass(frozen=True)
class DemoHistory:
    grievances: int
    surge: tuple[str, str]
    quiet: str
    alerts: int


def seed_demo_history(today: date) -> DemoHistory:
    zone = report_zone()
    rng = random.Random(f"demo-history-{today.isoformat()}")  # noqa: S311 - a demo, not a secret
    districts = sorted(catalogue.list_districts(), key=lambda d: d.code)
    categories = sorted(catalogue.list_categories(), key=lambda c: c.code)
    surge = (districts[0].code, categories[0].code) if districts and categories else ("", "")
    quiet = districts[-1].code if districts else ""
    counted: list[Tally] = []
    filed = 0
    first = today - timedelta(days=DAYS)
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        for district in districts:
            rate = (district.population or 1_000_000) / 100_000 * PER_LAKH_A_DAY
            if district.code == quiet:
                rate *= QUIET_SHARE
            for category in categories:
                count = _poisson(rng, rate)
                if (district.code, category.code) == surge and offset >= DAYS - 3:
                    count += 12
                for _ in range(count):
                    filed += 1
                    at = datetime.combine(day, time(9), zone) + timedelta(minutes=rng.randrange(0, 480))
                    tracking_id = f"OD-DEMO-{filed:07d}"
                    moves = _lifecycle(rng, tracking_id, district.code, category, at, zone)
                    counted += [tally for tally in moves if tally.day < today]  # today's are live
    tallies.put_summed(counted)
    alerts = detect_alerts.detect(today - timedelta(days=1))
    return DemoHistory(filed, surge, quiet, len(alerts))


CHANNELS = ("web", "web", "web", "mobile", "sms", "ivrs", "kiosk", "whatsapp")


def _lifecycle(
    rng: random.Random, tracking_id: str, district: str, category: Category, at: datetime, zone: tzinfo
) -> list[Tally]:
    """Filed, routed, mostly resolved (on time or a little late), some rated. Only the period
    counters: the open and overdue gauges are left to the live grievances, which exist."""
    channel = rng.choice(CHANNELS)
    grievance = Grievance(tracking_id, "cit-demo", district, "demo", at, category=category.code, channel=channel)
    routed = replace(grievance, department=category.department, level=1, status=Status.ASSIGNED)
    moves: list[tuple[Grievance, e.Event]] = [
        (grievance, e.GrievanceFiled.by(DEMO_CITIZEN, at, None, "registered", channel=channel)),
        (routed, e.GrievanceAssigned.by(SYSTEM, at, "registered", "assigned", department=category.department, level=1)),
    ]
    if rng.random() < 0.8:
        hours = rng.lognormvariate(3.2, 0.6)  # median ~ 25 hours
        resolved_at = at + timedelta(hours=hours)
        resolved = replace(routed, status=Status.RESOLVED, resolved_at=resolved_at)
        on_time = hours <= category.sla_hours
        moves.append(
            (resolved, e.GrievanceResolved.by(SYSTEM, resolved_at, "in_progress", "resolved", on_time=on_time))
        )
        if rng.random() < 0.4:
            closed_at = resolved_at + timedelta(hours=5)
            rating = rng.choice((2, 3, 4, 4, 5, 5))
            closed = replace(resolved, status=Status.CLOSED, rating=rating)
            moves.append((closed, e.GrievanceClosed.by(DEMO_CITIZEN, closed_at, "resolved", "closed", rating=rating)))
    return [replace(tally_of(after, event, seq, zone), gauges={}) for seq, (after, event) in enumerate(moves, 1)]


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small daily means of a demo."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
