"""Fault injection (issue 17): what each AWS call on the grievance and application paths does
to its caller when it is throttled, fails (5xx) or times out — and whether anything is lost,
doubled or left half-done once AWS answers again.

Starts moto as bench/aws_calls.py does, records the calls of one clean run of each path
(filing a grievance, routing it, applying for a service, delivering an SMS and an email),
then runs the path again with exactly one of those calls failing, for every call and fault
(tests/faults.py: the failure botocore hands the app once its own retries are spent). Then
it does what a client and AWS would: retries with the same Idempotency-Key after a 503 (once
more after the key's in-progress lease ran out, after a 409), lets SQS deliver a failed
record again, runs the routing sweep and the SLA events consumer, and audits: each accepted
grievance exists once, is routed once and has its SLA timer; each application exists once
with one copy of its document; each message is sent once and logged as sent. It prints
call site × fault → what the caller saw first, what it got in the end, what the audit found.
tests/integration/test_fault_injection.py holds the same outcomes as assertions.

A throttle or a 5xx that left nothing behind (a 503 before anything was kept, a record that
failed before its grievance moved) is followed by the 5xx at the same call on the client's
retry or SQS's redelivery, as a flapping AWS would; a timeout, which may have been carried
out, always starts afresh, so that what it leaves is its own.

Run it with `.venv/bin/python bench/faults.py`.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # run as a script, tests/ is still importable

from bench.aws_calls import direct_citizen  # noqa: E402
from tests.faults import FAULTS, Call, Fault, Site, call_sites, inject_at, record_calls  # noqa: E402

FILING = "POST /grievances"
ROUTING = "route_grievances (SQS)"
APPLYING = "POST /applications"
JSON = {"Content-Type": "application/json"}
# A clean request also makes these, but only on a cold process (then cached for its life).
COLD_ONLY = {"sqs:GetQueueUrl", "sts:GetCallerIdentity", "secretsmanager:GetSecretValue"}
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)
# Applying: a service that takes one document (identity_proof), the fewest S3 calls.
SERVICE = "SANITATION_SEPTIC_TANK_CLEANING"
FIELDS = {
    "applicant_name": "Asha Devi",
    "mobile": "9876543210",
    "premises_address": "Plot 12, Saheed Nagar, Bhubaneswar",
    "preferred_date": "2027-01-15",
}
PDF = b"%PDF-1.7\n% a scanned identity card\n"


@dataclass
class Outcome:
    """One call site under one fault: what the caller saw first, what it got in the end (its
    retries, or SQS's redeliveries), and what the audit found wrong afterwards."""

    path: str
    site: str
    fault: str
    first: str = ""
    then: str = ""
    problems: list[str] = field(default_factory=list)
    subject: str | None = None  # the grievance, application or message audited

    @property
    def key(self) -> tuple[str, str]:
        return self.site, self.fault


@dataclass(frozen=True)
class Caller:
    citizen_id: str
    access_token: str

    def headers(self, key: str | None = None) -> dict[str, str]:
        headers = {**JSON, "Authorization": f"Bearer {self.access_token}"}
        if key:
            headers["Idempotency-Key"] = key
        return headers


@dataclass
class Case:
    """An outcome, and who it happened to (what the audit reads)."""

    outcome: Outcome
    caller: Caller | None = None
    upload_id: str | None = None


class Consumer:
    """One of the app's SQS consumers, run by hand as Lambda's event-source mapping would: a
    record the handler reports failed stays on the queue and is made visible again at once
    (as if its visibility timeout had run out), so the next receive delivers it again."""

    def __init__(self, app_module: Any, name: str) -> None:
        import boto3

        from infra.sqs_poller import subscriptions_of

        (self.subscription,) = [s for s in subscriptions_of(app_module) if s.name == name]
        self.sqs = boto3.client("sqs")
        self.url = self.sqs.get_queue_url(QueueName=self.subscription.queue_name)["QueueUrl"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])
        self.arn = attributes["Attributes"]["QueueArn"]

    def receive(self) -> list[dict[str, Any]]:
        answer = self.sqs.receive_message(
            QueueUrl=self.url,
            MaxNumberOfMessages=self.subscription.batch_size,
            WaitTimeSeconds=0,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(answer.get("Messages", []))

    def handle(self, messages: list[dict[str, Any]], during: AbstractContextManager[Any] | None = None) -> set[str]:
        """Run the handler on one batch, within `during` (a fault plan, a recording: it sees
        the handler's calls, not the event-source mapping's); returns the failed records' ids."""
        from chalice.local import LambdaContext

        from infra.sqs_poller import failed_message_ids, lambda_event

        event = lambda_event(messages, self.arn, self.sqs.meta.region_name)
        context = LambdaContext(function_name=self.subscription.name, memory_size=512, max_runtime_ms=60_000)
        ids = {m["MessageId"] for m in messages}
        try:
            with during or nullcontext():
                answer = self.subscription.handler(event, context)
            failed = failed_message_ids(answer, ids)
        except Exception:
            failed = ids  # a handler that raises fails its whole batch
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            self.sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)],
            )
        for message in messages:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
        return failed

    def drain(self, rounds: int = 20) -> None:
        """Handle batches until the queue is empty (a record failing for good stops after `rounds`)."""
        for _ in range(rounds):
            messages = self.receive()
            if not messages:
                return
            self.handle(messages)


class Rig:
    """The API and the consumers, and what every path needs of them."""

    def __init__(self, http: Any, app_module: Any) -> None:
        self.http = http
        self.consumers = {
            name: Consumer(app_module, name)
            for name in ("route_grievances", "handle_sla_events", "fan_out_events", "deliver_notifications")
        }
        self.numbers = iter(range(1, 10**9))
        self.announced: list[dict[str, Any]] = []  # announcements taken off the events queue

    def new_citizen(self) -> Caller:
        """A citizen made straight in the tables and logged in, a fresh one per case (so no
        filing is linked to another's): 5 calls, where registering over the API with its OTP
        costs seconds."""
        tag = f"fault-{uuid.uuid4().hex[:12]}"
        mobile = f"+9196{int(tag[6:14], 16) % 10**8:08d}"
        return Caller(*direct_citizen(tag, mobile=mobile, district="KHORDHA", pincode="751001"))

    def grievance(self) -> dict[str, Any]:
        n = next(self.numbers)
        return {
            "category": "WATER_NO_SUPPLY",
            "description": f"No water in our lane for three days (fault report {n}).",
            "location": {"district": "KHORDHA", "ward": f"W-F{n}"},
        }

    def file(self, caller: Caller, key: str | None, body: dict[str, Any]) -> Any:
        return self.http.post("/grievances", headers=caller.headers(key), body=json.dumps(body))

    def upload(self, caller: Caller) -> str:
        """An identity proof uploaded as a browser would (the presigned POST, to S3)."""
        import requests

        body = {"service_code": SERVICE, "slot": "identity_proof", "content_type": "application/pdf"}
        form = self.http.post("/uploads", headers=caller.headers(), body=json.dumps(body)).json_body
        sent = requests.post(
            form["url"], data=form["fields"], files={"file": ("id", PDF, "application/pdf")}, timeout=10
        )
        assert sent.status_code in {200, 201, 204}, sent.text
        return str(form["upload_id"])

    def apply(self, caller: Caller, key: str, upload_id: str) -> Any:
        body = {"service_code": SERVICE, "fields": FIELDS, "documents": {"identity_proof": upload_id}}
        return self.http.post("/applications", headers=caller.headers(key), body=json.dumps(body))


def sites_of(run: Callable[[AbstractContextManager[Any]], Any]) -> list[Site]:
    """The call sites of one clean run, cold-only lookups left out; `run` makes its calls
    within the recording it is handed (a consumer: around its handler only)."""
    calls: list[Call] = []
    run(record_calls(into=calls))
    return [site for site in call_sites(calls) if site.call.name not in COLD_ONLY]


def within(request: Callable[[], Any]) -> Callable[[AbstractContextManager[Any]], Any]:
    def run(context: AbstractContextManager[Any]) -> Any:
        with context:
            return request()

    return run


# --- what the client sees ------------------------------------------------------------------------


def unavailable_problems(response: Any) -> list[str]:
    """What is wrong with a 503: nothing, when it is the generic one with Retry-After."""
    from chalicelib.handlers.http import UNAVAILABLE_MESSAGE

    problems = []
    expected = {"error": {"code": "service_unavailable", "message": UNAVAILABLE_MESSAGE, "field": None}}
    if response.json_body != expected:
        problems.append(f"503 body {response.body!r}")
    if response.headers.get("Retry-After") != "1":
        problems.append("503 without Retry-After: 1")
    return problems


def answer_of(response: Any) -> str:
    if response.status_code == 200 and (response.json_body or {}).get("duplicate"):
        return "200 duplicate"
    return str(response.status_code)


def retry_until_answered(send: Callable[[], Any], release: Callable[[], None], answers: list[str]) -> Any:
    """Send again with the same key, as a client does after a 503; after a 409 (the key
    still held by the first attempt), once more when its in-progress lease has run out."""
    response = send()
    answers.append(answer_of(response))
    if response.status_code == 409:
        release()
        response = send()
        answers.append(answer_of(response))
    return response


def release_key(operation: str, caller_id: str, key: str) -> None:
    """As if the invocation that took `key` had run out of time: its in-progress record's
    lease (Powertools' `in_progress_expiration`, the Lambda's remaining time) ends now."""
    import boto3

    from chalicelib.clock import utc_now
    from chalicelib.services.idempotency import _store

    store = _store()
    store.function_name = operation  # the key's prefix, as run_once sets it before each call
    record_id = store._get_hashed_idempotency_key({"caller": caller_id, "key": key})
    boto3.client("dynamodb").update_item(
        TableName=store.table_name,
        Key={store.key_attr: {"S": record_id}},
        UpdateExpression="SET #lease = :past",
        ExpressionAttributeNames={"#lease": store.in_progress_expiry_attr},
        ExpressionAttributeValues={":past": {"N": str(int(utc_now().timestamp() * 1000) - 1000)}},
    )


READS = ("Get", "BatchGet", "Query", "Head", "Describe", "List")


def chained(site: Site, fault: Fault, pending: Sequence[Fault]) -> bool:
    """Whether the next fault pending may meet the same request (or record) on its retry, as
    a flapping AWS would: after a throttle or a 5xx, which do nothing; but a write that timed
    out may have been carried out, so what follows it starts afresh (its trace is its own)."""
    if not pending:
        return False
    read = site.call.operation.startswith(READS)
    return read or ("timeout" not in (fault, pending[0]) and "connect_timeout" not in (fault, pending[0]))


def through_http(
    path: str,
    site: Site,
    faults: Sequence[Fault],
    start: Callable[[], tuple[Caller, str, Callable[[], Any]]],
    kept: Callable[[Caller], bool],
    operation: str,
) -> list[Case]:
    """The request `start()` prepares, sent with `site` failing: a 503 that kept nothing
    (`kept`) is retried with the next fault of its chain; then the client retries cleanly
    until answered."""
    cases: list[Case] = []
    pending = list(faults)
    while pending:
        caller, key, send = start()
        chain: list[Outcome] = []
        while True:
            outcome = Outcome(path, str(site), pending.pop(0))
            chain.append(outcome)
            cases.append(Case(outcome, caller))
            with inject_at(site, outcome.fault) as plan:
                response = send()
            outcome.first = answer_of(response) if plan.fired else "not reached"
            if response.status_code == 503:
                outcome.problems += unavailable_problems(response)
            if response.status_code != 503 or not chained(site, outcome.fault, pending) or kept(caller):
                break
        answers = [chain[-1].first]
        if response.status_code == 503:
            response = retry_until_answered(send, partial(release_key, operation, caller.citizen_id, key), answers)
            if response.status_code == 503:
                chain[-1].problems += unavailable_problems(response)
        for outcome in chain:
            outcome.then = " → ".join(answers[1:]) or "-"
            if response.status_code in {200, 201}:
                outcome.subject = response.json_body["tracking_id"]
            else:
                outcome.problems.append(f"never accepted: {response.status_code}")
    return cases


def react_to_hand_overs(rig: Rig) -> None:
    """Run the reactions requests handed over (services/dispatch.py) as the events consumer
    does. The announcements met on the queue are taken off it into `rig.announced`, where
    `announcements` counts them: received again and again, they would reach the queue's
    dead-letter queue."""
    from chalicelib.notify.messages import HANDED_OVER

    events = rig.consumers["fan_out_events"]
    while messages := events.receive():
        handed = [m for m in messages if json.loads(m["Body"]).get("kind") in HANDED_OVER]
        taken = [m for m in messages if m not in handed]
        if taken:
            rig.announced += [json.loads(m["Body"]) for m in taken]
            events.sqs.delete_message_batch(
                QueueUrl=events.url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(taken)],
            )
        if handed:
            events.handle(handed)  # their announcements join the queue, taken in turn


# --- filing a grievance ------------------------------------------------------------------------


def filing_sites(rig: Rig) -> list[Site]:
    rig.file(rig.new_citizen(), uuid.uuid4().hex, rig.grievance())  # warm: clients, queue URLs, caches
    react_to_hand_overs(rig)
    rig.consumers["route_grievances"].drain()
    caller = rig.new_citizen()  # the first grievance of its kind: not linked to an open one
    sites = sites_of(within(lambda: rig.file(caller, uuid.uuid4().hex, rig.grievance())))
    react_to_hand_overs(rig)
    rig.consumers["route_grievances"].drain()
    return sites


def stored_grievances(caller: Caller) -> list[str]:
    from chalicelib.models import grievances

    return [g.tracking_id for g in grievances.recent_for_citizen(caller.citizen_id, LONG_AGO)]


def file_through(rig: Rig, site: Site, faults: Sequence[Fault]) -> list[Case]:
    """POST /grievances with `site` failing, and the client's retries."""

    def start() -> tuple[Caller, str, Callable[[], Any]]:
        caller, key = rig.new_citizen(), uuid.uuid4().hex
        return caller, key, partial(rig.file, caller, key, rig.grievance())

    return through_http(FILING, site, faults, start, lambda caller: bool(stored_grievances(caller)), "file_grievance")


# --- routing it (the routing queue's consumer) ---------------------------------------------------


def routing_sites(rig: Rig) -> list[Site]:
    routing = rig.consumers["route_grievances"]
    routing.drain()
    rig.file(rig.new_citizen(), uuid.uuid4().hex, rig.grievance())
    react_to_hand_overs(rig)
    messages = routing.receive()
    return sites_of(lambda recording: routing.handle(messages, recording))


def route_through(rig: Rig, site: Site, faults: Sequence[Fault]) -> list[Case]:
    """A grievance filed cleanly, its routing record handled with `site` failing (a record
    that failed before the grievance moved meets the next fault of its chain on its
    redelivery); then SQS delivers it until it is done."""
    from chalicelib.domain.grievance import Status
    from chalicelib.models import grievances

    routing = rig.consumers["route_grievances"]
    cases: list[Case] = []
    pending = list(faults)
    while pending:
        routing.drain()  # only this case's record in the batch
        caller = rig.new_citizen()
        tracking_id = rig.file(caller, None, rig.grievance()).json_body["tracking_id"]
        react_to_hand_overs(rig)
        chain: list[Outcome] = []
        while True:
            outcome = Outcome(ROUTING, str(site), pending.pop(0), subject=tracking_id)
            chain.append(outcome)
            cases.append(Case(outcome, caller))
            plan = inject_at(site, outcome.fault)
            failed = routing.handle(routing.receive(), plan)
            outcome.first = ("record failed" if failed else "record done") if plan.fired else "not reached"
            if not failed or not chained(site, outcome.fault, pending):
                break
            current = grievances.get_grievance(tracking_id)
            if current is None or current.status is not Status.REGISTERED:
                break
        routing.drain()  # SQS delivers it again, AWS answering
        for outcome in chain:
            outcome.then = "redelivered: done" if chain[-1].first == "record failed" else "-"
    return cases


# --- recovery and the grievance audit ------------------------------------------------------------


def recover(rig: Rig, tracking_ids: set[str]) -> None:
    """AWS answers again: routing delivers what failed, the routing sweep re-queues what it
    finds still registered (of these grievances only: others are not this run's business),
    and the SLA events consumer starts deferred timers and writes deferred counts."""
    from chalicelib.clock import utc_now
    from chalicelib.models import grievances
    from chalicelib.services.route_grievance import ROUTING_GRACE
    from chalicelib.services.routing_requests import request_routing

    react_to_hand_overs(rig)
    rig.consumers["route_grievances"].drain()
    later = utc_now() + ROUTING_GRACE + timedelta(seconds=1)
    for tracking_id in set(grievances.awaiting_routing(filed_before=later)) & tracking_ids:
        request_routing(tracking_id)  # what the sweep does for it, five minutes on
    rig.consumers["route_grievances"].drain()
    rig.consumers["handle_sla_events"].drain()


def audit_grievances(rig: Rig, cases: list[Case]) -> None:
    """Once AWS answers again: each accepted grievance exists once, is routed once, has its
    SLA timer, and was announced filed and assigned once each."""
    from chalicelib.domain.events import GrievanceAssigned, GrievanceFiled

    subjects = {case.outcome.subject for case in cases if case.outcome.subject}
    recover(rig, subjects)
    announced = announcements(rig, subjects)
    for case in cases:
        tracking_id = case.outcome.subject
        if tracking_id and case.caller:
            case.outcome.problems += grievance_problems(case.caller, tracking_id)
            for event in (GrievanceFiled.name, GrievanceAssigned.name):
                if announced[tracking_id, event] != 1:
                    case.outcome.problems.append(f"{event!r} announced {announced[tracking_id, event]} times")


def announcements(rig: Rig, subjects: set[str]) -> Counter[tuple[str, str]]:
    """How often each event of these cases was announced on the events queue, taken off it
    (nobody fans them out here), once the reactions handed over have run; anything else on
    the queue is left as it was."""
    react_to_hand_overs(rig)
    events, counted = rig.consumers["fan_out_events"], Counter[tuple[str, str]]()
    counted.update(
        (body["tracking_id"], event["name"])
        for body in rig.announced
        if body.get("tracking_id") in subjects
        for event in body["events"]
    )
    rig.announced = [body for body in rig.announced if body.get("tracking_id") not in subjects]
    others = []
    while messages := events.receive():
        mine = []
        for message in messages:
            body = json.loads(message["Body"])
            if body.get("tracking_id") in subjects:
                counted.update((body["tracking_id"], event["name"]) for event in body["events"])
                mine.append(message)
            else:
                others.append(message)
        if mine:
            events.sqs.delete_message_batch(
                QueueUrl=events.url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(mine)],
            )
    for start in range(0, len(others), 10):
        events.sqs.change_message_visibility_batch(
            QueueUrl=events.url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for n, m in enumerate(others[start : start + 10])
            ],
        )
    return counted


def grievance_problems(caller: Caller, tracking_id: str) -> list[str]:
    """What is wrong with an accepted grievance once AWS answers again: it must exist once
    (its citizen filed nothing else), be routed once, and have its SLA timer."""
    from chalicelib.domain.events import GrievanceAssigned
    from chalicelib.models import audit_trail, grievances

    problems = []
    stored = {g.tracking_id: g for g in grievances.recent_for_citizen(caller.citizen_id, LONG_AGO)}
    if list(stored) != [tracking_id]:
        problems.append(f"stored {len(stored)} times" if tracking_id in stored else "lost")
    grievance = stored.get(tracking_id)
    if grievance is None:
        return problems
    routed = sum(1 for entry in audit_trail.history(tracking_id) if entry["event"] == GrievanceAssigned.name)
    if routed != 1:
        problems.append(f"routed {routed} times")
    if routed and not timer_exists(f"{tracking_id}-t{grievance.timer_seq}"):
        problems.append("no SLA timer")
    return problems


def timer_exists(name: str) -> bool:
    import boto3

    from chalicelib.aws import state_machine_arn
    from chalicelib.resource_names import StateMachine

    arn = state_machine_arn(StateMachine.SLA_TIMER).replace(":stateMachine:", ":execution:") + f":{name}"
    sfn = boto3.client("stepfunctions")
    try:
        sfn.describe_execution(executionArn=arn)
    except sfn.exceptions.ExecutionDoesNotExist:
        return False
    return True


# --- applying for a service ----------------------------------------------------------------------


def application_sites(rig: Rig) -> list[Site]:
    warm = rig.new_citizen()
    rig.apply(warm, uuid.uuid4().hex, rig.upload(warm))
    caller = rig.new_citizen()
    upload_id = rig.upload(caller)
    return sites_of(within(lambda: rig.apply(caller, uuid.uuid4().hex, upload_id)))


def stored_applications(caller: Caller) -> list[str]:
    from chalicelib.models import applications

    return [a.tracking_id for a in applications.citizen_applications(caller.citizen_id, limit=10, cursor=None).cases]


def apply_through(rig: Rig, site: Site, faults: Sequence[Fault]) -> list[Case]:
    """POST /applications (one document) with `site` failing, and the client's retries."""
    uploads: dict[str, str] = {}

    def start() -> tuple[Caller, str, Callable[[], Any]]:
        caller, key = rig.new_citizen(), uuid.uuid4().hex
        uploads[caller.citizen_id] = rig.upload(caller)
        return caller, key, partial(rig.apply, caller, key, uploads[caller.citizen_id])

    kept = lambda caller: bool(stored_applications(caller))  # noqa: E731
    cases = through_http(APPLYING, site, faults, start, kept, "apply_for_service")
    for case in cases:
        assert case.caller is not None
        case.upload_id = uploads[case.caller.citizen_id]
    return cases


def audit_applications(rig: Rig, cases: list[Case]) -> None:
    """Each accepted application exists once, its document is filed under it and nowhere
    else, and it was announced submitted once."""
    from chalicelib.domain.events import ApplicationSubmitted

    subjects = {case.outcome.subject for case in cases if case.outcome.subject}
    announced = announcements(rig, subjects)
    for case in cases:
        tracking_id = case.outcome.subject
        if tracking_id and case.caller and case.upload_id:
            case.outcome.problems += application_problems(case.caller, tracking_id, case.upload_id)
            if announced[tracking_id, ApplicationSubmitted.name] != 1:
                times = announced[tracking_id, ApplicationSubmitted.name]
                case.outcome.problems.append(f"{ApplicationSubmitted.name!r} announced {times} times")


def application_problems(caller: Caller, tracking_id: str, upload_id: str) -> list[str]:
    import boto3

    from chalicelib.aws import bucket_name
    from chalicelib.resource_names import Bucket

    problems = []
    stored = stored_applications(caller)
    if stored != [tracking_id]:
        problems.append(f"stored {len(stored)} times" if tracking_id in stored else "lost")
    s3, copies = boto3.client("s3"), []
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket_name(Bucket.DOCUMENTS), Prefix="applications/")
    for page in pages:
        copies += [item["Key"] for item in page.get("Contents", []) if item["Key"].endswith(f"/{upload_id}")]
    strays = [key for key in copies if not key.startswith(f"applications/{tracking_id}/")]
    if strays:
        problems.append("a copy of the document under no application")
    if len(copies) == len(strays):
        problems.append("the document was not filed under the application")
    return problems


# --- delivering an SMS and an email (the messages queue's consumer) ------------------------------


def queue_message(rig: Rig, channel: str) -> tuple[str, str, str]:
    """One message on the messages queue, as the fan-out queues it; returns its recipient,
    subject and dedupe key."""
    from chalicelib.notify.messages import OutboundMessage
    from chalicelib.notify.queue import enqueue_notification

    subject = f"fault-{uuid.uuid4().hex[:10]}"
    to = f"+9195{uuid.uuid4().int % 10**8:08d}" if channel == "sms" else f"{subject}@example.in"
    key = f"{subject}#1#citizen#{channel}"
    message = OutboundMessage(
        channel=channel,  # type: ignore[arg-type]
        to=to,
        text=f"Your grievance {subject} is registered.",
        title="Grievance registered" if channel == "email" else None,
        subject=subject,
        dedupe_key=key,
        template="grievance_filed",
        language="en",
    )
    enqueue_notification(message)
    return to, subject, key


def delivery_sites(rig: Rig, channel: str) -> list[Site]:
    delivery = rig.consumers["deliver_notifications"]
    delivery.drain()
    queue_message(rig, channel)
    messages = delivery.receive()
    return sites_of(lambda recording: delivery.handle(messages, recording))


def deliver_through(rig: Rig, site: Site, faults: Sequence[Fault], channel: str) -> list[Case]:
    """An SMS or an email delivered with `site` failing; SQS delivers it again until done;
    the audit: sent once, and logged as sent."""
    delivery = rig.consumers["deliver_notifications"]
    outcomes = []
    for fault in faults:
        delivery.drain()  # only this case's message in the batch
        to, subject, key = queue_message(rig, channel)
        outcome = Outcome(f"deliver_notifications (SQS): {channel}", str(site), fault, subject=subject)
        plan = inject_at(site, fault)
        failed = delivery.handle(delivery.receive(), plan)
        outcome.first = ("record failed" if failed else "record done") if plan.fired else "not reached"
        outcome.then = "redelivered: done" if failed else "-"
        delivery.drain()
        outcome.problems += delivery_problems(rig, to, subject, key)
        outcomes.append(Case(outcome))
    return outcomes


def delivery_problems(rig: Rig, to: str, subject: str, key: str) -> list[str]:
    from urllib.parse import quote

    from chalicelib.models.notification_log import NotificationLogEntry

    problems = []
    sent = rig.http.get("/dev/outbox?to=" + quote(to)).json_body["messages"]
    if len(sent) != 1:
        problems.append(f"sent {len(sent)} times")
    status = NotificationLogEntry.get(subject, key, consistent_read=True).status
    if status != "sent":
        problems.append(f"logged as {status!r}")
    return problems


# --- every path, and the table -------------------------------------------------------------------

Sites = Callable[[Rig], list[Site]]
Run = Callable[[Rig, Site, Sequence[Fault]], list[Case]]
Audit = Callable[[Rig, list[Case]], None]


def audited_already(rig: Rig, cases: list[Case]) -> None:
    """A message's audit is made as it is delivered."""


# Each path: how to find its call sites, how to run it with one of them failing, and how to
# audit every case once AWS answers again.
PATHS: dict[str, tuple[Sites, Run, Audit]] = {
    FILING: (filing_sites, file_through, audit_grievances),
    ROUTING: (routing_sites, route_through, audit_grievances),
    APPLYING: (application_sites, apply_through, audit_applications),
    "deliver_notifications (SQS): sms": (
        partial(delivery_sites, channel="sms"),
        partial(deliver_through, channel="sms"),
        audited_already,
    ),
    "deliver_notifications (SQS): email": (
        partial(delivery_sites, channel="email"),
        partial(deliver_through, channel="email"),
        audited_already,
    ),
}


def run_path(rig: Rig, path: str, faults: Sequence[Fault] = FAULTS) -> tuple[list[Site], list[Outcome]]:
    """Every call site of `path` under every fault, then recovery and the audit: the sites
    found, and the outcomes."""
    find_sites, run, audit = PATHS[path]
    sites = find_sites(rig)
    cases = [case for site in sites for case in run(rig, site, faults)]
    audit(rig, cases)
    return sites, [case.outcome for case in cases]


def print_table(outcomes: list[Outcome]) -> None:
    width = max(len(o.site) for o in outcomes)
    path = None
    for outcome in outcomes:
        if outcome.path != path:
            path = outcome.path
            print(f"\n{path}")
            print(f"  {'call site':{width}}  {'fault':11}  {'first answer':13}  {'in the end':22}  audit")
        audit = "; ".join(outcome.problems) or "ok"
        print(f"  {outcome.site:{width}}  {outcome.fault:11}  {outcome.first:13}  {outcome.then:22}  {audit}")


@contextmanager
def quiet(service: str) -> Iterator[None]:
    """The injected failures are logged as Lambda would log them: noise next to the table."""
    loggers = [logging.getLogger(name) for name in [service, *logging.root.manager.loggerDict]]
    loggers = [log for log in loggers if log.name == service or log.name.startswith(f"{service}.")]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)


def main() -> None:
    from chalice.test import Client

    from bench.aws_calls import seeded_local_app

    with seeded_local_app() as app, Client(app.app, stage_name="local") as client:
        from chalicelib.observability import logger

        rig, outcomes = Rig(client.http, app), []
        with quiet(logger.name):
            for path in PATHS:
                started = time.monotonic()
                outcomes += run_path(rig, path)[1]
                print(f"{path}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    print_table(outcomes)
    broken = [o for o in outcomes if o.problems]
    print(f"\n{len(outcomes)} cases (call site × fault); {len(broken)} with a problem after recovery")


if __name__ == "__main__":
    main()
