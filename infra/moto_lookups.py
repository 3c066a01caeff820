"""Two of moto's lookups by name, kept in an index instead of found by a scan per request,
for the local stack.

- The server's dispatcher (`DomainDispatcherApplication.get_backend_for_host`) finds the
  backend of a request's host by listing moto's package directory (an `isdir` per entry)
  and matching URL patterns, under the one lock every request's dispatch takes. Which
  backend serves a host never changes while the server runs, so it is remembered.
- `StartExecution` looks for an execution of the same name (idempotency) by walking every
  execution the state machine ever had: a burst's SLA timers make that tens of thousands.
  Executions are only ever appended, so an index by name is extended with the new ones.

What each answers is moto's: `tests/integration/test_moto_lookups.py` compares both with
moto's own code. `install()` puts them on moto's classes in the process that serves moto.
"""

from __future__ import annotations

import threading
from typing import Any

from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.stepfunctions.exceptions import ExecutionAlreadyExists
from moto.stepfunctions.models import StateMachine

MOTOS_OWN: dict[str, Any] = {}

_backend_of_host: dict[str | None, Any] = {}
_executions_lock = threading.Lock()
_executions_by_name: dict[str, ExecutionIndex] = {}


def get_backend_for_host(dispatcher: DomainDispatcherApplication, host: str | None) -> Any:
    if host not in _backend_of_host:
        _backend_of_host[host] = MOTOS_OWN["get_backend_for_host"](dispatcher, host)
    return _backend_of_host[host]


def handle_name_input_idempotency(state_machine: StateMachine, name: str, execution_input: str) -> Any:
    """moto's check (the running execution of the same name and input, or ExecutionAlreadyExists),
    through an index by name."""
    with _executions_lock:
        executions = state_machine.executions
        kept = _executions_by_name.get(state_machine.arn)
        if kept is None or kept.executions is not executions or kept.indexed > len(executions):
            kept = _executions_by_name[state_machine.arn] = ExecutionIndex(executions)
        kept.catch_up()
        execution = kept.by_name.get(name)
    if execution is None:
        return None
    if execution_input == execution.execution_input and execution.status == "RUNNING":
        return execution
    raise ExecutionAlreadyExists("Execution Already Exists: '" + execution.execution_arn + "'")


class ExecutionIndex:
    """A state machine's executions by name. Kept apart from the state machine, which moto
    deep-copies at every start (executions hold threads and cannot be copied)."""

    def __init__(self, executions: list[Any]) -> None:
        self.executions = executions
        self.indexed = 0
        self.by_name: dict[str, Any] = {}

    def catch_up(self) -> None:
        for execution in self.executions[self.indexed :]:
            self.by_name.setdefault(execution.name, execution)  # the first of a name, as moto's walk finds
        self.indexed = len(self.executions)


def install() -> None:
    if MOTOS_OWN:
        return
    MOTOS_OWN.update(
        get_backend_for_host=DomainDispatcherApplication.get_backend_for_host,
        handle_name_input_idempotency=StateMachine._handle_name_input_idempotency,
    )
    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host  # type: ignore[method-assign,assignment]
    StateMachine._handle_name_input_idempotency = handle_name_input_idempotency  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    if not MOTOS_OWN:
        return
    DomainDispatcherApplication.get_backend_for_host = MOTOS_OWN["get_backend_for_host"]  # type: ignore[method-assign]
    StateMachine._handle_name_input_idempotency = MOTOS_OWN["handle_name_input_idempotency"]  # type: ignore[method-assign]
    _backend_of_host.clear()
    _executions_by_name.clear()
    MOTOS_OWN.clear()
