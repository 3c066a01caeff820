"""The stack the bounded fuzzing runs against, in the test process: the API over real HTTP (the
integration tests' dev_server) with its SQS consumers polling, as `make dev` runs them, on the
session's moto. bench/fuzz.py's start_stack would start a second moto and point the whole
process at it, which the rest of the session's tests could not survive."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.local import ChaliceRequestHandler

from infra.sqs_poller import SqsPoller, subscriptions_of
from tests.integration.conftest import dev_server  # noqa: F401  (the one way the API is served over HTTP)


@pytest.fixture
def fuzzed_state(_stack_state: Any, webhook_receiver: Any) -> Iterator[Any]:
    """A freshly seeded demo state, rebuilt again afterwards: the state cell's run edits the
    seeded departments, staff and calendar, which the other tests share, and each run should
    meet the same state whatever ran before it in this worker — the departments' webhook
    receiver too, which keeps the hand-made deliveries of the webhook tests (`/dev/outbox`
    documents the deliveries this stack sends)."""
    _stack_state.reset()
    webhook_receiver.deliveries.clear()
    yield _stack_state.ensure_seeded()
    _stack_state.reset()


@pytest.fixture
def consumers(chalice_app: Any, fuzzed_state: Any) -> Iterator[SqsPoller]:
    """The app's SQS handlers fed by pollers while the run lasts: OTPs reach the outbox and
    filed grievances are routed, as on the local stack."""
    poller = SqsPoller(subscriptions_of(chalice_app), region=os.environ["AWS_DEFAULT_REGION"])
    poller.start()
    yield poller
    poller.stop()


@pytest.fixture
def quiet_stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No access-log line per request from the API's and moto's HTTP servers, nor a metrics line
    per business event: a failure's captured output would bury its report under thousands of
    them. The app's own log records stay, for the privacy scan to read."""
    monkeypatch.setattr(ChaliceRequestHandler, "log_message", lambda *_: None)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")  # read at each flush
    moto_access_log = logging.getLogger("werkzeug")
    level = moto_access_log.level
    moto_access_log.setLevel(logging.ERROR)  # setLevel, not the attribute: it drops the cached answers
    yield
    moto_access_log.setLevel(level)


@pytest.fixture
def fuzz_target(quiet_stack: None, fuzzed_state: Any, consumers: SqsPoller, dev_server: int) -> str:  # noqa: F811
    """The base URL of the API to fuzz."""
    return f"http://127.0.0.1:{dev_server}"
