"""moto's Step Functions executions at the cost of running them, for the local stack.

moto 5's interpreter pays twice for work it has already done, on every execution:

- `ExecutionWorker` parses the state machine's definition afresh (an ANTLR parse of the
  whole ASL document, ~40 ms here) for each execution it starts. A definition never changes
  under its text, and the parsed program holds no execution's state (every value an
  execution computes lives in its `Environment`: stack, heap, retry counters), so one parse
  per definition serves every execution of it.
- Each service Task (`arn:aws:states:::sqs:sendMessage` and the like) builds a new boto3
  client (~15 ms: the service model, its event hooks, an endpoint resolver) to make one call.
  A client is thread-safe and its settings are the same for every task of a service in a
  region, so one is built per region and service and kept.
- Every JSONPath a state reads (`"tracking_id.$": "$.tracking_id"`, a `ResultPath`) is
  compiled by jsonpath-ng's PLY parser each time it is read. A compiled path is a tree that
  `find` and `update_or_create` only read, so it is compiled once per path text.

In `make burst` every grievance starts four or five timer executions, so the local stack
spent about a third of its moto process's time (py-spy, N = 300) parsing definitions and
building clients, and then a tenth compiling paths. Here the parse is kept per definition
text, the client per (region, service, endpoint) and the path per text; everything else —
the states, their order, the history each execution records, the messages its tasks send —
is moto's own code. `tests/integration/test_moto_stepfunctions.py` runs the same executions
through moto's code and this one and compares their histories and what they sent.

Two guards keep the sharing honest. A component's `heap_key` (the name of its slot in an
execution's heap, e.g. a retrier's attempt counter) is drawn lazily at first use; two
executions drawing it at once could each keep a different one, so every key of a kept
program is drawn before it is shared. And a definition with a Map or Parallel state is
parsed per execution as moto does, since those states keep per-run workers on their
components.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it on moto's classes in
the process that serves moto.
"""

from __future__ import annotations

import importlib
import json
import threading
from typing import Any

from moto.core.models import botocore_stubber
from moto.settings import moto_server_port
from moto.stepfunctions.parser.asl.component.common.path import result_path
from moto.stepfunctions.parser.asl.component.component import Component
from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
from moto.stepfunctions.parser.asl.utils import boto_client, json_path
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

MOTOS_OWN: dict[str, Any] = {}

# The modules whose Tasks call `boto_client_for` (each imported the name for itself).
_CLIENT_USERS = [
    f"moto.stepfunctions.parser.asl.component.state.exec.state_task.{name}"
    for name in (
        "lambda_eval_utils",
        "service.state_task_service_aws_sdk",
        "service.state_task_service_batch",
        "service.state_task_service_dynamodb",
        "service.state_task_service_ecs",
        "service.state_task_service_events",
        "service.state_task_service_glue",
        "service.state_task_service_sfn",
        "service.state_task_service_sns",
        "service.state_task_service_sqs",
        "service.state_task_service_unsupported",
    )
]
# States that keep per-run workers on their parsed components.
_STATES_WITH_WORKERS = frozenset({"Map", "Parallel"})

_programs: dict[str, EvalComponent] = {}
_paths: dict[tuple[str, str], Any] = {}
_clients: dict[tuple[str, str, bool, str], Any] = {}
_lock = threading.Lock()


def _get_evaluation_entrypoint(worker: ExecutionWorker) -> EvalComponent:
    """moto's parse of the definition, kept per definition text."""
    definition = worker._evaluation_details.state_machine_details.definition
    program = _programs.get(definition)
    if program is not None:
        return program
    if not _shareable(definition):
        return MOTOS_OWN["_get_evaluation_entrypoint"](worker)  # type: ignore[no-any-return]
    with _lock:  # executions started together wait for the one parse
        program = _programs.get(definition)
        if program is None:
            program = MOTOS_OWN["_get_evaluation_entrypoint"](worker)
            _draw_heap_keys(program)
            _programs[definition] = program
        return program


def _shareable(definition: str) -> bool:
    try:
        document = json.loads(definition)
    except ValueError:
        return False
    return not (_state_types(document) & _STATES_WITH_WORKERS)


def _state_types(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("Type"), str):
            found.add(node["Type"])
        for value in node.values():
            found |= _state_types(value)
    elif isinstance(node, list):
        for value in node:
            found |= _state_types(value)
    return found


def _draw_heap_keys(root: Component) -> None:
    """Touch `heap_key` on every component of the program, once, before it is shared."""
    seen: set[int] = set()
    pending: list[Any] = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, EvalComponent):
            _ = node.heap_key
        if isinstance(node, Component):
            pending.extend(vars(node).values())
        elif isinstance(node, list | tuple | set | frozenset):
            pending.extend(node)
        elif isinstance(node, dict):
            pending.extend(node.values())


def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
    """moto's client for a Task (its settings ignore `state_credentials`), built once per
    region, service and endpoint."""
    key = (region, service, bool(botocore_stubber.enabled), str(moto_server_port()))
    client = _clients.get(key)
    if client is None:
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = MOTOS_OWN["boto_client_for"](region, service, state_credentials)
    return client


def _compiled_once(dialect: str, compile_path: Any) -> Any:
    """jsonpath-ng's `parse` (`dialect` names which of its two), kept per path text."""

    def parse(path: str) -> Any:
        key = (dialect, path)
        compiled = _paths.get(key)
        if compiled is None:
            compiled = _paths[key] = compile_path(path)  # two threads at once: the same tree twice
        return compiled

    return parse


def install() -> None:
    """Make this process's moto parse a definition once, build a Task's client once and
    compile a JSONPath once."""
    if MOTOS_OWN:
        return
    MOTOS_OWN.update(
        _get_evaluation_entrypoint=ExecutionWorker._get_evaluation_entrypoint,
        boto_client_for=boto_client.boto_client_for,
        json_path_parse=json_path.parse,  # type: ignore[attr-defined]
        result_path_parse=result_path.parse,  # type: ignore[attr-defined]
    )
    json_path.parse = _compiled_once("ext", MOTOS_OWN["json_path_parse"])  # type: ignore[attr-defined]
    result_path.parse = _compiled_once("plain", MOTOS_OWN["result_path_parse"])  # type: ignore[attr-defined]
    ExecutionWorker._get_evaluation_entrypoint = _get_evaluation_entrypoint  # type: ignore[method-assign,assignment]
    boto_client.boto_client_for = boto_client_for
    for name in _CLIENT_USERS:
        module = importlib.import_module(name)
        if getattr(module, "boto_client_for", None) is MOTOS_OWN["boto_client_for"]:
            module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    ExecutionWorker._get_evaluation_entrypoint = MOTOS_OWN["_get_evaluation_entrypoint"]  # type: ignore[method-assign]
    boto_client.boto_client_for = MOTOS_OWN["boto_client_for"]
    json_path.parse = MOTOS_OWN["json_path_parse"]  # type: ignore[attr-defined]
    result_path.parse = MOTOS_OWN["result_path_parse"]  # type: ignore[attr-defined]
    for name in _CLIENT_USERS:
        module = importlib.import_module(name)
        if getattr(module, "boto_client_for", None) is boto_client_for:
            module.boto_client_for = MOTOS_OWN["boto_client_for"]  # type: ignore[attr-defined]
    _programs.clear()
    _clients.clear()
    _paths.clear()
    MOTOS_OWN.clear()


# Kept for the test: the parser moto uses, to count parses.
PARSER = AmazonStateLanguageParser
