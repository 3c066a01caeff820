"""Service applications: like grievances, changed only through the case store's one
transaction (`case_store.CaseStore.save`) that writes the record guarded by the version read,
appends its audit entries to the shared trail, and moves its officer's open-load counter
(applications and grievances share an officer's desk).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.domain.application import Application, ApplicationChange, Document, InfoRequest, Stage
from chalicelib.domain.jurisdiction import Partition
from chalicelib.models.base import ItemRead, TableName, iso, parse, utc_text
from chalicelib.models.case_store import PAUSED, CaseRecord, CaseStore, Page, all_of, seat_of
from chalicelib.resource_names import Table


class ApplicationRecord(CaseRecord):
    class Meta:
        table_name = TableName(Table.APPLICATIONS)

    service_code = UnicodeAttribute()
    form_version = NumberAttribute(default=1)
    department = UnicodeAttribute()
    fields = JSONAttribute(default=dict)
    documents = JSONAttribute(default=dict)
    stage = UnicodeAttribute()
    sla_seconds = NumberAttribute(default=0)
    info_request = JSONAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    completed_at = UnicodeAttribute(null=True)


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
        "seat": seat_of(application.department, application.district),
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


_store = CaseStore(ApplicationRecord, "application", _to_record, _to_application)


def save_change(before: Application | None, change: ApplicationChange, now: datetime) -> Application:
    """Persist a move atomically: KeyTaken when a new application's tracking id is used,
    Conflict when someone else moved it first."""
    return _store.save(before, change.application, change.events, now)


def get_application(tracking_id: str) -> Application | None:
    return _store.get(tracking_id)


def application_read(tracking_id: str) -> ItemRead[Application | None]:
    """`get_application` as a read that can share its call with the request's login check."""
    return _store.read(tracking_id)


def citizen_applications(citizen_id: str, *, limit: int, cursor: str | None) -> Page[Application]:
    """A citizen's applications, newest first. One Query."""
    return _store.citizen_page(citizen_id, limit=limit, cursor=cursor)


def officer_queue(
    officer_id: str, *, due_before: datetime | None, stage: Stage | None, limit: int, cursor: str | None
) -> Page[Application]:
    """An officer's open applications, most urgent first (waiting on the citizen: last);
    `due_before` keeps the overdue. One Query on the queue index (filtered by stage when asked)."""
    only = ApplicationRecord.stage == stage.value if stage else None
    return _store.queue_page(officer_id, due_before=due_before, only=only, limit=limit, cursor=cursor)


def jurisdiction_page(
    partitions: Sequence[Partition],
    *,
    service_code: str | None,
    stage: Stage | None,
    due_before: datetime | None,
    limit: int,
    cursor: str | None,
) -> Page[Application]:
    """Applications of a jurisdiction, newest first, filtered; one Query per page.
    `due_before` keeps the open, owned ones past due (waiting on the applicant: not)."""
    conditions = [
        ApplicationRecord.service_code == service_code if service_code else None,
        ApplicationRecord.stage == stage.value if stage else None,
        ApplicationRecord.queue_due < utc_text(due_before) if due_before else None,
    ]
    return _store.jurisdiction_page(partitions, only=all_of(conditions), limit=limit, cursor=cursor)


def backfill_seats() -> int:
    """The seat-index key for applications saved before the index existed (see CaseStore)."""
    return _store.backfill_seats()


def snapshot(application: Application) -> dict[str, Any]:
    """The application as JSON-able data, as stored (`from_snapshot` reads it back)."""
    return _store.snapshot(application)


def from_snapshot(data: dict[str, Any]) -> Application:
    return _store.from_snapshot(data)
