"""What a message on the SLA events queue means when it arrives: warn, escalate, close, start
a deferred timer — or nothing.

A timer's message names the grievance, its level and the `timer_seq` of the timer that sent
it. The grievance moves on (resolved, reassigned, transferred, escalated) by bumping its
`timer_seq`, so a stale timer is recognised by comparison and ignored — after making sure
the current timer runs, since the move that replaced it may have been cut off before
starting it. The escalation itself is a version-guarded write, so two deliveries of one
breach escalate once; a write that loses to any other change (a comment, a "me too") looks
at the fresh grievance again rather than dropping the breach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.domain.errors import Conflict
from chalicelib.domain.grievance import (
    CLOCK_RUNNING,
    TOP_LEVEL,
    Change,
    Grievance,
    Status,
    auto_close,
    breached_at_top,
    escalate,
    timer_event_seen,
    warn,
)
from chalicelib.models import grievances
from chalicelib.services.dispatch import dispatch
from chalicelib.services.grievance_owners import find_owner
from chalicelib.services.sla_clock import current_clock
from chalicelib.services.sla_timer import AUTO_CLOSE_DUE, SLA_BREACHED, SLA_WARNING, keep_running

logger = Logger(child=True)

MAX_TRIES = 3


@dataclass(frozen=True)
class TimerMessage:
    kind: str  # sla_warning | sla_breached | auto_close_due
    tracking_id: str
    level: int
    timer_seq: int
    # Sent by a timer started before timers said what they were for: its breach on a
    # resolved grievance means the auto-close.
    legacy: bool = False

    @property
    def closes(self) -> bool:
        return self.kind == AUTO_CLOSE_DUE or (self.legacy and self.kind == SLA_BREACHED)


def handle_timer_event(message: TimerMessage, now: datetime | None = None) -> str:
    """Act on one timer message; returns what was done (for logs and tests)."""
    now = now or utc_now()
    for _ in range(MAX_TRIES):
        try:
            return _act(message, grievances.get_grievance(message.tracking_id), now)
        except Conflict:
            continue  # changed under us: decide again on what it is now
    # Still contended: let SQS deliver the message again later rather than lose it.
    raise RuntimeError(f"{message.tracking_id}: timer message kept losing to concurrent changes")


def start_deferred_timer(tracking_id: str, timer_seq: int) -> str:
    """A timer whose start Step Functions refused after a save: start it now (raising, so
    SQS retries, while Step Functions still refuses). A grievance that moved on since has a
    newer timer, which is the one kept running."""
    grievance = grievances.get_grievance(tracking_id)
    if grievance is None or grievance.timer_seq < timer_seq:
        return "stale"
    keep_running(grievance)
    return "started"


def _act(message: TimerMessage, grievance: Grievance | None, now: datetime) -> str:
    if grievance is None:
        return "stale"
    if grievance.timer_seq != message.timer_seq:
        if grievance.timer_seq > message.timer_seq:
            keep_running(grievance)  # idempotent: the current timer's execution runs
        return "stale"
    if grievance.status is Status.RESOLVED:
        return _save(grievance, auto_close(grievance, now), now, "closed") if message.closes else "stale"
    if grievance.status not in CLOCK_RUNNING or grievance.level != message.level:
        return "stale"
    if message.kind not in (SLA_WARNING, SLA_BREACHED) or timer_event_seen(grievance, message.timer_seq, message.kind):
        return "duplicate"
    if message.kind == SLA_WARNING:
        return _save(grievance, warn(grievance, now), now, "warned")
    if grievance.level >= TOP_LEVEL:
        return _save(grievance, breached_at_top(grievance, now), now, "breached_at_top")
    owner = find_owner(grievance.level + 1, grievance.department, grievance.district)
    if owner is None:
        raise RuntimeError(f"nobody to escalate {grievance.tracking_id} to")
    return _save(grievance, escalate(grievance, owner, current_clock(), now), now, "escalated")


def _save(before: Grievance, change: Change, now: datetime, outcome: str) -> str:
    saved = grievances.save_change(before, change, now)  # Conflict: the caller looks again
    dispatch(saved, change.events, saved.audit_seq)
    logger.info("timer acted", extra={"tracking_id": before.tracking_id, "outcome": outcome, "level": saved.level})
    return outcome
