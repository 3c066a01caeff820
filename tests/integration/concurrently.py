"""Racing calls against the real stack: threads released at one instant, writes held until
every racer has read, and the SQS events Lambda would hand a consumer.

Chalice keeps the current request on the app object, so the HTTP test client cannot be
called from several threads at once: races call the use cases and the consumers' handler
functions directly. The moto server handles each request on its own thread (DynamoDB ones
one at a time, each atomic as in DynamoDB), so what decides a race is the conditional write
that reaches the table first.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from chalice.local import LambdaContext

from infra.sqs_poller import lambda_event

WAIT_SECONDS = 30  # a racer stuck this long has failed; the barrier breaks rather than hang the suite


@dataclass(frozen=True)
class Race:
    """What each call returned or raised, in the order the calls were given, and how many
    threads left the start line together."""

    outcomes: list[Any]
    started: int

    @property
    def answers(self) -> list[Any]:
        return [o for o in self.outcomes if not isinstance(o, Exception)]

    @property
    def errors(self) -> list[Exception]:
        return [o for o in self.outcomes if isinstance(o, Exception)]


def race(*calls: Callable[[], Any]) -> Race:
    """Run every call on its own thread, all released at once by a barrier. An exception a
    call raises is its outcome; a thread that never reaches the start line breaks the race."""
    start = threading.Barrier(len(calls), timeout=WAIT_SECONDS)
    counted = threading.Lock()
    started = 0

    def run(call: Callable[[], Any]) -> Any:
        nonlocal started
        start.wait()
        with counted:
            started += 1
        try:
            return call()
        except Exception as error:
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        outcomes = list(pool.map(run, calls))
    return Race(outcomes, started)


class WriteGate:
    """Holds the first `parties` calls of a write until all of them have arrived: every
    racer has read the record before any of them writes it. `released` counts the writes
    let go together (`parties` when they overlapped), `writes` every call (retries too)."""

    def __init__(self, parties: int) -> None:
        self.parties = parties
        self.writes = 0
        self.released = 0
        self._gate = threading.Barrier(parties, timeout=WAIT_SECONDS)
        self._lock = threading.Lock()

    def wrap(self, write: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                turn = self.writes
                self.writes += 1
            if turn < self.parties:  # later writes (a loser's retry) pass straight through
                self._gate.wait()
                with self._lock:
                    self.released += 1
            return write(*args, **kwargs)

        return held


@contextmanager
def all_read_before_any_writes(module: Any, name: str, parties: int) -> Iterator[WriteGate]:
    """Within the block, `module.name` (a save) waits for `parties` callers before writing."""
    gate = WriteGate(parties)
    real = getattr(module, name)
    setattr(module, name, gate.wrap(real))
    try:
        yield gate
    finally:
        setattr(module, name, real)


def sqs_event(*bodies: dict[str, Any], queue: str = "queue") -> dict[str, Any]:
    """The event Lambda builds for a batch of these message bodies, each with its own id."""
    messages = [
        {"MessageId": str(uuid.uuid4()), "ReceiptHandle": uuid.uuid4().hex, "Body": json.dumps(body)} for body in bodies
    ]
    return lambda_event(messages, f"arn:aws:sqs:ap-south-1:123456789012:{queue}", "ap-south-1")


def consumer_context(name: str) -> LambdaContext:
    """A Lambda context for a use case or consumer called directly (its remaining time is
    what Powertools Idempotency frees a cut-off request's key by)."""
    return LambdaContext(function_name=name, memory_size=512, max_runtime_ms=60_000)


def handed_back(consumer: Callable[[dict[str, Any], Any], Any], event: dict[str, Any]) -> list[dict[str, Any]]:
    """Run an SQS consumer on `event` as Lambda would; the bodies SQS delivers again: those
    its partial-batch answer names, or all of them when it raised (Powertools raises when
    every record of the batch failed)."""
    bodies = {r["messageId"]: json.loads(r["body"]) for r in event["Records"]}
    try:
        answer = consumer(event, consumer_context(getattr(consumer, "__name__", "consumer")))
    except Exception:
        return list(bodies.values())
    failed = {f["itemIdentifier"] for f in (answer or {}).get("batchItemFailures") or []}
    return [body for message_id, body in bodies.items() if message_id in failed]
