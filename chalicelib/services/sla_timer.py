"""Keeping a grievance's timer running: the one place that starts the timer the domain says
it should have (`domain.grievance.timer_of`).

A grievance whose clock runs (assigned, in progress) has a timer for its current
`timer_seq` that warns at `warn_at` and reports the breach at `due_at`; a resolved one has a
timer that says it is due to close at `due_at`. Every move that re-arms the
SLA bumps `timer_seq`, so each timer is one Step Functions execution named
`<tracking id>-t<timer_seq>`: starting it again (after a crash, on a redelivered message) is
harmless. When Step Functions cannot be reached the start is deferred to the SLA events
queue, whose consumer retries it until it runs (services/grievance_timers.py).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from aws_lambda_powertools import Logger

from chalicelib import adapters
from chalicelib.domain.grievance import Grievance, timer_of
from chalicelib.resource_names import Queue, StateMachine

logger = Logger(child=True)

# A start Step Functions refused, sent on the SLA events queue to be tried again.
START_TIMER = "start_timer"


def keep_running(grievance: Grievance) -> None:
    """Start the timer of the grievance's current `timer_seq`, if its state has one."""
    timer = timer_of(grievance)
    if timer is None:
        return
    timer_input = {
        "purpose": timer.purpose,
        "tracking_id": grievance.tracking_id,
        "level": timer.level,
        "timer_seq": timer.timer_seq,
        # What the previous release's definition reads, should a deploy briefly pair this
        # code with it; drop it once no stage runs that definition.
        "version": timer.timer_seq,
        "warn_at": _timestamp(timer.warn_at),
        "due_at": _timestamp(timer.due_at),
    }
    adapters.current().timers.start(StateMachine.SLA_TIMER, f"{grievance.tracking_id}-t{timer.timer_seq}", timer_input)


def keep_running_or_defer(grievance: Grievance) -> None:
    """`keep_running`; when Step Functions refuses, a message on the SLA events queue asks
    for the start again (SQS retries it until it succeeds)."""
    try:
        keep_running(grievance)
    except Exception:
        logger.exception("SLA timer not started; deferred", extra={"tracking_id": grievance.tracking_id})
        message = {"kind": START_TIMER, "tracking_id": grievance.tracking_id, "timer_seq": grievance.timer_seq}
        adapters.current().queues.send(Queue.SLA_EVENTS, json.dumps(message))


def _timestamp(moment: datetime) -> str:
    """Whole seconds, rounded up: a timer must never fire before the deadline it stands for."""
    seconds = math.ceil(moment.timestamp())
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
