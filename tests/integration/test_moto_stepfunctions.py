"""The local moto's Step Functions (infra/moto_stepfunctions.py) run executions as moto's own,
while a definition is parsed once and a Task's client built once.

The same executions run twice on the local stack's moto server (on a queue and state
machines of their own), once through moto's code and once through ours, several at a time:
the SLA timer as deployed (each of its branches) and a machine whose Task fails, is retried
with a counter kept in the execution's heap, and is caught. How each execution ended, its
output, the states and events of its history, and the messages its Tasks sent must be the
same.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from infra import moto_stepfunctions
from infra.provision import REPO_ROOT

SLA_TIMER = REPO_ROOT / "chalicelib" / "workflows" / "sla_timer.asl.json"
LONG_AGO = "2020-01-01T00:00:00Z"  # deadlines already due, whatever the local time zone

# Retried twice (the attempt counter lives in the execution's heap under the retrier's
# heap_key), then caught: a shared program must count each execution's attempts apart.
RETRIED_THEN_CAUGHT = {
    "StartAt": "Send",
    "States": {
        "Send": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "${MissingQueueUrl}", "MessageBody.$": "$"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1.0}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Report"}],
            "Next": "Report",
        },
        "Report": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage",
            "Parameters": {"QueueUrl": "${EventsQueueUrl}", "MessageBody": {"caught.$": "$.tracking_id"}},
            "End": True,
        },
    },
}

TIMERS: list[dict[str, Any]] = [
    {"purpose": "sla", "timer_seq": 3, "version": 3},
    {"purpose": "auto_close", "timer_seq": 4, "version": 4},
    {"version": 5},  # started by the previous release
]


@pytest.fixture
def moto_only(moto_server: str) -> Iterator[None]:
    """The local stack's moto server (in this process), on moto's own Step Functions code
    unless a test installs ours; as it was afterwards."""
    installed = bool(moto_stepfunctions.MOTOS_OWN)
    moto_stepfunctions.uninstall()
    yield
    moto_stepfunctions.uninstall()
    if installed:
        moto_stepfunctions.install()


def run_executions(copies: int, run: str | None = None) -> dict[str, Any]:
    """`copies` of each timer and of the retried machine, started at once on a queue and
    machines named by `run`; how each ended, and what reached the queue."""
    run = run or uuid.uuid4().hex[:8]
    region = "ap-south-1"
    sfn = boto3.client("stepfunctions", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    events = sqs.create_queue(QueueName=f"sfn-test-{run}")["QueueUrl"]
    role = "arn:aws:iam::123456789012:role/sfn"
    timer = sfn.create_state_machine(
        name=f"sla-timer-{run}",
        definition=SLA_TIMER.read_text().replace("${SlaEventsQueueUrl}", events),
        roleArn=role,
    )["stateMachineArn"]
    retried = sfn.create_state_machine(
        name=f"retried-{run}",
        definition=json.dumps(RETRIED_THEN_CAUGHT)
        .replace("${MissingQueueUrl}", events + "-missing")
        .replace("${EventsQueueUrl}", events),
        roleArn=role,
    )["stateMachineArn"]
    try:
        starts = []
        for copy in range(copies):
            for n, fields in enumerate(TIMERS):
                tracking_id = f"OD-{copy}-{n}"
                inputs = {"tracking_id": tracking_id, "level": 1, "warn_at": LONG_AGO, "due_at": LONG_AGO, **fields}
                starts.append((timer, tracking_id, inputs))
            starts.append((retried, f"OD-{copy}-retried", {"tracking_id": f"OD-{copy}-retried"}))

        def start(machine: str, name: str, inputs: dict[str, Any]) -> str:
            started = sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(inputs))
            return str(started["executionArn"])

        with ThreadPoolExecutor(max_workers=8) as pool:
            arns = list(pool.map(lambda args: start(*args), starts))
        ended = {arn.rsplit(":", 1)[-1]: finished(sfn, arn) for arn in arns}

        sent = []
        while messages := sqs.receive_message(QueueUrl=events, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                sent.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=events, ReceiptHandle=message["ReceiptHandle"])
        return {"ended": ended, "sent": sorted(json.dumps(body, sort_keys=True) for body in sent)}
    finally:
        sfn.delete_state_machine(stateMachineArn=timer)
        sfn.delete_state_machine(stateMachineArn=retried)
        sqs.delete_queue(QueueUrl=events)


def finished(sfn: Any, arn: str) -> dict[str, Any]:
    """How one execution ended: status, output and its history, without times or ids."""
    for _ in range(200):  # bounded wait for moto's executor threads, not a timing assertion
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.05)
    history = sfn.get_execution_history(executionArn=arn)["events"]
    steps = []
    for event in history:
        details: dict[str, Any] = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
        steps.append((event["type"], details.get("name"), details.get("error")))
    output = json.loads(described.get("output") or "null")
    if isinstance(output, dict):
        output.pop("MessageId", None)  # random on every send
    return {"status": described["status"], "output": output, "history": steps}


def test_executions_end_and_send_exactly_as_with_motos_own_code(moto_only: None) -> None:
    theirs = run_executions(copies=3)
    moto_stepfunctions.install()
    ours = run_executions(copies=3)

    assert ours == theirs
    assert len(theirs["sent"]) == 3 * (2 + 1 + 2 + 1)  # per copy: sla, auto_close, previous release, caught
    retried = [ended for name, ended in theirs["ended"].items() if name.endswith("retried")]
    assert all(ended["status"] == "SUCCEEDED" for ended in retried)
    assert all([step[0] for step in ended["history"]].count("TaskFailed") == 3 for ended in retried)


def test_a_definition_is_parsed_a_client_built_and_a_path_compiled_once(
    moto_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = uuid.uuid4().hex[:8]
    parses: list[str] = []
    parse = moto_stepfunctions.PARSER.parse

    def counted_parse(definition: str) -> Any:
        if f"sfn-test-{run}" in definition:  # not another test's machine
            parses.append(definition)
        return parse(definition)

    monkeypatch.setattr(moto_stepfunctions.PARSER, "parse", counted_parse)
    moto_stepfunctions.install()
    clients: list[str] = []
    build = moto_stepfunctions.MOTOS_OWN["boto_client_for"]

    def counted_build(region: str, service: str, credentials: Any = None) -> Any:
        clients.append(service)
        return build(region, service, credentials)

    monkeypatch.setitem(moto_stepfunctions.MOTOS_OWN, "boto_client_for", counted_build)

    run_executions(copies=4, run=run)

    # Two definitions, each parsed when created (moto's validation) and once for its executions.
    assert len(parses) == 2 * 2
    assert clients == ["sqs"]
    # Each path read (the timers' five fields, the retried machine's "$" and "$.tracking_id",
    # its ResultPath "$.error") compiled once, whichever execution read it first.
    assert sorted(path for _, path in moto_stepfunctions._paths) == sorted(
        ["$", "$.due_at", "$.error", "$.level", "$.purpose", "$.timer_seq", "$.tracking_id", "$.version", "$.warn_at"]
    )
