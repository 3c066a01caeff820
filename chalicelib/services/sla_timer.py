"""Keeping a grievance's SLA timer running: the one place that decides which timer a
grievance should have and starts it.

A grievance whose clock runs (assigned, in progress) has a timer for its current
`timer_seq` that warns at `warn_at` and reports the breach at `due_at`; a resolved one has a
timer that closes it at `due_at` unless the citizen acts first. Every move that re-arms the
SLA bumps `timer_seq`, so each timer is one Step Functions execution named
`<tracking id>-t<timer_seq>`: starting it again (after a crash, on a redelivered message) is
harmless. When Step Functions cannot be reached the start is deferred to the SLA events
queue, whose consumer retries it until it runs (services/grievance_timers.py).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib import adapters
from chalicelib.domain.grievance import CLOCK_RUNNING, Grievance, Status
from chalicelib.resource_names import Queue, StateMachine

logger = Logger(child=True)

# What a timer's messages mean (`kind`): the first two on a running clock, the last on a
# resolved grievance; `start_timer` is a deferred start, sent by us rather than a timer.
SLA_WARNING = "sla_warning"
SLA_BREACHED = "sla_breached"
AUTO_CLOSE_DUE = "auto_close_due"
START_TIMER = "start_timer"


def keep_running(grievance: Grievance) -> None:
    """Start the timer of the grievance's current `timer_seq`, if its state has one."""
    timer_input = _timer_input(grievance)
    if timer_input is None:
        return
    adapters.current().timers.start(
        StateMachine.SLA_TIMER, f"{grievance.tracking_id}-t{grievance.timer_seq}", timer_input
    )


def keep_running_or_defer(grievance: Grievance) -> None:
    """`keep_running`; when Step Functions refuses, a message on the SLA events queue asks
    for the start again (SQS retries it until it succeeds)."""
    try:
        keep_running(grievance)
    except Exception:
        logger.exception("SLA timer not started; deferred", extra={"tracking_id": grievance.tracking_id})
        message = {"kind": START_TIMER, "tracking_id": grievance.tracking_id, "timer_seq": grievance.timer_seq}
        adapters.current().queues.send(Queue.SLA_EVENTS, json.dumps(message))


def _timer_input(grievance: Grievance) -> dict[str, Any] | None:
    if grievance.due_at is None or grievance.warn_at is None:
        return None
    if grievance.status in CLOCK_RUNNING:
        purpose = "sla"
    elif grievance.status is Status.RESOLVED:
        purpose = "auto_close"
    else:
        return None
    return {
        "purpose": purpose,
        "tracking_id": grievance.tracking_id,
        "level": grievance.level,
        "timer_seq": grievance.timer_seq,
        "warn_at": _timestamp(grievance.warn_at),
        "due_at": _timestamp(grievance.due_at),
    }


def _timestamp(moment: datetime) -> str:
    """Whole seconds, rounded up: a timer must never fire before the deadline it stands for."""
    seconds = math.ceil(moment.timestamp())
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
