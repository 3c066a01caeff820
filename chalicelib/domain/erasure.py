"""What a citizen's erasure takes out of their grievances and applications, and what it keeps.

Erased (personal data, DPDP Act 2023 s.8(7) and s.12(3)): a grievance's description, its
ward and coordinates (a complaint pinned to a doorstep locates the person); an
application's form fields and answers and its documents; the notes the citizen wrote on
their cases (replies, reasons, feedback comments).

Kept (the public record, no longer linked to a person: the citizen record keeps only an
anonymous id): category, department, district, status, dates, SLA and escalation level,
rating, the officers' acts and notes, and the audit chain. SLA accountability, the
department's statistics, appeals already decided and RTI answers about how the authority
handled a complaint all rest on these, and none of them names the citizen.

Each erasure is an event on the case's own trail, so the erasure is itself audited and the
notes it removes stay accounted for in the chain (see domain/audit.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.domain.application import Application, ApplicationChange
from chalicelib.domain.audit import note_digest
from chalicelib.domain.events import ApplicationErased, Event, GrievanceErased, GrievanceLinkedToAccount
from chalicelib.domain.grievance import Change, Grievance

ERASED_DESCRIPTION = "[erased at the citizen's request]"


def citizen_notes(entries: Sequence[dict[str, Any]], citizen_id: str) -> dict[str, str]:
    """The notes `citizen_id` wrote on a trail, as {seq: digest}: what erasure vouches for
    (only salted ones: an entry from before salting hashes the words, which cannot be vouched
    for without keeping them). Notes written before the grievance was linked to the account,
    as the unverified contact it came from (the `linked_to_account` entry names it), are the
    citizen's too."""
    authors = {citizen_id} | {
        str((entry.get("details") or {}).get("contact_id"))
        for entry in entries
        if entry.get("event") == GrievanceLinkedToAccount.name and entry.get("actor_id") == citizen_id
    }
    return {
        str(entry["seq"]): note_digest(entry["note"], entry["note_salt"])
        for entry in entries
        if entry.get("actor_id") in authors and entry.get("note") is not None and entry.get("note_salt")
    }


def erased_before(entries: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The details of the trail's erasure entry, if the case was erased already."""
    for entry in reversed(entries):
        if entry.get("event") in (GrievanceErased.name, ApplicationErased.name):
            return dict(entry.get("details") or {})
    return None


def erase_grievance(grievance: Grievance, notes: dict[str, str], now: datetime) -> Change:
    """The grievance without its description and location (district kept), and the event
    that records the erasure and vouches for the citizen's notes it removes."""
    kinds = ["grievance_descriptions"]
    if grievance.ward is not None or grievance.lat is not None or grievance.lon is not None:
        kinds.append("grievance_locations")
    if notes:
        kinds.append("citizen_notes")
    after = replace(grievance, description=ERASED_DESCRIPTION, ward=None, lat=None, lon=None)
    status = grievance.status.value
    return Change(after, [_event(GrievanceErased, grievance.citizen_id, now, status, kinds, notes)])


def erase_application(application: Application, notes: dict[str, str], now: datetime) -> ApplicationChange:
    """The application without its form fields (answers included) and documents."""
    kinds = [
        kind
        for kind, held in (
            ("application_fields", application.fields),
            ("documents", application.documents),
            ("citizen_notes", notes),
        )
        if held
    ]
    after = replace(application, fields={}, documents={})
    stage = application.stage.value
    return ApplicationChange(after, [_event(ApplicationErased, application.citizen_id, now, stage, kinds, notes)])


def _event(
    kind: type[GrievanceErased | ApplicationErased],
    citizen_id: str,
    now: datetime,
    state: str,
    kinds: list[str],
    notes: dict[str, str],
) -> Event:
    # Done at the citizen's request: the citizen is the actor, as for their other acts.
    return kind(
        actor_id=citizen_id,
        actor_role="citizen",
        at=now,
        from_state=state,
        to_state=state,
        erased=kinds,
        erased_notes=notes,
    )
