"""Grievances: the records citizens and officers both change.

A grievance changes only through `save_change`, the case store's one transaction
(`case_store.CaseStore.save`): the whole record guarded by the version that was read, its
audit entries appended, the owners' open-load counters moved.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from pynamodb.attributes import BooleanAttribute, ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from chalicelib.domain.grievance import CLOCK_RUNNING, OPEN, OWNED, Change, Grievance, Status
from chalicelib.domain.jurisdiction import Partition
from chalicelib.models.base import Guard, ItemRead, TableName, iso, parse, shared_connection, utc_text
from chalicelib.models.case_store import PAUSED, CaseRecord, CaseStore, Page, all_of, seat_of
from chalicelib.resource_names import Table


class RoutingIndex(GlobalSecondaryIndex[Any]):
    """Grievances awaiting routing: the sweep re-queues any still waiting after the grace."""

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


class RunningIndex(GlobalSecondaryIndex[Any]):
    """Grievances whose SLA clock runs, per department, by district then deadline: what the
    at-risk ranking reads (the open ones only, however many were ever filed)."""

    class Meta:
        index_name = "running-index"
        projection = AllProjection()

    running_department = UnicodeAttribute(hash_key=True)
    running_due = UnicodeAttribute(range_key=True)  # DISTRICT#due_at


class GrievanceRecord(CaseRecord):
    class Meta:
        table_name = TableName(Table.GRIEVANCES)

    description = UnicodeAttribute()
    category = UnicodeAttribute(null=True)
    department = UnicodeAttribute(null=True)
    ward = UnicodeAttribute(null=True)
    lat = NumberAttribute(null=True)
    lon = NumberAttribute(null=True)
    channel = UnicodeAttribute(default="web")
    source = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    level = NumberAttribute(default=0)
    sla_hours = NumberAttribute(null=True)
    escalation_hours = ListAttribute(of=NumberAttribute, null=True)  # levels 1, 2, 3
    round_the_clock = BooleanAttribute(default=False)
    warn_at = UnicodeAttribute(null=True)
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
    breached = BooleanAttribute(default=False)
    last_timer_event = UnicodeAttribute(null=True)
    application_id = UnicodeAttribute(null=True)
    # Sparse index keys, present only while they mean something (and the queue's: CaseRecord):
    awaiting_routing = UnicodeAttribute(null=True)  # "yes" while registered
    area = UnicodeAttribute(null=True)  # CATEGORY#DISTRICT while open, for duplicates nearby
    running_department = UnicodeAttribute(null=True)  # while its SLA clock runs
    running_due = UnicodeAttribute(null=True)

    by_routing = RoutingIndex()
    by_area = AreaIndex()
    by_running = RunningIndex()


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
    "source",
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
    "breached",
    "audit_seq",
    "audit_hash",
    "last_timer_event",
    "application_id",
)


def _to_record(grievance: Grievance) -> GrievanceRecord:
    values: dict[str, Any] = {name: getattr(grievance, name) for name in _PLAIN}
    values.update({name: iso(getattr(grievance, name)) for name in _DATES})
    values["status"] = grievance.status.value
    values["escalation_hours"] = list(grievance.escalation_hours) or None
    values["seat"] = seat_of(grievance.department, grievance.district)
    is_open = grievance.status in OPEN and grievance.assignee_id is not None
    values["queue_owner"] = grievance.assignee_id if is_open else None
    # due_at, or PAUSED while waiting on the citizen
    values["queue_due"] = (
        (PAUSED if grievance.status is Status.INFO_REQUESTED else iso(grievance.due_at)) if is_open else None
    )
    values["awaiting_routing"] = "yes" if grievance.status is Status.REGISTERED else None
    values["area"] = f"{grievance.category}#{grievance.district}" if grievance.category and grievance.is_open else None
    running = grievance.status in CLOCK_RUNNING and grievance.due_at is not None and grievance.department
    values["running_department"] = grievance.department if running else None
    values["running_due"] = f"{grievance.district}#{iso(grievance.due_at)}" if running else None
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
    values["escalation_hours"] = tuple(record.escalation_hours or ())
    return Grievance(**values, status=Status(record.status), version=int(record.version or 0))


_store = CaseStore(GrievanceRecord, "grievance", _to_record, _to_grievance)


def save_change(before: Grievance | None, change: Change, now: datetime, guards: Sequence[Guard] = ()) -> Grievance:
    """Persist a transition atomically, with `guards` (models.base.Guard); Conflict when
    someone else changed it first.

    `before` is None for a new grievance (then its tracking id must be unused: KeyTaken).
    """
    return _store.save(before, change.grievance, change.events, now, guards)


def get_grievance(tracking_id: str) -> Grievance | None:
    return _store.get(tracking_id)


def grievance_read(tracking_id: str) -> ItemRead[Grievance | None]:
    """`get_grievance` as a read that can share its call with the request's login check."""
    return _store.read(tracking_id)


def get_grievances(tracking_ids: Sequence[str]) -> dict[str, Grievance]:
    """Several grievances by id, in BatchGets of up to 100; missing ones are left out."""
    unique = list(dict.fromkeys(tracking_ids))
    return {record.tracking_id: _to_grievance(record) for record in GrievanceRecord.batch_get(unique)}


def citizen_grievances(citizen_id: str, *, limit: int, cursor: str | None) -> Page[Grievance]:
    """A citizen's grievances, newest first. One Query."""
    return _store.citizen_page(citizen_id, limit=limit, cursor=cursor)


def officer_queue(
    officer_id: str, *, due_before: datetime | None, status: Status | None, limit: int, cursor: str | None
) -> Page[Grievance]:
    """An officer's open grievances, most urgent first (waiting on the citizen: last);
    `due_before` keeps the overdue. One Query on the queue index (with a filter on status
    when asked)."""
    only = GrievanceRecord.status == status.value if status else None
    return _store.queue_page(officer_id, due_before=due_before, only=only, limit=limit, cursor=cursor)


def jurisdiction_page(
    partitions: Sequence[Partition],
    *,
    category: str | None,
    status: Status | None,
    channel: str | None,
    due_before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Grievance]:
    """Grievances of a jurisdiction, newest first, filtered; one Query per page.
    `due_before` keeps the open, owned ones past due (waiting on the citizen: not)."""
    conditions = [
        GrievanceRecord.category == category if category else None,
        GrievanceRecord.status == status.value if status else None,
        GrievanceRecord.channel == channel if channel else None,
        GrievanceRecord.queue_due < utc_text(due_before) if due_before else None,
    ]
    return _store.jurisdiction_page(partitions, only=all_of(conditions), limit=limit, cursor=cursor)


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


def running_in(department: str, district: str | None) -> Iterator[Grievance]:
    """The grievances of a department (or one district of it) whose SLA clock runs, by
    district then deadline. One Query per page of the running index."""
    key = GrievanceRecord.running_due.startswith(f"{district}#") if district else None
    results = GrievanceRecord.by_running.query(department, key)
    return (_to_grievance(r) for r in results)


def backfill_seats() -> int:
    """The seat-index key for grievances saved before the index existed (see CaseStore)."""
    return _store.backfill_seats()


def backfill_running() -> int:
    """The running-index keys for grievances whose clock was running before the index
    existed: a one-off Scan, keys set only where still missing, the version left alone (as
    `backfill_seats`)."""
    client = shared_connection().client
    filled = 0
    running = GrievanceRecord.status.is_in(*(s.value for s in CLOCK_RUNNING))
    for record in GrievanceRecord.scan(running & GrievanceRecord.running_department.does_not_exist()):
        if not (record.department and record.due_at):
            continue
        try:
            client.update_item(
                TableName=GrievanceRecord.Meta.table_name,
                Key={"tracking_id": {"S": record.tracking_id}},
                UpdateExpression="SET #d = :d, #due = :due",
                ConditionExpression="attribute_not_exists(#d) AND #v = :v",
                ExpressionAttributeNames={"#d": "running_department", "#due": "running_due", "#v": "version"},
                ExpressionAttributeValues={
                    ":d": {"S": record.department},
                    ":due": {"S": f"{record.district}#{record.due_at}"},
                    ":v": {"N": str(record.version)},
                },
            )
        except client.exceptions.ConditionalCheckFailedException:
            continue  # moved meanwhile: its save wrote the keys it should have
        filled += 1
    return filled


def held_by_department() -> dict[str, tuple[int, int]]:
    """(open, overdue) per department counted from the records: what the report gauges
    should read. An operator's repair (a Scan), never a request's."""
    held = GrievanceRecord.status.is_in(*(s.value for s in OWNED))
    found: dict[str, tuple[int, int]] = {}
    for record in GrievanceRecord.scan(held):
        department = record.department or "AWAITING_ROUTING"
        open_count, overdue = found.get(department, (0, 0))
        found[department] = (open_count + 1, overdue + int(bool(record.breached)))
    return found


def snapshot(grievance: Grievance) -> dict[str, Any]:
    """The grievance as JSON-able data, as stored (`from_snapshot` reads it back)."""
    return _store.snapshot(grievance)


def from_snapshot(data: dict[str, Any]) -> Grievance:
    return _store.from_snapshot(data)
