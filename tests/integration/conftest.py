"""Fixtures for journeys through the API: citizens who register and verify by OTP, staff
who log in with the seeded demo accounts, and the notifications consumer that delivers
their SMS to moto so the OTP can be read back from the local outbox."""

from __future__ import annotations

import itertools
import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from chalicelib.domain.identity import verhoeff_check_digit
from infra.devstack import free_port, serve_api
from infra.sqs_poller import SqsPoller, subscriptions_of

JSON = {"Content-Type": "application/json"}
PASSWORD = "a long enough passphrase"
_numbers = itertools.count(1)


def unique_aadhaar() -> str:
    """A fresh valid Aadhaar number (Verhoeff check digit included), grouped 4-4-4."""
    body = f"9{next(_numbers):010d}"
    digits = body + verhoeff_check_digit(body)
    return f"{digits[:4]} {digits[4:8]} {digits[8:]}"


def unique_mobile() -> str:
    return f"+9197{next(_numbers) * 7919 % 10**8:08d}"


def post(api, path: str, body: Any, token: str | None = None):
    headers = dict(JSON)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return api.post(path, headers=headers, body=json.dumps(body))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def consume(chalice_app) -> Callable[[str], int]:
    """consume("route_grievances"): run one of the app's SQS consumers, as Lambda's event
    source mapping would, until its queue is empty; returns how many records it handled.

    A request hands its move's reactions over to the events queue (services/dispatch.py):
    any other consumer is run after the events consumer has run them, as it would have by
    then on Lambda, where every consumer runs at once."""
    subscriptions = {s.name: s for s in subscriptions_of(chalice_app)}
    poller = SqsPoller(list(subscriptions.values()), region="ap-south-1", wait_seconds=0)

    def run(handler: str) -> int:
        if handler != "fan_out_events":
            poller.drain(subscriptions["fan_out_events"])
        return poller.drain(subscriptions[handler])

    return run


@pytest.fixture
def deliver_notifications(consume) -> Callable[[], int]:
    """Fan out every published grievance event, then run the notifications and webhooks
    consumers until their queues are empty; returns how many messages were delivered."""

    def run() -> int:
        consume("fan_out_events")
        delivered = consume("deliver_notifications")
        consume("deliver_webhooks")
        return delivered

    return run


@pytest.fixture
def outbox(api, deliver_notifications) -> Callable[[str], list[dict]]:
    """Messages sent to one recipient, after delivering whatever is queued."""

    def read(recipient: str) -> list[dict]:
        deliver_notifications()
        return api.get("/dev/outbox?to=" + urllib.parse.quote(recipient)).json_body["messages"]

    return read


@pytest.fixture
def latest_otp(outbox) -> Callable[[str], str]:
    def read(mobile: str) -> str:
        messages = [m for m in outbox(mobile) if m["channel"] == "sms"]
        assert messages, f"no SMS reached {mobile}"
        match = re.search(r"\b(\d{6})\b", messages[-1]["text"])
        assert match, "the last SMS carries no code"
        return match.group(1)

    return read


@dataclass
class Person:
    citizen_id: str
    national_id: str
    mobile: str
    email: str
    password: str
    access_token: str = ""
    refresh_token: str = ""


@pytest.fixture
def registration_body() -> Callable[..., dict]:
    def build(**overrides: Any) -> dict:
        number = next(_numbers)
        body = {
            "name": "Asha Devi",
            "national_id": unique_aadhaar(),
            "mobile": unique_mobile(),
            "email": f"asha.{number}@example.in",
            "password": PASSWORD,
            "address": {"line": "12 MG Road", "district": "KHORDHA", "pincode": "751001"},
            "language": "en",
        }
        body.update(overrides)
        return body

    return build


@pytest.fixture
def register(api, stack, registration_body) -> Callable[..., Person]:
    """Register a citizen (not yet verified)."""

    def run(**overrides: Any) -> Person:
        body = registration_body(**overrides)
        response = post(api, "/citizens", body)
        assert response.status_code == 201, response.body
        return Person(
            response.json_body["citizen_id"],
            body["national_id"],
            _e164(body["mobile"]),
            body["email"],
            body["password"],
        )

    return run


@pytest.fixture
def citizen(api, register, latest_otp, outbox) -> Callable[..., Person]:
    """A registered, OTP-verified, logged-in citizen whose email (if given) is confirmed too."""

    def run(**overrides: Any) -> Person:
        person = register(**overrides)
        verified = post(api, "/citizens/verify", {"mobile": person.mobile, "otp": latest_otp(person.mobile)})
        assert verified.status_code == 200, verified.body
        tokens = post(api, "/auth/login", {"username": person.mobile, "password": person.password}).json_body
        person.access_token, person.refresh_token = tokens["access_token"], tokens["refresh_token"]
        if person.email:
            (code,) = re.findall(
                r"\b(\d{6})\b", [m for m in outbox(person.email) if m["channel"] == "email"][-1]["text"]
            )
            confirmed = post(api, "/me/email/verify", {"otp": code}, person.access_token)
            assert confirmed.status_code == 200, confirmed.body
        return person

    return run


@pytest.fixture
def staff_token(api, stack) -> Callable[..., str]:
    """An access token of a seeded demo account: staff_token("supervisor", department="WATER")."""

    def run(role: str, department: str | None = None, district: str | None = None) -> str:
        account = next(
            a
            for a in stack.seed.accounts
            if a.role == role
            and (department is None or a.department == department)
            and (district is None or a.district == district)
        )
        response = post(api, "/auth/login", {"username": account.username, "password": account.password})
        assert response.status_code == 200, response.body
        return response.json_body["access_token"]

    return run


def _e164(mobile: str) -> str:
    from chalicelib.domain.contact import normalize_mobile

    return normalize_mobile(mobile)


@pytest.fixture
def grievance_body() -> Callable[..., dict]:
    """A valid grievance: water supply in Khordha unless told otherwise."""

    def build(**overrides: Any) -> dict:
        body: dict[str, Any] = {
            "category": "WATER_NO_SUPPLY",
            "description": f"No water in our lane for three days (report {next(_numbers)}).",
            "location": {"district": "KHORDHA", "ward": f"W-{next(_numbers)}"},
        }
        body.update(overrides)
        return body

    return build


@pytest.fixture
def file_grievance(api, grievance_body) -> Callable[..., Any]:
    """POST /grievances as `person`; returns the response (201 expected unless told)."""

    def run(person: Person, *, key: str | None = None, expect: int = 201, **overrides: Any):
        headers = {**JSON, **bearer(person.access_token)}
        if key:
            headers["Idempotency-Key"] = key
        response = api.post("/grievances", headers=headers, body=json.dumps(grievance_body(**overrides)))
        assert response.status_code == expect, response.body
        return response

    return run


@pytest.fixture
def routed_grievance(file_grievance, consume) -> Callable[..., str]:
    """File a grievance and run routing; returns its tracking id (now `assigned`)."""

    def run(person: Person, **overrides: Any) -> str:
        tracking_id = file_grievance(person, **overrides).json_body["tracking_id"]
        consume("route_grievances")
        return tracking_id

    return run


@pytest.fixture
def admin_token(staff_token) -> str:
    return staff_token("state_admin")


@pytest.fixture
def officer_token(api, stack) -> Callable[[str], str]:
    """The access token of a seeded officer, by officer id."""

    def run(officer_id: str) -> str:
        account = next(a for a in stack.seed.accounts if a.officer_id == officer_id)
        response = post(api, "/auth/login", {"username": account.username, "password": account.password})
        assert response.status_code == 200, response.body
        return str(response.json_body["access_token"])

    return run


@pytest.fixture
def assignee_token(api, admin_token, officer_token) -> Callable[[str], str]:
    """The access token of whoever currently owns the grievance or application (seen
    through state_admin)."""

    def run(tracking_id: str) -> str:
        kind = "applications" if "-APP-" in tracking_id else "grievances"
        seen = api.get(f"/{kind}/{tracking_id}", headers=bearer(admin_token)).json_body
        return officer_token(seen["assigned_to"])

    return run


@pytest.fixture
def dev_server(chalice_app) -> Iterator[int]:
    """The API served over HTTP as `make dev` serves it (Chalice's local server); its port."""
    port = free_port()
    server = serve_api(chalice_app, port)
    yield port
    server.shutdown()
    server.server.server_close()
