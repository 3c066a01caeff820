"""Keep what Open311 clients read back: each change to a request they filed becomes a
`servicerequestupdates` row (FixMyStreet's extension), and the filing a `requests` row.

A reaction of the dispatcher on grievance events; a grievance not filed through Open311
costs nothing (no AWS call). The update's words are fixed per event and public (a client
such as FixMyStreet shows them on a public page): never an officer's note or a name.
"""

from __future__ import annotations

from chalicelib.domain import events as e
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.open311 import status_of
from chalicelib.domain.saved import Saved
from chalicelib.models import open311

OPEN311_SOURCE = "open311:"

UPDATE_WORDS = {
    "filed": "Received.",
    "assigned": "Sent to the department responsible.",
    "accepted": "An officer is working on it.",
    "info_requested": "The officer asked the reporter for more information.",
    "info_provided": "The reporter answered; work goes on.",
    "transferred": "Sent on to another department.",
    "reassigned": "Given to another officer.",
    "handed_over": "Given to another officer.",
    "resolved": "Resolved.",
    "rejected": "Closed without action.",
    "closed": "Closed.",
    "reopened": "Reopened.",
    "appealed": "Appealed to a senior officer.",
    "escalated": "Escalated to a senior officer: the deadline passed.",
    "sla_breached": "Past its final deadline.",
    "supported": "Another citizen reported the same problem.",
    "linked_to_account": "Linked to the reporter's account.",
    "citizen_wrote": "The reporter added information.",
}


def is_from_open311(grievance: Grievance) -> bool:
    return (grievance.source or "").startswith(OPEN311_SOURCE)


def follow_open311(saved: Saved) -> None:
    grievance = saved.case
    event = saved.event
    if not isinstance(grievance, Grievance) or not is_from_open311(grievance) or event.internal:
        return
    words = UPDATE_WORDS.get(event.name)
    if words is None:  # not news for a reporter (a warning inside the department)
        return
    if isinstance(event, e.GrievanceFiled):
        open311.record_filed(grievance.tracking_id, grievance.category, grievance.filed_at)
    open311.record_update(grievance.tracking_id, saved.seq, status_of(grievance.status), words, event.at)
