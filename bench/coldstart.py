"""Cold-start import cost of citizen-crm, measured the way Lambda pays it.

Each measurement runs in a fresh interpreter (a subprocess of this Python, working in the
repo root, with the Lambda-like environment below) that times one import statement:

    t0 = time.perf_counter(); import ...; print(time.perf_counter() - t0)

Targets: the whole application (`import app`), the bare framework baseline
(`import chalice, boto3`), and on their own `chalice`, `boto3`, `pynamodb.models`,
Powertools' `Logger` and `pydantic`. Every target gets one untimed warm-up run first, so
its `.pyc` files exist as they do on Lambda after the first deploy (PYTHONDONTWRITEBYTECODE
is removed from the children's environment for that reason), then `--runs` timed runs,
interleaved across targets so drift on the machine hits them all alike.

Printed: median/min/max milliseconds per target, the ratio of `app` to `chalice+boto3`
medians, how many modules `import app` loads, and whether `aws_xray_sdk` gets loaded (it
should not: the app leaves Powertools' Tracer out on purpose). Figures only, no thresholds.

Run it with `make bench` or `.venv/bin/python bench/coldstart.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUNS = 7
MIN_RUNS = 5
CHILD_TIMEOUT_SECONDS = 120.0

LAMBDA_ENVIRONMENT = {
    "RESOURCE_PREFIX": "crm-local",
    "POWERTOOLS_SERVICE_NAME": "citizen-crm",
    "POWERTOOLS_METRICS_NAMESPACE": "CitizenCRM",
    "AWS_DEFAULT_REGION": "ap-south-1",
}

APP_LABEL = "app"
BASELINE_LABEL = "chalice+boto3"


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

APP_MODULES_CODE = """\
import sys
before = len(sys.modules)
import app
print(len(sys.modules) - before)
print('aws_xray_sdk' in sys.modules)
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


def child_environment() -> dict[str, str]:
    """This process's environment, Lambda-like, with bytecode caching left on."""
    env = {**os.environ, **LAMBDA_ENVIRONMENT}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(code: str) -> list[str]:
    """Run `code` with `python -c` in a fresh interpreter; return its non-empty stdout lines."""
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=child_environment(),
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


def time_import(statement: str) -> float:
    """Seconds one fresh interpreter spends on `statement`."""
    return float(run_child(timing_code(statement))[-1])


def measure(targets: tuple[Target, ...], runs: int) -> list[Timing]:
    """One untimed warm-up per target, then `runs` timed rounds across all targets."""
    for target in targets:
        time_import(target.statement)
    samples: dict[str, list[float]] = {target.label: [] for target in targets}
    for _ in range(runs):
        for target in targets:
            samples[target.label].append(time_import(target.statement))
    return [Timing(target.label, samples[target.label]) for target in targets]


def app_module_facts() -> tuple[int, bool]:
    """How many modules `import app` loads, and whether `aws_xray_sdk` is among them."""
    count, xray_loaded = run_child(APP_MODULES_CODE)[-2:]
    return int(count), xray_loaded == "True"


def format_table(timings: list[Timing]) -> str:
    width = max(len("target"), *(len(timing.label) for timing in timings))
    header = f"{'target':<{width}}  {'median ms':>10}  {'min ms':>8}  {'max ms':>8}"
    rows = [
        f"{timing.label:<{width}}  {timing.median_ms:>10.1f}  {timing.min_ms:>8.1f}  {timing.max_ms:>8.1f}"
        for timing in timings
    ]
    return "\n".join([header, "-" * len(header), *rows])


def runs_argument(value: str) -> int:
    runs = int(value)
    if runs < MIN_RUNS:
        raise argparse.ArgumentTypeError(f"at least {MIN_RUNS} runs are needed for a meaningful median, got {runs}")
    return runs


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Measure citizen-crm's cold-start import cost.")
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
    timings = measure(TARGETS, args.runs)
    print(format_table(timings))
    by_label = {timing.label: timing for timing in timings}
    ratio = by_label[APP_LABEL].median_ms / by_label[BASELINE_LABEL].median_ms
    print(f"cold-start ratio {APP_LABEL} / {BASELINE_LABEL}: {ratio:.2f}x")
    module_count, xray_loaded = app_module_facts()
    print(f"modules loaded by `import app`: {module_count}")
    print(f"aws_xray_sdk in sys.modules after `import app`: {xray_loaded}")


if __name__ == "__main__":
    main()
