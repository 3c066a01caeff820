"""What follows a saved grievance change: timers, routing, notices.

The change itself is already durable when these run. Each effect is idempotent — a timer
execution is named after the grievance and its timer generation, a routing message is
harmless once routed, a notice carries a dedupe key — so a consumer can simply run them
again on a redelivered message.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from chalicelib.aws import client, queue_url, state_machine_arn
from chalicelib.domain.grievance import CLOCK_RUNNING, Change, Grievance, Status
from chalicelib.observability import count_event
from chalicelib.services.grievance_notices import publish

logger = Logger(child=True)

ROUTING_QUEUE = "routing"
SLA_TIMER = "sla-timer"
TIMED = CLOCK_RUNNING | {Status.RESOLVED}  # resolved: the timer that auto-closes it


def apply_effects(before: Grievance | None, after: Grievance, change: Change, *, strict: bool = True) -> None:
    """Run the effects of `change`. With strict=False (HTTP paths, where the change is
    already saved and answered) a failing effect is logged instead of raised."""
    effects: list[Callable[[], None]] = []
    if after.timer_seq != (before.timer_seq if before else 0):
        effects.append(lambda: _ensure_timer_or_defer(after))
    # Filed, transferred, or reopened before it ever had an owner: it needs routing.
    if after.status is Status.REGISTERED and (before is None or before.status is not Status.REGISTERED):
        effects.append(lambda: request_routing(after.tracking_id))
    first_seq = after.audit_seq - len(change.events) + 1
    effects.append(lambda: publish(after, change.events, first_seq))
    for event in change.events:
        count_event("Grievance" + "".join(part.capitalize() for part in event.name.split("_")))
    for effect in effects:
        try:
            effect()
        except Exception:
            if strict:
                raise
            logger.exception("grievance effect failed", extra={"tracking_id": after.tracking_id})


def ensure_timer(grievance: Grievance) -> None:
    """Start the SLA timer of the grievance's current timer generation, if it has one.
    Starting it again is harmless: the execution name is fixed per generation."""
    if grievance.status not in TIMED or grievance.due_at is None or grievance.warn_at is None:
        return
    timer_input = {
        "tracking_id": grievance.tracking_id,
        "level": grievance.level,
        "version": grievance.timer_seq,
        "warn_at": _timestamp(grievance.warn_at),
        "due_at": _timestamp(grievance.due_at),
    }
    sfn = client("stepfunctions")
    with contextlib.suppress(sfn.exceptions.ExecutionAlreadyExists):
        sfn.start_execution(
            stateMachineArn=state_machine_arn(SLA_TIMER),
            name=f"{grievance.tracking_id}-t{grievance.timer_seq}",
            input=json.dumps(timer_input),
        )


def _ensure_timer_or_defer(grievance: Grievance) -> None:
    """Start the timer; if Step Functions cannot be reached, hand the grievance to the
    routing queue instead, whose consumer starts the timer of a routed grievance (and
    retries through SQS until it can)."""
    try:
        ensure_timer(grievance)
    except Exception:
        logger.exception(
            "SLA timer not started; deferred to the routing queue", extra={"tracking_id": grievance.tracking_id}
        )
        request_routing(grievance.tracking_id)


def request_routing(tracking_id: str) -> None:
    client("sqs").send_message(QueueUrl=queue_url(ROUTING_QUEUE), MessageBody=json.dumps({"tracking_id": tracking_id}))


def _timestamp(moment: datetime) -> str:
    """Whole seconds, rounded up: a timer must never fire before the deadline it stands for."""
    seconds = math.ceil(moment.timestamp())
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
