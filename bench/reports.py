"""What the reports cost to read, as the state's history grows: Queries and items read.

Seeds a synthetic busy year on a fresh moto (the demo catalogue: 6 districts, 8
departments, 24 categories) through the aggregates' own code path — each synthetic
grievance's events (filed, routed, resolved, some rated) go through `domain/tallies.tally_of`
and are written summed (`models/tallies.put_summed`) — at N = 10,000 and N = 100,000
grievances a year, each in a year of its own, as the daily fold leaves past days (one item
per row), and the largest once more as live counting spreads them (4 shards a row, before
the fold). For a 1-day and a 90-day range it prints the Queries of counters, the counter
items read and every AWS call each report makes through the real use cases. Flat in N: the
counters read depend on the days and the catalogue, not on how many grievances there were.

Run it with `make bench` or `.venv/bin/python bench/reports.py [--grievances 100000]`.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bench.aws_calls import count_aws_calls, seeded_local_app  # noqa: E402
from chalicelib.domain.tallies import Tally  # noqa: E402

YEAR_END = date(2026, 8, 15)  # the latest year laid; its last 90 days span two quarters


def seed_year(grievances: int, year_end: date, *, as_live: bool = False) -> float:
    """`grievances` filed across the year ending `year_end`, written as the daily fold leaves
    past days (or, `as_live`, in the shards live counting spreads them over); returns the
    seconds it took."""
    from chalicelib.models import tallies

    started = time.monotonic()
    tallies.put_summed(synthetic_tallies(grievances, year_end), as_live=as_live)
    return time.monotonic() - started


def synthetic_tallies(grievances: int, year_end: date) -> Iterator[Tally]:
    """Each synthetic grievance's events through `tally_of`, one at a time (the sum is what
    is kept, not the tallies)."""
    from chalicelib.domain import events as e
    from chalicelib.domain.events import SYSTEM
    from chalicelib.domain.grievance import Grievance, Status
    from chalicelib.domain.identity import Principal, Role
    from chalicelib.domain.tallies import tally_of
    from chalicelib.models import catalogue
    from chalicelib.services.tally_events import report_zone

    rng = random.Random(grievances)  # noqa: S311 - synthetic data
    zone = report_zone()
    districts = [d.code for d in catalogue.list_districts()]
    categories = catalogue.list_categories()
    citizen = Principal("cit-bench", Role.CITIZEN)
    officers = [Principal(f"off-bench-{n}", Role.OFFICER) for n in range(4)]
    for n in range(grievances):
        day = year_end - timedelta(days=rng.randrange(365))
        at = datetime.combine(day, datetime.min.time(), zone) + timedelta(minutes=rng.randrange(9 * 60, 17 * 60))
        category = rng.choice(categories)
        tracking_id = f"OD-BENCH-{year_end.year}-{n:07d}"
        filed = Grievance(tracking_id, "cit-bench", rng.choice(districts), "bench", at, category=category.code)
        routed = replace(filed, department=category.department, status=Status.ASSIGNED)
        assigned = e.GrievanceAssigned.by(SYSTEM, at, "registered", "assigned", department=category.department, level=0)
        moves = [(filed, e.GrievanceFiled.by(citizen, at, None, "registered", channel="web")), (routed, assigned)]
        if rng.random() < 0.85:
            hours = rng.lognormvariate(3.2, 0.7)
            done = at + timedelta(hours=hours)
            resolved = replace(routed, status=Status.RESOLVED)
            decision = e.GrievanceResolved.by(
                rng.choice(officers), done, "in_progress", "resolved", on_time=hours < 72, own_deadline=hours < 72
            )
            moves.append((resolved, decision))
            if rng.random() < 0.4:
                rating = rng.randint(1, 5)
                moves.append((resolved, e.GrievanceClosed.by(citizen, done, "resolved", "closed", rating=rating)))
        for seq, (after, event) in enumerate(moves, 1):
            yield tally_of(after, event, seq, zone)


def read_costs(year_end: date) -> list[tuple[str, str, int, int, int, dict[str, int]]]:
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
        when = Period(year_end - timedelta(days=days - 1), year_end)
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
            found.append((name, label, cost.queries, cost.items, cost.bytes, dict(calls)))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grievances", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    with seeded_local_app():
        # Each run in a year of its own: the rows of one never mix with another's.
        runs = [
            (n, date(YEAR_END.year - i, YEAR_END.month, YEAR_END.day), False) for i, n in enumerate(args.grievances)
        ]
        largest = max(args.grievances)
        runs.append((largest, date(YEAR_END.year - len(runs), YEAR_END.month, YEAR_END.day), True))
        for grievances, year_end, as_live in runs:
            seconds = seed_year(grievances, year_end, as_live=as_live)
            state = "days not yet folded (4 shards a row)" if as_live else "days folded by the daily run"
            print(f"\nN = {grievances:,} grievances in the year to {year_end}, {state} (seeded in {seconds:.0f} s)")
            # A Query page holds at most 1 MB (moto pages as AWS does): kB is what was read.
            print(f"{'report':32} {'range':8} {'Query':>5} {'items':>6} {'kB':>6}  every AWS call")
            for name, label, queries, items, size, calls in read_costs(year_end):
                print(f"{name:32} {label:8} {queries:>5} {items:>6} {size / 1000:>6.0f}  {calls}")


if __name__ == "__main__":
    main()
