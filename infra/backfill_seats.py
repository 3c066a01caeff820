"""Give every grievance and application saved before the staff workspace its `seat-index`
key (and every grievance whose SLA clock runs its `running-index` key, for the at-risk
ranking), and set the reports' open and overdue gauges from the grievances themselves,
once, after deploying that release: `python -m infra.backfill_seats <stage>`.

Safe to run again (only cases still without the key are touched) and while the state is
live (a case saved meanwhile writes its key itself). `local` runs against the environment as
it is (the `make dev` stack); any other stage as its deployed functions see it.
"""

from __future__ import annotations

import argparse
from contextlib import AbstractContextManager, nullcontext

from infra.bootstrap import stage_environment
from infra.package import deployable_stage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", help="a state's stage of .chalice/config.json, or local")
    args = parser.parse_args(argv)
    environment: AbstractContextManager[None] = (
        nullcontext() if args.stage == "local" else stage_environment(deployable_stage(args.stage))
    )
    with environment:
        from chalicelib.domain.tallies import Gauge
        from chalicelib.models import applications, catalogue, grievances, tallies

        filled = {"grievances": grievances.backfill_seats(), "applications": applications.backfill_seats()}
        running = grievances.backfill_running()
        held = {d: {Gauge.OPEN: o, Gauge.OVERDUE: late} for d, (o, late) in grievances.held_by_department().items()}
        moved = tallies.set_gauges(held, [d.code for d in catalogue.list_departments()])
    print(", ".join(f"{kind}: {count} given their seat key" for kind, count in filled.items()))
    print(f"grievances: {running} given their running-index key")
    print(f"report gauges: {len(moved)} departments set to their open and overdue grievances")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
