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
    Change,
    Grievance,
    TimerVerdict,
    auto_close,
    breached_at_top,
    escalate,
    timer_verdict,
    warn,
)
from chalicelib.models import grievances
from chalicelib.services.dispatch import dispatch
from chalicelib.services.grievance_owners import find_owner
from chalicelib.services.sla_clock import current_clock
from chalicelib.services.sla_timer import keep_running

logger = Logger(child=True)

MAX_TRIES = 3


@dataclass(frozen=True)
class TimerMessage:
    kind: str  # a TimerKind
    tracking_id: str
    level: int
    timer_seq: int
    # Sent by a timer started before timers named their purpose (see timer_verdict).
    legacy: bool = False


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
    verdict = timer_verdict(grievance, message.kind, message.level, message.timer_seq, legacy=message.legacy)
    if grievance is None or verdict in (TimerVerdict.STALE, TimerVerdict.DUPLICATE):
        return verdict.value
    match verdict:
        case TimerVerdict.REPLACED:
            keep_running(grievance)  # idempotent: the current timer's execution runs
            return TimerVerdict.STALE.value
        case TimerVerdict.CLOSE:
            return _save(grievance, auto_close(grievance, now), now, "closed")
        case TimerVerdict.WARN:
            return _save(grievance, warn(grievance, now), now, "warned")
        case TimerVerdict.BREACHED_AT_TOP:
            return _save(grievance, breached_at_top(grievance, now), now, "breached_at_top")
    # Up to someone else: a case handed up to the supervisor (no officer left in the seat)
    # climbs past them, unless nobody else sits there at all.
    level, department, district = grievance.level + 1, grievance.department, grievance.district
    owner = find_owner(level, department, district, excluding=grievance.assignee_id) or find_owner(
        level, department, district
    )
    if owner is None:
        raise RuntimeError(f"nobody to escalate {grievance.tracking_id} to")
    return _save(grievance, escalate(grievance, owner, current_clock(), now), now, "escalated")


def _save(before: Grievance, change: Change, now: datetime, outcome: str) -> str:
    saved = grievances.save_change(before, change, now)  # Conflict: the caller looks again
    dispatch(saved, change.events, saved.audit_seq)
    logger.info("timer acted", extra={"tracking_id": before.tracking_id, "outcome": outcome, "level": saved.level})
    return outcome
