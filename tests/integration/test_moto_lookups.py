"""The local moto's indexed lookups (infra/moto_lookups.py) answer as moto's own scans."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.stepfunctions.exceptions import ExecutionAlreadyExists
from moto.stepfunctions.parser.models import StepFunctionsParserBackend

from infra import moto_lookups

HOSTS = [
    None,
    "moto_api",
    "sqs",
    "dynamodb.ap-south-1.amazonaws.com",
    "sqs.ap-south-1.amazonaws.com",
    "states.ap-south-1.amazonaws.com",
    "email.ap-south-1.amazonaws.com",
    "nowhere.example.org",
]


@pytest.fixture
def moto_only() -> Iterator[None]:
    """moto's own lookups in this process, unless a test installs ours."""
    installed = bool(moto_lookups.MOTOS_OWN)
    moto_lookups.uninstall()
    yield
    moto_lookups.uninstall()
    if installed:
        moto_lookups.install()


def test_the_dispatcher_finds_each_hosts_backend_as_moto_does(moto_only):
    dispatcher = DomainDispatcherApplication(create_backend_app)
    motos = [dispatcher.get_backend_for_host(host) for host in HOSTS]

    moto_lookups.install()
    ours = [dispatcher.get_backend_for_host(host) for host in HOSTS * 2]  # the second time remembered

    assert ours == motos * 2
    assert motos[3:6] == ["dynamodb", "sqs", "stepfunctions"]


def starts(patched: bool) -> list[Any]:
    """Executions started by name: new, the same again while running, another input, after it
    ended. On a private moto backend, never the shared one the local stack's server holds."""
    if patched:
        moto_lookups.install()
    answers: list[Any] = []
    try:
        states = StepFunctionsParserBackend("ap-south-1", "000000000019")
        definition = {"StartAt": "Wait", "States": {"Wait": {"Type": "Wait", "Seconds": 1, "End": True}}}
        machine = states.create_state_machine(
            name="timer", definition=json.dumps(definition), roleArn="arn:aws:iam::000000000019:role/timer"
        ).arn

        def start(name: str, payload: dict[str, Any]) -> None:
            try:
                started = states.start_execution(machine, name=name, execution_input=json.dumps(payload))
                answers.append(("started", started.execution_arn.rsplit(":", 1)[-1]))
            except ExecutionAlreadyExists as error:
                answers.append(("refused", type(error).__name__, error.description))

        for n in range(30):
            start(f"case-{n}-t1", {"seq": 1})
        start("case-7-t1", {"seq": 1})  # the same name and input while it runs: the same execution
        start("case-7-t1", {"seq": 2})  # another input under the same name
        time.sleep(2)  # every execution has ended
        start("case-7-t1", {"seq": 1})  # the same again, after it ended
        start("case-7-t2", {"seq": 2})
    finally:
        moto_lookups.uninstall()
    return answers


ALREADY = (
    '{"__type": "ExecutionAlreadyExists", "message": "Execution Already Exists: '
    "'arn:aws:states:ap-south-1:000000000019:execution:timer:case-7-t1'\"}"
)


def test_starting_an_execution_by_name_answers_as_moto_does(moto_only):
    motos = starts(patched=False)

    assert starts(patched=True) == motos
    assert motos[30:] == [
        ("started", "case-7-t1"),
        ("refused", "ExecutionAlreadyExists", ALREADY),
        ("refused", "ExecutionAlreadyExists", ALREADY),
        ("started", "case-7-t2"),
    ]
