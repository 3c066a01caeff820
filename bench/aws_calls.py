"""AWS calls per API operation, counted on the real handlers against moto.

Starts an in-process moto server, builds and seeds the stack as `make dev` does, calls
each catalogue operation through `chalice.test.Client`, and prints how many AWS API calls
(by service and operation) each one made once warm. Figures only; the test suite holds
the same counts as assertions (tests/integration/test_aws_call_budget.py).

Run it with `make bench` or `.venv/bin/python bench/aws_calls.py`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.endpoint import Endpoint

REPO_ROOT = Path(__file__).resolve().parent.parent

OPERATIONS = [
    "/health",
    "/districts",
    "/departments",
    "/categories",
    "/categories?department=WATER",
    "/services",
    "/services?q=water%20connection",
    "/services?department=HEALTH",
    "/services/WATER_NEW_CONNECTION",
]


def service_operation(operation_model: Any, request_dict: Any) -> str | None:
    return f"{operation_model.service_model.endpoint_prefix}:{operation_model.name}"


@contextmanager
def count_aws_calls(key: Callable[[Any, Any], str | None] = service_operation) -> Iterator[Counter[str]]:
    """Count every AWS API call any boto3/botocore/PynamoDB client makes in this block,
    keyed `service:Operation` (e.g. `dynamodb:Query`), or by `key` (None: not counted)."""
    calls: Counter[str] = Counter()
    original = Endpoint.make_request

    def counting(self: Endpoint, operation_model: Any, request_dict: Any) -> Any:
        name = key(operation_model, request_dict)
        if name is not None:
            calls[name] += 1
        return original(self, operation_model, request_dict)

    Endpoint.make_request = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        Endpoint.make_request = original  # type: ignore[method-assign]


@dataclass
class GrievanceCallers:
    """Who makes the grievance calls: a citizen (token and mobile's last 4 digits), the
    officer the grievance will be routed to is found through the state admin."""

    citizen_token: str
    mobile_last4: str
    admin_token: str
    officer_tokens: dict[str, str]  # officer_id -> access token
    # officer_id -> (mobile, email) of everyone on the grievance's ladder (bench/messages.py)
    staff_contacts: dict[str, tuple[str, str]] = field(default_factory=dict)


class Consumers:
    """The app's SQS consumers, polled by hand: `poll(name)` runs one batch, as Lambda would.
    Queue URLs are looked up once here, so a measured poll counts only the consumer's calls."""

    def __init__(self, app_module: Any) -> None:
        from infra.sqs_poller import SqsPoller, subscriptions_of

        self.subscriptions = {s.name: s for s in subscriptions_of(app_module)}
        self.poller = SqsPoller(
            list(self.subscriptions.values()), region=os.environ["AWS_DEFAULT_REGION"], wait_seconds=0
        )
        self.queues = {name: self.poller.queue_of(s) for name, s in self.subscriptions.items()}

    def poll(self, name: str) -> int:
        return self.poller.poll_once(self.subscriptions[name], *self.queues[name])

    def drain(self, name: str) -> None:
        """Run `name` until its queue is empty; any consumer but the events consumer runs after
        it has run the reactions requests handed over, as on Lambda (every consumer at once)."""
        if name != "fan_out_events":
            self.poller.drain(self.subscriptions["fan_out_events"])
        self.poller.drain(self.subscriptions[name])


def grievance_operations(
    http: Any, callers: GrievanceCallers, consumers: Consumers
) -> list[tuple[str, int, Counter[str]]]:
    """File, route, read, track, act, fan out and list one fresh grievance, each step once
    warm; returns (operation, HTTP status, AWS calls)."""
    route = lambda: consumers.poll("route_grievances")  # noqa: E731
    citizen = {"Authorization": f"Bearer {callers.citizen_token}", "Content-Type": "application/json"}
    admin = {"Authorization": f"Bearer {callers.admin_token}"}
    measured: list[tuple[str, int, Counter[str]]] = []

    def measure(name: str, call: Any) -> Any:
        with count_aws_calls() as calls:
            response = call()
        measured.append((name, getattr(response, "status_code", 200), calls))
        return response

    def body(n: int) -> str:
        categories = ["ROADS_POTHOLE", "ROADS_STREETLIGHT", "SANITATION_GARBAGE"]
        return json.dumps(
            {
                "category": categories[n],
                "description": f"Measured grievance number {n}.",
                "location": {"district": "PURI", "ward": f"W-{uuid.uuid4().hex[:6]}"},
            }
        )

    # Warm every client, connection and the 5-minute calendar cache on a first grievance,
    # then measure a second: a calendar re-read landing mid-measurement is not a regression.
    from chalicelib.models import catalogue
    from chalicelib.services.sla_clock import forget_calendar

    forget_calendar()
    for code in ("ROADS_POTHOLE", "ROADS_STREETLIGHT", "SANITATION_GARBAGE"):
        catalogue.lookup_category(code)  # a warm process has checked a filing of each before
    react = lambda: consumers.poll("fan_out_events")  # noqa: E731
    for n, name in ((0, None), (1, "POST /grievances")):
        consumers.drain("fan_out_events")  # what came before: each step below counts its own
        headers = {**citizen, "Idempotency-Key": uuid.uuid4().hex}
        call = lambda n=n, headers=headers: http.post("/grievances", headers=headers, body=body(n))  # noqa: E731
        filed = measure(name, call) if name else call()
        tracking_id = filed.json_body["tracking_id"]
        if name:
            measure("react (events consumer, the filing handed over)", react)
            measure("route (SQS consumer, one record)", route)
        else:
            react()
            route()
            warm_id = tracking_id
    for path, name in (
        (f"/grievances/{warm_id}", None),
        (f"/grievances/{tracking_id}", "GET /grievances/{id} (citizen)"),
        ("/grievances", "GET /grievances (citizen's list)"),
        (f"/track/{tracking_id}?mobile_last4={callers.mobile_last4}", "GET /track/{id}"),
        (f"/grievances/{tracking_id}/history", "GET /grievances/{id}/history (citizen)"),
    ):
        call = lambda path=path: http.get(path, headers=citizen)  # noqa: E731
        measure(name, call) if name else call()
    owner = http.get(f"/grievances/{tracking_id}", headers=admin).json_body["assigned_to"]
    officer = {"Authorization": f"Bearer {callers.officer_tokens[owner]}", "Content-Type": "application/json"}
    accept = json.dumps({"action": "accept"})
    http.post(f"/grievances/{warm_id}/actions", headers=officer, body=accept)
    consumers.drain("fan_out_events")  # what came before: this step counts one announcement
    measure(
        "POST /grievances/{id}/actions (accept)",
        lambda: http.post(f"/grievances/{tracking_id}/actions", headers=officer, body=accept),
    )
    measure("react (events consumer, the accept handed over)", react)
    measure("fan out (events consumer, the accept)", react)
    http.get("/officer/grievances", headers=officer)
    measure("GET /officer/grievances", lambda: http.get("/officer/grievances?overdue=true", headers=officer))
    return measured


def administration_operations(http: Any, callers: GrievanceCallers) -> list[tuple[str, int, Counter[str]]]:
    """The state cell's acts, each on the administrative trail: a district, a category, the
    calendar read, and relieving an officer whose open grievances are handed over."""
    admin = {"Authorization": f"Bearer {callers.admin_token}", "Content-Type": "application/json"}
    measured: list[tuple[str, int, Counter[str]]] = []

    def measure(name: str, call: Any) -> Any:
        with count_aws_calls() as calls:
            response = call()
        measured.append((name, response.status_code, calls))
        return response

    district = json.dumps({"names": {"en": "Bench", "hi": "बेंच"}, "population": 100000})
    http.put("/districts/BENCH_WARM", headers=admin, body=district)
    measure("PUT /districts/{code}", lambda: http.put("/districts/BENCH", headers=admin, body=district))
    category = json.dumps(
        {"department": "ROADS", "names": {"en": "Bench"}, "sla_hours": 48, "escalation_hours": [24, 48, 72]}
    )
    measure("PUT /categories/{code}", lambda: http.put("/categories/BENCH_CAT", headers=admin, body=category))
    measure("GET /calendar", lambda: http.get("/calendar"))
    from chalicelib.models.case_store import open_loads

    loads = open_loads(list(callers.officer_tokens))
    busiest = max(loads, key=lambda officer_id: loads[officer_id][0])
    relieved = measure(
        f"PATCH /officers/{{id}} (relieve; desk of {loads[busiest][0]})",
        lambda: http.patch(f"/officers/{busiest}", headers=admin, body=json.dumps({"active": False})),
    )
    assert len(relieved.json_body["handed_over"]) == loads[busiest][0]
    measure("GET /admin/audit", lambda: http.get("/admin/audit?limit=20", headers=admin))
    http.get("/staff/grievances?department=ROADS&district=PURI", headers=admin)
    measure(
        "GET /staff/grievances (a seat)",
        lambda: http.get("/staff/grievances?department=ROADS&district=PURI&limit=20", headers=admin),
    )
    http.get("/staff/grievances?limit=20", headers=admin)  # warm: the departments listed once a minute
    measure("GET /staff/grievances (the state, a page)", lambda: http.get("/staff/grievances?limit=20", headers=admin))
    return measured


def channel_operations(http: Any, mobile: str) -> list[tuple[str, int, Counter[str]]]:
    """A registered citizen's SMS filing and STATUS, and an Open311 filing, each once warm."""
    import hashlib
    import hmac
    import time

    from chalicelib.security.channel_keys import channel_secret, open311_api_key

    secret = channel_secret("sms").encode()
    measured: list[tuple[str, int, Counter[str]]] = []

    def sms(text: str) -> Any:
        body = json.dumps({"message_id": uuid.uuid4().hex, "from": mobile, "text": text}).encode()
        signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        headers = {
            "Content-Type": "application/json",
            "X-Signature": signature,
            "X-Signature-Timestamp": str(int(time.time())),
        }
        return http.post("/channels/sms/inbound", headers=headers, body=body)

    def open311(n: int) -> Any:
        form = (
            f"api_key={open311_api_key('fixmystreet')}&service_code=ROADS_STREETLIGHT&address_string=Puri"
            f"&attribute[district]=PURI&phone=%2B91900001{n:04d}&description=Measured+dark+lamp+post+{n}"
        )
        return http.post(
            "/open311/v2/requests.json", headers={"Content-Type": "application/x-www-form-urlencoded"}, body=form
        )

    def measure(name: str, call: Any) -> Any:
        with count_aws_calls() as calls:
            response = call()
        measured.append((name, response.status_code, calls))
        return response

    warm = sms("GRV SANITATION_DRAIN_BLOCKED the drain outside is blocked (warm)").json_body["results"][0]
    filed = measure("POST /channels/sms/inbound (GRV)", lambda: sms("GRV ROADS_FALLEN_TREE a tree fell on the road"))
    tracking_id = filed.json_body["results"][0]["tracking_id"]
    sms(f"STATUS {warm['tracking_id']}")
    measure("POST /channels/sms/inbound (STATUS)", lambda: sms(f"STATUS {tracking_id}"))
    open311(1)
    measure("POST /open311/v2/requests.json", lambda: open311(2))
    return measured


def direct_citizen(tag: str, *, mobile: str, district: str, pincode: str, email: str | None = None) -> tuple[str, str]:
    """A citizen made straight in the tables, active, with a login started directly (no
    password, no OTP): (citizen id, access token). Five AWS calls, where registering over
    the API with its code costs seconds."""
    from chalicelib.clock import utc_now
    from chalicelib.domain.identity import Address, Principal, Role
    from chalicelib.models import citizens
    from chalicelib.security.keyed_hash import keyed_hash
    from chalicelib.services.sessions import start_session

    now = utc_now()
    citizen = citizens.save_registration(
        citizen_id=f"cit-{tag}",
        name="Bench Citizen",
        national_id_kind="aadhaar",
        national_id_last4="0000",
        national_id_hash=keyed_hash("national_id", tag),
        mobile=mobile,
        email=email,
        password_hash="",  # never logs in: its tokens are issued directly
        address=Address(line="1 Bench Road", district=district, pincode=pincode),
        language="en",
        consent={"purpose": "grievance redressal", "at": now.isoformat()},
        now=now,
    )
    citizens.activate_citizen(citizen.citizen_id, citizen.version, now)
    return citizen.citizen_id, start_session(Principal(citizen.citizen_id, Role.CITIZEN), now).access_token


def callers_for_bench() -> GrievanceCallers:
    """A citizen created straight in the tables (a login started directly) and the seeded
    Puri roads officers, for the bench."""
    from chalicelib.clock import utc_now
    from chalicelib.domain.identity import Principal, Role
    from chalicelib.services.demo_state import list_demo_accounts
    from chalicelib.services.sessions import start_session

    now = utc_now()
    _, citizen_token = direct_citizen(
        "bench-calls", mobile="+919000012345", district="PURI", pincode="752001", email="bench.calls@example.in"
    )
    accounts = list_demo_accounts()

    def token(account: Any) -> str:
        principal = Principal(account.officer_id, Role(account.role), account.department, account.district)
        return start_session(principal, now).access_token

    return GrievanceCallers(
        citizen_token=citizen_token,
        mobile_last4="2345",
        admin_token=token(next(a for a in accounts if a.role == "state_admin")),
        officer_tokens={
            a.officer_id: token(a)
            for a in accounts
            if a.role == "officer" and a.department == "ROADS" and a.district == "PURI"
        },
        staff_contacts={
            a.officer_id: (a.mobile, a.email)
            for a in accounts
            if a.role == "state_admin"
            or (a.department == "ROADS" and a.district in {"PURI", None} and a.role != "state_admin")
        },
    )


def print_calls(name: str, status: int, calls: Counter[str]) -> None:
    detail = ", ".join(f"{op}×{n}" for op, n in sorted(calls.items()))
    print(f"{name:44} {sum(calls.values()):>5}  {detail} [{status}]")


@contextmanager
def seeded_local_app() -> Iterator[Any]:
    """An in-process moto server and webhook receiver on free ports, built and seeded as
    `make dev` does; yields the Chalice app module and stops both afterwards."""
    from infra import devstack
    from infra.webhook_receiver import WebhookReceiver

    moto_port, receiver_port = devstack.free_port(), devstack.free_port()
    receiver = WebhookReceiver("127.0.0.1", receiver_port).start()
    devstack.prepare_environment(moto_port, receiver_port)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # figures here, not EMF lines
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    server = devstack.start_moto(moto_port)
    try:
        devstack.build_stack()
        devstack.seed_demo_state()
        import app

        yield app
    finally:
        server.stop()
        receiver.stop()


def main() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    from chalice.test import Client

    with seeded_local_app() as app, Client(app.app, stage_name="local") as client:
        print(f"{'operation':44} {'calls':>5}  detail")
        for path in OPERATIONS:
            client.http.get(path)  # warm: clients and connections exist
            with count_aws_calls() as calls:
                status = client.http.get(path).status_code
            print_calls(f"GET {path}", status, calls)
        consumers = Consumers(app)
        consumers.drain("route_grievances")
        callers = callers_for_bench()
        for name, status, calls in grievance_operations(client.http, callers, consumers):
            print_calls(name, status, calls)
        for name, status, calls in administration_operations(client.http, callers):
            print_calls(name, status, calls)
        for name, status, calls in channel_operations(client.http, "+919000012345"):
            print_calls(name, status, calls)


if __name__ == "__main__":
    main()
