"""What the reports cost to read, as the state's history grows: Queries and items read.

Seeds a synthetic busy year on a fresh moto (the demo catalogue: 6 districts, 8
departments, 24 categories) through the aggregates' own code path — each synthetic
grievance's events (filed, routed, resolved, some rated) go through `domain/tallies.tally_of`
and are written summed (`models/tallies.put_summed`) — at N = 10,000 and then N = 100,000
grievances a year, and prints, for a 1-day and a 90-day range, the calls each report makes
through the real use cases. Flat in N: the counters read depend on the days and the
catalogue, not on how many grievances there were.

Run it with `make bench` or `.venv/bin/python bench/reports.py [--grievances 100000]`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.aws_calls import count_aws_calls, seeded_local_app  # noqa: E402

YEAR_END = date(2026, 8, 15)  # a year of its own; its last 90 days span two quarters


def seed_year(grievances: int, seed: int) -> float:
    """`grievances` filed across the year ending YEAR_END; returns the seconds it took."""
    from chalicelib.domain import events as e
    from chalicelib.domain.events import SYSTEM
    from chalicelib.domain.grievance import Grievance, Status
    from chalicelib.domain.identity import Principal, Role
    from chalicelib.domain.tallies import tally_of
    from chalicelib.models import catalogue, tallies
    from chalicelib.services.tally_events import report_zone

    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 - synthetic data
    zone = report_zone()
    districts = [d.code for d in catalogue.list_districts()]
    categories = catalogue.list_categories()
    citizen = Principal("cit-bench", Role.CITIZEN)
    officer = Principal("off-bench", Role.OFFICER)
    counted = []
    for n in range(grievances):
        day = YEAR_END - timedelta(days=rng.randrange(365))
        at = datetime.combine(day, datetime.min.time(), zone) + timedelta(minutes=rng.randrange(9 * 60, 17 * 60))
        category = rng.choice(categories)
        tracking_id = f"OD-BENCH-{seed}-{n:07d}"
        filed = Grievance(tracking_id, "cit-bench", rng.choice(districts), "bench", at, category=category.code)
        routed = Grievance(
            filed.tracking_id, "cit-bench", filed.district, "bench", at,
            category=category.code, department=category.department, status=Status.ASSIGNED,
        )  # fmt: skip
        assigned = e.GrievanceAssigned.by(SYSTEM, at, "registered", "assigned", department=category.department, level=0)
        moves = [(filed, e.GrievanceFiled.by(citizen, at, None, "registered", channel="web")), (routed, assigned)]
        if rng.random() < 0.85:
            hours = rng.lognormvariate(3.2, 0.7)
            resolved = Grievance(
                filed.tracking_id, "cit-bench", filed.district, "bench", at,
                category=category.code, department=category.department, status=Status.RESOLVED,
            )  # fmt: skip
            done = at + timedelta(hours=hours)
            moves.append(
                (resolved, e.GrievanceResolved.by(officer, done, "in_progress", "resolved", on_time=hours < 72))
            )
            if rng.random() < 0.4:
                rating = rng.randint(1, 5)
                moves.append((resolved, e.GrievanceClosed.by(citizen, done, "resolved", "closed", rating=rating)))
        counted += [tally_of(after, event, seq, zone) for seq, (after, event) in enumerate(moves, 1)]
        if len(counted) > 200_000:
            tallies.put_summed(counted)
            counted = []
    tallies.put_summed(counted)
    return time.monotonic() - started


def read_costs() -> list[tuple[str, str, int, int, dict[str, int]]]:
    """(report, range, Queries of counters, counter items read, every AWS call) for each
    report, through the real use cases. The calls include the catalogue's (the departments,
    districts or categories a table lists) and an officers report's team and loads."""
    from chalicelib.domain.identity import Principal, Role
    from chalicelib.domain.reports import Period
    from chalicelib.models.tallies import ReadCost
    from chalicelib.services import reports

    state_cell = Principal("off-state-admin", Role.STATE_ADMIN)
    head = Principal("off-head", Role.DEPARTMENT_HEAD, department="WATER")
    found = []
    for label, days in (("1 day", 1), ("90 days", 90)):
        when = Period(YEAR_END - timedelta(days=days - 1), YEAR_END)
        for name, call in (
            ("departments (state cell)", lambda c, w=when: reports.departments_report(state_cell, None, w, c)),
            ("districts (state cell)", lambda c, w=when: reports.districts_report(state_cell, None, None, w, c)),
            ("districts (a department head)", lambda c, w=when: reports.districts_report(head, None, None, w, c)),
            ("officers (a department head)", lambda c, w=when: reports.officers_report(head, None, None, w, c)),
        ):
            cost = ReadCost()
            call(cost)  # warm
            cost = ReadCost()
            with count_aws_calls() as calls:
                call(cost)
            found.append((name, label, cost.queries, cost.items, dict(calls)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grievances", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    with seeded_local_app():
        seeded = 0
        for target in args.grievances:
            seconds = seed_year(target - seeded, seed=target)
            seeded = target
            print(f"\nN = {seeded:,} grievances in the year (seeded in {seconds:.0f} s)")
            print(f"{'report':32} {'range':8} {'Query':>5} {'items':>6}  every AWS call")
            for name, label, queries, items, calls in read_costs():
                print(f"{name:32} {label:8} {queries:>5} {items:>6}  {calls}")


if __name__ == "__main__":
    main()
