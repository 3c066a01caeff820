"""`make load` and `make chaos`, kept small: each bench runs as a newcomer would run it, a
subprocess that starts its own stack on free ports, and what it prints must add up — no
error, no grievance lost or doubled. Figures are read, never timed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# What tests/conftest.py set for the suite's own stack; a bench sets up its own.
SUITE_ONLY = ("RATE_LIMITS", "RETRY_BASE_SECONDS", "WEBHOOK_RECEIVER_URL", "AWS_ENDPOINT_URL", "MOTO_PORT")


def run_bench(script: str, *args: str) -> tuple[int, str]:
    completed = subprocess.run(
        [sys.executable, script, *args],
        cwd=REPO_ROOT,
        env={name: value for name, value in os.environ.items() if name not in SUITE_ONLY},
        capture_output=True,
        text=True,
        timeout=600,  # a bound on a hung bench, not a speed claim
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr


def figure(output: str, pattern: str) -> int:
    found = re.search(pattern, output, re.MULTILINE)
    assert found, f"no {pattern!r} in:\n{output}"
    return int(found.group(1))


def test_ten_people_at_once_get_no_error_and_lose_no_grievance(tmp_path):
    # Given the dev runner with ten people browsing, registering, filing, tracking, working
    # a queue and reading reports for twenty seconds
    status, output = run_bench(
        "bench/load.py", "--users", "10", "--spawn-rate", "5", "--run-time", "20", "--out", str(tmp_path)
    )

    # Then every answer was the one expected, and every grievance filed is there once
    assert status == 0, output
    assert figure(output, r"^requests\s+(\d+)") >= 30
    assert figure(output, r"errors = (\d+)") == 0
    filed = figure(output, r"^filed\s+(\d+) grievances")
    assert filed >= 1
    assert figure(output, r"lost = (\d+)") == 0
    assert figure(output, r"duplicated = (\d+)") == 0
    assert figure(output, r"routed exactly once = (\d+)/") == filed
    assert figure(output, r"timers running = (\d+)/") == filed


def test_a_burst_through_killed_consumers_and_a_frozen_aws_loses_and_doubles_nothing(tmp_path):
    # Given a burst of grievances filed at once, the consumers killed and AWS frozen (for
    # longer than the client waits for an answer) while they arrive
    burst = 40
    status, output = run_bench(
        "bench/chaos.py",
        *("--grievances", str(burst), "--client-timeout", "5", "--outage-seconds", "6"),
        *("--consumers-down-seconds", "2", "--visibility-timeout", "10", "--out", str(tmp_path)),
    )

    # Then both blows landed mid-burst, and the client had to file again through the outage
    assert status == 0, output
    assert figure(output, r"consumers killed \(SIGKILL\).*\((\d+) accepted\)") < burst
    assert figure(output, r"moto frozen \(SIGSTOP\) \((\d+) accepted\)") < burst
    on_purpose = figure(output, r"\((\d+) on purpose\)")
    assert figure(output, r"(\d+) tries again with the same key") > on_purpose
    # And every grievance the client was told is filed is there once, routed once, timed
    assert figure(output, r"accepted = (\d+)") == burst
    assert figure(output, r"lost = (\d+)") == 0
    assert figure(output, r"duplicated = (\d+)") == 0
    assert figure(output, r"unanswered = (\d+)") == 0
    assert figure(output, r"routed exactly once = (\d+)/") == burst
    assert figure(output, r"timers running = (\d+)/") == burst
    assert figure(output, r"dead letters = (\d+)") == 0
