"""SQS consumers of the grievance lifecycle: routing, and the SLA timers' messages.

Each record is handled on its own (Powertools BatchProcessor): one that fails goes back to
the queue alone and reaches the DLQ after the redrive limit; the rest of the batch is done.
Both use cases are idempotent, so a redelivered record changes nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.handlers.sqs import each_record
from chalicelib.services.grievance_timers import handle_timer_event
from chalicelib.services.route_grievance import requeue_stuck_grievances, route_grievance

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


def _route_record(record: SQSRecord) -> None:
    route_grievance(json.loads(record.body)["tracking_id"])


def _timer_record(record: SQSRecord) -> None:
    message = json.loads(record.body)
    handle_timer_event(message["kind"], message["tracking_id"], int(message["level"]), int(message["version"]))


def route_grievances(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return each_record(event, context, _route_record)


def handle_sla_events(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return each_record(event, context, _timer_record)


def sweep_unrouted() -> dict[str, int]:
    return {"requeued": requeue_stuck_grievances()}
