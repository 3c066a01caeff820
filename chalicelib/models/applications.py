"""Service applications: like grievances, changed only through one transaction that writes
the record guarded by the version read, appends its audit entries to the shared trail, and
moves its officer's open-load counter (applications and grievances share an officer's desk).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute, VersionAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action as UpdateAction
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.application import Application, ApplicationChange, Document, InfoRequest, Stage
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.models.base import TableName, shared_connection
from chalicelib.models.grievances import PAUSED, decode_cursor, encode_cursor, load_counter_key
from chalicelib.models.records import AuditEntryRecord, Counter, chain_audit


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


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
    paused = application.stage is Stage.INFO_REQUESTED
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
            slot: {**document.__dict__, "uploaded_at": _iso(document.uploaded_at)}
            for slot, document in application.documents.items()
        },
        "stage": application.stage.value,
        "assignee_id": application.assignee_id,
        "filed_at": _iso(application.filed_at),
        "sla_seconds": application.sla_seconds,
        "due_at": _iso(application.due_at) if application.due_at else None,
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
        "decided_at": _iso(application.decided_at) if application.decided_at else None,
        "completed_at": _iso(application.completed_at) if application.completed_at else None,
        "audit_seq": application.audit_seq,
        "audit_hash": application.audit_hash,
        "queue_owner": application.assignee_id if owned else None,
        "queue_due": (PAUSED if paused else (_iso(application.due_at) if application.due_at else PAUSED))
        if owned
        else None,
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
        due_at=_parse(record.due_at),
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
        decided_at=_parse(record.decided_at),
        completed_at=_parse(record.completed_at),
        version=int(record.version or 0),
        audit_seq=int(record.audit_seq or 0),
        audit_hash=record.audit_hash or "",
    )


class TrackingIdTaken(Conflict):
    """A new application's tracking id is already used (rare: 30 random bits a day)."""

    def __init__(self) -> None:
        super().__init__("tracking id taken")


def _load_moves(before: Application | None, after: Application) -> dict[str, int]:
    moves: dict[str, int] = {}
    if before is not None and before.is_open and before.assignee_id:
        moves[before.assignee_id] = moves.get(before.assignee_id, 0) - 1
    if after.is_open and after.assignee_id:
        moves[after.assignee_id] = moves.get(after.assignee_id, 0) + 1
    return {officer: delta for officer, delta in moves.items() if delta}


def save_change(before: Application | None, change: ApplicationChange, now: datetime) -> Application:
    """Persist a move atomically; Conflict when someone else moved it first (or, for a new
    application, when its tracking id is taken)."""
    base = before or replace(change.application, audit_seq=0, audit_hash="", version=0)
    audits, seq, head = chain_audit(base.tracking_id, base.audit_seq, base.audit_hash, change.events)
    after = replace(change.application, audit_seq=seq, audit_hash=head, version=base.version)
    try:
        with TransactWrite(connection=shared_connection()) as transaction:
            record = _to_record(after)
            if before is None:
                transaction.save(record, condition=ApplicationRecord.tracking_id.does_not_exist())
            else:
                transaction.save(record)
            for audit in audits:
                transaction.save(audit, condition=AuditEntryRecord.seq.does_not_exist())
            for officer_id, delta in _load_moves(before, after).items():
                counter, window = load_counter_key(officer_id)
                actions: list[UpdateAction] = [Counter.value.add(delta)]
                if delta > 0:
                    actions.append(Counter.touched_at.set(_iso(now)))
                transaction.update(Counter(counter, window), actions=actions)
    except TransactWriteError as error:
        reasons = list(error.cancellation_reasons or [])
        if before is None and reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            raise TrackingIdTaken() from None
        if any(r is not None and r.code in {"ConditionalCheckFailed", "TransactionConflict"} for r in reasons):
            # changed since read, or another transaction held the same item (an officer's
            # load counter) at that instant: nothing was written
            raise Conflict("The application was changed at the same moment; read it again and retry.") from None
        raise
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
    start = decode_cursor(cursor, {"tracking_id", "queue_owner", "queue_due"}, {"queue_owner": officer_id})
    if start is not None and due_before is not None and not start["queue_due"]["S"] < _iso(due_before):
        # A cursor from the unfiltered queue lies outside the overdue range (DynamoDB refuses it).
        raise InvalidInput("cursor: not a cursor of the overdue list.", field="cursor")
    results = ApplicationRecord.by_queue.query(
        officer_id,
        range_key_condition=QueueIndex.queue_due < _iso(due_before) if due_before else None,
        filter_condition=ApplicationRecord.stage == stage.value if stage else None,
        limit=limit,
        last_evaluated_key=start,
    )
    return _page(results, limit)
