"""The edge where the app reaches SQS, SNS and Step Functions: one small interface each,
with the real AWS implementation and an in-memory twin for unit tests.

Use cases and reactions ask `current()` for the adapters; the process gets the AWS ones on
first use (clients are built lazily, so a cold start pays for none of them). A test swaps
in the twins with `installed(in_memory())` and reads what was sent from them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from chalicelib.adapters.queues import InMemoryQueues, Queues, SqsQueues
from chalicelib.adapters.timers import InMemoryTimers, StepFunctionsTimers, Timers
from chalicelib.adapters.topics import InMemoryTopics, SnsTopics, Topics


@dataclass(frozen=True)
class Adapters:
    queues: Queues
    topics: Topics
    timers: Timers


_current: Adapters | None = None


def current() -> Adapters:
    global _current
    if _current is None:
        _current = Adapters(SqsQueues(), SnsTopics(), StepFunctionsTimers())
    return _current


def in_memory() -> Adapters:
    return Adapters(InMemoryQueues(), InMemoryTopics(), InMemoryTimers())


@contextmanager
def installed(adapters: Adapters) -> Iterator[Adapters]:
    """Run with `adapters` in place of the AWS ones (tests)."""
    global _current
    previous, _current = _current, adapters
    try:
        yield adapters
    finally:
        _current = previous
