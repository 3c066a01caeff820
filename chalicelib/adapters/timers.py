"""Timers: a Step Functions execution that waits until a moment and sends a message.

An execution is named by the caller, and starting one under a name already used is a
no-op: a timer can be started again and again (after a crash, on a redelivered message)
and still runs once.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from chalicelib.aws import client, state_machine_arn
from chalicelib.resource_names import StateMachine


class Timers(Protocol):
    def start(self, machine: StateMachine, name: str, timer_input: dict[str, Any]) -> None: ...


class StepFunctionsTimers:
    def start(self, machine: StateMachine, name: str, timer_input: dict[str, Any]) -> None:
        sfn = client("stepfunctions")
        with contextlib.suppress(sfn.exceptions.ExecutionAlreadyExists):
            sfn.start_execution(stateMachineArn=state_machine_arn(machine), name=name, input=json.dumps(timer_input))


@dataclass
class InMemoryTimers:
    """Every start asked for (`requested`, by execution name) and the timers running
    (`started`: one per name, as Step Functions keeps them); `unavailable` makes a start fail
    like an unreachable Step Functions."""

    requested: list[str] = field(default_factory=list)
    started: dict[str, dict[str, Any]] = field(default_factory=dict)
    unavailable: bool = False

    def start(self, machine: StateMachine, name: str, timer_input: dict[str, Any]) -> None:
        if self.unavailable:
            raise ConnectionError("Step Functions unavailable")
        self.requested.append(name)
        self.started.setdefault(name, dict(timer_input))
