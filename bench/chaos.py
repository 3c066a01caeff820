"""Chaos: a burst of grievances filed over HTTP while the SQS consumers are killed and
restarted and AWS stops answering for a few seconds — and afterwards not one grievance the
client was told is filed may be missing, and none may be there twice.

The stack is bench/burst.py's (moto in its own process, provisioned and seeded as `make dev`
does, the demo departments' webhook receiver beside it), with the Chalice API served over
HTTP by a child process (one request at a time, like one Lambda instance) and the app's
real SQS consumers (infra/sqs_poller.py) by another, so that either can be hit on its own;
what the app logs goes to `--out`/stack.log. Citizens are created as in the burst and log in
over HTTP; then N grievances are filed from a pool of client threads, each with its own
`Idempotency-Key`. Mid-burst:

1. the consumers are killed with SIGKILL — a batch cut off mid-handler, as when a Lambda
   times out or its host dies — and started again a few seconds later. What they held comes
   back when its visibility timeout ends: the queues' 360 s are shortened to
   `--visibility-timeout` for the run (the one thing this bench compresses), else the
   drain would wait 6 minutes for them;
2. moto is frozen with SIGSTOP and thawed with SIGCONT. moto keeps all of AWS in memory, so
   killing it would lose the state the audit reads; a frozen process keeps it. A freeze is
   also the harsher outage: the kernel still accepts connections, so the API and the
   consumers are left hanging mid-call (a transaction sent, no answer yet), as in a network
   partition, rather than refused cleanly. The outage outlasts `--client-timeout`, so the
   client gives up on the filings in flight and files them again with the same
   Idempotency-Key, as a real client would; so it does on a 5xx, a 409 (the key still in
   progress) or a 429, backing off, for up to `--timeout` seconds per filing.

Then everything drains (every grievance routed, every queue empty) and the audit counts:
accepted (the client got a 201), lost (accepted, not stored), duplicated (a filing stored
more than once, or a grievance stored that nobody filed), unanswered (stored, but the client
gave up before hearing so), routed exactly once, the timer each grievance should have
running on Step Functions, intact hash chains, and dead letters. Each filing of the burst is
a different (citizen, category), which is how a stored grievance is matched to its filing.
Exit status 1 unless every filing was accepted and every figure is right.

    .venv/bin/python bench/chaos.py                     # 200 grievances
    .venv/bin/python bench/chaos.py --grievances 50 --outage-seconds 6
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import random
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
RETRIED_STATUSES = {409, 429, 500, 502, 503, 504}
WAITING = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grievances", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4, help="client threads filing grievances")
    parser.add_argument("--pollers", type=int, default=2, help="consumer threads per queue")
    parser.add_argument("--retry-share", type=float, default=0.05, help="share of filings sent twice on purpose")
    parser.add_argument("--client-timeout", type=float, default=5, help="seconds before the client gives up a try")
    parser.add_argument("--kill-at", type=float, default=0.3, help="share accepted when the consumers are killed")
    parser.add_argument("--consumers-down-seconds", type=float, default=3)
    parser.add_argument("--pause-at", type=float, default=0.6, help="share accepted when moto is frozen")
    parser.add_argument("--outage-seconds", type=float, default=8, help="longer than --client-timeout")
    parser.add_argument("--visibility-timeout", type=int, default=15, help="seconds (the stack's queues say 360)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per filing, and for the drain")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build" / "chaos", help="where stack.log goes")
    return parser.parse_args()


def _write_to(log: str) -> None:
    """This process's stdout and stderr (the app's log lines and metrics) into `log`."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)


def _serve_api(port: int, ready: Any, log: str) -> None:
    """The child process that answers HTTP (infra/devstack.serve_api)."""
    _write_to(log)
    from infra import devstack

    api = devstack.serve_api(devstack.load_app(), port)
    report_error = api.server.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        # A client that gave up during the outage is not there for its answer: expected here.
        if not isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            report_error(request, client_address)

    api.server.handle_error = handle_error
    ready.set()
    while True:
        time.sleep(3600)


def _run_consumers(pollers: int, log: str) -> None:
    """The child process that stands in for Lambda's SQS event-source mappings."""
    _write_to(log)
    import app as app_module
    from infra.sqs_poller import SqsPoller, subscriptions_of

    SqsPoller(subscriptions_of(app_module) * pollers, region=os.environ["AWS_DEFAULT_REGION"]).start()
    while True:
        time.sleep(3600)


class Consumers:
    def __init__(self, pollers: int, log: Path) -> None:
        self.pollers, self.log = pollers, str(log)
        self.process: Any = None

    def start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.process = context.Process(target=_run_consumers, args=(self.pollers, self.log), daemon=True)
        self.process.start()

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no batch gets to finish
        self.process.join(10)


def start_api(log: Path) -> tuple[Any, str]:
    from infra.devstack import free_port

    port = free_port()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    process = context.Process(target=_serve_api, args=(port, ready, str(log)), daemon=True)
    process.start()
    if not ready.wait(120):
        raise SystemExit(f"the API did not start; see {log}")
    return process, f"http://{HOST}:{port}"


def shorten_visibility(seconds: int) -> None:
    from chalicelib.aws import client, queue_url
    from chalicelib.resource_names import Queue

    for queue in Queue:
        client("sqs").set_queue_attributes(QueueUrl=queue_url(queue), Attributes={"VisibilityTimeout": str(seconds)})


def queue_depths(attributes: tuple[str, ...] = WAITING) -> dict[str, int]:
    """Messages on each of the app's queues: waiting or in flight, unless told otherwise."""
    from chalicelib.aws import client, queue_url
    from chalicelib.resource_names import Queue

    depths = {}
    for queue in Queue:
        found = client("sqs").get_queue_attributes(QueueUrl=queue_url(queue), AttributeNames=list(attributes))
        depths[queue.value] = sum(int(v) for v in found["Attributes"].values())
    return depths


def dead_letters() -> int:
    """Messages a consumer gave up on, across every queue's DLQ."""
    from chalicelib.aws import client
    from chalicelib.config import get_settings
    from chalicelib.resource_names import Queue

    sqs, total = client("sqs"), 0
    for queue in Queue:
        url = sqs.get_queue_url(QueueName=f"{get_settings().resource_name(queue)}-dlq")["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        total += int(attributes["Attributes"]["ApproximateNumberOfMessages"])
    return total


def timers_running(tracking_ids: list[str]) -> int:
    """Grievances whose state has the timer it asks for (`domain.grievance.timer_of`: the SLA
    timer while the clock runs, the closing timer once resolved) running on Step Functions,
    or none when their state has none."""
    from chalicelib.aws import client, state_machine_arn
    from chalicelib.domain.grievance import timer_of
    from chalicelib.models import grievances
    from chalicelib.resource_names import StateMachine

    sfn = client("stepfunctions")
    executions = state_machine_arn(StateMachine.SLA_TIMER).replace(":stateMachine:", ":execution:")
    running = 0
    for tracking_id, grievance in grievances.get_grievances(tracking_ids).items():
        timer = timer_of(grievance)
        if timer is None:
            running += 1
            continue
        try:
            execution = sfn.describe_execution(executionArn=f"{executions}:{tracking_id}-t{timer.timer_seq}")
        except sfn.exceptions.ExecutionDoesNotExist:
            continue
        running += execution["status"] in ("RUNNING", "SUCCEEDED")
    return running


@dataclass
class Filing:
    index: int
    citizen_id: str
    category: str
    tracking_id: str | None = None
    tries: int = 0
    refused: str | None = None  # no 201: a 4xx no retry changes, or `--timeout` ran out


def reconcile(outcomes: list[Filing], stored: list[Any]) -> tuple[int, int]:
    """(duplicated, unanswered): stored grievances matched to their filings by (citizen,
    category), which is one filing each in the burst's plan."""
    per_filing = Counter((g.citizen_id, g.category) for g in stored)
    filed = {(f.citizen_id, f.category) for f in outcomes}
    duplicated = sum(n - 1 for key, n in per_filing.items() if key in filed and n > 1)
    duplicated += sum(n for key, n in per_filing.items() if key not in filed)
    unanswered = sum(1 for f in outcomes if f.tracking_id is None and per_filing[(f.citizen_id, f.category)])
    return duplicated, unanswered


@dataclass
class Client:
    """A citizen's app: files over HTTP and, when no answer comes in time or it is a 5xx, a
    409 or a 429, files again with the same Idempotency-Key after a growing pause."""

    api: str
    timeout: float
    give_up_after: float
    accepted: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int | None, dict[str, Any]]:
        request = urllib.request.Request(
            f"{self.api}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **headers},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
        except (TimeoutError, urllib.error.URLError, http.client.HTTPException, ConnectionError):
            return None, {}

    def login(self, mobile: str) -> str:
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            status, reply = self.send("/auth/login", {"username": mobile, "password": "burst passphrase"}, {})
            if status == 200:
                return str(reply["access_token"])
            time.sleep(0.5)
        raise SystemExit(f"{mobile} could not log in")

    def file(self, filing: Filing, token: str, body: dict[str, Any]) -> tuple[int | None, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"chaos-{filing.index}"}
        deadline, tries = time.monotonic() + self.give_up_after, 0
        while True:
            filing.tries, tries = filing.tries + 1, tries + 1
            status, reply = self.send("/grievances", body, headers)
            if status is not None and status not in RETRIED_STATUSES:
                return status, reply
            if time.monotonic() > deadline:
                return status, reply
            time.sleep(min(0.25 * 2**tries, 4) * random.uniform(0.5, 1.5))  # noqa: S311

    def file_until_accepted(self, filing: Filing, token: str, body: dict[str, Any], send_twice: bool) -> Filing:
        status, reply = self.file(filing, token, body)
        if status != 201:
            filing.refused = f"{status or 'no answer'}: {reply}"
            return filing
        filing.tracking_id = reply["tracking_id"]
        with self.lock:
            self.accepted += 1
        if send_twice:
            status, again = self.file(filing, token, body)
            if status != 201 or again.get("tracking_id") != filing.tracking_id:
                filing.refused = f"sent again with the same key: {status} {again}"
        return filing


class Chaos(threading.Thread):
    """Kills the consumers and freezes moto, each once its share of the burst is accepted."""

    def __init__(self, args: argparse.Namespace, client: Client, consumers: Consumers, moto_pid: int) -> None:
        super().__init__(name="chaos", daemon=True)
        self.args, self.client, self.consumers, self.moto_pid = args, client, consumers, moto_pid
        self.started = time.perf_counter()
        self.filing_done = threading.Event()

    def note(self, what: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"  t+{elapsed:5.1f} s  {what} ({self.client.accepted} accepted)", flush=True)

    def wait_for(self, share: float) -> None:
        target = math.ceil(share * self.args.grievances)
        while self.client.accepted < target and not self.filing_done.is_set():
            time.sleep(0.05)

    def run(self) -> None:
        # Each on its own trigger: a quick burst must not be over before the second blow.
        freeze = threading.Thread(target=self.freeze_moto, name="freeze", daemon=True)
        freeze.start()
        self.kill_consumers()
        freeze.join()

    def kill_consumers(self) -> None:
        self.wait_for(self.args.kill_at)
        held = sum(queue_depths(("ApproximateNumberOfMessagesNotVisible",)).values())
        self.consumers.kill()
        self.note(f"consumers killed (SIGKILL) holding up to {held} messages")
        time.sleep(self.args.consumers_down_seconds)
        self.consumers.start()
        self.note("consumers started again")

    def freeze_moto(self) -> None:
        self.wait_for(self.args.pause_at)
        os.kill(self.moto_pid, signal.SIGSTOP)
        self.note("moto frozen (SIGSTOP)")
        time.sleep(self.args.outage_seconds)
        os.kill(self.moto_pid, signal.SIGCONT)
        self.note("moto thawed (SIGCONT)")


def drain(tracking_ids: list[str], timeout: float, report: Callable[[str], None]) -> float:
    """Wait until every grievance is routed and the queues are empty; returns the seconds."""
    from bench.burst import progress

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        states, depths = progress(tracking_ids), queue_depths()
        if not states["registered"] and not states["missing"] and not any(depths.values()):
            break
        report(f"  ... {dict(sorted(states.items()))}  queued: {depths}")
        time.sleep(3)
    return time.perf_counter() - started


@dataclass
class Stack:
    moto: Any  # bench/burst.py's moto process
    consumers: Consumers
    api_process: Any = None
    api: str = ""


def burst_over_http(args: argparse.Namespace, stack: Stack) -> list[Filing]:
    """File the burst's plan over HTTP while the blows fall; returns every filing's outcome."""
    from bench import burst
    from chalicelib.models import catalogue, citizens

    categories = catalogue.list_categories()
    districts = [d.code for d in catalogue.list_districts()]
    citizen_ids = burst.make_citizens(math.ceil(args.grievances / burst.PER_CITIZEN))
    plan = burst.plan(args.grievances, citizen_ids, categories, districts)
    client = Client(stack.api, args.client_timeout, args.timeout)
    mobiles = {cid: getattr(citizens.get_citizen(cid), "mobile", "") for cid in citizen_ids}
    tokens = {cid: client.login(str(mobile)) for cid, mobile in mobiles.items()}
    retry_every = max(int(1 / args.retry_share), 1) if args.retry_share > 0 else 0

    def one(index: int) -> Filing:
        citizen_id, category, district = plan[index]
        body = {
            "category": category.code,
            "description": f"Chaos grievance {index}: {category.names['en']} in ward {index % 40}.",
            "location": {"district": district, "ward": f"W-{index % 40}"},
        }
        send_twice = bool(retry_every) and index % retry_every == 0
        return client.file_until_accepted(
            Filing(index, citizen_id, category.code), tokens[citizen_id], body, send_twice
        )

    print(
        f"filing    {args.grievances} grievances over HTTP from {args.workers} threads (client timeout "
        f"{args.client_timeout:g} s; consumers: {args.pollers} pollers per queue)",
        flush=True,
    )
    chaos = Chaos(args, client, stack.consumers, stack.moto.pid)
    chaos.start()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        outcomes = list(pool.map(one, range(len(plan))))
    filed_in = time.perf_counter() - chaos.started
    chaos.filing_done.set()
    chaos.join()
    on_purpose = sum(1 for i in range(len(plan)) if retry_every and i % retry_every == 0)
    refused = [f for f in outcomes if f.refused]
    print(
        f"accepted  {client.accepted} of {args.grievances} in {filed_in:.1f} s; "
        f"{sum(f.tries - 1 for f in outcomes)} tries again with the same key ({on_purpose} on purpose); "
        f"refused {len(refused)}",
        flush=True,
    )
    for filing in refused[:5]:
        print(f"  refused grievance {filing.index}: {filing.refused}")
    return outcomes


def audit(args: argparse.Namespace, outcomes: list[Filing]) -> bool:
    from bench import burst

    tracking_ids = [f.tracking_id for f in outcomes if f.tracking_id]
    citizen_ids = sorted({f.citizen_id for f in outcomes})
    drained_in = drain(tracking_ids, args.timeout, lambda line: print(line, flush=True))
    result = burst.audit(tracking_ids, citizen_ids)
    duplicated, unanswered = reconcile(outcomes, burst.stored_grievances(citizen_ids))
    timers, letters = timers_running(tracking_ids), dead_letters()
    refused, n = sum(1 for f in outcomes if f.refused), len(tracking_ids)
    print(f"drained   {drained_in:.1f} s after the last filing")
    print(
        f"accepted = {n}, lost = {result['lost']}, duplicated = {duplicated}, unanswered = {unanswered}, "
        f"routed exactly once = {result['routed_once']}/{n}, timers running = {timers}/{n}, "
        f"hash chains intact = {result['chains_intact']}/{n}, dead letters = {letters}, refused = {refused}"
    )
    return bool(
        n == args.grievances
        and refused == result["lost"] == duplicated == letters == 0
        and result["routed_once"] == timers == result["chains_intact"] == n
    )


def main() -> int:
    args = parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    from bench import burst
    from infra.devstack import free_port
    from infra.webhook_receiver import WebhookReceiver

    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "stack.log"
    log.unlink(missing_ok=True)
    # The demo departments' webhooks, as the dev runner has them: seeding points them here.
    webhook_port = free_port()
    os.environ["WEBHOOK_RECEIVER_URL"] = f"http://{HOST}:{webhook_port}"
    webhooks = WebhookReceiver(HOST, webhook_port).start()
    # A real clock (no timer fires during the run), and one moto process: freezing it freezes all of AWS.
    (moto,) = burst.start_stack(sla_seconds_per_hour=3600, one_moto=True)
    stack = Stack(moto, Consumers(args.pollers, log))
    try:
        shorten_visibility(args.visibility_timeout)
        stack.api_process, stack.api = start_api(log)
        stack.consumers.start()
        outcomes = burst_over_http(args, stack)
        healthy = audit(args, outcomes)
        print(f"the app's log: {log}")
        return 0 if healthy else 1
    finally:
        for process in (stack.consumers.process, stack.api_process):
            if process is not None and process.is_alive():
                process.kill()
        os.kill(moto.pid, signal.SIGCONT)  # a frozen process ignores SIGTERM until thawed
        moto.terminate()
        webhooks.stop()


if __name__ == "__main__":
    sys.exit(main())
