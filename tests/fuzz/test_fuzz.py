"""Schemathesis against the API over HTTP, bounded: bench/fuzz.py's run (`make fuzz`, ~25,000
requests) with the same checks and phases — examples, generated data valid and invalid, and the
stateful phase chaining operations through their links — on a budget the suite can afford (bench's
BOUNDED: no coverage phase, which alone is ~4,000 requests a caller) and its fixed seed, so
that a CI failure replays. Any finding fails, with the bench's report of it."""

from __future__ import annotations

import time

import pytest

from bench.fuzz import BOUNDED, ROLES, fuzz_as, new_citizen, report, staff_login


@pytest.mark.parametrize("role", ROLES)
def test_fuzzing_as_a_caller_finds_nothing(fuzz_target, role):
    # Given a fresh citizen, or a seeded staff account, logged in
    token = new_citizen(fuzz_target) if role == "citizen" else staff_login(fuzz_target, role)

    # When schemathesis fuzzes every documented operation with their token
    started = time.monotonic()
    run = fuzz_as(fuzz_target, role, token, BOUNDED, stateful=True)

    # Then no check failed, and the run did reach the stateful phase (not a vacuous pass)
    figures = report([run], time.monotonic() - started)
    if run.findings or run.errors:
        pytest.fail(figures, pytrace=False)
    assert run.requests_by_phase["stateful"] and run.links, figures
    print(figures)  # what a passing run covered, shown with `-rP`
