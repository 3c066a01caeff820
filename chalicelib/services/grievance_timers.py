"""What an SLA timer's message means when it arrives: warn, escalate, close — or nothing.

Each message names the grievance, its level and the timer generation that sent it. The
grievance moves on (resolved, reassigned, transferred, escalated) by bumping its timer
generation, so a stale timer is recognised by comparison and ignored — after making sure
the current generation's timer runs, since the move that replaced it may have been cut off
before starting it. The escalation itself is a version-guarded write, so two deliveries of
one breach escalate once; a write that loses to any other change (a comment, a "me too")
looks at the fresh grievance again rather than dropping the breach.
"""

from __future__ import annotations

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
from chalicelib.services.grievance_effects import apply_effects, ensure_timer
from chalicelib.services.grievance_owners import find_owner
from chalicelib.services.sla_clock import current_clock

logger = Logger(child=True)


MAX_TRIES = 3


def handle_timer_event(kind: str, tracking_id: str, level: int, timer_seq: int, now: datetime | None = None) -> str:
    """Act on one timer message; returns what was done (for logs and tests)."""
    now = now or utc_now()
    for _ in range(MAX_TRIES):
        try:
            return _act(kind, grievances.get_grievance(tracking_id), level, timer_seq, now)
        except Conflict:
            continue  # changed under us: decide again on what it is now
    # Still contended: let SQS deliver the message again later rather than lose it.
    raise RuntimeError(f"{tracking_id}: timer message kept losing to concurrent changes")


def _act(kind: str, grievance: Grievance | None, level: int, timer_seq: int, now: datetime) -> str:
    if grievance is None:
        return "stale"
    if grievance.timer_seq != timer_seq:
        if grievance.timer_seq > timer_seq:
            ensure_timer(grievance)  # idempotent: the current generation's execution runs
        return "stale"
    if grievance.status is Status.RESOLVED:
        return _save(grievance, auto_close(grievance, now), now, "closed") if kind == "sla_breached" else "stale"
    if grievance.status not in CLOCK_RUNNING or grievance.level != level:
        return "stale"
    if timer_event_seen(grievance, timer_seq, kind):
        return "duplicate"
    if kind == "sla_warning":
        return _save(grievance, warn(grievance, now), now, "warned")
    if grievance.level >= TOP_LEVEL:
        return _save(grievance, breached_at_top(grievance, now), now, "breached_at_top")
    owner = find_owner(grievance.level + 1, grievance.department, grievance.district)
    if owner is None:
        raise RuntimeError(f"nobody to escalate {grievance.tracking_id} to")
    return _save(grievance, escalate(grievance, owner, current_clock(), now), now, "escalated")


def _save(before: Grievance, change: Change, now: datetime, outcome: str) -> str:
    saved = grievances.save_change(before, change, now)  # Conflict: the caller looks again
    apply_effects(before, saved, change)
    logger.info("timer acted", extra={"tracking_id": before.tracking_id, "outcome": outcome, "level": saved.level})
    return outcome
