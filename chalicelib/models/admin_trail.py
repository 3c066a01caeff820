"""The administrative trail: every act on the state's catalogue, calendar, staff and
webhooks, and every erasure and identity dispute, on one hash-chained trail.

It lives in the audit table as the trail of `ADMIN`, chained exactly like a grievance's
history (`chain_audit`), with its head (last seq and hash) in an item of its own so entries
cut off the end are noticed too. An act and the change it records are one transaction:
the change is never made unaudited, nor audited unmade. Two acts at once race for the
head; the loser chains again onto the winner's entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.admin import ADMIN_TRAIL, AdministrativeAct
from chalicelib.domain.errors import Conflict, Unavailable
from chalicelib.models.audit_trail import AuditEntryRecord, chain_audit
from chalicelib.models.base import TableName, shared_connection
from chalicelib.resource_names import Table

HEAD_SUBJECT = f"{ADMIN_TRAIL}#HEAD"
_ATTEMPTS = 8

# A change made in the same transaction as the act that records it.
Change = Callable[[TransactWrite], None]


class AdminTrailHead(Model):
    """Where the administrative trail ends: its last seq and that entry's hash."""

    class Meta:
        table_name = TableName(Table.AUDIT)

    subject = UnicodeAttribute(hash_key=True)
    seq = NumberAttribute(range_key=True)  # always 0: one head
    head_seq = NumberAttribute(default=0)
    head_hash = UnicodeAttribute(null=True)


@dataclass(frozen=True)
class _ChainedAct:
    """An administrative act in the shape `chain_audit` chains: staff only, no states."""

    name: str
    actor_id: str
    actor_role: str
    at: datetime
    details: dict[str, Any]
    from_state: str | None = None
    to_state: str | None = None
    note: str | None = None
    internal: bool = True


def record(acts: Sequence[AdministrativeAct], *changes: Change) -> int:
    """Append `acts` to the trail, and make `changes` in the same transaction. Returns the
    seq of the last entry. A change whose own condition fails raises Conflict and nothing
    is written; a lost race for the head is retried, calling each change again: a change
    builds what it sends on each call (PynamoDB appends a version's increment to the update
    actions it is given, so a list kept between calls would send it twice)."""
    if not acts:  # nothing to record: the trail (and its head) stay untouched
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                for change in changes:
                    change(transaction)
        except TransactWriteError as error:
            codes = {reason.code for reason in error.cancellation_reasons or [] if reason is not None}
            if codes & {"ConditionalCheckFailed", "TransactionConflict"}:
                raise Conflict("It was changed by someone else at the same moment; read it again.") from None
            raise
        return head()[0]
    for _ in range(_ATTEMPTS):
        current = _head()
        seq, head_hash = int(current.head_seq or 0), current.head_hash or ""
        entries, new_seq, new_hash = chain_audit(ADMIN_TRAIL, seq, head_hash, [_as_event(act) for act in acts])
        for entry, act in zip(entries, acts, strict=True):
            entry.about = act.subject
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                transaction.save(
                    AdminTrailHead(HEAD_SUBJECT, 0, head_seq=new_seq, head_hash=new_hash),
                    condition=AdminTrailHead.head_seq.does_not_exist() if seq == 0 else AdminTrailHead.head_seq == seq,
                )
                for entry in entries:
                    transaction.save(entry, condition=AuditEntryRecord.seq.does_not_exist())
                for change in changes:
                    change(transaction)
        except TransactWriteError as error:
            codes = {reason.code for reason in error.cancellation_reasons or [] if reason is not None}
            if head() != (seq, head_hash) or codes == {"TransactionConflict"}:
                continue  # another act took the head, or held an item at that instant: chain again
            if "ConditionalCheckFailed" in codes:
                raise Conflict("It was changed by someone else at the same moment; read it again.") from None
            raise
        return new_seq
    raise Unavailable("The administrative trail is busy; try again.")


def _head() -> AdminTrailHead:
    try:
        return AdminTrailHead.get(HEAD_SUBJECT, 0, consistent_read=True)
    except AdminTrailHead.DoesNotExist:
        return AdminTrailHead(HEAD_SUBJECT, 0, head_seq=0, head_hash=None)


def head() -> tuple[int, str]:
    """The trail's last seq and hash ((0, "") before the first act)."""
    current = _head()
    return int(current.head_seq or 0), current.head_hash or ""


def _as_event(act: AdministrativeAct) -> _ChainedAct:
    # The subject goes into the hashed details: `about` alone could be rewritten unseen.
    return _ChainedAct(
        act.act.value, act.actor.actor_id, act.actor.role, act.at, {"subject": act.subject, **act.details}
    )


def read(subject: str | None, before_seq: int | None, limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """Entries newest first, only those about `subject` when given, below `before_seq` when
    given; with the seq to continue from (None at the start of the trail)."""
    condition = AuditEntryRecord.seq < before_seq if before_seq is not None else None
    filter_condition = AuditEntryRecord.about == subject if subject else None
    found: list[dict[str, Any]] = []
    query = AuditEntryRecord.query(
        ADMIN_TRAIL,
        range_key_condition=condition,
        filter_condition=filter_condition,
        scan_index_forward=False,
        consistent_read=True,
        page_size=max(limit, 25),
    )
    for record in query:
        found.append(_entry(record))
        if len(found) == limit:
            return found, int(record.seq) if int(record.seq) > 1 else None
    return found, None


def whole() -> list[dict[str, Any]]:
    """Every entry oldest first, for verifying the chain."""
    return [_entry(r) for r in AuditEntryRecord.query(ADMIN_TRAIL, consistent_read=True)]


def _entry(record: AuditEntryRecord) -> dict[str, Any]:
    return {
        "seq": int(record.seq),
        "at": record.at,
        "event": record.event,
        "actor_id": record.actor_id,
        "actor_role": record.actor_role,
        "from_state": record.from_state,
        "to_state": record.to_state,
        "note": record.note,
        "note_salt": record.note_salt,
        "internal": bool(record.internal),
        "details": record.details or {},
        "prev_hash": record.prev_hash,
        "entry_hash": record.entry_hash,
    }
