"""The operations-centre feed: every state change of a grievance or an application, as one
SNS message on the state's `operations-centre` topic, for its Integrated Command and Control
Centre (ICCC) and anyone else the state lets subscribe. docs/operations-centre-feed.md is
the subscriber's contract.

The feed carries the case's public facts (where, which department, what state, how late) and
nothing that leads to a person: no citizen id, name, mobile, email, national id, description,
note, ward or coordinates, and no staff id either (roles only). Once published, a message
sits in stores the state does not control, where an erasure (DPDP Act 2023) can never reach
it; so what could name someone is left out here, not filtered downstream. Ward and
coordinates count as personal as `domain/erasure.py` counts them: a complaint pinned to a
doorstep locates the person, and the ward is the citizen's own free text.

SNS standard topics deliver at least once, and the dispatcher may run a reaction twice, so
every message carries `event_id` (`<tracking_id>#<seq>`), the same for every copy.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from chalicelib import adapters
from chalicelib.domain import application as applications
from chalicelib.domain import events as e
from chalicelib.domain import grievance as grievances
from chalicelib.domain.application import Application
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.saved import Saved
from chalicelib.resource_names import Topic

SCHEMA_VERSION = 1
# The department attribute before routing names one, as on the department-events topic
# (an SNS attribute cannot be empty, and a filter on a department should not match it).
AWAITING_ROUTING = "AWAITING_ROUTING"
# Not state changes: an erasure takes data out and says, of one case, that its citizen asked.
NOT_STATE_CHANGES: tuple[type[e.Event], ...] = (e.GrievanceErased, e.ApplicationErased)
# The event's own facts a subscriber may see, when the event has them: codes, roles and
# counts only, named one by one so that a fact added to an event later (a reason, an
# officer) stays out until someone decides it is public. Left out today: officer ids
# (officer_id, from_officer, to_officer), why an officer left their seat, form fields.
PUBLIC_FACTS = ("from_department", "to_department", "owner_role", "rating", "supporters")


def feed_operations_centre(saved: Saved) -> None:
    """Publish the saved event of a grievance or an application to the operations-centre
    topic: one message, with attributes `event`, `kind`, `department`, `district` and
    `event_id` to filter and deduplicate on. Internal events (staff notes) and erasures
    publish nothing, so every grievance and application event may be wired to it."""
    event = saved.event
    if event.internal or isinstance(event, NOT_STATE_CHANGES):
        return
    message = operations_message(saved)
    adapters.current().topics.publish(
        Topic.OPERATIONS_CENTRE,
        json.dumps(message, separators=(",", ":")),
        {
            "event": message["event"],
            "kind": message["kind"],
            "department": message["department"] or AWAITING_ROUTING,
            "district": message["district"],
            "event_id": message["event_id"],
        },
    )


def operations_message(saved: Saved) -> dict[str, Any]:
    """The message body (schema_version 1): the case's public facts as this event left them."""
    event, case = saved.event, saved.case
    # `due_at` only while the SLA clock runs: the record keeps a paused deadline, and a
    # resolved grievance's "due" date is when it closes by itself, neither of which a
    # control room should read as the deadline.
    if isinstance(case, Grievance):
        kind, category, level, channel = "grievance", case.category, case.level, case.channel
        due_at = case.due_at if case.status in grievances.CLOCK_RUNNING else None
    elif isinstance(case, Application):
        # An application's category is its service; it has no escalation levels or channel.
        kind, category, level, channel = "application", case.service_code, None, None
        due_at = case.due_at if case.stage in applications.CLOCK_RUNNING else None
    else:
        raise TypeError(f"{type(case).__name__} events are not state changes of a case")
    return {
        "schema_version": SCHEMA_VERSION,
        "event_id": f"{case.tracking_id}#{saved.seq}",
        "event": event.name,
        "kind": kind,
        "tracking_id": case.tracking_id,
        "seq": saved.seq,
        "at": _utc(event.at),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "department": case.department,
        "district": case.district,
        "category": category,
        "level": level,
        "channel": channel,
        "due_at": _utc(due_at),
        "on_time": getattr(event, "on_time", None),
        "actor_role": event.actor_role,
        "facts": _public_facts(event),
    }


def _public_facts(event: e.Event) -> dict[str, Any]:
    facts = {name: getattr(event, name, None) for name in PUBLIC_FACTS}
    return {name: value for name, value in facts.items() if value is not None}


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None
