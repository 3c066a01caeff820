"""Grievances: the records citizens and officers both change.

A grievance changes only through `save_change`: one DynamoDB transaction that writes the
whole record guarded by the version that was read (two officers acting at once: one wins,
the other gets a Conflict), appends its audit entries with `attribute_not_exists` (the
trail is append-only), and moves the owners' open-load counters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.grievance import OPEN, Change, Grievance, Status
from chalicelib.models.base import (
    PAUSED,
    TableName,
    decode_cursor,
    decode_queue_cursor,
    encode_cursor,
    iso,
    parse,
    utc_text,
)
from chalicelib.models.records import Counter, chain_audit, history, load_counter_key, load_moves, save_with_trail


class CitizenIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "citizen-index"
        projection = AllProjection()

    citizen_id = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class QueueIndex(GlobalSecondaryIndex[Any]):
    """An officer's open grievances, most urgent first."""

    class Meta:
        index_name = "queue-index"
        projection = AllProjection()

    queue_owner = UnicodeAttribute(hash_key=True)
    queue_due = UnicodeAttribute(range_key=True)


class DepartmentIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "department-index"
        projection = AllProjection()

    department = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class RoutingIndex(GlobalSecondaryIndex[Any]):
    """Grievances not yet routed: the safety net re-queues any that waited too long."""

    class Meta:
        index_name = "routing-index"
        projection = AllProjection()

    awaiting_routing = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class AreaIndex(GlobalSecondaryIndex[Any]):
    """Open grievances of one category in one district: duplicates and "me too"."""

    class Meta:
        index_name = "area-index"
        projection = AllProjection()

    area = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class GrievanceRecord(Model):
    class Meta:
        table_name = TableName("grievances")

    tracking_id = UnicodeAttribute(hash_key=True)
    citizen_id = UnicodeAttribute()
    district = UnicodeAttribute()
    description = UnicodeAttribute()
    filed_at = UnicodeAttribute()
    category = UnicodeAttribute(null=True)
    department = UnicodeAttribute(null=True)
    ward = UnicodeAttribute(null=True)
    lat = NumberAttribute(null=True)
    lon = NumberAttribute(null=True)
    channel = UnicodeAttribute(default="web")
    status = UnicodeAttribute()
    level = NumberAttribute(default=0)
    assignee_id = UnicodeAttribute(null=True)
    sla_hours = NumberAttribute(null=True)
    round_the_clock = BooleanAttribute(default=False)
    due_at = UnicodeAttribute(null=True)
    warn_at = UnicodeAttribute(null=True)
    sla_remaining_seconds = NumberAttribute(null=True)
    timer_seq = NumberAttribute(default=0)
    transfers = NumberAttribute(default=0)
    priority = NumberAttribute(default=0)
    supporters = NumberAttribute(default=0)
    resolved_at = UnicodeAttribute(null=True)
    closed_at = UnicodeAttribute(null=True)
    rejected_at = UnicodeAttribute(null=True)
    rating = NumberAttribute(null=True)
    appealed = BooleanAttribute(default=False)
    reopened = NumberAttribute(default=0)
    audit_seq = NumberAttribute(default=0)
    audit_hash = UnicodeAttribute(null=True)
    last_timer_event = UnicodeAttribute(null=True)
    application_id = UnicodeAttribute(null=True)
    # Sparse index keys, present only while they mean something:
    queue_owner = UnicodeAttribute(null=True)  # the assignee, while the grievance is open
    queue_due = UnicodeAttribute(null=True)  # due_at, or PAUSED while waiting on the citizen
    awaiting_routing = UnicodeAttribute(null=True)  # "yes" while registered
    area = UnicodeAttribute(null=True)  # CATEGORY#DISTRICT while open, for duplicates nearby
    version = VersionAttribute()

    by_citizen = CitizenIndex()
    by_queue = QueueIndex()
    by_department = DepartmentIndex()
    by_routing = RoutingIndex()
    by_area = AreaIndex()


_DATES = ("filed_at", "due_at", "warn_at", "resolved_at", "closed_at", "rejected_at")
_PLAIN = (
    "tracking_id",
    "citizen_id",
    "district",
    "description",
    "category",
    "department",
    "ward",
    "lat",
    "lon",
    "channel",
    "level",
    "assignee_id",
    "sla_hours",
    "round_the_clock",
    "sla_remaining_seconds",
    "timer_seq",
    "transfers",
    "priority",
    "supporters",
    "rating",
    "appealed",
    "reopened",
    "audit_seq",
    "audit_hash",
    "last_timer_event",
    "application_id",
)


def _to_record(grievance: Grievance) -> GrievanceRecord:
    values: dict[str, Any] = {name: getattr(grievance, name) for name in _PLAIN}
    values.update({name: iso(getattr(grievance, name)) for name in _DATES})
    values["status"] = grievance.status.value
    is_open = grievance.status in OPEN and grievance.assignee_id is not None
    values["queue_owner"] = grievance.assignee_id if is_open else None
    values["queue_due"] = (
        (PAUSED if grievance.status is Status.INFO_REQUESTED else iso(grievance.due_at)) if is_open else None
    )
    values["awaiting_routing"] = "yes" if grievance.status is Status.REGISTERED else None
    values["area"] = f"{grievance.category}#{grievance.district}" if grievance.category and grievance.is_open else None
    if grievance.version:  # PynamoDB guards the write on the version read (none: a new item)
        values["version"] = grievance.version
    return GrievanceRecord(**values)


def _to_grievance(record: GrievanceRecord) -> Grievance:
    values: dict[str, Any] = {name: getattr(record, name) for name in _PLAIN}
    values.update({name: parse(getattr(record, name)) for name in _DATES})
    for name in ("level", "timer_seq", "transfers", "priority", "supporters", "reopened", "audit_seq"):
        values[name] = int(values[name] or 0)
    if values["rating"] is not None:
        values["rating"] = int(values["rating"])
    return Grievance(**values, status=Status(record.status), version=int(record.version or 0))


def save_change(before: Grievance | None, change: Change, now: datetime) -> Grievance:
    """Persist a transition atomically; Conflict when someone else changed it first.

    `before` is None for a new grievance (then its tracking id must be unused).
    """
    base = before or replace(change.grievance, audit_seq=0, audit_hash="", version=0)
    audits, seq, head = chain_audit(base.tracking_id, base.audit_seq, base.audit_hash, change.events)
    after = replace(change.grievance, audit_seq=seq, audit_hash=head, version=base.version)
    save_with_trail(
        _to_record(after),
        new_key=GrievanceRecord.tracking_id if before is None else None,
        audits=audits,
        moves=load_moves(before, after),
        now=now,
        what="grievance",
    )
    return replace(after, version=base.version + 1)


def get_grievance(tracking_id: str) -> Grievance | None:
    try:
        return _to_grievance(GrievanceRecord.get(tracking_id, consistent_read=True))
    except GrievanceRecord.DoesNotExist:
        return None


@dataclass(frozen=True)
class Page:
    grievances: list[Grievance]
    cursor: str | None


def _page(results: Any, limit: int) -> Page:
    items = [_to_grievance(r) for r in results]
    return Page(items[:limit], encode_cursor(results.last_evaluated_key) if len(items) >= limit else None)


def citizen_grievances(citizen_id: str, *, limit: int, cursor: str | None) -> Page:
    """A citizen's grievances, newest first. One Query."""
    results = GrievanceRecord.by_citizen.query(
        citizen_id,
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, {"tracking_id", "citizen_id", "filed_at"}, {"citizen_id": citizen_id}),
    )
    return _page(results, limit)


def officer_queue(
    officer_id: str, *, due_before: datetime | None, status: Status | None, limit: int, cursor: str | None
) -> Page:
    """An officer's open grievances, most urgent first; `due_before` keeps the overdue.
    One Query on the queue index (with a filter on status when asked)."""
    range_condition = QueueIndex.queue_due < utc_text(due_before) if due_before else None
    filter_condition = GrievanceRecord.status == status.value if status else None
    start = decode_queue_cursor(cursor, officer_id, due_before)
    results = GrievanceRecord.by_queue.query(
        officer_id,
        range_key_condition=range_condition,
        filter_condition=filter_condition,
        limit=limit,
        last_evaluated_key=start,
    )
    return _page(results, limit)


def recent_for_citizen(citizen_id: str, since: datetime) -> Iterator[Grievance]:
    results = GrievanceRecord.by_citizen.query(citizen_id, GrievanceRecord.filed_at >= utc_text(since))
    return (_to_grievance(r) for r in results)


def open_in_area(category: str, district: str, since: datetime) -> Iterator[Grievance]:
    """Open grievances of one category in one district filed since `since`. One Query."""
    results = GrievanceRecord.by_area.query(f"{category}#{district}", GrievanceRecord.filed_at >= utc_text(since))
    return (_to_grievance(r) for r in results)


def awaiting_routing(filed_before: datetime) -> Iterator[str]:
    """Tracking ids still registered (not routed) filed before a moment. One Query."""
    results = GrievanceRecord.by_routing.query("yes", GrievanceRecord.filed_at < utc_text(filed_before))
    return (r.tracking_id for r in results)


def open_loads(officer_ids: list[str]) -> dict[str, tuple[int, str]]:
    """Each officer's open grievances and when they were last given one. One BatchGet."""
    keys = [load_counter_key(officer_id) for officer_id in officer_ids]
    found = {c.counter: (int(c.value or 0), c.touched_at or "") for c in Counter.batch_get(keys)}
    return {officer_id: found.get(load_counter_key(officer_id)[0], (0, "")) for officer_id in officer_ids}


__all__ = ["history"]  # grievances.history: the shared audit trail's reader, where callers look for it
