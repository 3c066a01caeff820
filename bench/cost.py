"""What 1,000,000 grievances cost in AWS at ap-south-1 (Mumbai) list prices, from counted
calls, next to what the stack costs idle for a month.

Starts an in-process moto server with the seeded demo state (bench/aws_calls.py), compresses
the SLA clock so that Step Functions timers really fire on moto, and walks `--grievances`
lifecycles of each kind through the real handlers and consumers:

  happy path   file -> route -> accept -> resolve -> the citizen's feedback closes it; the
               timers it started (SLA, auto-close) fire later on a grievance that has moved
               on, and their messages are consumed and ignored, as in AWS;
  escalated    file -> route -> untouched: the SLA timer warns, then breaches, the grievance
               climbs to the next level, whose owner accepts and resolves it, and the
               citizen's feedback closes it.

While they run it counts every AWS call (service:Operation, the consumers' and the timers'
included; a consumer's empty receive is left out: it belongs to the idle pollers), the API
requests (API Gateway requests and Lambda invocations: HTTP requests, SQS batches; the state
machine's tasks are direct SQS integrations, no Lambda), each invocation's wall time, SMS
(segments, from the text sent) and emails (recipients), topic publishes, and the state
transitions (StateEntered events of each execution's history on moto, checked against a
walk of the ASL). DynamoDB request units come from the sizes of the items each request
touched, read on the moto backend around it: writes at 1 WRU per KB of the larger of the item
before and after (2 in a transaction), reads at 1 RRU per 4 KB (half when eventually
consistent, 2 in a transaction; a Query or Scan pays for what it read before its filter), and
every global secondary index entry the write added, changed or removed.

The per-lifecycle figures are scaled to 1,000,000 grievances (a share of them escalated once,
`--escalated-share`) and priced, beside a few happy paths of a citizen who reads Odia (their
SMS in UCS-2); the idle month prices what the deployed stack holds when nobody files:
schedules (one warm run of each, counted), the SQS pollers, secrets, alarms, logs, storage.
Figures only; about 4 minutes here.

Run it with `.venv/bin/python bench/cost.py [--grievances 20] [--escalated-share 0.1]`.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import sys
import threading
import time
import urllib.parse
import uuid
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

# --- prices ----------------------------------------------------------------------------------

TAKEN = "2026-12-04"
HOURS_PER_MONTH = 730  # AWS's own month in its pricing examples
LAMBDA_MEMORY_MB = 512  # .chalice/config.json lambda_memory_size, every function


@dataclass(frozen=True)
class Price:
    """A list price: `usd` for `per` units of `unit`, and how it was taken (BASES)."""

    usd: float
    per: int
    unit: str
    source: str
    basis: str

    def of(self, units: float) -> float:
        return units * self.usd / self.per


BASES = {
    "list": "the same in every region, on the source page",
    "price list": "the ap-south-1 figure of the AWS Price List API (APS3-... usage types), as quoted "
    "from it on 2026-09-17 in a public repository; the source page is where to check it",
    "assumed": "the Mumbai figure could not be read at its source here: the best-known public list price",
}
PRICES: dict[str, Price] = {
    "api": Price(3.50, 10**6, "REST API request", "https://aws.amazon.com/api-gateway/pricing/", "assumed"),
    "lambda_requests": Price(0.20, 10**6, "request", "https://aws.amazon.com/lambda/pricing/", "price list"),
    "lambda_compute": Price(0.0000166667, 1, "GB-second, x86", "https://aws.amazon.com/lambda/pricing/", "assumed"),
    "wru": Price(0.71, 10**6, "write request unit", "https://aws.amazon.com/dynamodb/pricing/on-demand/", "price list"),
    "rru": Price(
        0.1425, 10**6, "read request unit", "https://aws.amazon.com/dynamodb/pricing/on-demand/", "price list"
    ),
    "sqs": Price(0.40, 10**6, "request (64 KB)", "https://aws.amazon.com/sqs/pricing/", "assumed"),
    "sfn": Price(0.0285, 1000, "state transition", "https://aws.amazon.com/step-functions/pricing/", "price list"),
    "sms": Price(0.00278, 1, "SMS segment to India", "https://aws.amazon.com/end-user-messaging/pricing/", "assumed"),
    "ses": Price(0.10, 1000, "email recipient", "https://aws.amazon.com/ses/pricing/", "assumed"),
    "sns_publish": Price(0.50, 10**6, "publish (64 KB)", "https://aws.amazon.com/sns/pricing/", "assumed"),
    "logs_ingested": Price(0.67, 1, "GB of logs ingested", "https://aws.amazon.com/cloudwatch/pricing/", "price list"),
    "metrics": Price(0.30, 1, "custom metric-month", "https://aws.amazon.com/cloudwatch/pricing/", "assumed"),
    "alarms": Price(0.10, 1, "standard alarm-month", "https://aws.amazon.com/cloudwatch/pricing/", "assumed"),
    "secrets": Price(0.40, 1, "secret-month", "https://aws.amazon.com/secrets-manager/pricing/", "list"),
    "secret_calls": Price(0.05, 10_000, "API call", "https://aws.amazon.com/secrets-manager/pricing/", "list"),
    "kms_requests": Price(0.03, 10_000, "KMS request", "https://aws.amazon.com/kms/pricing/", "price list"),
    "transfer_out": Price(
        0.1093, 1, "GB out to the internet", "https://aws.amazon.com/ec2/pricing/on-demand/", "price list"
    ),
    "dynamodb_storage": Price(
        0.285, 1, "GB-month, tables + GSIs", "https://aws.amazon.com/dynamodb/pricing/on-demand/", "price list"
    ),
    "pitr": Price(0.228, 1, "GB-month of PITR", "https://aws.amazon.com/dynamodb/pricing/on-demand/", "assumed"),
    "s3_storage": Price(0.025, 1, "GB-month, S3 Standard", "https://aws.amazon.com/s3/pricing/", "price list"),
    "cloudfront": Price(
        0.0120, 10_000, "HTTPS request, India", "https://aws.amazon.com/cloudfront/pricing/", "assumed"
    ),
    "schedules": Price(0.0, 1, "scheduled rule run", "https://aws.amazon.com/eventbridge/pricing/", "assumed"),
}
DLT_CAVEAT = (
    "SMS at this price takes India's local route: the entity, the sender ID (e.g. ODGRIV) and every "
    "template registered on a DLT portal; unregistered, it goes international (ILDO) at many times the price."
)

# Assumptions where nothing on moto can be counted.
ESM_POLLERS_PER_QUEUE = 5  # Lambda's SQS event-source mapping (on-demand mode) keeps ~5 long polls
ESM_WAIT_SECONDS = 20  # each a 20 s ReceiveMessage: 15 empty receives a minute per idle queue
PLATFORM_LOG_BYTES = 350  # Lambda's START, END and REPORT lines of each invocation
KMS_CACHE_SECONDS = 300  # DynamoDB reuses a table's key from KMS for 5 minutes
ITEM_OVERHEAD_BYTES = 100  # DynamoDB storage: per item, and per index entry
RESPONSE_HEADER_BYTES = 400  # an API answer's status line and headers, beyond its body

# --- arithmetic (tests/unit/test_cost_bench.py) ----------------------------------------------


def number_bytes(text: str) -> int:
    """A DynamoDB number's size: 1 byte per two significant digits, plus 1."""
    mantissa = text.lower().lstrip("+-").split("e", 1)[0]
    digits = mantissa.replace(".", "").strip("0")  # leading and trailing zeros are not stored
    return (max(len(digits), 1) + 1) // 2 + 1


def _binary_bytes(value: str | bytes) -> int:
    return len(value) if isinstance(value, bytes) else len(base64.b64decode(value))


def value_bytes(value: dict[str, Any]) -> int:
    """The size of one attribute value (DynamoDB JSON), as DynamoDB meters it: a list or map
    costs 3 bytes plus 1 a member."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return number_bytes(inner)
    if kind == "B":
        return _binary_bytes(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(member.encode()) for member in inner)
    if kind == "NS":
        return sum(number_bytes(member) for member in inner)
    if kind == "BS":
        return sum(_binary_bytes(member) for member in inner)
    if kind == "L":
        return 3 + sum(value_bytes(member) + 1 for member in inner)
    if kind == "M":
        return 3 + sum(len(name.encode()) + value_bytes(member) + 1 for name, member in inner.items())
    raise ValueError(f"not a DynamoDB attribute value: {value!r}")


def item_bytes(item: dict[str, Any] | None) -> int:
    """An item's size: each attribute's name and value."""
    return sum(len(name.encode()) + value_bytes(value) for name, value in (item or {}).items())


def write_units(size: int, *, transactional: bool = False) -> int:
    """WRUs of one item write: 1 per KB begun (1 at least), twice that in a transaction."""
    units = max(1, math.ceil(size / 1024))
    return 2 * units if transactional else units


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    """RRUs of one read of `size` bytes: 1 per 4 KB begun (1 at least), half when eventually
    consistent, twice when transactional."""
    blocks = max(1, math.ceil(size / 4096))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else blocks / 2


def index_write_units(before: dict[str, Any] | None, after: dict[str, Any] | None, keys: list[str]) -> int:
    """WRUs one table write costs one global secondary index projecting ALL attributes: an
    entry put, changed or removed costs a write of its size; a changed index key costs two
    (the old entry removed, the new one put); no entry before or after, or no change, none."""
    was = before is not None and all(key in before for key in keys)
    is_ = after is not None and all(key in after for key in keys)
    if was and is_:
        assert before is not None and after is not None
        if any(before[key] != after[key] for key in keys):
            return write_units(item_bytes(before)) + write_units(item_bytes(after))
        return write_units(item_bytes(after)) if before != after else 0
    if was:
        return write_units(item_bytes(before))
    if is_:
        return write_units(item_bytes(after))
    return 0


def billable_chunks(payload_bytes: int) -> int:
    """SQS and SNS bill a request per 64 KB of payload begun (1 at least)."""
    return max(1, math.ceil(payload_bytes / 65536))


def billed_gb_seconds(billed_ms: float, memory_mb: int = LAMBDA_MEMORY_MB) -> float:
    return billed_ms / 1000 * memory_mb / 1024


def runs_a_month(every_seconds: float) -> float:
    return HOURS_PER_MONTH * 3600 / every_seconds


def state_path(definition: dict[str, Any], execution_input: dict[str, Any]) -> list[str]:
    """The states an execution enters, walking the ASL for its input: Choice rules with
    `IsPresent` and `StringEquals` on a top-level `$.field` (all the timers' machine uses)."""
    entered, name = [], definition["StartAt"]
    while True:
        entered.append(name)
        state = definition["States"][name]
        if state["Type"] == "Choice":
            name = state["Default"]
            for rule in state["Choices"]:
                value = execution_input.get(rule["Variable"].removeprefix("$."))
                if ("IsPresent" in rule and (value is not None) == rule["IsPresent"]) or (
                    "StringEquals" in rule and value == rule["StringEquals"]
                ):
                    name = rule["Next"]
                    break
        elif state.get("End") or state["Type"] in ("Succeed", "Fail"):
            return entered
        else:
            name = state["Next"]


# --- counting --------------------------------------------------------------------------------

OWN_HEADER = "X-Cost-Bench-Own"  # marks the bench's own requests: the DynamoDB meter skips them
_local = threading.local()


@contextmanager
def own() -> Iterator[None]:
    """The bench's own AWS calls (setting up citizens, looking a grievance up, reading
    execution histories): not part of any lifecycle."""
    was, _local.own = getattr(_local, "own", False), True
    try:
        yield
    finally:
        _local.own = was


def request_params(request_dict: dict[str, Any]) -> dict[str, Any]:
    """A botocore request's parameters, whatever its protocol (query: a dict or form; JSON)."""
    body = request_dict.get("body")
    if isinstance(body, dict):
        return body
    text = body.decode() if isinstance(body, bytes) else str(body or "")
    try:
        parsed = json.loads(text)
        return parsed if isinstance(parsed, dict) else {}
    except ValueError:
        return {key: values[0] for key, values in urllib.parse.parse_qs(text).items()}


@dataclass
class Meter:
    """What a stretch of running cost, counted; `calls` is count_aws_calls's counter."""

    calls: Counter[str] = field(default_factory=Counter)
    api_requests: int = 0
    invocations: Counter[str] = field(default_factory=Counter)
    billed_ms: Counter[str] = field(default_factory=Counter)
    cpu_ms: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    records: Counter[str] = field(default_factory=Counter)
    sqs_requests: int = 0
    topic_requests: int = 0
    sms: int = 0
    sms_segments: int = 0
    emails: int = 0
    read_units: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))  # by table
    write_units: Counter[str] = field(default_factory=Counter)
    index_write_units: Counter[str] = field(default_factory=Counter)
    item_writes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (table, operation): items
    transitions: int = 0
    transitions_by_asl: int = 0
    task_failures: int = 0  # on moto: a task that failed and was retried
    task_calls: Counter[str] = field(default_factory=Counter)  # made by moto's state-machine tasks
    executions: int = 0
    log_bytes: int = 0
    response_bytes: int = 0  # API answers, out to the internet
    outbox: tuple[int, int] = (0, 0)  # SMS and email recipients moto's outbox gained
    metrics: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note_call(self, operation_model: Any, request_dict: dict[str, Any]) -> str | None:
        """count_aws_calls's key: counts the call and what it bills beyond a call."""
        if getattr(_local, "own", False):
            request_dict.setdefault("headers", {})[OWN_HEADER] = "1"
            return None
        name = f"{operation_model.service_model.endpoint_prefix}:{operation_model.name}"
        if name == "sqs:ReceiveMessage":
            return None  # a consumer's non-empty receive is counted with its batch
        params = request_params(request_dict)
        with self.lock:
            if threading.current_thread() is not threading.main_thread():
                self.task_calls[name] += 1  # moto runs the timers' tasks in threads of its own
            if name.startswith("sqs:"):
                payload = 0
                for entry in params.get("Entries", [params]):
                    payload += len(str(entry.get("MessageBody", "")).encode())
                    payload += len(json.dumps(entry.get("MessageAttributes", {})).encode())
                self.sqs_requests += billable_chunks(payload)
            elif name == "sns:Publish" and params.get("PhoneNumber"):
                from chalicelib.notify.segments import sms_size

                self.sms += 1
                self.sms_segments += sms_size(str(params.get("Message", ""))).segments
            elif name == "sns:Publish":
                self.topic_requests += billable_chunks(len(str(params.get("Message", "")).encode()))
            elif name in ("email:SendEmail", "ses:SendEmail", "ses:SendRawEmail"):
                destination = params.get("Destination") or {}
                recipients = sum(
                    len(destination.get(kind, [])) for kind in ("ToAddresses", "CcAddresses", "BccAddresses")
                )
                self.emails += max(recipients, 1)
        return name

    def invoked(self, function: str, wall_ms: float, cpu_ms: float, records: int = 0) -> None:
        with self.lock:
            self.invocations[function] += 1
            self.billed_ms[function] += math.ceil(wall_ms)
            self.cpu_ms[function] += cpu_ms
            self.records[function] += records


_active: Meter | None = None


@contextmanager
def metering(meter: Meter) -> Iterator[Meter]:
    """Count into `meter` everything this process sends to AWS meanwhile: the app's calls,
    the consumers' and moto's state-machine tasks' (other threads), DynamoDB's units."""
    from bench.aws_calls import count_aws_calls

    global _active
    _active = meter
    try:
        with count_aws_calls(meter.note_call) as calls:
            meter.calls = calls
            yield meter
    finally:
        _active = None


# DynamoDB request units, metered where the request is served: the moto backend in this
# process, before and after each request (moto serves DynamoDB one request at a time).
_scanned = threading.local()


def _item_json(item: Any) -> dict[str, Any] | None:
    return None if item is None else dict(item.to_json()["Attributes"])


def _current(backend: Any, table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    return _item_json(backend.get_item(table_name, key))


def _key_of(table: Any, item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in (table.hash_key_attr, table.range_key_attr) if name}


def _writes_of(handler: Any, action: str) -> list[tuple[str, dict[str, Any]]]:
    """(table, key) of every item the write request names."""
    body, backend = handler.body, handler.dynamodb_backend
    if action == "put_item":
        return [(body["TableName"], _key_of(backend.get_table(body["TableName"]), body["Item"]))]
    if action in ("update_item", "delete_item"):
        return [(body["TableName"], body["Key"])]
    if action == "batch_write_item":
        found = []
        for table_name, requests in body["RequestItems"].items():
            table = backend.get_table(table_name)
            for request in requests:
                if "PutRequest" in request:
                    found.append((table_name, _key_of(table, request["PutRequest"]["Item"])))
                else:
                    found.append((table_name, request["DeleteRequest"]["Key"]))
        return found
    found = []  # transact_write_items
    for operation in body["TransactItems"]:
        ((kind, detail),) = operation.items()
        table_name = detail["TableName"]
        key = _key_of(backend.get_table(table_name), detail["Item"]) if kind == "Put" else detail["Key"]
        found.append((table_name, key))
    return found


def _meter_write(handler: Any, action: str, serve: Callable[[], Any]) -> Any:
    backend = handler.dynamodb_backend
    names = _writes_of(handler, action)
    before = [_current(backend, table, key) for table, key in names]
    try:
        return serve()
    finally:
        meter = _active
        if meter is not None:
            transactional = action == "transact_write_items"
            with meter.lock:
                for (table_name, key), old in zip(names, before, strict=True):
                    new = _current(backend, table_name, key)
                    meter.write_units[table_name] += write_units(
                        max(item_bytes(old), item_bytes(new)), transactional=transactional
                    )
                    meter.item_writes[table_name, action] += 1
                    for index in backend.get_table(table_name).global_indexes:
                        keys = [part["AttributeName"] for part in index.schema]
                        meter.index_write_units[table_name] += index_write_units(old, new, keys)


def _meter_read(handler: Any, action: str, serve: Callable[[], Any]) -> Any:
    body, backend = handler.body, handler.dynamodb_backend
    _scanned.bytes = 0
    answer = serve()
    meter = _active
    if meter is None:
        return answer
    units: list[tuple[str, float]] = []
    if action == "get_item":
        size = item_bytes(_current(backend, body["TableName"], body["Key"]))
        units.append((body["TableName"], read_units(size, consistent=bool(body.get("ConsistentRead")))))
    elif action == "batch_get_item":
        for table_name, request in body["RequestItems"].items():
            for key in request["Keys"]:
                size = item_bytes(_current(backend, table_name, key))
                units.append((table_name, read_units(size, consistent=bool(request.get("ConsistentRead")))))
    elif action == "transact_get_items":
        for operation in body["TransactItems"]:
            get = operation["Get"]
            size = item_bytes(_current(backend, get["TableName"], get["Key"]))
            units.append((get["TableName"], read_units(size, consistent=True, transactional=True)))
    else:  # query, scan: what was read before the filter, one rounding a request
        consistent = bool(body.get("ConsistentRead")) and not body.get("IndexName")
        units.append((body["TableName"], read_units(_scanned.bytes, consistent=consistent)))
    with meter.lock:
        for table_name, amount in units:
            meter.read_units[table_name] += amount
    return answer


def leave_out_the_webhook_receiver() -> None:
    """The local stand-in for a department's server reads the department's webhook from the
    catalogue to check each delivery's signature: the department's cost, not AWS's."""
    from infra.webhook_receiver import WebhookReceiver

    receive = WebhookReceiver.receive

    def receive_as_the_department(self: WebhookReceiver, *args: Any, **kwargs: Any) -> int:
        with own():
            return receive(self, *args, **kwargs)

    WebhookReceiver.receive = receive_as_the_department  # type: ignore[method-assign]


def install_dynamodb_meter() -> None:
    """Wrap moto's DynamoDB request handlers (and its Query and Scan, to see what they read
    before filtering) in this process; requests marked as the bench's own are not metered."""
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler, "_cost_metered", False):
        return
    writes = ("put_item", "update_item", "delete_item", "batch_write_item", "transact_write_items")
    reads = ("get_item", "batch_get_item", "transact_get_items", "query", "scan")
    for action in writes + reads:
        served = getattr(DynamoHandler, action)
        meter_it = _meter_write if action in writes else _meter_read

        def metered(self: Any, served: Any = served, action: str = action, meter_it: Any = meter_it) -> Any:
            if _active is None or self.headers.get(OWN_HEADER):
                return served(self)
            return meter_it(self, action, lambda: served(self))

        setattr(DynamoHandler, action, metered)

    for method, projection in (("query", "projection_expressions"), ("scan", "projection_expression")):
        original = getattr(Table, method)

        def reading(
            self: Any, *args: Any, original: Any = original, projection: str = projection, **kwargs: Any
        ) -> Any:
            import inspect

            bound = inspect.signature(original).bind(self, *args, **kwargs)
            bound.apply_defaults()
            filter_expression = bound.arguments.get("filter_expression")
            projected = bound.arguments.get(projection)
            bound.arguments["filter_expression"] = None
            bound.arguments[projection] = None
            results, scanned, last_key = original(*bound.args, **bound.kwargs)
            _scanned.bytes = getattr(_scanned, "bytes", 0) + sum(item_bytes(_item_json(r)) for r in results)
            if filter_expression is not None:
                results = [r for r in results if filter_expression.expr(r)]
            if projected:
                results = [r.project(projected) for r in results]
            return results, scanned, last_key

        setattr(Table, method, reading)
    DynamoHandler._cost_metered = True  # type: ignore[attr-defined]


class LogSink:
    """Stands in for the functions' stdout: counts the bytes CloudWatch Logs would ingest and
    collects the EMF metrics (namespace, name, dimensions) among them."""

    def __init__(self) -> None:
        self.pending = ""

    def write(self, text: str) -> int:
        meter = _active
        if meter is not None:
            with meter.lock:
                meter.log_bytes += len(text.encode())
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if meter is not None and line.startswith('{"_aws"'):
                self._metrics(meter, json.loads(line))
        return len(text)

    @staticmethod
    def _metrics(meter: Meter, document: dict[str, Any]) -> None:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for dimensions in directive["Dimensions"] or [[]]:
                dimension = ",".join(f"{d}={document.get(d)}" for d in dimensions)
                for metric in directive["Metrics"]:
                    meter.metrics.add(f"{directive['Namespace']}/{metric['Name']}[{dimension}]")

    def flush(self) -> None:
        pass


# --- the lifecycles --------------------------------------------------------------------------

CONSUMERS = ("route_grievances", "handle_sla_events", "fan_out_events", "deliver_notifications", "deliver_webhooks")
DISTRICT, CATEGORY = "PURI", "ROADS_POTHOLE"  # 168 SLA hours at every level; seeded officers
# The compressed clock: wall seconds per SLA hour. 168 h warns 13.4 s after routing and
# breaches at 16.8 s; a resolved grievance's auto-close (7 days) fires 16.8 s on.
SLA_SECONDS_PER_HOUR = 0.1
IN_FLIGHT = 6  # escalations awaited at once: each is closed before its next level warns


class Rig:
    """The API (chalice.test.Client), the consumers run by hand as Lambda's event-source
    mappings would be, and the people who act."""

    def __init__(self, http: Any, app_module: Any) -> None:
        from bench.aws_calls import Consumers

        self.http = http
        with own():
            self.consumers = Consumers(app_module)
        for name, subscription in list(self.consumers.subscriptions.items()):
            self.consumers.subscriptions[name] = replace(subscription, handler=self._timed(name, subscription.handler))
        self.tokens: dict[str, str] = {}
        self.tracking_ids: list[str] = []
        self.serial = iter(range(1, 10**9))

    @staticmethod
    def _timed(name: str, handler: Callable[[dict[str, Any], Any], Any]) -> Callable[[dict[str, Any], Any], Any]:
        def invoke(event: dict[str, Any], context: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return handler(event, context)
            finally:
                meter = _active
                if meter is not None:
                    records = event["Records"]
                    meter.invoked(
                        name, (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, len(records)
                    )
                    with meter.lock:
                        meter.calls["sqs:ReceiveMessage"] += 1  # the receive that brought the batch
                        meter.sqs_requests += billable_chunks(sum(len(r["body"].encode()) for r in records))

        return invoke

    def api(self, method: str, path: str, token: str, body: dict[str, Any], **headers: str) -> Any:
        """One request through API Gateway to the API's Lambda."""
        send = getattr(self.http, method)
        wall, cpu = time.perf_counter(), time.thread_time()
        response = send(
            path,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers},
            body=json.dumps(body),
        )
        meter = _active
        if meter is not None:
            meter.invoked("api_handler", (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000)
            meter.api_requests += 1
            meter.response_bytes += len(response.body or b"") + RESPONSE_HEADER_BYTES
        if response.status_code >= 300:
            raise RuntimeError(f"{method.upper()} {path}: {response.status_code} {response.body!r}")
        return response.json_body

    def pump(self) -> int:
        """Every consumer, batch by batch, until a round finds nothing; returns records handled."""
        handled = 0
        while True:
            found = sum(self.consumers.poll(name) for name in CONSUMERS)
            if not found:
                return handled
            handled += found

    def citizen_token(self, language: str) -> str:
        """A new citizen reading `language`, logged in."""
        from bench.aws_calls import direct_citizen
        from chalicelib.clock import utc_now
        from chalicelib.models import citizens

        tag = f"cost-{uuid.uuid4().hex[:10]}"
        mobile = f"+9194{uuid.uuid4().int % 10**8:08d}"
        with own():
            citizen_id, token = direct_citizen(tag, mobile=mobile, district=DISTRICT, pincode="752001")
            if language != "en":
                citizen = citizens.get_citizen(citizen_id)
                assert citizen is not None
                citizens.update_citizen(citizen_id, citizen.version, {"language": language}, utc_now())
        return token

    def officer_token(self, officer_id: str) -> str:
        if officer_id not in self.tokens:
            from chalicelib.clock import utc_now
            from chalicelib.domain.identity import Principal, Role
            from chalicelib.services.demo_state import list_demo_accounts
            from chalicelib.services.sessions import start_session

            with own():
                account = next(a for a in list_demo_accounts() if a.officer_id == officer_id)
                principal = Principal(account.officer_id, Role(account.role), account.department, account.district)
                self.tokens[officer_id] = start_session(principal, utc_now()).access_token
        return self.tokens[officer_id]

    def grievance(self, tracking_id: str) -> Any:
        from chalicelib.models import grievances

        with own():
            return grievances.get_grievance(tracking_id)

    def file(self, language: str = "en") -> tuple[str, str]:
        """A fresh citizen files (no earlier grievance to be linked to) and it is routed."""
        citizen = self.citizen_token(language)
        body = {
            "category": CATEGORY,
            "description": "The street light outside our house has not worked for a week.",
            "location": {"district": DISTRICT, "ward": f"W-{next(self.serial)}"},
        }
        filed = self.api("post", "/grievances", citizen, body, **{"Idempotency-Key": uuid.uuid4().hex})
        self.pump()
        self.tracking_ids.append(filed["tracking_id"])
        return filed["tracking_id"], citizen

    def close(self, tracking_id: str, citizen: str) -> None:
        """The owner accepts and resolves it; the citizen's rating closes it."""
        owner = self.officer_token(self.grievance(tracking_id).assignee_id)
        for step in ({"action": "accept"}, {"action": "resolve", "note": "The lamp is replaced."}):
            self.api("post", f"/grievances/{tracking_id}/actions", owner, step)
            self.pump()
        self.api("post", f"/grievances/{tracking_id}/feedback", citizen, {"rating": 5})
        self.pump()

    def happy_paths(self, count: int, language: str = "en") -> list[str]:
        filed = []
        for _ in range(count):
            tracking_id, citizen = self.file(language)
            self.close(tracking_id, citizen)
            filed.append(tracking_id)
        return filed

    def escalated_paths(self, count: int, deadline: float) -> list[str]:
        """Filed and left alone until the SLA timer escalates them; each is then closed at
        once, before its next level's timer warns (checked: escalated exactly once)."""
        filed: list[str] = []
        waiting: dict[str, str] = {}
        while waiting or len(filed) < count:
            if len(filed) < count and len(waiting) < IN_FLIGHT:
                tracking_id, citizen = self.file()
                filed.append(tracking_id)
                waiting[tracking_id] = citizen
            else:
                time.sleep(0.05)
            self.pump()
            for tracking_id, citizen in list(waiting.items()):
                grievance = self.grievance(tracking_id)
                warned = grievance.last_timer_event == f"{grievance.timer_seq}:sla_warning"
                if grievance.level > 1 or (grievance.level == 1 and warned):
                    raise SystemExit(f"{tracking_id} was left too long at level 1: the bench acted too late")
                if grievance.level == 1:
                    self.close(tracking_id, citizen)
                    del waiting[tracking_id]
            if time.monotonic() > deadline:
                raise SystemExit(f"{len(waiting)} grievances not escalated in time: {sorted(waiting)}")
        return filed

    def executions(self, tracking_ids: list[str]) -> list[dict[str, Any]]:
        import boto3

        from chalicelib.aws import state_machine_arn
        from chalicelib.resource_names import StateMachine

        prefixes = tuple(f"{tracking_id}-t" for tracking_id in tracking_ids)
        with own():
            sfn = boto3.client("stepfunctions")
            pages = sfn.get_paginator("list_executions").paginate(
                stateMachineArn=state_machine_arn(StateMachine.SLA_TIMER)
            )
            return [e for page in pages for e in page["executions"] if e["name"].startswith(prefixes)]

    def let_timers_run(self, tracking_ids: list[str], meter: Meter, deadline: float) -> None:
        """Consume until every timer these grievances started has ended and its messages
        are handled; then count the executions' state transitions (moto's history, and the
        ASL walked for each execution's input)."""
        import boto3

        while True:
            self.pump()
            executions = self.executions(tracking_ids)
            if all(e["status"] != "RUNNING" for e in executions):
                time.sleep(0.3)  # a last task's message may still be on its way
                if not self.pump():
                    break
            if time.monotonic() > deadline:
                raise SystemExit("timers still running at the deadline")
            time.sleep(0.05)
        definition = json.loads((REPO_ROOT / "chalicelib/workflows/sla_timer.asl.json").read_text())
        with own():
            sfn = boto3.client("stepfunctions")
            for execution in executions:
                arn = execution["executionArn"]
                history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
                execution_input = json.loads(sfn.describe_execution(executionArn=arn)["input"])
                meter.transitions += sum(1 for event in history if event["type"].endswith("StateEntered"))
                meter.task_failures += sum(1 for event in history if event["type"] == "TaskFailed")
                meter.transitions_by_asl += len(state_path(definition, execution_input))
                meter.executions += 1


def stored_bytes() -> tuple[int, int]:
    """(table bytes, index bytes) the moto backend holds, as DynamoDB meters storage: each
    item and each index entry (ALL projected) with 100 bytes of overhead."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    tables = indexes = 0
    for table in dynamodb_backends[DEFAULT_ACCOUNT_ID][os.environ["AWS_DEFAULT_REGION"]].tables.values():
        index_keys = [[part["AttributeName"] for part in index.schema] for index in table.global_indexes]
        for item in table.all_items():
            attributes = _item_json(item) or {}
            size = item_bytes(attributes) + ITEM_OVERHEAD_BYTES
            tables += size
            indexes += sum(size for keys in index_keys if all(key in attributes for key in keys))
    return tables, indexes


@dataclass
class Lifecycle:
    name: str
    count: int
    meter: Meter
    stored: int  # table and index bytes left behind

    def per(self, value: float) -> float:
        return value / self.count


def outbox() -> tuple[int, int]:
    """SMS and email recipients moto has taken so far (what was actually sent)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    region = os.environ["AWS_DEFAULT_REGION"]
    sms = len(sns_backends[DEFAULT_ACCOUNT_ID][region].sms_messages)
    return sms, ses_backends[DEFAULT_ACCOUNT_ID][region].sent_message_count


def measure(rig: Rig, name: str, count: int, run: Callable[[], list[str]]) -> Lifecycle:
    stored_before, sent_before = sum(stored_bytes()), outbox()
    meter = Meter()
    started = time.monotonic()
    with metering(meter):
        tracking_ids = run()
        rig.let_timers_run(tracking_ids, meter, started + 300)
    sent = outbox()
    meter.outbox = (sent[0] - sent_before[0], sent[1] - sent_before[1])
    print(f"{name}: {count} lifecycles in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return Lifecycle(name, count, meter, sum(stored_bytes()) - stored_before)


# --- pricing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    service: str
    units: float
    price: str  # a key of PRICES

    @property
    def usd(self) -> float:
        return PRICES[self.price].of(self.units)


def lifecycle_lines(cycle: Lifecycle) -> list[Line]:
    """Per grievance of this lifecycle."""
    m, per = cycle.meter, cycle.per
    invocations = sum(m.invocations.values())
    return [
        Line("API Gateway (REST) requests", per(m.api_requests), "api"),
        Line("Lambda requests", per(invocations), "lambda_requests"),
        Line("Lambda compute (512 MB)", per(billed_gb_seconds(sum(m.billed_ms.values()))), "lambda_compute"),
        Line("DynamoDB writes, tables", per(sum(m.write_units.values())), "wru"),
        Line("DynamoDB writes, GSI entries", per(sum(m.index_write_units.values())), "wru"),
        Line("DynamoDB reads", per(sum(m.read_units.values())), "rru"),
        Line("SQS requests", per(m.sqs_requests), "sqs"),
        Line("Step Functions transitions", per(m.transitions), "sfn"),
        Line("SNS SMS to India (segments)", per(m.sms_segments), "sms"),
        Line("SES emails", per(m.emails), "ses"),
        Line("SNS topic publishes", per(m.topic_requests), "sns_publish"),
        Line(
            "CloudWatch Logs ingested (GB)",
            per((m.log_bytes + invocations * PLATFORM_LOG_BYTES) / 1e9),
            "logs_ingested",
        ),
        Line("Data transfer out: API answers (GB)", per(m.response_bytes / 1e9), "transfer_out"),
    ]


def blend(cycles: list[Lifecycle], shares: list[float], grievances: int) -> list[Line]:
    by_cycle = [lifecycle_lines(cycle) for cycle in cycles]
    return [
        Line(
            lines[0].service,
            grievances * sum(share * cl[i].units for share, cl in zip(shares, by_cycle, strict=True)),
            lines[0].price,
        )
        for i, lines in enumerate(zip(*by_cycle, strict=True))
    ]


# --- the idle month --------------------------------------------------------------------------


IdleRow = tuple[str, str, float, str | None]  # what, how many, units, a key of PRICES (None: no fee)


def idle_lines(app_module: Any) -> tuple[list[IdleRow], list[str]]:
    """What the deployed stack costs a month with nobody filing: (what, how many, units,
    price key) rows, and the scheduled handlers' measured runs."""
    from infra.package import alarms, load_stage, secrets_readable_by
    from infra.provision import load_template
    from infra.schedules import ScheduleRunner, schedules_of
    from infra.sqs_poller import subscriptions_of

    template = load_template()["Resources"]
    rows: list[IdleRow] = []
    notes = []
    runner = ScheduleRunner([], os.environ["AWS_DEFAULT_REGION"])
    for schedule in schedules_of(app_module):
        runner.run_once(schedule)  # warm: clients, the calendar
        meter = Meter()
        with metering(meter):
            wall, cpu = time.perf_counter(), time.thread_time()
            runner.run_once(schedule)
            meter.invoked(schedule.name, (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000)
        runs = runs_a_month(schedule.every_seconds)
        secrets = len(secrets_readable_by(schedule.name))
        every = f"every {schedule.every_seconds / 60:g} min" if schedule.every_seconds < 86400 else "daily"
        notes.append(
            f"  {schedule.name} ({every}, {runs:,.0f} runs): one warm run {sum(meter.billed_ms.values())} ms, "
            f"{dict(sorted(meter.calls.items()))}, {sum(meter.read_units.values()):g} RRU, "
            f"{sum(meter.write_units.values()) + sum(meter.index_write_units.values())} WRU"
        )
        log_bytes = meter.log_bytes + PLATFORM_LOG_BYTES
        ms, rru = sum(meter.billed_ms.values()), sum(meter.read_units.values())
        wru = sum(meter.write_units.values()) + sum(meter.index_write_units.values())
        each = [
            ("EventBridge schedule", "runs", 1, "schedules"),
            ("Lambda requests", "invocations", 1, "lambda_requests"),
            ("Lambda compute", f"x {ms} ms", billed_gb_seconds(ms), "lambda_compute"),
            ("DynamoDB reads", f"x {rru:g} RRU", rru, "rru"),
            ("DynamoDB writes", f"x {wru} WRU", wru, "wru"),
            ("secrets read (were every run cold)", f"x {secrets}", secrets, "secret_calls"),
            ("logs ingested (GB)", f"x {log_bytes:,} B", log_bytes / 1e9, "logs_ingested"),
        ]
        rows += [
            (f"{schedule.name}: {what}", f"{runs:,.0f} {how}", runs * units, key)
            for what, how, units, key in each
            if units
        ]
        if schedule.every_seconds <= KMS_CACHE_SECONDS:
            rows.append((f"{schedule.name}: KMS (aws/dynamodb key, per 5 min)", f"{runs:,.0f}", runs, "kms_requests"))
    queues = len(subscriptions_of(app_module))
    receives = queues * ESM_POLLERS_PER_QUEUE * runs_a_month(ESM_WAIT_SECONDS)
    rows.append(
        (
            f"SQS pollers: {queues} queues x {ESM_POLLERS_PER_QUEUE} long polls (assumed)",
            f"{receives:,.0f} empty receives",
            receives,
            "sqs",
        )
    )
    kept = [k for k, v in template.items() if v["Type"] == "AWS::SecretsManager::Secret"]
    rows.append((f"Secrets Manager: {len(kept)} secrets", f"{len(kept)}", len(kept), "secrets"))
    found_alarms = [
        k for k, v in alarms(load_stage("odisha"), template).items() if v["Type"] == "AWS::CloudWatch::Alarm"
    ]
    rows.append((f"CloudWatch alarms ({len(found_alarms)})", f"{len(found_alarms)}", len(found_alarms), "alarms"))
    tables, indexes = stored_bytes()
    rows.append(
        (
            "DynamoDB storage: seeded catalogue and staff",
            f"{(tables + indexes) / 1e6:.2f} MB",
            (tables + indexes) / 1e9,
            "dynamodb_storage",
        )
    )
    with_pitr = sum(1 for v in template.values() if v["Type"] == "AWS::DynamoDB::Table")
    rows.append((f"DynamoDB PITR ({with_pitr} tables)", f"{tables / 1e6:.2f} MB", tables / 1e9, "pitr"))
    portal = sum(p.stat().st_size for p in (REPO_ROOT / "web").rglob("*") if p.is_file())
    rows.append(("S3: the portal bundle (documents: empty)", f"{portal / 1e3:.0f} kB", portal / 1e9, "s3_storage"))
    rows.append(("CloudFront: the portal, nobody visiting", "0 requests", 0, "cloudfront"))
    for what in (
        "API Gateway, Step Functions, SNS topics (3), SES identity: no fee",
        "KMS: AWS-managed keys, no key fee",
    ):
        rows.append((what, "-", 0, None))
    return rows, notes


# --- printing --------------------------------------------------------------------------------


def usd(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 or value == 0 else f"${value:,.4f}"


def print_prices() -> None:
    print(f"prices: ap-south-1 (Mumbai) on-demand list prices in USD, taken {TAKEN}; free tiers not deducted")
    print(f"  {'':16} {'price':>12}  {'per':30} {'basis':10}  source")
    for key, price in PRICES.items():
        print(f"  {key:16} {price.usd:>12g}  {f'{price.per:,} {price.unit}':30} {price.basis:10}  {price.source}")
    for basis, meaning in BASES.items():
        print(f"  {basis}: {meaning}")
    print(f"  sms: transactional. {DLT_CAVEAT}")


def print_lifecycle(cycle: Lifecycle) -> None:
    m, per = cycle.meter, cycle.per
    print(f"\n{cycle.name}: per lifecycle (mean of {cycle.count})")
    calls = [f"{op} {per(n):.3g}" for op, n in sorted(m.calls.items())]
    print(f"  AWS calls:      {per(sum(m.calls.values())):.4g}: " + ", ".join(calls[:4]))
    for start in range(4, len(calls), 4):
        print("                  " + ", ".join(calls[start : start + 4]))
    print(f"  API requests:   {per(m.api_requests):g} through API Gateway; Lambda invocations, mean wall / CPU ms:")
    for function, n in sorted(m.invocations.items()):
        records = f", {m.records[function] / n:.2f} records a batch" if m.records[function] else ""
        print(
            f"    {function:24} {per(n):5.2f}  {m.billed_ms[function] / n:7.1f} / "
            f"{m.cpu_ms[function] / n:6.1f} ms{records}"
        )
    print("    state-machine tasks: 0 (direct sqs:sendMessage integrations, no Lambda)")
    print(
        f"  timers:         {per(m.executions):g} executions, {per(m.transitions):g} state transitions "
        f"(StateEntered events on moto; the ASL walked for each input: {per(m.transitions_by_asl):g}); "
        f"{m.task_failures} failed tasks retried"
    )
    print(
        "                  their tasks' calls: "
        + ", ".join(f"{op} {per(n):g}" for op, n in sorted(m.task_calls.items()))
    )
    print(
        f"  messages:       {per(m.sms):g} SMS ({per(m.sms_segments):g} segments), {per(m.emails):g} emails, "
        f"{per(m.topic_requests):g} topic publishes (moto's outbox: {per(m.outbox[0]):g} SMS, "
        f"{per(m.outbox[1]):g} emails)"
    )
    print("  DynamoDB:       RRU  WRU table  WRU GSI  items written, by operation")
    for table in sorted(set(m.read_units) | set(m.write_units)):
        writes = ", ".join(f"{op} {per(n):.3g}" for (name, op), n in sorted(m.item_writes.items()) if name == table)
        print(
            f"    {table.removeprefix('crm-local-'):13} {per(m.read_units[table]):5.1f}  "
            f"{per(m.write_units[table]):9.1f}  {per(m.index_write_units[table]):7.1f}  {writes}"
        )
    print(
        f"  logs:           {per(m.log_bytes) / 1e3:.1f} kB from the app "
        f"(+{PLATFORM_LOG_BYTES} B of Lambda's own a invocation)"
    )
    print(
        f"  stored:         {per(cycle.stored) / 1e3:.1f} kB left in tables and indexes "
        "(a citizen and their session included)"
    )


def amount(units: float) -> str:
    return f"{units:,.0f}" if units >= 1000 else f"{units:,.1f}"


def print_million(cycles: list[Lifecycle], shares: list[float], grievances: int, odia: Lifecycle) -> None:
    lines = blend(cycles, shares, grievances)
    mix = " + ".join(f"{share:.0%} {cycle.name}" for cycle, share in zip(cycles, shares, strict=True))
    print(f"\n{grievances:,} grievances through a full lifecycle ({mix}), ap-south-1 list prices")
    print(f"  {'service':36} {'units':>14} {'unit price':>12}  {'cost':>11}")
    for line in lines:
        price = PRICES[line.price]
        print(f"  {line.service:36} {amount(line.units):>14} {price.usd / price.per:>12.8f}  {usd(line.usd):>11}")
    # Flat a month rather than per grievance: each metric (name and dimensions) emitted, and
    # KMS for the AWS-managed keys of the tables (12) and topics (2) busy all month, each
    # asked at most once per 5 minutes (the services cache the data key).
    metrics = set().union(*(cycle.meter.metrics for cycle in cycles))
    kms = 14 * runs_a_month(KMS_CACHE_SECONDS)
    flat = [
        (f"CloudWatch custom metrics ({len(metrics)}, EMF)", len(metrics), "metrics"),
        ("KMS requests (14 keys' users, assumed)", kms, "kms_requests"),
    ]
    for what, units, key in flat:
        price = PRICES[key]
        print(f"  {what:36} {amount(units):>14} {price.usd / price.per:>12.8f}  {usd(price.of(units)):>11}  flat")
    total = sum(line.usd for line in lines) + sum(PRICES[key].of(units) for _, units, key in flat)
    print(f"  {'total':36} {'':>14} {'':>12}  {usd(total):>11}")
    print(f"  {'per grievance':36} {'':>14} {'':>12}  ${total / grievances:.5f}")
    for cycle in [*cycles, odia]:
        per_grievance = sum(line.usd for line in lifecycle_lines(cycle))
        segments = cycle.per(cycle.meter.sms_segments)
        print(f"    {cycle.name}: ${per_grievance:.5f} a grievance, {segments:g} SMS segments")
    odia_lines = blend([odia, *cycles[1:]], shares, grievances)
    odia_total = total - sum(line.usd for line in lines) + sum(line.usd for line in odia_lines)
    print(f"  the same million with the happy path's citizens reading Odia (SMS in UCS-2): {usd(odia_total)}")
    stored = sum(share * cycle.per(cycle.stored) for cycle, share in zip(cycles, shares, strict=True)) * grievances
    month = PRICES["dynamodb_storage"].of(stored / 1e9) + PRICES["pitr"].of(stored / 1e9)
    print(f"  what they leave stored: {stored / 1e9:.1f} GB with indexes, {usd(month)} a month (storage + PITR)")


def print_idle(rows: list[IdleRow], notes: list[str]) -> None:
    print("\nidle month: the deployed stack (stage odisha) with nobody filing")
    for note in notes:
        print(note)
    print(f"  {'what':58} {'how many':>26}  {'cost':>10}")
    costs = [PRICES[price].of(units) if price else 0.0 for _, _, units, price in rows]
    for (what, amount, _, _), cost in zip(rows, costs, strict=True):
        print(f"  {what:58} {amount:>26}  {usd(cost):>10}")
    total = sum(costs)
    print(f"  {'total a month':58} {'':>26}  {usd(total):>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grievances", type=int, default=20, help="lifecycles measured of each kind")
    parser.add_argument("--escalated-share", type=float, default=0.1, help="share of the million escalated once")
    parser.add_argument("--scale", type=int, default=1_000_000, help="grievances priced")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    os.environ["SLA_SECONDS_PER_HOUR"] = str(SLA_SECONDS_PER_HOUR)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    from chalice.test import Client

    from bench.aws_calls import seeded_local_app

    install_dynamodb_meter()
    leave_out_the_webhook_receiver()
    sink = LogSink()  # the functions' stdout: EMF metrics and their logs, counted
    with seeded_local_app() as app, Client(app.app, stage_name="local") as client, redirect_stdout(sink):
        from chalicelib.config import get_settings
        from chalicelib.observability import logger

        get_settings.cache_clear()
        assert get_settings().sla_seconds_per_hour == SLA_SECONDS_PER_HOUR
        # As deployed: INFO logs and EMF metrics, into a sink that counts them.
        os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
        logger.setLevel("INFO")
        logger.registered_handler.setStream(sink)  # type: ignore[attr-defined]
        idle = idle_lines(app)
        rig = Rig(client.http, app)
        rig.happy_paths(2)  # warm: clients, caches, the first timers
        rig.let_timers_run(rig.tracking_ids, Meter(), time.monotonic() + 120)
        escalated = lambda: rig.escalated_paths(args.grievances, time.monotonic() + 600)  # noqa: E731
        cycles = [
            measure(rig, "happy path", args.grievances, lambda: rig.happy_paths(args.grievances)),
            measure(rig, "escalated once", args.grievances, escalated),
        ]
        few = max(3, args.grievances // 4)
        odia = measure(rig, "happy path, reads Odia", few, lambda: rig.happy_paths(few, "or"))
    print_prices()
    for cycle in cycles:
        print_lifecycle(cycle)
    print_million(cycles, [1 - args.escalated_share, args.escalated_share], args.scale, odia)
    print_idle(*idle)


if __name__ == "__main__":
    main()
