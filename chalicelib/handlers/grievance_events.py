"""SQS consumers of the grievance lifecycle: routing, and the SLA events queue.

Each record is handled on its own (Powertools BatchProcessor): one that fails goes back to
the queue alone and reaches the DLQ after the redrive limit; the rest of the batch is done.
Every use case here is idempotent, so a redelivered record changes nothing.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.handlers.sqs import each_record
from chalicelib.services.grievance_timers import TimerMessage, handle_timer_event, start_deferred_timer
from chalicelib.services.route_grievance import requeue_awaiting_routing, route_grievance
from chalicelib.services.sla_timer import START_TIMER
from chalicelib.services.tally_events import COUNT_TALLY, count_deferred

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


def _route_record(record: SQSRecord) -> None:
    route_grievance(json.loads(record.body)["tracking_id"])


def _sla_record(record: SQSRecord) -> None:
    message = json.loads(record.body)
    if message["kind"] == START_TIMER:
        start_deferred_timer(message["tracking_id"], int(message["timer_seq"]))
        return
    if message["kind"] == COUNT_TALLY:
        count_deferred(message["tally"])
        return
    # A timer started before this release keeps the definition it started with: it calls
    # its timer_seq `version`.
    legacy = "timer_seq" not in message
    timer_seq = int(message["version"] if legacy else message["timer_seq"])
    handle_timer_event(TimerMessage(message["kind"], message["tracking_id"], int(message["level"]), timer_seq, legacy))


def route_grievances(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return each_record(event, context, _route_record)


def handle_sla_events(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return each_record(event, context, _sla_record)


def sweep_awaiting_routing() -> dict[str, int]:
    return {"requeued": requeue_awaiting_routing()}
