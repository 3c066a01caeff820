"""The SLA timer state machine, as deployed, really runs on moto and reports to the app."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_timer(stack, expect: int, **timer_input) -> tuple[list[dict], str]:
    """Start one execution with deadlines about to pass; the messages it sent for its
    grievance (in order, once `expect` of them arrived or the wait ran out) and how the
    execution ended."""
    region = stack.resources.region
    sfn = boto3.client("stepfunctions", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    events_url = stack.resources.physical_ids["SlaEventsQueue"]
    tracking_id = f"OD-TEST-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    timer_input = {
        "tracking_id": tracking_id,
        "level": 1,
        "warn_at": iso(now - timedelta(seconds=1)),
        "due_at": iso(now + timedelta(seconds=1)),
        **timer_input,
    }
    execution = sfn.start_execution(
        stateMachineArn=stack.resources.physical_ids["SlaTimerStateMachine"],
        name=f"{tracking_id}-t3",
        input=json.dumps(timer_input),
    )["executionArn"]

    received: list[dict] = []
    status = "RUNNING"
    for _ in range(60):  # bounded wait for moto's executor thread, not a timing assertion
        for message in sqs.receive_message(QueueUrl=events_url, MaxNumberOfMessages=10).get("Messages", []):
            body = json.loads(message["Body"])
            if body["tracking_id"] == tracking_id:
                received.append(body)
            sqs.delete_message(QueueUrl=events_url, ReceiptHandle=message["ReceiptHandle"])
        status = sfn.describe_execution(executionArn=execution)["status"]
        if status != "RUNNING" and len(received) >= expect:
            break
        time.sleep(0.25)
    for message in received:
        assert message["due_at"] == timer_input["due_at"] and message["level"] == 1
    return received, status


def test_an_sla_timer_warns_then_reports_the_breach_on_the_sla_events_queue(stack):
    received, status = run_timer(stack, 2, purpose="sla", timer_seq=3, version=3)

    assert [(m["kind"], m["timer_seq"]) for m in received] == [("sla_warning", 3), ("sla_breached", 3)]
    assert status == "SUCCEEDED"


def test_a_resolved_grievances_timer_only_says_it_is_due_to_close(stack):
    received, status = run_timer(stack, 1, purpose="auto_close", timer_seq=3, version=3)

    assert [(m["kind"], m["timer_seq"]) for m in received] == [("auto_close_due", 3)]
    assert status == "SUCCEEDED"


def test_a_timer_started_by_the_previous_release_keeps_its_old_messages(stack):
    """During a deploy the old code may start a timer on the new definition: its input has
    `version` and no purpose, and it gets the messages the old definition sent (which the
    consumer reads as such)."""
    received, status = run_timer(stack, 2, version=3)

    assert [(m["kind"], m["version"]) for m in received] == [("sla_warning", 3), ("sla_breached", 3)]
    assert all("timer_seq" not in m for m in received)
    assert status == "SUCCEEDED"
