"""Grievances for unit tests, brought where a test needs them by the domain's own moves."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.catalogue import Category
from chalicelib.domain.grievance import Change, Grievance, route_terms
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.sla import SlaClock, WorkingCalendar

START = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)  # Monday 10:00 in Odisha
SECOND = timedelta(seconds=1)
CLOCK = SlaClock(WorkingCalendar())
CITIZEN = Principal("cit-1", Role.CITIZEN, district="KHORDHA")
OFFICER = Principal("off-1", Role.OFFICER, department="WATER", district="KHORDHA")
WATER = Category(code="WATER_NO_SUPPLY", department="WATER", sla_hours=24, names={"en": "No water supply"})


def filed(**overrides) -> Grievance:
    values = {
        "tracking_id": "OD-260302-ABCDEF",
        "citizen_id": CITIZEN.subject_id,
        "district": "KHORDHA",
        "description": "No water in our lane.",
        "filed_at": START,
        "category": "WATER_NO_SUPPLY",
    }
    return Grievance(**{**values, **overrides})


def saved(change: Change, audit_seq: int) -> Grievance:
    """What the store hands back after saving `change`: its audit seq moved on."""
    return replace(change.grievance, audit_seq=audit_seq)


def route(grievance: Grievance, category: Category | None = WATER, now: datetime = START) -> Change:
    """Routing's move, to officer off-1 (at START unless told)."""
    terms = route_terms(grievance, category)
    return lifecycle.assign(
        grievance,
        department=terms.department,
        category=terms.category,
        assignee_id="off-1",
        sla_hours=terms.sla_hours,
        round_the_clock=terms.round_the_clock,
        clock=CLOCK,
        now=now,
        escalation_hours=terms.escalation_hours,
    )


def routed(grievance: Grievance | None = None, category: Category | None = WATER) -> Grievance:
    """Filed and routed, as saved (audit seq 2)."""
    return saved(route(grievance or filed(), category), 2)
