"""Reading grievances: a citizen's list, one grievance with its timeline, the audit trail,
an officer's queue, and public tracking by tracking id and the mobile's last 4 digits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.clock import utc_now
from chalicelib.domain.access import visible_entries
from chalicelib.domain.audit import first_broken_entry
from chalicelib.domain.errors import NotFound
from chalicelib.domain.grievance import Grievance, Status
from chalicelib.domain.identity import Principal
from chalicelib.models import audit_trail, citizens, grievances, notification_log
from chalicelib.models.case_store import Page
from chalicelib.services import limits, staff_jurisdiction
from chalicelib.services.visible_cases import visible_grievance


@dataclass(frozen=True)
class Trail:
    entries: list[dict[str, Any]]
    intact: bool


def list_mine(principal: Principal, *, limit: int, cursor: str | None) -> Page[Grievance]:
    return grievances.citizen_grievances(principal.subject_id, limit=limit, cursor=cursor)


def get_one(principal: Principal, tracking_id: str) -> tuple[Grievance, list[dict[str, Any]]]:
    """The grievance and its timeline as this caller may see it."""
    grievance = visible_grievance(principal, tracking_id)
    return grievance, visible_entries(principal, audit_trail.history(tracking_id))


def history(principal: Principal, tracking_id: str) -> Trail:
    """Every event (internal notes only for staff), and whether the hash chain holds. The
    chain is checked over the whole stored trail, before anything is hidden."""
    grievance = visible_grievance(principal, tracking_id)
    entries = audit_trail.history(tracking_id)
    broken = first_broken_entry(tracking_id, entries, grievance.audit_seq, grievance.audit_hash)
    return Trail(visible_entries(principal, entries), broken is None)


def notifications(principal: Principal, tracking_id: str) -> list[dict[str, Any]]:
    """What was sent about a grievance, for staff who may see it: channel, template,
    language, status, provider id and SMS segments — never the recipient or the text."""
    if not principal.is_staff:
        raise NotFound("No such grievance.", field="tracking_id")
    visible_grievance(principal, tracking_id)
    return notification_log.notification_log(tracking_id)


def officer_queue(
    principal: Principal,
    *,
    status: Status | None,
    overdue: bool,
    limit: int,
    cursor: str | None,
    now: datetime | None = None,
) -> Page[Grievance]:
    """The caller's own open grievances, most urgent first; `overdue` keeps those past due."""
    now = now or utc_now()
    return grievances.officer_queue(
        principal.subject_id, due_before=now if overdue else None, status=status, limit=limit, cursor=cursor
    )


def jurisdiction(
    principal: Principal,
    *,
    department: str | None,
    district: str | None,
    category: str | None,
    status: Status | None,
    channel: str | None,
    overdue: bool,
    limit: int,
    cursor: str | None,
    now: datetime | None = None,
) -> Page[Grievance]:
    """The grievances of the caller's jurisdiction (not only their own desk), newest first,
    narrowed as asked; `overdue` keeps the open ones past due."""
    return grievances.jurisdiction_page(
        staff_jurisdiction.partitions(principal, department, district),
        category=category,
        status=status,
        channel=channel,
        due_before=(now or utc_now()) if overdue else None,
        limit=limit,
        cursor=cursor,
    )


def track(tracking_id: str, mobile_last4: str, source: str, now: datetime | None = None) -> Grievance:
    """Status and dates for someone holding the tracking id and the registered mobile's
    last 4 digits (SMS and IVRS users). Wrong digits look exactly like an unknown id, and
    lookups are limited per tracking id (10 in 15 minutes: the digits cannot be guessed) and
    per source address."""
    now = now or utc_now()
    limits.take("tracks_per_source", source, now)
    # Every lookup takes its slot before the digits are compared, so parallel guesses cannot
    # slip past the limit (a read-then-count let 21 of 40 through).
    limits.take("tracking_lookups_per_grievance", tracking_id, now, "Too many attempts; try again later.")
    grievance = grievances.get_grievance(tracking_id)
    citizen = citizens.get_citizen(grievance.citizen_id) if grievance else None
    if grievance is None or citizen is None or not citizen.mobile or not citizen.mobile.endswith(mobile_last4):
        raise NotFound("No grievance with this tracking id and mobile.", field="tracking_id")
    return grievance
