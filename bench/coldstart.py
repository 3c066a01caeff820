"""Cold start of citizen-crm, measured the way Lambda pays it: imports, and the first response.

Every measurement runs in a fresh interpreter (a subprocess of this Python, working in the
repo root). Every target gets one untimed warm-up run first, so its `.pyc` files exist as
they do on Lambda after the first deploy (PYTHONDONTWRITEBYTECODE is removed from the
children's environment for that reason), then `--runs` timed runs, interleaved across
targets so drift on the machine hits them all alike.

First response (issue 18: citizen-crm's within 1.1x of the baseline's). The child does what
Lambda's runtime does on a cold start: imports the handler module, then calls the app
object with an API Gateway proxy event for `GET /services/WATER_NEW_CONNECTION` (a public
catalogue read: one DynamoDB GetItem once warm, tests/integration/test_aws_call_budget.py)
and a Lambda context. The app's clients are made inside that first call, as they are on
Lambda. Timed from just before the parent starts the child to the response in hand in the
child (CLOCK_MONOTONIC is one clock for every process), so interpreter start-up counts too.
The baseline, `bench/coldstart_baseline_app.py`, is a one-route Chalice app doing the same
GetItem with boto3. Both read the same item of a moto server this process starts, built
and seeded as `make dev` does, with the local stage's environment. Each child's split
(start-up, import, first call) and how many modules it ended with are printed too.

Imports alone, in the Lambda-like environment below: the whole application (`import app`),
the bare framework baseline (`import chalice, boto3`), and on their own `chalice`,
`boto3`, `pynamodb.models`, Powertools' `Logger` and `pydantic`, each timed as

    t0 = time.perf_counter(); import ...; print(time.perf_counter() - t0)

Printed: median/min/max milliseconds per target, the ratios of citizen-crm to baseline
medians, how many modules `import app` loads, and whether `aws_xray_sdk` gets loaded (it
should not: the app leaves Powertools' Tracer out on purpose). Figures only, no thresholds.

Run it with `make bench` or `.venv/bin/python bench/coldstart.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = 7
MIN_RUNS = 7
CHILD_TIMEOUT_SECONDS = 120.0

LAMBDA_ENVIRONMENT = {
    "RESOURCE_PREFIX": "crm-local",
    "POWERTOOLS_SERVICE_NAME": "citizen-crm",
    "POWERTOOLS_METRICS_NAMESPACE": "CitizenCRM",
    "AWS_DEFAULT_REGION": "ap-south-1",
}

APP_LABEL = "app"
BASELINE_LABEL = "chalice+boto3"

# The first response: one public catalogue read that costs one GetItem once warm.
SERVICE_CODE = "WATER_NEW_CONNECTION"
RESULT_MARKER = "coldstart-result "


@dataclass(frozen=True)
class Target:
    label: str
    statement: str


TARGETS: tuple[Target, ...] = (
    Target(APP_LABEL, "import app"),
    Target(BASELINE_LABEL, "import chalice, boto3"),
    Target("chalice", "import chalice"),
    Target("boto3", "import boto3"),
    Target("pynamodb.models", "import pynamodb.models"),
    Target("aws_lambda_powertools.Logger", "from aws_lambda_powertools import Logger"),
    Target("pydantic", "import pydantic"),
)

# Handler modules of the first response: citizen-crm's and the minimal app's (both `.app`).
FIRST_RESPONSE_TARGETS: tuple[Target, ...] = (
    Target(APP_LABEL, "app"),
    Target(BASELINE_LABEL, "bench.coldstart_baseline_app"),
)

APP_MODULES_CODE = """\
import sys
before = len(sys.modules)
import app
print(len(sys.modules) - before)
print('aws_xray_sdk' in sys.modules)
"""

# What Lambda's runtime does on a cold start: import the handler's module, call its app
# with the event and a context. The timestamps are CLOCK_MONOTONIC, comparable with the
# parent's taken just before it started this interpreter.
FIRST_RESPONSE_CODE = """\
import time
begun = time.monotonic()
import {module} as handler_module
imported = time.monotonic()
import json, sys


class LambdaContext:
    function_name = "citizen-crm-coldstart"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:ap-south-1:123456789012:function:citizen-crm-coldstart"
    memory_limit_in_mb = 512
    aws_request_id = "coldstart-first-request"
    log_group_name = "/aws/lambda/citizen-crm-coldstart"
    log_stream_name = "coldstart"

    def get_remaining_time_in_millis(self):
        return 29000


response = handler_module.app({event!r}, LambdaContext())
answered = time.monotonic()
result = dict(begun=begun, imported=imported, answered=answered, modules=len(sys.modules), response=response)
print({marker!r} + json.dumps(result))
"""


@dataclass(frozen=True)
class Timing:
    label: str
    seconds: list[float]

    @property
    def median_ms(self) -> float:
        return statistics.median(self.seconds) * 1000

    @property
    def min_ms(self) -> float:
        return min(self.seconds) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.seconds) * 1000


@dataclass(frozen=True)
class FirstResponse:
    """One cold start, in seconds: start-up (parent's spawn to the child's first line), the
    handler module's import, the first call; and the modules loaded by then."""

    startup: float
    imported: float
    first_call: float
    modules: int

    @property
    def total(self) -> float:
        return self.startup + self.imported + self.first_call


def child_environment(base: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    """`base` with `overrides`, with bytecode caching left on."""
    env = {**base, **overrides}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(code: str, env: Mapping[str, str]) -> list[str]:
    """Run `code` with `python -c` in a fresh interpreter; return its non-empty stdout lines."""
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"child failed ({completed.returncode}) running:\n{code}\n{completed.stderr}")
    return [line for line in completed.stdout.splitlines() if line.strip()]


def timing_code(statement: str) -> str:
    return f"import time\nt0 = time.perf_counter()\n{statement}\nprint(time.perf_counter() - t0)\n"


def time_import(statement: str, env: Mapping[str, str]) -> float:
    """Seconds one fresh interpreter spends on `statement`."""
    return float(run_child(timing_code(statement), env)[-1])


def measure(targets: tuple[Target, ...], runs: int, env: Mapping[str, str]) -> list[Timing]:
    """One untimed warm-up per target, then `runs` timed rounds across all targets."""
    for target in targets:
        time_import(target.statement, env)
    samples: dict[str, list[float]] = {target.label: [] for target in targets}
    for _ in range(runs):
        for target in targets:
            samples[target.label].append(time_import(target.statement, env))
    return [Timing(target.label, samples[target.label]) for target in targets]


def app_module_facts(env: Mapping[str, str]) -> tuple[int, bool]:
    """How many modules `import app` loads, and whether `aws_xray_sdk` is among them."""
    count, xray_loaded = run_child(APP_MODULES_CODE, env)[-2:]
    return int(count), xray_loaded == "True"


def service_read_event(code: str) -> dict[str, Any]:
    """An API Gateway (REST, Lambda proxy) event for `GET /services/{code}`, as API Gateway
    sends it: no query string, a browser's headers."""
    path = f"/services/{code}"
    headers = {
        "Accept": "application/json",
        "Host": "api.grievance.local.gov.in",
        "User-Agent": "Mozilla/5.0 (coldstart bench)",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Proto": "https",
    }
    return {
        "resource": "/services/{code}",
        "path": path,
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": {"code": code},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/services/{code}",
            "httpMethod": "GET",
            "path": f"/api{path}",
            "stage": "api",
            "requestId": "c0ld5747-0000-4000-8000-000000000001",
            "identity": {"sourceIp": "203.0.113.7"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def first_response(module: str, env: Mapping[str, str]) -> FirstResponse:
    """One cold start of `module`'s app answering the service read, checked to be a 200
    carrying the service."""
    code = FIRST_RESPONSE_CODE.format(module=module, event=service_read_event(SERVICE_CODE), marker=RESULT_MARKER)
    spawned = time.monotonic()
    lines = run_child(code, env)
    result = json.loads(next(line for line in reversed(lines) if line.startswith(RESULT_MARKER))[len(RESULT_MARKER) :])
    response = result["response"]
    if response["statusCode"] != 200 or json.loads(response["body"]).get("code") != SERVICE_CODE:
        raise SystemExit(f"{module} did not answer the service read: {response}")
    return FirstResponse(
        startup=result["begun"] - spawned,
        imported=result["imported"] - result["begun"],
        first_call=result["answered"] - result["imported"],
        modules=result["modules"],
    )


def measure_first_responses(
    targets: tuple[Target, ...], runs: int, env: Mapping[str, str]
) -> dict[str, list[FirstResponse]]:
    """One untimed warm-up per target (bytecode, moto's first answers), then `runs` rounds."""
    for target in targets:
        first_response(target.statement, env)
    samples: dict[str, list[FirstResponse]] = {target.label: [] for target in targets}
    for _ in range(runs):
        for target in targets:
            samples[target.label].append(first_response(target.statement, env))
    return samples


@contextmanager
def seeded_stack() -> Iterator[dict[str, str]]:
    """A moto server in this process, built and seeded as `make dev` does; yields the local
    stage's environment pointing at it (the environment Lambda would give the app)."""
    sys.path.insert(0, str(REPO_ROOT))
    from infra import devstack

    port = devstack.free_port()
    devstack.prepare_environment(port)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    server = devstack.start_moto(port)
    try:
        devstack.build_stack()
        devstack.seed_demo_state()
        yield dict(os.environ)
    finally:
        server.stop()


def format_table(timings: list[Timing]) -> str:
    width = max(len("target"), *(len(timing.label) for timing in timings))
    header = f"{'target':<{width}}  {'median ms':>10}  {'min ms':>8}  {'max ms':>8}"
    rows = [
        f"{timing.label:<{width}}  {timing.median_ms:>10.1f}  {timing.min_ms:>8.1f}  {timing.max_ms:>8.1f}"
        for timing in timings
    ]
    return "\n".join([header, "-" * len(header), *rows])


def format_first_responses(samples: dict[str, list[FirstResponse]]) -> str:
    """Median/min/max of the whole first response, and the median of each part."""
    width = max(len("target"), *(len(label) for label in samples))
    header = (
        f"{'target':<{width}}  {'median ms':>10}  {'min ms':>8}  {'max ms':>8}"
        f"  {'start-up':>8}  {'import':>8}  {'1st call':>8}  {'modules':>7}"
    )
    rows = []
    for label, runs in samples.items():
        totals = [run.total * 1000 for run in runs]

        def part(name: str, runs: list[FirstResponse] = runs) -> float:
            return float(statistics.median(getattr(run, name) for run in runs)) * 1000

        rows.append(
            f"{label:<{width}}  {statistics.median(totals):>10.1f}  {min(totals):>8.1f}  {max(totals):>8.1f}"
            f"  {part('startup'):>8.1f}  {part('imported'):>8.1f}  {part('first_call'):>8.1f}"
            f"  {statistics.median(run.modules for run in runs):>7.0f}"
        )
    return "\n".join([header, "-" * len(header), *rows])


def runs_argument(value: str) -> int:
    runs = int(value)
    if runs < MIN_RUNS:
        raise argparse.ArgumentTypeError(f"at least {MIN_RUNS} runs are needed for a meaningful median, got {runs}")
    return runs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure citizen-crm's cold start: imports and first response.")
    parser.add_argument(
        "--runs",
        type=runs_argument,
        default=DEFAULT_RUNS,
        help=f"timed runs per target (default {DEFAULT_RUNS}, minimum {MIN_RUNS})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    print(f"python {sys.version.split()[0]} ({sys.executable}), {args.runs} runs per target after 1 warm-up")
    # Taken before the stack below points this process's environment at moto.
    import_environment = child_environment(os.environ, LAMBDA_ENVIRONMENT)

    with seeded_stack() as stage_environment:
        samples = measure_first_responses(FIRST_RESPONSE_TARGETS, args.runs, child_environment(stage_environment, {}))
    print(f"\nfirst response (start of the child to the answer in hand) of GET /services/{SERVICE_CODE}:")
    print(format_first_responses(samples))
    app_ms, baseline_ms = (statistics.median(run.total for run in samples[t.label]) for t in FIRST_RESPONSE_TARGETS)
    print(f"first-response ratio {APP_LABEL} / {BASELINE_LABEL}: {app_ms / baseline_ms:.2f}x (goal: 1.10x at most)")

    print("\nimports alone:")
    timings = measure(TARGETS, args.runs, import_environment)
    print(format_table(timings))
    by_label = {timing.label: timing for timing in timings}
    ratio = by_label[APP_LABEL].median_ms / by_label[BASELINE_LABEL].median_ms
    print(f"import ratio {APP_LABEL} / {BASELINE_LABEL}: {ratio:.2f}x")
    module_count, xray_loaded = app_module_facts(import_environment)
    print(f"modules loaded by `import app`: {module_count}")
    print(f"aws_xray_sdk in sys.modules after `import app`: {xray_loaded}")


if __name__ == "__main__":
    main()
