"""Service applications: like grievances, changed only through one transaction that writes
the record guarded by the version read, appends its audit entries to the shared trail, and
moves its officer's open-load counter (applications and grievances share an officer's desk).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.application import Application, ApplicationChange, Document, InfoRequest, Stage
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
from chalicelib.models.records import chain_audit, load_moves, save_with_trail


class CitizenIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "citizen-index"
        projection = AllProjection()

    citizen_id = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class QueueIndex(GlobalSecondaryIndex[Any]):
    """An officer's open applications, most urgent first (waiting on the citizen: last)."""

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


class ApplicationRecord(Model):
    class Meta:
        table_name = TableName("applications")

    tracking_id = UnicodeAttribute(hash_key=True)
    citizen_id = UnicodeAttribute()
    service_code = UnicodeAttribute()
    form_version = NumberAttribute(default=1)
    department = UnicodeAttribute()
    district = UnicodeAttribute()
    fields = JSONAttribute(default=dict)
    documents = JSONAttribute(default=dict)
    stage = UnicodeAttribute()
    assignee_id = UnicodeAttribute(null=True)
    filed_at = UnicodeAttribute()
    sla_seconds = NumberAttribute(default=0)
    due_at = UnicodeAttribute(null=True)
    sla_remaining_seconds = NumberAttribute(null=True)
    info_request = JSONAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)
    audit_seq = NumberAttribute(default=0)
    audit_hash = UnicodeAttribute(null=True)
    # Sparse queue keys, present only while the application is open and owned.
    queue_owner = UnicodeAttribute(null=True)
    queue_due = UnicodeAttribute(null=True)
    version = VersionAttribute()

    by_citizen = CitizenIndex()
    by_queue = QueueIndex()
    by_department = DepartmentIndex()


def _document_of(document: dict[str, Any]) -> Document:
    return Document(**{**document, "uploaded_at": datetime.fromisoformat(document["uploaded_at"])})


def _to_record(application: Application) -> ApplicationRecord:
    owned = application.is_open and application.assignee_id is not None
    request = application.info_request
    values: dict[str, Any] = {
        "tracking_id": application.tracking_id,
        "citizen_id": application.citizen_id,
        "service_code": application.service_code,
        "form_version": application.form_version,
        "department": application.department,
        "district": application.district,
        "fields": application.fields,
        "documents": {
            slot: {**document.__dict__, "uploaded_at": utc_text(document.uploaded_at)}
            for slot, document in application.documents.items()
        },
        "stage": application.stage.value,
        "assignee_id": application.assignee_id,
        "filed_at": utc_text(application.filed_at),
        "sla_seconds": application.sla_seconds,
        "due_at": iso(application.due_at),
        "sla_remaining_seconds": application.sla_remaining_seconds,
        "info_request": (
            {
                "note": request.note,
                "resume_to": request.resume_to.value,
                "fields": list(request.fields),
                "documents": list(request.documents),
            }
            if request
            else None
        ),
        "decided_at": iso(application.decided_at),
        "completed_at": iso(application.completed_at),
        "audit_seq": application.audit_seq,
        "audit_hash": application.audit_hash,
        "queue_owner": application.assignee_id if owned else None,
        # no deadline (waiting on the citizen, or refused): the end of the queue
        "queue_due": (iso(application.due_at) or PAUSED) if owned else None,
    }
    if application.version:
        values["version"] = application.version
    return ApplicationRecord(**values)


def _to_application(record: ApplicationRecord) -> Application:
    request = record.info_request
    return Application(
        tracking_id=record.tracking_id,
        citizen_id=record.citizen_id,
        service_code=record.service_code,
        form_version=int(record.form_version),
        department=record.department,
        district=record.district,
        fields=dict(record.fields or {}),
        documents={slot: _document_of(d) for slot, d in (record.documents or {}).items()},
        filed_at=datetime.fromisoformat(record.filed_at),
        stage=Stage(record.stage),
        assignee_id=record.assignee_id,
        sla_seconds=float(record.sla_seconds or 0),
        due_at=parse(record.due_at),
        sla_remaining_seconds=record.sla_remaining_seconds,
        info_request=(
            InfoRequest(
                note=request["note"],
                resume_to=Stage(request["resume_to"]),
                fields=tuple(request.get("fields", ())),
                documents=tuple(request.get("documents", ())),
            )
            if request
            else None
        ),
        decided_at=parse(record.decided_at),
        completed_at=parse(record.completed_at),
        version=int(record.version or 0),
        audit_seq=int(record.audit_seq or 0),
        audit_hash=record.audit_hash or "",
    )


def save_change(before: Application | None, change: ApplicationChange, now: datetime) -> Application:
    """Persist a move atomically (records.save_with_trail): KeyTaken when a new
    application's tracking id is used, Conflict when someone else moved it first."""
    base = before or replace(change.application, audit_seq=0, audit_hash="", version=0)
    audits, seq, head = chain_audit(base.tracking_id, base.audit_seq, base.audit_hash, change.events)
    after = replace(change.application, audit_seq=seq, audit_hash=head, version=base.version)
    save_with_trail(
        _to_record(after),
        new_key=ApplicationRecord.tracking_id if before is None else None,
        audits=audits,
        moves=load_moves(before, after),
        now=now,
        what="application",
    )
    return replace(after, version=base.version + 1)


def get_application(tracking_id: str) -> Application | None:
    try:
        return _to_application(ApplicationRecord.get(tracking_id, consistent_read=True))
    except ApplicationRecord.DoesNotExist:
        return None


def _page(results: Any, limit: int) -> tuple[list[Application], str | None]:
    items = [_to_application(r) for r in results]
    return items[:limit], (encode_cursor(results.last_evaluated_key) if len(items) >= limit else None)


def citizen_applications(citizen_id: str, *, limit: int, cursor: str | None) -> tuple[list[Application], str | None]:
    """A citizen's applications, newest first. One Query."""
    results = ApplicationRecord.by_citizen.query(
        citizen_id,
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=decode_cursor(cursor, {"tracking_id", "citizen_id", "filed_at"}, {"citizen_id": citizen_id}),
    )
    return _page(results, limit)


def officer_queue(
    officer_id: str, *, due_before: datetime | None, stage: Stage | None, limit: int, cursor: str | None
) -> tuple[list[Application], str | None]:
    """An officer's open applications, most urgent first; `due_before` keeps the overdue.
    One Query on the queue index (filtered by stage when asked)."""
    start = decode_queue_cursor(cursor, officer_id, due_before)
    results = ApplicationRecord.by_queue.query(
        officer_id,
        range_key_condition=QueueIndex.queue_due < utc_text(due_before) if due_before else None,
        filter_condition=ApplicationRecord.stage == stage.value if stage else None,
        limit=limit,
        last_evaluated_key=start,
    )
    return _page(results, limit)
