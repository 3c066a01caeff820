"""The audit trail: every record's history, hash-chained and append-only.

Grievances, applications and citizens share one table, keyed by the record's id. Entries
are written inside the transaction that saves the record's move (`case_store.save_with_trail`,
`citizens.release_national_id`), chained here first by `chain_audit`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.domain.audit import entry_hash, genesis
from chalicelib.models.base import TableName, failed_condition, utc_text
from chalicelib.resource_names import Table


class Chained(Protocol):
    """What an entry is made of: a domain event, or an administrative act."""

    @property
    def name(self) -> str: ...
    @property
    def actor_id(self) -> str: ...
    @property
    def actor_role(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def from_state(self) -> str | None: ...
    @property
    def to_state(self) -> str | None: ...
    @property
    def note(self) -> str | None: ...
    @property
    def internal(self) -> bool: ...
    @property
    def details(self) -> dict[str, Any]: ...


class AuditEntryRecord(Model):
    """One event in a record's history. Entries are only ever added (conditional put on
    an unused `seq`) and each carries the hash of the one before it, so a rewritten or
    deleted entry breaks the chain."""

    class Meta:
        table_name = TableName(Table.AUDIT)

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
    # The administrative trail's entries name what they were about (also in the hashed
    # details): `GET /admin/audit?subject=` filters on it.
    about = UnicodeAttribute(null=True)


def chain_audit(
    subject: str, seq: int, head: str, events: Sequence[Chained]
) -> tuple[list[AuditEntryRecord], int, str]:
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
    """Every audit entry of a grievance, an application or a citizen in order, as stored
    (hashes included)."""
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
