"""The SLA timer state machine, as deployed, really runs on moto and reports to the app."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_timer_warns_then_reports_the_breach_on_the_sla_events_queue(stack):
    region = stack.resources.region
    sfn = boto3.client("stepfunctions", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    events_url = stack.resources.physical_ids["SlaEventsQueue"]
    tracking_id = f"OD-TEST-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    timer_input = {
        "purpose": "sla",
        "tracking_id": tracking_id,
        "level": 1,
        "timer_seq": 3,
        "warn_at": iso(now - timedelta(seconds=1)),
        "due_at": iso(now + timedelta(seconds=1)),
    }

    execution = sfn.start_execution(
        stateMachineArn=stack.resources.physical_ids["SlaTimerStateMachine"],
        name=f"{tracking_id}-L1-v3",
        input=json.dumps(timer_input),
    )["executionArn"]

    received: list[dict] = []
    for _ in range(60):  # bounded wait for moto's executor thread, not a timing assertion
        for message in sqs.receive_message(QueueUrl=events_url, MaxNumberOfMessages=10).get("Messages", []):
            body = json.loads(message["Body"])
            if body["tracking_id"] == tracking_id:
                received.append(body)
            sqs.delete_message(QueueUrl=events_url, ReceiptHandle=message["ReceiptHandle"])
        if len(received) == 2:
            break
        time.sleep(0.25)

    assert [m["kind"] for m in received] == ["sla_warning", "sla_breached"]
    assert all(m["level"] == 1 and m["timer_seq"] == 3 and m["due_at"] == timer_input["due_at"] for m in received)
    assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
