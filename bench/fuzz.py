"""Fuzzing: schemathesis against the API over HTTP, as a citizen, an officer and the state cell.

Starts the local stack itself (moto, the seeded demo state, the API, its SQS pollers: `make dev`
on free ports), logs in a fresh citizen and two seeded staff accounts, then for each caller runs
schemathesis's phases on every documented operation — the schema's examples, the coverage
cases, generated data both valid and invalid, and the stateful phase that chains operations
through the links it infers (`POST /grievances` → `GET /grievances/{tracking_id}`...) — with
four checks: no 500, the answer matches its documented schema, its status is documented, and
invalid data is refused. Prints the requests made per caller, failures by check, each distinct
failure with the request that caused it, and the duration; exits 1 on any failure.

    .venv/bin/python bench/fuzz.py                      # the large run (`make fuzz`)
    .venv/bin/python bench/fuzz.py --max-examples 5 --role officer

tests/fuzz/ runs the same fuzzing, bounded, in the test suite.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import time
import urllib.error
import urllib.request
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

ROLES = ("citizen", "officer", "state_admin")
CHECKS = ("not_a_server_error", "response_schema_conformance", "status_code_conformance", "negative_data_rejection")

# What invalid data may be refused with, besides schemathesis's own list: our API answers a body
# that is too large with 413, one that is not JSON with 415, and a limit reached before the data
# is read with 429 — each documented on the operations that can answer it.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]


@dataclass(frozen=True)
class Exclusion:
    """An operation left out of some callers' runs, because it would end the run (not to hide a
    failure)."""

    operation: str
    roles: tuple[str, ...]
    reason: str


EXCLUDED = [
    Exclusion(
        "DELETE /me",
        ("citizen",),
        "erases the citizen whose token the run uses, so every later request would be a 401 "
        "(tests/integration/test_erasure.py covers erasure)",
    ),
]


@dataclass(frozen=True)
class Budget:
    """How hard to fuzz: examples per operation per phase, and stateful scenarios and their length."""

    max_examples: int
    stateful_scenarios: int
    stateful_steps: int
    seed: int = 20261203
    coverage: bool = True


# tests/fuzz/'s budget: about 400 requests a caller, the three callers in about a minute on two cores.
BOUNDED = Budget(max_examples=2, stateful_scenarios=5, stateful_steps=4, coverage=False)
LARGE = Budget(max_examples=50, stateful_scenarios=100, stateful_steps=10)


def excluded_for(role: str) -> list[str]:
    return [exclusion.operation for exclusion in EXCLUDED if role in exclusion.roles]


def fuzz_config(role: str, token: str, budget: Budget, *, stateful: bool) -> Any:
    """The schemathesis configuration of one caller's run (what a schemathesis.toml would say)."""
    import schemathesis

    generation = {"mode": "all", "max-examples": budget.max_examples, "database": "none"}
    return schemathesis.Config.from_dict(
        {
            "seed": budget.seed,
            "cache": {"enabled": False},  # nothing written into the working tree
            "workers": 1,  # the local API serves one request at a time, as one Lambda instance does
            "auth": {"openapi": {"bearerAuth": {"bearer": token}}},
            "generation": generation,
            "checks": {
                "enabled": False,
                **{name: {"enabled": True} for name in CHECKS},
                "negative_data_rejection": {"enabled": True, "expected-statuses": REJECTIONS},
            },
            "phases": {
                "coverage": {"enabled": budget.coverage},
                "stateful": {
                    "enabled": stateful,
                    "max-steps": budget.stateful_steps,
                    "generation": {**generation, "max-examples": budget.stateful_scenarios},
                },
            },
            "operations": [{"include-name": name, "enabled": False} for name in excluded_for(role)],
        }
    )


Kind = tuple[str, str, str, int | None, str]


@dataclass(frozen=True)
class Finding:
    """One check that failed: on which operation, for which request, with which answer."""

    role: str
    phase: str
    operation: str
    check: str
    title: str
    message: str
    request: str
    status: int | None
    response: str

    @property
    def kind(self) -> Kind:
        """What makes two findings the same one: the operation, the check, the answer's status
        and what the check names (for invalid data, which part of the request was invalid)."""
        lines = self.message.strip().splitlines()
        named = next((line for line in lines if line.startswith("Invalid component")), lines[0] if lines else "")
        return (self.operation, self.check, self.title, self.status, named)

    def describe(self, roles: list[str]) -> str:
        message = "\n".join(f"      {line}" for line in self.message.strip().splitlines())
        return (
            f"  {self.operation} — {self.check}: {self.title}\n"
            f"    as {', '.join(roles)}, first in the {self.phase} phase\n"
            f"{message}\n"
            f"    request: {self.request}\n"
            f"    answer: {self.status} {self.response}"
        )


@dataclass
class Run:
    """What one caller's run did."""

    role: str
    requests: int = 0
    requests_by_phase: Counter[str] = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    links: int = 0  # links between operations the stateful phase used (inferred from the schema)
    seconds: float = 0.0


def distinct(findings: list[Finding]) -> dict[Kind, tuple[Finding, list[str]]]:
    """Each distinct finding once (its first example), with the roles that met it."""
    found: dict[Kind, tuple[Finding, list[str]]] = {}
    for finding in findings:
        roles = found.setdefault(finding.kind, (finding, []))[1]
        if finding.role not in roles:
            roles.append(finding.role)
    return found


def fuzz_as(base_url: str, role: str, token: str, budget: Budget, *, stateful: bool = True) -> Run:
    """Run schemathesis against the API at base_url as the caller holding token."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    config = fuzz_config(role, token, budget, stateful=stateful)
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json", config=config)
    schema.config.update(base_url=base_url)
    run = Run(role)
    started = time.monotonic()

    @schema.hook
    def after_call(context: Any, case: Any, response: Any) -> None:
        run.requests += 1
        run.requests_by_phase[case.meta.phase.name.value if case.meta else "other"] += 1

    for event in from_schema(schema).execute():
        if isinstance(event, events.PhaseStarted) and isinstance(event.payload, events.StatefulPhasePayload):
            run.links = event.payload.transitions_selected
        elif isinstance(event, events.ScenarioFinished):
            run.findings.extend(findings_of(role, event.phase.value, event.recorder))
        elif isinstance(event, events.NonFatalError):
            run.errors.append(f"[{role}] {event.label}: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            run.errors.append(f"[{role}] fatal: {event.exception!r}")
    run.seconds = time.monotonic() - started
    return run


def findings_of(role: str, phase: str, recorder: Any) -> list[Finding]:
    from schemathesis.engine import Status

    found = []
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status != Status.FAILURE or check.failure_info is None:
                continue
            failure = check.failure_info.failure
            interaction = recorder.interactions.get(failure.case_id or case_id)
            request, status, answer = "(no request recorded)", None, ""
            if interaction is not None:
                sent = interaction.request
                body = shortened((sent.body or b"").decode("utf-8", "replace"))
                request = f"{sent.method} {shortened(sent.uri)}" + (f" {body}" if body else "")
                if interaction.response is not None:
                    status = interaction.response.status_code
                    answer = shortened((interaction.response.content or b"").decode("utf-8", "replace"))
            operation = failure.operation or recorder.label
            found.append(
                Finding(role, phase, operation, check.name, failure.title, failure.message, request, status, answer)
            )
    return found


def shortened(text: str, most: int = 400) -> str:
    return text if len(text) <= most else text[:most] + "…"


def report(runs: list[Run], seconds: float) -> str:
    """The figures: requests per caller and phase, distinct failures by check, then each of
    them with the request that caused it and the answer."""
    lines = ["", "fuzzing the citizen-crm API (schemathesis)", ""]
    for run in runs:
        phases = ", ".join(f"{phase} {count}" for phase, count in sorted(run.requests_by_phase.items()))
        links = f"; {run.links} links between operations" if run.requests_by_phase["stateful"] else ""
        lines.append(f"  {run.role:<12} {run.requests:>6} requests in {run.seconds:6.1f} s ({phases}{links})")
    findings = distinct([finding for run in runs for finding in run.findings])
    by_check = Counter(finding.check for finding, _ in findings.values())
    lines += ["", "  distinct failures by check:"]
    lines += [f"    {check:<30} {by_check.get(check, 0)}" for check in CHECKS]
    errors = [error for run in runs for error in run.errors]
    if errors:
        lines += ["", f"  errors ({len(errors)}):", *(f"    {error}" for error in errors)]
    if findings:
        lines += ["", f"  failures ({len(findings)} distinct):"]
        lines += [finding.describe(roles) for finding, roles in sorted(findings.values(), key=lambda f: f[0].kind)]
    lines += ["", f"  {sum(run.requests for run in runs)} requests in {seconds:.1f} s", ""]
    return "\n".join(lines)


# --- the callers ---------------------------------------------------------------------------


def call(base_url: str, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base_url}{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def log_in(base_url: str, username: str, password: str) -> str:
    status, answer = call(base_url, "POST", "/auth/login", {"username": username, "password": password})
    if status != 200:
        raise SystemExit(f"cannot log in {username}: {status} {answer}")
    return str(answer["access_token"])


def new_citizen(base_url: str) -> str:
    """Register, verify by the OTP the stack's poller delivers to the outbox, and log in."""
    import random

    from chalicelib.domain.identity import verhoeff_check_digit

    digits = f"9{random.randrange(10**10):010d}"  # noqa: S311  (a demo identity, not a secret)
    mobile, password = f"+9197{random.randrange(10**8):08d}", "a long enough passphrase"  # noqa: S311
    body = {
        "name": "Fuzz Citizen",
        "national_id": digits + verhoeff_check_digit(digits),
        "mobile": mobile,
        "password": password,
        "address": {"line": "1 Test Lane", "district": "KHORDHA", "pincode": "751001"},
    }
    status, answer = call(base_url, "POST", "/citizens", body)
    if status != 201:
        raise SystemExit(f"cannot register a citizen: {status} {answer}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _, outbox = call(base_url, "GET", "/dev/outbox?to=" + urllib.request.quote(mobile))
        codes = [re.search(r"\b(\d{6})\b", m["text"]) for m in outbox["messages"] if m["channel"] == "sms"]
        if codes and codes[-1]:
            break
        time.sleep(0.2)
    else:
        raise SystemExit("no OTP reached the outbox")
    status, answer = call(base_url, "POST", "/citizens/verify", {"mobile": mobile, "otp": codes[-1].group(1)})
    if status != 200:
        raise SystemExit(f"cannot verify the citizen: {status} {answer}")
    return log_in(base_url, mobile, password)


def staff_login(base_url: str, role: str) -> str:
    _, answer = call(base_url, "GET", "/dev/accounts")
    account = next(a for a in answer["accounts"] if a["role"] == role)
    return log_in(base_url, account["username"], account["password"])


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=LARGE.max_examples, help="per operation and phase")
    parser.add_argument("--stateful-scenarios", type=int, default=LARGE.stateful_scenarios)
    parser.add_argument("--stateful-steps", type=int, default=LARGE.stateful_steps)
    parser.add_argument("--seed", type=int, default=LARGE.seed)
    parser.add_argument("--role", choices=ROLES, action="append", help="only these callers (default: all three)")
    parser.add_argument("--no-stateful", action="store_true")
    parser.add_argument(
        "--no-coverage", action="store_true", help="leave out the coverage phase (~4,000 requests a caller)"
    )
    return parser.parse_args()


def start_stack() -> Any:
    """`make dev`'s stack on free ports, with the limits per source raised and no line per request."""
    sys.path.insert(0, str(REPO_ROOT))
    from chalice.local import ChaliceRequestHandler

    from chalicelib.services.limits import DEFAULTS
    from infra import devstack

    # Every request comes from 127.0.0.1, where a real API sees many addresses: the limits per
    # source address are raised (as the test suite does); those per account and citizen stay.
    os.environ["RATE_LIMITS"] = ",".join(f"{name}=100000/1h" for name in DEFAULTS if "source" in name)
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"  # no EMF line per business event on stdout
    # Tens of thousands of request lines (the HTTP server's, moto's) would bury the figures.
    ChaliceRequestHandler.log_message = lambda *_: None  # type: ignore[method-assign]
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", "No application metrics to publish")
    ports = [devstack.free_port() for _ in range(4)]
    stack = devstack.LocalStack(moto_port=ports[0], api_port=ports[1], webhook_port=ports[2], web_port=ports[3])
    stack.start()
    # The app logs at INFO too: its Logger and every child Logger made so far (each has its own
    # level) are turned down, and any made later reads the variable.
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"
    service = os.environ["POWERTOOLS_SERVICE_NAME"]
    for name in list(logging.root.manager.loggerDict):
        if name == service or name.startswith(f"{service}."):
            logging.getLogger(name).setLevel(logging.ERROR)
    return stack


def main() -> int:
    args = parse_args()
    budget = Budget(args.max_examples, args.stateful_scenarios, args.stateful_steps, args.seed, not args.no_coverage)
    print("starting the local stack ...", flush=True)
    stack = start_stack()
    base_url = f"http://127.0.0.1:{stack.api_port}"
    started = time.monotonic()
    try:
        runs = []
        for role in args.role or ROLES:
            token = new_citizen(base_url) if role == "citizen" else staff_login(base_url, role)
            print(f"fuzzing as {role} ...", flush=True)
            runs.append(fuzz_as(base_url, role, token, budget, stateful=not args.no_stateful))
    finally:
        stack.stop()
    print(report(runs, time.monotonic() - started))
    return 1 if any(run.findings or run.errors for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
