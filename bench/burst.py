"""Burst: N grievances filed at once against the local stack, every one routed exactly once
and, with the SLA clock compressed, escalated once per level up to the state cell.

Starts an in-process moto server, builds and seeds the stack as `make dev` does, creates a
few citizens, files N grievances through the intake use case from a thread pool (every
filing with an Idempotency-Key, and a share of them retried with the same key, as a
flaky mobile network would), then runs the app's real SQS consumers (several pollers per
queue, standing in for Lambda's concurrency) while moto's Step Functions executes the SLA
timers. Prints throughput and the audit of the outcome: lost = 0, duplicates = 0, routed
once, escalated once per level.

    .venv/bin/python bench/burst.py                 # 2,000 grievances
    .venv/bin/python bench/burst.py --grievances 10000 --calls   # and the AWS calls per grievance
"""

from __future__ import annotations

import argparse
import logging
import math
import multiprocessing
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grievances", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=16, help="threads filing grievances")
    # 4 filed and routed faster at N = 300, but the SLA-events queue fell behind the timers; at
    # N = 600, 24 finished the ladder in 218 s against 12's 247 s, with the cores still not full
    # (each poller waits on one call at a time, as a Lambda does).
    parser.add_argument("--pollers", type=int, default=24, help="consumer threads per queue")
    parser.add_argument(
        "--wait-seconds",
        type=int,
        default=10,
        help="each poller's long poll: an idle poller asks once per wait, as Lambda's long-polling pollers do",
    )
    parser.add_argument("--retry-share", type=float, default=0.05, help="share of filings sent twice")
    parser.add_argument(
        "--sla-seconds-per-hour",
        type=float,
        default=0.02,
        help="compressed SLA clock: wall seconds per SLA hour (72 h → 1.4 s at 0.02)",
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the ladder")
    parser.add_argument(
        "--one-moto",
        action="store_true",
        help="serve DynamoDB from the same moto process as the other services (as `make dev` does)",
    )
    parser.add_argument(
        "--calls",
        action="store_true",
        help="also print the AWS calls per grievance, by operation and by the app function that made them",
    )
    return parser.parse_args()


def _serve_moto(port: int, ready: Any) -> None:
    from infra import devstack

    devstack.prepare_environment(port)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    devstack.start_moto(port)
    ready.set()
    while True:
        time.sleep(3600)


def start_stack(sla_seconds_per_hour: float, one_moto: bool) -> list[Any]:
    """moto in its own process (as the real AWS is not in the Lambda's), so the app's
    threads and moto's do not share one interpreter lock; then provision and seed.

    DynamoDB gets a moto process of its own unless `one_moto`: it is four fifths of moto's
    work in a burst, and one moto process runs on one core whatever the machine has. No
    service of the stack calls DynamoDB from inside AWS (the SLA timers' tasks are SQS
    sends), so the app reaches it by `AWS_ENDPOINT_URL_DYNAMODB`, as botocore lets any
    client reach a service elsewhere."""
    sys.path.insert(0, str(REPO_ROOT))
    from infra import devstack

    moto_port = devstack.free_port()
    os.environ["SLA_SECONDS_PER_HOUR"] = str(sla_seconds_per_hour)
    devstack.prepare_environment(moto_port)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    ports = [moto_port] if one_moto else [moto_port, devstack.free_port()]
    context = multiprocessing.get_context("spawn")
    servers = []
    for port in ports:
        ready = context.Event()
        server = context.Process(target=_serve_moto, args=(port, ready), daemon=True)
        server.start()
        if not ready.wait(60):
            raise SystemExit("moto did not start")
        servers.append(server)
    if not one_moto:
        os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://{devstack.HOST}:{ports[1]}"
    devstack.build_stack()
    devstack.seed_demo_state()
    return servers


def make_citizens(count: int) -> list[str]:
    """Active citizens created straight in their table: the burst is about grievances, and
    argon2 per citizen would only measure password hashing."""
    from chalicelib.clock import utc_now
    from chalicelib.domain.identity import Address
    from chalicelib.models import citizens
    from chalicelib.security.keyed_hash import keyed_hash
    from chalicelib.security.passwords import hash_password

    password_hash = hash_password("burst passphrase")
    ids = []
    for n in range(count):
        now = utc_now()
        citizen = citizens.save_registration(
            citizen_id=f"cit-burst-{n:05d}",
            name=f"Burst Citizen {n}",
            national_id_kind="aadhaar",
            national_id_last4=f"{n % 10000:04d}",
            national_id_hash=keyed_hash("national_id", f"burst-{n}"),
            mobile=f"+9190{n:08d}",
            email=None,
            password_hash=password_hash,
            address=Address(line="1 Burst Lane", district="KHORDHA", pincode="751001"),
            language="en",
            consent={"purpose": "grievance redressal", "at": now.isoformat()},
            now=now,
        )
        citizens.activate_citizen(citizen.citizen_id, citizen.version, now)
        ids.append(citizen.citizen_id)
    return ids


PER_CITIZEN = 4  # a citizen with a few grievances in a week, not hundreds


def plan(total: int, citizen_ids: list[str], categories: list[Any], districts: list[str]) -> list[tuple]:
    """One (citizen, category, district) per grievance, never the same twice: the same
    citizen, category and district within 7 days would be linked as a duplicate."""
    filings = []
    for index in range(total):
        citizen = index // PER_CITIZEN
        category = categories[(citizen * PER_CITIZEN + index % PER_CITIZEN) % len(categories)]
        filings.append((citizen_ids[citizen], category, districts[citizen % len(districts)]))
    return filings


def file_all(filings: list[tuple], workers: int, retry_share: float) -> tuple[dict[str, str], float, int]:
    """Returns {idempotency key: tracking id}, seconds taken, and retries sent."""
    from chalicelib.domain.identity import Principal, Role
    from chalicelib.services.file_grievance import NewGrievance, file_grievance

    retry_every = max(int(1 / retry_share), 1) if retry_share > 0 else 0

    def one(index: int) -> tuple[str, str, bool]:
        citizen_id, category, district = filings[index]
        key = f"burst-{index}"
        request = NewGrievance(
            description=f"Burst grievance {index}: {category.names['en']} in ward {index % 40}.",
            district=district,
            category=category.code,
            ward=f"W-{index % 40}",
        )
        principal = Principal(citizen_id, Role.CITIZEN)
        first = file_grievance(principal, request, idempotency_key=key)
        retried = bool(retry_every) and index % retry_every == 0
        if retried:
            again = file_grievance(principal, request, idempotency_key=key)
            assert again.tracking_id == first.tracking_id, "a retry created a second grievance"
        return key, first.tracking_id, retried

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, range(len(filings))))
    elapsed = time.perf_counter() - started
    return {key: tid for key, tid, _ in results}, elapsed, sum(1 for *_, retried in results if retried)


def start_consumers(pollers: int, wait_seconds: int) -> Any:
    import app as app_module
    from infra.sqs_poller import SqsPoller, subscriptions_of

    subscriptions = subscriptions_of(app_module) * pollers
    poller = SqsPoller(subscriptions, region=os.environ["AWS_DEFAULT_REGION"], wait_seconds=wait_seconds)
    poller.start()
    return poller


# What progress() reads of a grievance: a whole item is ~30 attributes, and reading all N of
# them every 5 s was a fifth of moto's time at N = 1,000 (py-spy), writing BatchGetItem answers.
PROGRESS_ATTRIBUTES = ["tracking_id", "status", "level", "last_timer_event"]


def progress(tracking_ids: list[str], at_top: set[str] | None = None) -> Counter[str]:
    """Where every grievance stands, read in batches of 100. With `at_top`, grievances
    already seen breached at the top (where the ladder ends, and nothing moves them in a
    burst) are counted from it and not read again, and those reaching it now are added."""
    from chalicelib.models.grievances import GrievanceRecord

    states: Counter[str] = Counter()
    settled = at_top if at_top is not None else set()
    unsettled = [tracking_id for tracking_id in tracking_ids if tracking_id not in settled]
    found = len(tracking_ids) - len(unsettled)
    states["top_breached"] = found
    for start in range(0, len(unsettled), 100):
        batch = unsettled[start : start + 100]
        for record in GrievanceRecord.batch_get(batch, attributes_to_get=PROGRESS_ATTRIBUTES):
            found += 1
            level = int(record.level or 0)
            if record.status == "registered":
                states["registered"] += 1
            elif level >= 3 and (record.last_timer_event or "").endswith("sla_breached"):
                states["top_breached"] += 1
                if at_top is not None:
                    at_top.add(record.tracking_id)
            else:
                states[f"level_{level}"] += 1
    states["missing"] = len(tracking_ids) - found
    return +states


def queue_depths() -> dict[str, int]:
    """Messages waiting (visible + in flight) on each of the app's queues."""
    from chalicelib.aws import client, queue_url
    from chalicelib.resource_names import Queue

    sqs, depths = client("sqs"), {}
    for name in (Queue.ROUTING, Queue.SLA_EVENTS, Queue.EVENTS, Queue.MESSAGES):
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url(name),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        depths[name.value] = sum(int(v) for v in attributes.values())
    return depths


def stored_grievances(citizen_ids: list[str]) -> list[Any]:
    """Every grievance stored for these citizens, whatever its state (bench/chaos.py too)."""
    from chalicelib.models import grievances

    stored = []
    for citizen_id in citizen_ids:
        cursor = None
        while True:
            page = grievances.citizen_grievances(citizen_id, limit=100, cursor=cursor)
            stored.extend(page.cases)
            cursor = page.cursor
            if not cursor:
                break
    return stored


def audit(tracking_ids: list[str], citizen_ids: list[str]) -> dict[str, Any]:
    from chalicelib.domain.audit import first_broken_entry
    from chalicelib.models import audit_trail, grievances

    stored = {g.tracking_id for g in stored_grievances(citizen_ids)}
    routed_once = escalated_once_per_level = chains_intact = escalations = 0
    for tracking_id in tracking_ids:
        entries = audit_trail.history(tracking_id)
        names = [e["event"] for e in entries]
        routed_once += names.count("assigned") == 1
        levels = [e["details"].get("level") for e in entries if e["event"] == "escalated"]
        escalated_once_per_level += sorted(levels) == [1, 2, 3]
        escalations += len(levels)
        grievance = grievances.get_grievance(tracking_id)
        head = (grievance.audit_seq, grievance.audit_hash) if grievance else (0, "")
        chains_intact += first_broken_entry(tracking_id, entries, *head) is None
    return {
        "lost": len(set(tracking_ids) - stored),
        "duplicates": len(stored) - len(set(tracking_ids)),
        "routed_once": routed_once,
        "escalated_once_per_level": escalated_once_per_level,
        "chains_intact": chains_intact,
        "escalations": escalations,
    }


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU seconds of this process, or of another one (moto's) from /proc."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def caller_of_call(operation_model: Any, request_dict: Any) -> str | None:
    """`service:Operation <- module.function`: the innermost app function outside the
    models and the AWS adapters that led to the call (a diagnostic: walking frames is slow)."""
    operation = f"{operation_model.service_model.endpoint_prefix}:{operation_model.name}"
    if operation == "sqs:ReceiveMessage":
        return f"{operation} <- the pollers (empty ones too)"
    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.startswith(("chalicelib.services", "chalicelib.notify", "bench")) or module == "app":
            return f"{operation} <- {module.removeprefix('chalicelib.')}.{frame.f_code.co_name}"
        frame = frame.f_back
    return f"{operation} <- ?"


def print_calls(calls: Counter[str], grievances: int) -> None:
    by_operation: Counter[str] = Counter()
    for name, count in calls.items():
        by_operation[name.split(" <- ")[0]] += count
    print(f"AWS calls per grievance: {sum(calls.values()) / grievances:.1f}")
    for name, count in by_operation.most_common():
        print(f"  {count / grievances:7.2f}  {name}")
    print("by caller:")
    for name, count in calls.most_common(40):
        print(f"  {count / grievances:7.2f}  {name}")


def main() -> None:
    args = parse_args()
    if args.calls:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from aws_calls import count_aws_calls
    else:
        count_aws_calls = None
    servers = start_stack(args.sla_seconds_per_hour, args.one_moto)
    try:
        from chalicelib.models import catalogue

        categories = catalogue.list_categories()
        districts = [d.code for d in catalogue.list_districts()]
        citizen_ids = make_citizens(math.ceil(args.grievances / PER_CITIZEN))
        filings = plan(args.grievances, citizen_ids, categories, districts)

        # The consumers run from the start, as Lambda's would: queues stay short.
        counting = count_aws_calls(caller_of_call) if count_aws_calls else None
        calls = counting.__enter__() if counting else None
        app_cpu, moto_cpus = cpu_seconds(), [cpu_seconds(server.pid) for server in servers]
        started = time.perf_counter()
        poller = start_consumers(args.pollers, args.wait_seconds)
        routed_at = None
        try:
            keys, filing_seconds, retries = file_all(filings, args.workers, args.retry_share)
            tracking_ids = list(keys.values())
            print(
                f"filed     {len(tracking_ids):>6} grievances in {filing_seconds:6.1f} s "
                f"= {len(tracking_ids) / filing_seconds:7.1f}/s ({args.workers} threads, "
                f"{retries} retried with the same key)",
                flush=True,
            )
            at_top: set[str] = set()
            # Reading where every grievance stands is itself a load on moto (at N = 2,000, read
            # every 5 s, moto's projections of them were ~15 % of its time): rarer at large N.
            progress_every = max(5.0, len(tracking_ids) / 100)
            while time.perf_counter() - started < args.timeout:
                states = progress(tracking_ids, at_top)
                if routed_at is None and not states["registered"]:
                    routed_at = time.perf_counter() - started
                    print(
                        f"routed    {len(tracking_ids):>6} grievances {routed_at:6.1f} s after the first filing "
                        f"({args.pollers} pollers per queue)",
                        flush=True,
                    )
                if states["top_breached"] == len(tracking_ids):
                    break
                print(f"  ... {dict(sorted(states.items()))}  queued: {queue_depths()}", flush=True)
                time.sleep(progress_every)
            laddered = time.perf_counter() - started
        finally:
            poller.stop()
            if counting:
                counting.__exit__(None, None, None)
        app_cpu = cpu_seconds() - app_cpu
        moto_cpus = [cpu_seconds(server.pid) - before for server, before in zip(servers, moto_cpus, strict=True)]
        moto_cpu = sum(moto_cpus)
        result = audit(tracking_ids, citizen_ids)
        print(
            f"escalated {result['escalations']:>6} times (of {3 * len(tracking_ids)}: 3 levels each) within "
            f"{laddered:6.1f} s of the first filing, at {args.sla_seconds_per_hour} s per SLA hour"
        )
        n = len(tracking_ids)
        print(
            f"lost = {result['lost']}, duplicates = {result['duplicates']}, "
            f"routed exactly once = {result['routed_once']}/{n}, "
            f"escalated once per level = {result['escalated_once_per_level']}/{n}, "
            f"hash chains intact = {result['chains_intact']}/{n}"
        )
        split = f" (DynamoDB's {moto_cpus[1]:.0f} s, the rest {moto_cpus[0]:.0f} s)" if len(servers) > 1 else ""
        print(
            f"CPU until the ladder was done: app {app_cpu:.0f} s, moto {moto_cpu:.0f} s{split} "
            f"= {(app_cpu + moto_cpu) / n:.2f} CPU-s per grievance"
        )
        if calls is not None:
            print_calls(calls, n)
    finally:
        for server in servers:
            server.terminate()


if __name__ == "__main__":
    main()
