"""The report counters follow the events: the dispatcher's `tally` reaction."""

from __future__ import annotations

import json
from datetime import tzinfo
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib import adapters
from chalicelib.clock import utc_now
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.saved import Saved
from chalicelib.domain.tallies import Tally, tally_of
from chalicelib.models import tallies
from chalicelib.resource_names import Queue
from chalicelib.services.sla_clock import state_zone

logger = Logger(child=True)

COUNT_TALLY = "count_tally"  # a message kind of the SLA events queue: a report count to retry


def report_zone() -> tzinfo:
    """The state's day, as reports count it: its calendar's zone, the one deadlines and
    messages read (kept warm by the SLA clock, re-read every 5 minutes)."""
    return state_zone()


def tally(saved: Saved) -> None:
    """Count a grievance's saved event into the reports, once however often it is dispatched.

    A count that fails now is not lost: it waits on the SLA events queue, whose consumer
    counts it again until it succeeds (the marker keeps a retry from counting twice) — a
    redelivered move would not bring it back, since the move is saved and done."""
    if not isinstance(saved.case, Grievance):
        return  # applications are not in the grievance reports
    counted = tally_of(saved.case, saved.event, saved.seq, report_zone())
    if counted.empty:
        return
    try:
        tallies.count(counted, utc_now())
    except Exception:
        logger.exception("report count deferred", extra={"event_id": counted.event_id})
        message = {"kind": COUNT_TALLY, "tally": counted.as_message()}
        adapters.current().queues.send(Queue.SLA_EVENTS, json.dumps(message))


def count_deferred(message: dict[str, Any]) -> bool:
    """Count a tally that waited on the queue; False when it had been counted meanwhile."""
    return tallies.count(Tally.from_message(message), utc_now())
