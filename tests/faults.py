"""Fault injection: chosen AWS calls fail the way AWS and botocore make them fail.

Not a fake of AWS: every call still goes to moto, except the ones a plan picks, which fail:

    with inject(service="dynamodb", operation="TransactWriteItems", fault="throttle") as fault:
        response = api.post("/grievances", ...)
    assert fault.fired == 1

Where: `botocore.client.BaseClient._make_api_call`, the one door of every botocore client
in the process — the app's boto3 clients (chalicelib/aws.py), PynamoDB's own client and
Powertools' idempotency client alike. It sits above botocore's retry handler (the endpoint,
below it, is where throttles, 5xx and timeouts are retried: standard mode, 3 attempts for
boto3's clients, 4 for PynamoDB's), so a fault injected here is exactly what the app sees
once botocore has spent its attempts: the modeled exception class botocore would raise
(`ProvisionedThroughputExceededException`, an S3 HEAD's bare status code), with
`MaxAttemptsReached`; or botocore's own timeout exception. One injected fault is one API
call failed as the app sees it, whatever the client's retry settings, and without sleeping
through botocore's backoff. What botocore absorbs below that line is its business, and a
fault there (one throttled attempt out of three) would be invisible to the app by design.

Faults:
- `throttle`: the service's throttling error (nothing was done);
- `unavailable`: the service's 5xx (nothing was done);
- `timeout`: `ReadTimeoutError` *after the call was carried out* — the request reached AWS,
  the answer was lost: the worst case for a write, which the app cannot tell from a failure;
- `connect_timeout`: `ConnectTimeoutError` before anything was sent;
- `refused`: the service refusing the request as malformed (`ValidationException`...): a bug
  of ours, never retried, which the API must keep answering 500.

`on_the_wire` fails attempts one level down instead, where botocore's retries see them: to
show that a throttle botocore retries past never reaches the app.

Only calls made by the thread that opened the plan count: moto's Step Functions interpreter
runs in this process too, and its task calls must neither be counted nor fail.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from botocore.awsrequest import AWSResponse
from botocore.client import BaseClient
from botocore.endpoint import Endpoint
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

Fault = Literal["throttle", "unavailable", "timeout", "connect_timeout", "refused"]
FAULTS: tuple[Fault, ...] = ("throttle", "unavailable", "timeout")

# (error code, HTTP status) each service answers when it throttles, and when it fails itself.
THROTTLING: dict[str, tuple[str, int]] = {
    "dynamodb": ("ProvisionedThroughputExceededException", 400),
    "sqs": ("RequestThrottled", 400),
    "sns": ("Throttled", 429),
    "states": ("ThrottlingException", 400),
    "email": ("TooManyRequestsException", 429),
    "s3": ("SlowDown", 503),
}
SERVER_ERRORS: dict[str, tuple[str, int]] = {
    "dynamodb": ("InternalServerError", 500),
    "sqs": ("ServiceUnavailable", 503),
    "sns": ("InternalError", 500),
    "states": ("ServiceUnavailable", 503),
    "email": ("InternalServiceErrorException", 500),
    "s3": ("InternalError", 500),
}
# What a service answers a request it finds malformed: never worth retrying.
REFUSALS: dict[str, tuple[str, int]] = {
    "dynamodb": ("ValidationException", 400),
    "sqs": ("InvalidParameterValue", 400),
    "sns": ("InvalidParameter", 400),
    "states": ("ValidationException", 400),
    "email": ("BadRequestException", 400),
    "s3": ("InvalidRequest", 400),
}
# A HEAD has no body to carry a code: botocore names the error after the status alone.
BODILESS = {"HeadObject", "HeadBucket"}


@dataclass(frozen=True)
class Call:
    """One API call as the app made it: `dynamodb:GetItem` on `catalogue`."""

    service: str  # the endpoint prefix, as the call budgets name it: dynamodb, sqs, states, sns, email, s3
    operation: str
    target: str  # the table(s), queue, topic, state machine or S3 key prefix, without the stage prefix

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"

    def __str__(self) -> str:
        return f"{self.name} {self.target}".rstrip()


@dataclass
class Plan:
    """Fail the `nth` matching call and the `times - 1` after it (`times=None`: every one
    from the nth on); `target` and `where` narrow the match (the resource, the parameters)."""

    service: str | None
    operation: str | None
    fault: Fault
    nth: int = 1
    times: int | None = 1
    target: str | None = None
    where: Callable[[Call, dict[str, Any]], bool] | None = None
    seen: int = 0
    fired: int = 0
    failed_calls: list[Call] = field(default_factory=list)

    def matches(self, call: Call, params: dict[str, Any]) -> bool:
        return (
            (self.service is None or self.service == call.service)
            and (self.operation is None or self.operation == call.operation)
            and (self.target is None or self.target == call.target)
            and (self.where is None or self.where(call, params))
        )

    def strikes(self, call: Call, params: dict[str, Any]) -> bool:
        if not self.matches(call, params):
            return False
        self.seen += 1
        due = self.seen >= self.nth and (self.times is None or self.seen < self.nth + self.times)
        if due:
            self.fired += 1
            self.failed_calls.append(call)
        return due


@dataclass
class _Hook:
    thread: int
    plan: Plan | None = None
    calls: list[Call] | None = None


_hooks: list[_Hook] = []
_lock = threading.Lock()
_original = BaseClient._make_api_call


def _stage_prefix() -> str:
    from chalicelib.config import get_settings

    return f"{get_settings().resource_prefix}-"


def target_of(service: str, params: dict[str, Any]) -> str:
    """The resource a call is about, without the stage's prefix (`grievances`, `routing`)."""
    prefix = _stage_prefix()

    def short(name: str) -> str:
        name = name.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        return name.removeprefix(prefix)

    if service == "dynamodb":
        if "TableName" in params:
            return short(params["TableName"])
        if "RequestItems" in params:
            return "+".join(sorted({short(name) for name in params["RequestItems"]}))
        if "TransactItems" in params:
            tables = {short(op["TableName"]) for item in params["TransactItems"] for op in item.values()}
            return "+".join(sorted(tables))
    if service == "sqs" and "QueueUrl" in params:
        return short(params["QueueUrl"])
    if service == "sns":
        return short(params.get("TopicArn") or "") or ("sms" if "PhoneNumber" in params else "")
    if service == "states" and "stateMachineArn" in params:
        return short(params["stateMachineArn"])
    if service == "s3":
        key = params.get("Key") or ""
        return key.split("/", 1)[0]
    return ""


def _failure(client: Any, call: Call, fault: Fault) -> Exception:
    if fault in ("timeout", "connect_timeout"):
        kind = ReadTimeoutError if fault == "timeout" else ConnectTimeoutError
        return kind(endpoint_url=client.meta.endpoint_url)
    table, message = {
        "throttle": (THROTTLING, "Injected fault: rate of requests exceeds the allowed throughput."),
        "unavailable": (SERVER_ERRORS, "Injected fault: the service is unavailable; please try again."),
        "refused": (REFUSALS, "Injected fault: 1 validation error detected."),
    }[fault]
    code, status = table[call.service]
    if call.operation in BODILESS:
        code, message = str(status), http.client.responses[status]
    attempts = client.meta.config.retries.get("total_max_attempts") or 3
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {
            "RequestId": "fault-injected",
            "HTTPStatusCode": status,
            "HTTPHeaders": {},
            "RetryAttempts": attempts - 1,
            "MaxAttemptsReached": True,
        },
    }
    return client.exceptions.from_code(code)(parsed, call.operation)  # type: ignore[no-any-return]


def _make_api_call(self: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
    me = threading.get_ident()
    with _lock:
        hooks = [hook for hook in _hooks if hook.thread == me]
    if not hooks:
        return _original(self, operation_name, api_params)
    service = self.meta.service_model.endpoint_prefix
    call = Call(service, operation_name, target_of(service, api_params))
    fault: Fault | None = None
    for hook in hooks:
        if hook.calls is not None:
            hook.calls.append(call)
        if hook.plan is not None and hook.plan.strikes(call, api_params) and fault is None:
            fault = hook.plan.fault
    if fault is None:
        return _original(self, operation_name, api_params)
    if fault == "timeout":
        _original(self, operation_name, api_params)  # carried out; only the answer is lost
    raise _failure(self, call, fault)


class _Hooked:
    """A context that puts one hook on every botocore client for the thread that enters it."""

    _hook: _Hook

    def _install(self, hook: _Hook) -> None:
        self._hook = hook
        with _lock:
            if not _hooks:
                BaseClient._make_api_call = _make_api_call  # type: ignore[method-assign]
            _hooks.append(hook)

    def __exit__(self, *exc: object) -> None:
        with _lock:
            _hooks.remove(self._hook)
            if not _hooks:
                BaseClient._make_api_call = _original  # type: ignore[method-assign]


class Injection(_Hooked):
    """`with inject(...) as plan:` — or hand it, unentered, to whatever should run within it."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def __enter__(self) -> Plan:
        self._install(_Hook(threading.get_ident(), plan=self.plan))
        return self.plan

    @property
    def fired(self) -> int:
        return self.plan.fired


class Recording(_Hooked):
    def __init__(self, into: list[Call]) -> None:
        self.calls = into

    def __enter__(self) -> list[Call]:
        self._install(_Hook(threading.get_ident(), calls=self.calls))
        return self.calls


def inject(
    service: str | None = None,
    operation: str | None = None,
    fault: Fault = "throttle",
    *,
    nth: int = 1,
    times: int | None = 1,
    target: str | None = None,
    where: Callable[[Call, dict[str, Any]], bool] | None = None,
) -> Injection:
    """Within the block, the `nth` call (1-based) to `service:operation` (on `target`, when
    given: a table, queue, topic...) made by this thread fails with `fault`, and the next
    `times - 1` too (`times=None`: all of them). `service` is the endpoint prefix (`dynamodb`,
    `sqs`, `sns`, `states`, `email`, `s3`). The plan it yields says how many calls matched
    (`seen`) and failed (`fired`)."""
    return Injection(Plan(service, operation, fault, nth, times, target, where))


def record_calls(into: list[Call] | None = None) -> Recording:
    """Every AWS call this thread makes within the block, in order (into `into`, if given)."""
    return Recording([] if into is None else into)


@dataclass(frozen=True)
class Site:
    """One call site of a request: its call, and which of the request's calls to the same
    operation and target it is (`nth`, 1-based) — what `inject_at` fails."""

    call: Call
    nth: int

    def __str__(self) -> str:
        return f"{self.call} #{self.nth}"


def call_sites(calls: list[Call]) -> list[Site]:
    """The sites of a recorded request, in the order it reached them."""
    seen: dict[Call, int] = {}
    sites = []
    for call in calls:
        seen[call] = seen.get(call, 0) + 1
        sites.append(Site(call, seen[call]))
    return sites


def inject_at(site: Site, fault: Fault) -> Injection:
    """`inject` that fails exactly this site's call, once."""
    return inject(site.call.service, site.call.operation, fault, nth=site.nth, target=site.call.target)


class _Body:
    def __init__(self, content: bytes) -> None:
        self.content = content

    def stream(self, **_: Any) -> Any:
        yield self.content


class OnTheWire:
    """DynamoDB answers the first `times` HTTP attempts of `operation` (by this thread) with a
    throttle, below botocore's retry handler: `attempts` counts what was sent."""

    def __init__(self, operation: str, times: int) -> None:
        self.operation, self.times, self.attempts = operation, times, 0
        self._thread = threading.get_ident()
        self._original = Endpoint._send

    def __enter__(self) -> OnTheWire:
        wire = self

        def send(endpoint: Endpoint, request: Any) -> Any:
            target = request.headers.get("X-Amz-Target", b"")
            target = target.decode() if isinstance(target, bytes) else target
            if threading.get_ident() != wire._thread or not target.endswith(f".{wire.operation}"):
                return wire._original(endpoint, request)
            wire.attempts += 1
            if wire.attempts > wire.times:
                return wire._original(endpoint, request)
            body = b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
            body += b'"message":"Injected fault: throughput exceeded."}'
            headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault-on-the-wire"}
            return AWSResponse(request.url, 400, headers, _Body(body))

        Endpoint._send = send  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        Endpoint._send = self._original  # type: ignore[method-assign]


def on_the_wire(operation: str, times: int = 1) -> OnTheWire:
    """The first `times` HTTP attempts of DynamoDB's `operation` are throttled, where
    botocore's retry handler sees them (and backs off: up to a second per retry)."""
    return OnTheWire(operation, times)
