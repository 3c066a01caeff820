"""Load: the `make dev` stack under a realistic mix of people at once (bench/locustfile.py),
then the audit of every grievance they filed.

Starts the dev runner (`python -m infra.devstack`, exactly what `make dev` runs) on free
ports, runs locust headless in a subprocess for a bounded time and number of users, and
prints what locust measured — requests per second, p50/p95/p99 latency, requests and errors,
per endpoint and in all — and then audits the grievances the users were told were filed:
lost, duplicated, routed exactly once, the timer each should have running, hash chains intact.
Exit status 1 on any error, any lost or duplicated grievance, or an audit that does not add up.

All virtual users come from 127.0.0.1, so the per-address limits (registrations, codes sent,
logins, tracking lookups) are raised for the run through `RATE_LIMITS`, as a stage whose
traffic comes through a few addresses would; every per-person limit stays as it is.

    .venv/bin/python bench/load.py                        # 20 users for 60 s
    .venv/bin/python bench/load.py --users 50 --spawn-rate 10 --run-time 120
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PER_ADDRESS_LIMITS = ("registrations_per_source", "otp_sends_per_source", "logins_per_source", "tracks_per_source")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20, help="people at once")
    parser.add_argument("--spawn-rate", type=float, default=5, help="people arriving per second until all are in")
    parser.add_argument("--run-time", type=int, default=60, help="seconds of load")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "load", help="locust's CSVs and the logs")
    parser.add_argument("--drain-timeout", type=float, default=180, help="seconds to wait for routing afterwards")
    return parser.parse_args()


class DevStack:
    """`python -m infra.devstack` on free ports, its output kept in a log file."""

    def __init__(self, log: Path) -> None:
        from infra.devstack import free_port

        self.moto_port, self.api_port = free_port(), free_port()
        self.log = log
        ports = {"MOTO_PORT": self.moto_port, "API_PORT": self.api_port}
        ports |= {"WEBHOOK_PORT": free_port(), "WEB_PORT": free_port()}
        self.env = {
            **os.environ,
            **{name: str(port) for name, port in ports.items()},
            "PYTHONUNBUFFERED": "1",
            "RATE_LIMITS": ",".join(f"{name}=1000000/1h" for name in PER_ADDRESS_LIMITS),
        }

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    def start(self, timeout: float = 180) -> None:
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "infra.devstack"], cwd=REPO_ROOT, env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout  # a bound on a hung start, not a speed claim
        while time.monotonic() < deadline and self.process.poll() is None:
            if "Ctrl-C stops everything" in self.log.read_text(errors="replace"):
                return
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"the dev runner did not start; its log: {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def run_locust(args: argparse.Namespace, host: str, ledger: Path) -> int:
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(REPO_ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.run_time}s",
        # Let a person finish what they are doing: a filing cut off mid-request would be a
        # grievance the client never heard about.
        "--stop-timeout",
        "60",
        "--host",
        host,
        "--csv",
        str(args.out / "load"),
        "--only-summary",
        "--logfile",
        str(args.out / "locust.log"),
    ]
    with (args.out / "locust.out").open("w") as output:
        return subprocess.run(
            command, cwd=REPO_ROOT, env={**os.environ, "LOAD_FILINGS": str(ledger)}, stdout=output, stderr=output
        ).returncode


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as rows:
        return list(csv.DictReader(rows))


def read_stats(prefix: Path) -> tuple[list[dict[str, str]], dict[str, str], list[dict[str, str]]]:
    """locust's rows per endpoint, its 'Aggregated' row, and its failures: bad answers, and
    exceptions raised in the users' own code (a bench bug, counted as failures too)."""
    rows = read_csv(Path(f"{prefix}_stats.csv"))
    failed = read_csv(Path(f"{prefix}_failures.csv"))
    for crash in read_csv(Path(f"{prefix}_exceptions.csv")):
        failed.append({"Occurrences": crash["Count"], "Method": "locustfile", "Name": "", "Error": crash["Message"]})
    total = next(row for row in rows if row["Name"] == "Aggregated")
    return [row for row in rows if row["Name"] != "Aggregated"], total, failed


def read_ledger(ledger: Path) -> tuple[list[str], list[str]]:
    """(tracking ids the users were told were filed, every citizen who registered)."""
    tracking_ids, citizen_ids = [], set()
    if ledger.exists():
        for line in ledger.read_text().splitlines():
            entry = json.loads(line)
            citizen_ids.add(entry["citizen_id"])
            if "tracking_id" in entry:
                tracking_ids.append(entry["tracking_id"])
    return tracking_ids, sorted(citizen_ids)


def wait_for_routing(tracking_ids: list[str], timeout: float) -> float:
    from bench.burst import progress

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        states = progress(tracking_ids)
        if not states["registered"] and not states["missing"]:
            break
        time.sleep(2)
    return time.perf_counter() - started


def errors_of(total: dict[str, str], failed: list[dict[str, str]]) -> int:
    """Bad answers and exceptions in the users' code, all counted as errors."""
    return max(int(total["Failure Count"]), sum(int(f["Occurrences"]) for f in failed))


def print_stats(rows: list[dict[str, str]], total: dict[str, str], failed: list[dict[str, str]]) -> None:
    print(f"{'endpoint':56} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
    for row in sorted(rows, key=lambda r: -int(r["Request Count"])):
        print(
            f"{row['Type'] + ' ' + row['Name']:56.56} {row['Request Count']:>8} {row['Failure Count']:>6} "
            f"{row['50%']:>7} {row['95%']:>7} {row['99%']:>7}"
        )
    print(
        f"requests  {total['Request Count']} = {float(total['Requests/s']):.1f}/s; "
        f"p50 = {total['50%']} ms, p95 = {total['95%']} ms, p99 = {total['99%']} ms; "
        f"errors = {errors_of(total, failed)}"
    )
    for failure in failed[:10]:
        print(f"  error x{failure['Occurrences']}: {failure['Method']} {failure['Name']}: {failure['Error'][:160]}")


def audit(tracking_ids: list[str], citizen_ids: list[str], drain_timeout: float) -> dict[str, Any]:
    from bench.burst import audit as burst_audit
    from bench.chaos import timers_running

    routed_in = wait_for_routing(tracking_ids, drain_timeout)
    result = burst_audit(tracking_ids, citizen_ids)
    return {**result, "timers": timers_running(tracking_ids), "routed_in": routed_in}


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    args.out.mkdir(parents=True, exist_ok=True)
    ledger = args.out / "filings.jsonl"
    for earlier in (ledger, args.out / "locust.log"):
        earlier.unlink(missing_ok=True)
    stack = DevStack(args.out / "devstack.log")
    stack.start()
    try:
        print(
            f"load      {args.users} users (arriving {args.spawn_rate:g}/s) for {args.run_time} s on the dev runner "
            f"at {stack.url} (one request at a time, as one Lambda instance)",
            flush=True,
        )
        locust_status = run_locust(args, stack.url, ledger)
        rows, total, failed = read_stats(args.out / "load")
        print_stats(rows, total, failed)

        from infra.devstack import prepare_environment

        prepare_environment(stack.moto_port)  # the audit reads the stack's tables
        tracking_ids, citizen_ids = read_ledger(ledger)
        result = audit(tracking_ids, citizen_ids, args.drain_timeout)
        n = len(tracking_ids)
        print(
            f"filed     {n} grievances by {len(citizen_ids)} registered citizens; "
            f"routed within {result['routed_in']:.1f} s of the end"
        )
        print(
            f"lost = {result['lost']}, duplicated = {result['duplicates']}, "
            f"routed exactly once = {result['routed_once']}/{n}, timers running = {result['timers']}/{n}, "
            f"hash chains intact = {result['chains_intact']}/{n}"
        )
    finally:
        stack.stop()
    healthy = (
        int(total["Request Count"]) > 0
        and errors_of(total, failed) == 0
        and result["lost"] == result["duplicates"] == 0
        and result["routed_once"] == result["timers"] == result["chains_intact"] == n
    )
    if locust_status != 0 and healthy:
        print(f"locust exited with {locust_status}; see {args.out / 'locust.out'}")
    return 0 if healthy and locust_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
