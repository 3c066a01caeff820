"""Append-only and bookkeeping tables: the audit trail, the notification log, counters."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.audit import entry_hash, genesis
from chalicelib.domain.errors import Conflict
from chalicelib.domain.grievance import Event
from chalicelib.ids import new_id
from chalicelib.models.base import TableName, failed_condition, shared_connection, utc_text


class AuditEntryRecord(Model):
    """One event in a record's history. Entries are only ever added (conditional put on
    an unused `seq`) and each carries the hash of the one before it, so a rewritten or
    deleted entry breaks the chain."""

    class Meta:
        table_name = TableName("audit")

    subject = UnicodeAttribute(hash_key=True)  # tracking_id or citizen_id
    seq = NumberAttribute(range_key=True)
    # Stored exactly as hashed (ISO-8601 text), so the chain can be re-verified byte for byte.
    at = UnicodeAttribute()
    event = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    from_state = UnicodeAttribute(null=True)
    to_state = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    note_salt = UnicodeAttribute(null=True)  # hashed with the note; erased with it
    internal = BooleanAttribute(default=False)
    details = JSONAttribute(default=dict)
    prev_hash = UnicodeAttribute()
    entry_hash = UnicodeAttribute()


def chain_audit(subject: str, seq: int, head: str, events: Sequence[Event]) -> tuple[list[AuditEntryRecord], int, str]:
    """The audit entries of `events`, chained onto a trail whose last entry is `seq` with
    hash `head` (0 and "" for a new record); returns them with the new head."""
    head = head or genesis(subject)
    entries = []
    for event in events:
        seq += 1
        entry: dict[str, Any] = {
            "seq": seq,
            "at": utc_text(event.at),
            "event": event.name,
            "actor_id": event.actor_id,
            "actor_role": event.actor_role,
            "from_state": event.from_state,
            "to_state": event.to_state,
            "note": event.note,
            "note_salt": secrets.token_hex(16) if event.note is not None else None,
            "internal": event.internal,
            "details": event.details,
        }
        digest = entry_hash(head, entry)
        attributes = {k: v for k, v in entry.items() if k != "seq"}
        entries.append(AuditEntryRecord(subject, seq, **attributes, prev_hash=head, entry_hash=digest))
        head = digest
    return entries, seq, head


def history(subject: str) -> list[dict[str, Any]]:
    """Every audit entry of a grievance or an application in order, as stored (hashes included)."""
    return [
        {
            "seq": int(r.seq),
            "at": r.at,
            "event": r.event,
            "actor_id": r.actor_id,
            "actor_role": r.actor_role,
            "from_state": r.from_state,
            "to_state": r.to_state,
            "note": r.note,
            "note_salt": r.note_salt,
            "internal": bool(r.internal),
            "details": r.details or {},
            "prev_hash": r.prev_hash,
            "entry_hash": r.entry_hash,
        }
        for r in AuditEntryRecord.query(subject, consistent_read=True)
    ]


def erase_notes(subject: str, seqs: Iterable[int]) -> None:
    """Remove the notes of these entries of `subject`'s trail. Only after an erasure entry
    on the same trail vouches for their digests (domain/audit.py): the chain still holds."""
    for seq in seqs:
        try:
            AuditEntryRecord(subject, seq).update(
                actions=[AuditEntryRecord.note.remove(), AuditEntryRecord.note_salt.remove()],
                condition=AuditEntryRecord.seq.exists(),
            )
        except UpdateError as error:  # no such entry: nothing to erase, and none is created
            if not failed_condition(error):
                raise


class OwnedCase(Protocol):
    """A grievance or an application, as far as an officer's open load is concerned."""

    @property
    def is_open(self) -> bool: ...

    @property
    def assignee_id(self) -> str | None: ...


def load_counter_key(officer_id: str) -> tuple[str, str]:
    """Where an officer's count of open grievances and applications is kept: one desk."""
    return f"officer-load#{officer_id}", "open"


def load_moves(before: OwnedCase | None, after: OwnedCase) -> dict[str, int]:
    """How each owner's count of open cases changes with one move."""
    moves: dict[str, int] = {}
    if before is not None and before.is_open and before.assignee_id:
        moves[before.assignee_id] = moves.get(before.assignee_id, 0) - 1
    if after.is_open and after.assignee_id:
        moves[after.assignee_id] = moves.get(after.assignee_id, 0) + 1
    return {officer: delta for officer, delta in moves.items() if delta}


class KeyTaken(Conflict):
    """A new record's key is already used (a tracking id drawn twice: rare)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"The {what}'s tracking id is taken.")


def save_with_trail(
    record: Model,
    *,
    new_key: Attribute[Any] | None,
    audits: list[AuditEntryRecord],
    moves: dict[str, int],
    now: datetime,
    what: str,
) -> None:
    """One transaction for one move of a case: the whole record (guarded by its version, or
    with `new_key`: only if that key is unused), its audit entries (append-only), and the
    owners' open-load counters. KeyTaken for a used key; Conflict when someone else changed
    it first, or held one of the same items (the record, a load counter) at that instant —
    nothing is written then, and reading again and retrying decides."""
    try:
        with TransactWrite(connection=shared_connection()) as transaction:
            if new_key is not None:
                transaction.save(record, condition=new_key.does_not_exist())
            else:
                transaction.save(record)
            for audit in audits:
                transaction.save(audit, condition=AuditEntryRecord.seq.does_not_exist())
            for officer_id, delta in moves.items():
                counter, window = load_counter_key(officer_id)
                actions: list[Action] = [Counter.value.add(delta)]
                if delta > 0:
                    actions.append(Counter.touched_at.set(utc_text(now)))
                transaction.update(Counter(counter, window), actions=actions)
    except TransactWriteError as error:
        reasons = list(error.cancellation_reasons or [])
        codes = {r.code for r in reasons if r is not None}
        if new_key is not None and reasons and reasons[0] is not None and reasons[0].code == "ConditionalCheckFailed":
            raise KeyTaken(what) from None
        if "ConditionalCheckFailed" in codes:
            raise Conflict(f"The {what} was changed by someone else; read it again.") from None
        if "TransactionConflict" in codes:
            raise Conflict(f"The {what} was being changed at the same moment; try again.") from None
        raise


class NotificationLogEntry(Model):
    class Meta:
        table_name = TableName("notifications")

    subject = UnicodeAttribute(hash_key=True)  # tracking_id or citizen_id
    notification_id = UnicodeAttribute(range_key=True)  # ULID: sorts by time
    channel = UnicodeAttribute()  # sms | email | topic | webhook
    template = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # queued | sent | failed | retried
    provider_message_id = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    encoding = UnicodeAttribute(null=True)  # SMS: GSM-7 | UCS-2
    segments = NumberAttribute(null=True)  # SMS: what the operator bills
    last_error = UnicodeAttribute(null=True)  # the provider's error code or HTTP status
    claimed_at = UTCDateTimeAttribute(null=True)  # when the current send began (the lease)
    department = UnicodeAttribute(null=True)  # webhooks
    reference = UnicodeAttribute(null=True)  # webhooks: the delivery id the receiver saw


class Counter(Model):
    """A count in a window: report tallies, and rate limits (OTP sends, failed logins)."""

    class Meta:
        table_name = TableName("counters")

    counter = UnicodeAttribute(hash_key=True)
    window = UnicodeAttribute(range_key=True)
    value = NumberAttribute(default=0)
    # moto never expires TTL items: readers must also compare this with now.
    expires_at = TTLAttribute(null=True)
    touched_at = UnicodeAttribute(null=True)  # ISO-8601: e.g. when an officer was last assigned


def add_to_window(counter: str, window: str, *, expires_at: datetime, limit: int | None = None) -> bool:
    """Count one hit in `window`; with `limit`, only while fewer than `limit` are counted.

    Returns False when the limit was already reached (nothing is counted then). The check
    and the increment are one conditional write, so concurrent hits cannot overshoot.
    """
    item = Counter(counter, window)
    condition = None
    if limit is not None:
        condition = Counter.value.does_not_exist() | (Counter.value < limit)
    try:
        item.update(actions=[Counter.value.add(1), Counter.expires_at.set(expires_at)], condition=condition)
    except UpdateError as error:
        if failed_condition(error):
            return False
        raise
    return True


def clear_window(counter: str, window: str) -> None:
    Counter(counter, window).delete()


# Longer than any one send can take (a webhook POST times out after 5 s): a claim this old
# belongs to a sender that crashed, and another copy may take over.
SENDING_LEASE = timedelta(minutes=2)


def claim_delivery(
    subject: str,
    dedupe_key: str,
    channel: str,
    now: datetime,
    template: str | None = None,
    language: str | None = None,
) -> bool:
    """Record that a message is about to be sent; False when it was already sent, or when
    another copy of it is being sent right now (SQS delivers at least once). A retry claims
    it again and keeps its attempt count; a claim older than the lease was a crashed send."""
    entry = NotificationLogEntry(subject, dedupe_key)
    actions: list[Action] = [
        NotificationLogEntry.channel.set(channel),
        NotificationLogEntry.status.set("sending"),
        NotificationLogEntry.created_at.set(NotificationLogEntry.created_at | now),
        NotificationLogEntry.claimed_at.set(now),
    ]
    if template is not None:
        actions.append(NotificationLogEntry.template.set(template))
    if language is not None:
        actions.append(NotificationLogEntry.language.set(language))
    try:
        entry.update(
            actions=actions,
            condition=NotificationLogEntry.notification_id.does_not_exist()
            | (
                (NotificationLogEntry.status != "sent")
                & (
                    (NotificationLogEntry.status != "sending")
                    | NotificationLogEntry.claimed_at.does_not_exist()
                    | (NotificationLogEntry.claimed_at < now - SENDING_LEASE)
                )
            ),
        )
    except UpdateError as error:
        if failed_condition(error):
            return False
        raise
    return True


def record_delivery(
    subject: str,
    dedupe_key: str,
    provider_message_id: str,
    *,
    encoding: str | None = None,
    segments: int | None = None,
) -> None:
    actions: list[Action] = [
        NotificationLogEntry.status.set("sent"),
        NotificationLogEntry.provider_message_id.set(provider_message_id),
        NotificationLogEntry.attempts.add(1),
    ]
    if encoding is not None and segments is not None:
        actions += [NotificationLogEntry.encoding.set(encoding), NotificationLogEntry.segments.set(segments)]
    NotificationLogEntry(subject, dedupe_key).update(actions=actions)


def record_failed_attempt(subject: str, dedupe_key: str, error: str, *, final: bool) -> None:
    """A send that failed: `retried` while attempts remain, `failed` after the last one.
    Never over a `sent` (another copy got through meanwhile)."""
    try:
        NotificationLogEntry(subject, dedupe_key).update(
            actions=[
                NotificationLogEntry.status.set("failed" if final else "retried"),
                NotificationLogEntry.attempts.add(1),
                NotificationLogEntry.last_error.set(error[:200]),
            ],
            condition=NotificationLogEntry.status != "sent",
        )
    except UpdateError as error_:
        if not failed_condition(error_):
            raise


DEAD_LETTERS = "DEAD-LETTERS"


def record_dead_letter(channel: str, department: str, reference: str, error: str, attempts: int, now: datetime) -> None:
    """A delivery given up on (it is also in the queue's DLQ), listed for the state cell."""
    NotificationLogEntry(
        DEAD_LETTERS,
        new_id("dead"),
        channel=channel,
        status="dead_lettered",
        department=department,
        reference=reference,
        last_error=error[:200],
        attempts=attempts,
        created_at=now,
    ).save()


def dead_letters(department: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The latest dead-lettered deliveries, newest first; one Query."""
    condition = NotificationLogEntry.department == department if department else None
    shown = []
    for entry in NotificationLogEntry.query(DEAD_LETTERS, filter_condition=condition, scan_index_forward=False):
        shown.append(
            {
                "channel": entry.channel,
                "department": entry.department,
                "reference": entry.reference,
                "last_error": entry.last_error,
                "attempts": int(entry.attempts or 0),
                "dead_lettered_at": entry.created_at.isoformat(),
            }
        )
        if len(shown) >= limit:
            break
    return shown


def notification_log(subject: str) -> list[dict[str, Any]]:
    """Every message sent (or being sent) about `subject`, oldest first. One Query."""
    fields = (
        "channel",
        "template",
        "language",
        "status",
        "provider_message_id",
        "attempts",
        "encoding",
        "segments",
        "last_error",
    )
    entries = []
    for entry in NotificationLogEntry.query(subject):
        shown: dict[str, Any] = {name: getattr(entry, name) for name in fields}
        shown["attempts"] = int(shown["attempts"] or 0)
        shown["segments"] = int(shown["segments"]) if shown["segments"] is not None else None
        shown["created_at"] = entry.created_at.isoformat()
        entries.append(shown)
    return sorted(entries, key=lambda e: e["created_at"])
