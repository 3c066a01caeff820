"""Test harness: one real moto server per test session, the stack built as `make dev` does.

The environment is set here, before anything imports the app, because Powertools reads
its service name at import and Chalice binds SQS queue names when `app.py` is imported.
Integration tests call the real handlers (through `chalice.test.Client` or the SQS
poller) against moto over HTTP; nothing of AWS is faked by hand.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from infra import devstack
from infra.devstack import free_port

# Tests assert behaviour, never wall-clock time: Hypothesis's per-example deadline (200 ms)
# fails a property whose first example pays a lazy import on a loaded CI machine.
hypothesis_settings.register_profile("suite", deadline=None)
hypothesis_settings.load_profile("suite")

MOTO_PORT = free_port()
WEBHOOK_PORT = free_port()
# Failed deliveries come straight back, so a test can watch every retry without waiting.
os.environ["RETRY_BASE_SECONDS"] = "0"
# Every test request comes from 127.0.0.1: the per-source limits are raised for the suite so
# that only the tests about them (the `rate_limits` fixture) ever reach one.
PER_SOURCE_LIMITS = ("otp_sends", "registrations", "logins", "tracks", "otp_guesses_per_mobile_and")
SUITE_RATE_LIMITS = ",".join(f"{name}_per_source=100000/1h" for name in PER_SOURCE_LIMITS)
os.environ["RATE_LIMITS"] = SUITE_RATE_LIMITS
devstack.prepare_environment(MOTO_PORT, WEBHOOK_PORT)
ENDPOINT = f"http://127.0.0.1:{MOTO_PORT}"

from chalice.test import Client  # noqa: E402  (after the environment is set)

from chalicelib import aws  # noqa: E402
from tests import privacy  # noqa: E402

# Every answer, log record and AWS call of the session is scanned for personal data (issue 17).
PRIVACY_SCAN = privacy.PrivacyScan()
privacy.install(PRIVACY_SCAN)
PRIVACY_FIGURES = Path(__file__).resolve().parents[1] / "build" / "privacy-scan"


class StackState:
    """Whether moto currently holds the provisioned, seeded demo state."""

    def __init__(self) -> None:
        self.resources: Any = None
        self.seed: Any = None

    def reset(self) -> None:
        request = urllib.request.Request(f"{ENDPOINT}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
        aws.reset_caches()
        self.resources = None
        self.seed = None

    def provision(self) -> Any:
        self.resources = devstack.build_stack()
        return self.resources

    def ensure_seeded(self) -> StackState:
        if self.seed is None:
            if self.resources is None:
                self.reset()
                self.provision()
            self.seed = devstack.seed_demo_state()
        return self


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    server = devstack.start_moto(MOTO_PORT)
    yield ENDPOINT
    server.stop()


@pytest.fixture(scope="session")
def webhook_receiver() -> Iterator[Any]:
    """The demo departments' webhook server, as the dev runner runs it."""
    from infra.webhook_receiver import WebhookReceiver

    receiver = WebhookReceiver("127.0.0.1", WEBHOOK_PORT).start()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="session")
def _stack_state(moto_server: str, webhook_receiver: Any) -> StackState:
    return StackState()


@pytest.fixture
def stack(_stack_state: StackState) -> StackState:
    """The seeded demo state, shared between tests: create your own records, don't edit it."""
    return _stack_state.ensure_seeded()


@pytest.fixture
def empty_stack(_stack_state: StackState) -> Iterator[StackState]:
    """Every resource provisioned but nothing seeded; the shared state is rebuilt after."""
    _stack_state.reset()
    _stack_state.provision()
    yield _stack_state
    _stack_state.reset()


@pytest.fixture
def bare_moto(_stack_state: StackState) -> Iterator[StackState]:
    """moto with no resources at all (to see what fails when a table is missing)."""
    _stack_state.reset()
    yield _stack_state
    _stack_state.reset()


@pytest.fixture
def rate_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set some rate limits for one test: `rate_limits("registrations_per_source=3/1h")`."""
    from chalicelib.config import get_settings

    def set_limits(rules: str) -> None:
        monkeypatch.setenv("RATE_LIMITS", f"{SUITE_RATE_LIMITS},{rules}")
        get_settings.cache_clear()

    yield set_limits
    monkeypatch.setenv("RATE_LIMITS", SUITE_RATE_LIMITS)
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def chalice_app() -> Any:
    import app as app_module

    return app_module


@pytest.fixture
def api(chalice_app: Any) -> Iterator[Any]:
    with Client(chalice_app.app, stage_name="local") as client:
        yield client.http


def pytest_configure(config: pytest.Config) -> None:
    # One folder per run, named by the controller and inherited by its xdist workers, so that
    # runs side by side do not mix their figures.
    if not hasattr(config, "workerinput"):
        os.environ["PRIVACY_SCAN_RUN"] = uuid.uuid4().hex


def privacy_figures() -> Path:
    return PRIVACY_FIGURES / os.environ.get("PRIVACY_SCAN_RUN", "unnamed")


@pytest.fixture(scope="session", autouse=True)
def privacy_scan() -> Iterator[privacy.PrivacyScan]:
    """Fails the session (an error at its last teardown) on any personal data seen where it
    must not be; each process writes what it scanned for the summary."""
    yield PRIVACY_SCAN
    folder = privacy_figures()
    folder.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    figures = PRIVACY_SCAN.figures()
    (folder / f"{worker}.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    if PRIVACY_SCAN.hits:
        shown = "\n".join(sorted(set(figures["hits"])))
        raise privacy.PrivacyLeak(f"{len(PRIVACY_SCAN.hits)} sight(s) of personal data:\n{shown}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if hasattr(terminalreporter.config, "workerinput"):
        return
    scanned: Counter[str] = Counter()
    hits = 0
    folder = privacy_figures()
    for path in folder.glob("*.json"):
        figures = json.loads(path.read_text(encoding="utf-8"))
        scanned.update(figures["scanned"])
        hits += len(figures["hits"])
    shutil.rmtree(folder, ignore_errors=True)
    if scanned:
        terminalreporter.write_line(
            f"privacy scan: {scanned['response']} answers, {scanned['log']} log records and "
            f"{scanned['aws']} AWS calls scanned; {hits} sights of personal data"
        )
