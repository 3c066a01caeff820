"""Who uses citizen-crm at once, for `make load` (bench/load.py): a weighted mix of people.

- catalogue browsers (the most): search services in a language, open one, list categories,
  districts and departments;
- citizens filing grievances: each registers once (POST /citizens, the code read from
  /dev/outbox as the phone would show it, POST /citizens/verify, POST /auth/login), then files
  with an `Idempotency-Key`, a share of filings sent twice with the same key as a flaky network
  would, and reads their grievances back;
- newcomers who only register and look at their profile;
- trackers without a login: GET /track/{id}?mobile_last4= for grievances filed during the run;
- officers, each logged in as a different seeded officer (from /dev/accounts) of the district
  most filings go to: they read their queue, accept what was assigned and resolve what they
  accepted;
- the state cell: the reports (departments, districts, a department's officers, alerts, a CSV
  export) and the public performance page.

Every answer is checked: any 5xx, or a 4xx where the person would expect success, counts as a
failure; so does a retried filing that comes back with another tracking id, or a filing that
is unexpectedly a duplicate. Each citizen files in a different category every time and at most
8 times (the daily quota is 10), so the app's own rules never refuse a well-behaved user.

Run it against any local stack, e.g. `make dev` on :8000 (raise the per-address limits first,
below):

    .venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 5 -t 60s --host http://127.0.0.1:8000

Every virtual user comes from 127.0.0.1, where the public would come from thousands of
addresses: the stack under load needs the per-address limits raised (bench/load.py sets
`RATE_LIMITS`). With `LOAD_FILINGS` naming a file, every registration and every filing the
client believes accepted is appended to it as a JSON line, for bench/load.py's audit.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import time
import urllib.parse
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import RescheduleTask, StopUser

REPO_ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "monsoon evenings in cuttack"  # noqa: S105 (the load's citizens, on a local stack)
# Most filings go to the capital's district, so the officers logged in there have work.
BUSY_DISTRICT = "KHORDHA"
FILINGS_PER_CITIZEN = 8  # under the daily quota of 10: a citizen files a few, not dozens
TRACKING_LOOKUPS = 10  # per grievance in 15 minutes, the app's limit: a real citizen checks a few times
SAME_KEY_SHARE = 0.1
OTP_WAIT_SECONDS = 60
SERVICE_SEARCHES = (("water", "en"), ("pani", "hi"), ("certificate", "en"), ("bijli", "hi"), ("pension", "or"))


@dataclass
class Filed:
    tracking_id: str
    mobile_last4: str


@dataclass
class Shared:
    """What one locust process's users learn from each other (one process: no locking)."""

    categories: list[str] = field(default_factory=list)
    districts: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    accounts: list[dict[str, Any]] = field(default_factory=list)
    officers_taken: set[str] = field(default_factory=set)
    filed: list[Filed] = field(default_factory=list)
    lookups: Counter[str] = field(default_factory=Counter)


SHARED = Shared()
# A run's own prefix keeps its identities apart from an earlier run's on the same stack.
_RUN = random.randrange(100)  # noqa: S311 (test data, not a secret)
_PEOPLE = itertools.count(1)


def _ledger(entry: dict[str, Any]) -> None:
    """One JSON line in LOAD_FILINGS (bench/load.py audits these against the store)."""
    path = os.environ.get("LOAD_FILINGS")
    if path:
        with open(path, "a", encoding="utf-8") as ledger:
            ledger.write(json.dumps(entry) + "\n")


def new_identity() -> tuple[str, str]:
    """A fresh (Aadhaar, mobile) pair: valid, and never used before in this run."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from chalicelib.domain.identity import verhoeff_check_digit

    n = next(_PEOPLE)
    digits = f"{2 + _RUN % 8}{_RUN:03d}{n:07d}"
    return digits + verhoeff_check_digit(digits), f"+9197{_RUN:02d}{n:06d}"


def failed(name: str, started: float, reason: str) -> None:
    """Count a failure that no single HTTP answer shows (a code that never came)."""
    events.request.fire(
        request_type="FLOW",
        name=name,
        response_time=(time.perf_counter() - started) * 1000,
        response_length=0,
        exception=RuntimeError(reason),
        context={},
    )


@events.quit.add_listener
def _let_the_csv_writer_see_the_end(**_: Any) -> None:
    # locust rewrites its CSV files every second and not again at exit: this second lets the
    # requests finished while the users were stopping into bench/load.py's figures.
    time.sleep(1.5)


class Person(HttpUser):
    abstract = True

    def on_start(self) -> None:
        try:
            self.settle_in()
        except RescheduleTask:
            raise StopUser() from None  # counted already: someone who cannot get in leaves

    def settle_in(self) -> None:
        """What a person does once on arrival (register, log in)."""

    def call(self, method: str, path: str, expected: int, *, name: str | None = None, **kwargs: Any) -> Any:
        """One request whose answer must be `expected`; returns the JSON answer (a CSV: its
        text), or counts a failure and gives up the task when the answer is anything else."""
        with self.client.request(method, path, name=name or path, catch_response=True, **kwargs) as response:
            if response.status_code != expected:
                response.failure(f"{response.status_code} where {expected} was expected: {response.text[:200]}")
                raise RescheduleTask()
            if response.headers.get("Content-Type", "").startswith("text/csv"):
                return response.text
            try:
                return response.json()
            except ValueError:
                response.failure("not JSON")
                raise RescheduleTask() from None

    def login(self, username: str, password: str) -> dict[str, str]:
        tokens = self.call("POST", "/auth/login", 200, json={"username": username, "password": password})
        return {"Authorization": f"Bearer {tokens['access_token']}"}

    def know_the_catalogue(self) -> None:
        if not SHARED.categories:
            SHARED.categories = [c["code"] for c in self.call("GET", "/categories", 200)["categories"]]
        if not SHARED.districts:
            SHARED.districts = [d["code"] for d in self.call("GET", "/districts", 200)["districts"]]

    def register(self) -> tuple[str, str, dict[str, str]]:
        """A new citizen, as the portal does it: returns (citizen_id, mobile, auth header)."""
        self.know_the_catalogue()
        aadhaar, mobile = new_identity()
        district = BUSY_DISTRICT if random.random() < 0.6 else random.choice(SHARED.districts)  # noqa: S311
        body = {
            "name": "Load Citizen",
            "national_id": aadhaar,
            "mobile": mobile,
            "password": PASSWORD,
            "address": {"line": "5 Market Rd", "district": district, "pincode": "751001"},
            "language": random.choice(("en", "hi", "or")),  # noqa: S311
        }
        registered = self.call("POST", "/citizens", 201, json=body)
        otp = self.read_code(mobile)
        self.call("POST", "/citizens/verify", 200, json={"mobile": mobile, "otp": otp})
        _ledger({"citizen_id": registered["citizen_id"]})
        return registered["citizen_id"], mobile, self.login(mobile, PASSWORD)

    def read_code(self, mobile: str) -> str:
        """The 6-digit code from the SMS, as the citizen reads it off their phone."""
        started = time.perf_counter()
        path = f"/dev/outbox?to={urllib.parse.quote(mobile)}"
        while time.perf_counter() - started < OTP_WAIT_SECONDS:
            messages = self.call("GET", path, 200, name="/dev/outbox?to=[mobile]")["messages"]
            codes = [m for m in messages if m["channel"] == "sms" and re.search(r"\b\d{6}\b", m["text"])]
            if codes:
                return re.search(r"\b(\d{6})\b", codes[-1]["text"]).group(1)  # type: ignore[union-attr]
            time.sleep(0.5)
        failed("registration code by SMS", started, f"no code reached {mobile} in {OTP_WAIT_SECONDS} s")
        raise RescheduleTask()


class CatalogueBrowser(Person):
    weight = 6
    wait_time = between(0.5, 2)

    @task(3)
    def search_services(self) -> None:
        q, lang = random.choice(SERVICE_SEARCHES)  # noqa: S311
        found = self.call("GET", f"/services?q={q}&lang={lang}", 200, name="/services?q=[words]&lang=[lang]")
        SHARED.services.extend(s["code"] for s in found["services"] if s["code"] not in SHARED.services)

    @task(2)
    def open_a_service(self) -> None:
        if not SHARED.services:
            SHARED.services = [s["code"] for s in self.call("GET", "/services?limit=50", 200)["services"]]
        code = random.choice(SHARED.services)  # noqa: S311
        self.call("GET", f"/services/{code}?lang=hi", 200, name="/services/[code]")

    @task(2)
    def list_categories(self) -> None:
        department = random.choice(("WATER", "ROADS", "ELECTRICITY", "SANITATION"))  # noqa: S311
        self.call("GET", f"/categories?department={department}&lang=or", 200, name="/categories?department=[code]")

    @task(1)
    def list_districts_and_departments(self) -> None:
        self.call("GET", "/districts", 200)
        self.call("GET", "/departments", 200)


class FilingCitizen(Person):
    weight = 3
    wait_time = between(1, 3)

    def settle_in(self) -> None:
        self.citizen_id, self.mobile, self.auth = self.register()
        self.unused = random.sample(SHARED.categories, len(SHARED.categories))
        self.mine: list[str] = []

    @task(4)
    def file_grievance(self) -> None:
        if len(self.mine) >= FILINGS_PER_CITIZEN:
            self.settle_in()  # another citizen picks up the phone
        category = self.unused.pop()
        district = BUSY_DISTRICT if random.random() < 0.7 else random.choice(SHARED.districts)  # noqa: S311
        body = {
            "category": category,
            "description": f"Load run: {category.replace('_', ' ').lower()} near ward {random.randint(1, 40)}.",  # noqa: S311
            "location": {"district": district, "ward": f"W-{random.randint(1, 40)}"},  # noqa: S311
            "channel": "mobile_app",
        }
        key = str(uuid.uuid4())
        headers = {**self.auth, "Idempotency-Key": key}
        filing = self.call("POST", "/grievances", 201, json=body, headers=headers)
        if random.random() < SAME_KEY_SHARE:  # noqa: S311
            again = self.call(
                "POST", "/grievances", 201, name="/grievances (same key again)", json=body, headers=headers
            )
            if again["tracking_id"] != filing["tracking_id"]:
                reason = f"{again['tracking_id']} after {filing['tracking_id']}: a retry filed a second grievance"
                failed("same Idempotency-Key, same grievance", time.perf_counter(), reason)
        self.mine.append(filing["tracking_id"])
        SHARED.filed.append(Filed(filing["tracking_id"], self.mobile[-4:]))
        _ledger({"citizen_id": self.citizen_id, "idempotency_key": key, "tracking_id": filing["tracking_id"]})

    @task(1)
    def read_my_grievances(self) -> None:
        self.call("GET", "/grievances", 200, headers=self.auth)
        if self.mine:
            tracking_id = random.choice(self.mine)  # noqa: S311
            self.call("GET", f"/grievances/{tracking_id}", 200, name="/grievances/[id]", headers=self.auth)


class NewCitizen(Person):
    weight = 1
    wait_time = between(2, 5)

    @task
    def register_and_look(self) -> None:
        _, _, auth = self.register()
        self.call("GET", "/me", 200, headers=auth)


class Tracker(Person):
    """Someone who filed by SMS or phone and checks without a login."""

    weight = 2
    wait_time = between(1, 3)

    @task
    def track(self) -> None:
        open_to_lookups = [f for f in SHARED.filed[-50:] if SHARED.lookups[f.tracking_id] < TRACKING_LOOKUPS]
        if not open_to_lookups:
            return
        filed = random.choice(open_to_lookups)  # noqa: S311
        SHARED.lookups[filed.tracking_id] += 1
        path = f"/track/{filed.tracking_id}?mobile_last4={filed.mobile_last4}"
        self.call("GET", path, 200, name="/track/[id]?mobile_last4=[digits]")


class Officer(Person):
    """A seeded officer of the busy district, one virtual user per account: two people never
    act on one grievance at once, as on a real desk."""

    weight = 2
    wait_time = between(1, 3)

    def settle_in(self) -> None:
        if not SHARED.accounts:
            SHARED.accounts = self.call("GET", "/dev/accounts", 200)["accounts"]
        free = [
            a
            for a in SHARED.accounts
            if a["role"] == "officer" and a["district"] == BUSY_DISTRICT and a["username"] not in SHARED.officers_taken
        ]
        if not free:
            raise StopUser()
        account = random.choice(free)  # noqa: S311
        SHARED.officers_taken.add(account["username"])
        self.auth = self.login(account["username"], account["password"])
        self.queue: list[dict[str, Any]] = []

    @task(3)
    def read_queue(self) -> None:
        self.queue = self.call("GET", "/officer/grievances", 200, headers=self.auth)["grievances"]

    @task(2)
    def work_a_grievance(self) -> None:
        if not self.queue:
            return
        grievance = self.queue.pop(0)
        action = {"assigned": {"action": "accept"}, "in_progress": {"action": "resolve", "note": "Crew fixed it."}}
        if grievance["status"] not in action:
            return
        path = f"/grievances/{grievance['tracking_id']}/actions"
        body = action[grievance["status"]]
        self.call("POST", path, 200, name=f"/grievances/[id]/actions ({body['action']})", json=body, headers=self.auth)

    @task(1)
    def read_one_with_its_history(self) -> None:
        if self.queue:
            tracking_id = self.queue[0]["tracking_id"]
            self.call("GET", f"/grievances/{tracking_id}", 200, name="/grievances/[id] (officer)", headers=self.auth)


class StateCell(Person):
    weight = 1
    wait_time = between(3, 8)

    def settle_in(self) -> None:
        if not SHARED.accounts:
            SHARED.accounts = self.call("GET", "/dev/accounts", 200)["accounts"]
        admin = next(a for a in SHARED.accounts if a["role"] == "state_admin")
        self.auth = self.login(admin["username"], admin["password"])

    @task(2)
    def departments(self) -> None:
        self.call("GET", "/reports/departments", 200, headers=self.auth)

    @task(2)
    def districts(self) -> None:
        self.call("GET", "/reports/districts", 200, headers=self.auth)

    @task(1)
    def a_departments_officers(self) -> None:
        department = random.choice(("WATER", "ROADS", "ELECTRICITY", "HEALTH"))  # noqa: S311
        path = f"/reports/officers?department={department}"
        self.call("GET", path, 200, name="/reports/officers?department=[code]", headers=self.auth)

    @task(1)
    def alerts(self) -> None:
        self.call("GET", "/reports/alerts", 200, headers=self.auth)

    @task(1)
    def export_a_report(self) -> None:
        report = random.choice(("departments", "districts"))  # noqa: S311
        path = f"/reports/export.csv?report={report}"
        self.call("GET", path, 200, name="/reports/export.csv?report=[name]", headers=self.auth)

    @task(1)
    def public_performance(self) -> None:
        self.call("GET", "/public/performance", 200)
