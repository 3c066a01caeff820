"""The audit trail's integrity: each entry carries the SHA-256 of the one before it.

An entry's hash covers its own fields and its predecessor's hash, so rewriting, removing
or reordering any entry breaks every hash after it. The chain starts from a hash of the
record's own id, so a trail copied onto another record does not verify, and the record
keeps the seq and hash of its last entry, so entries cut off the end are noticed too.
`first_broken_entry` finds where.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any


def genesis(subject: str) -> str:
    """The hash the first entry of `subject`'s trail points back to."""
    return hashlib.sha256(f"citizen-crm audit trail of {subject}".encode()).hexdigest()


HASHED_FIELDS = (
    "seq",
    "at",
    "event",
    "actor_id",
    "actor_role",
    "from_state",
    "to_state",
    "note",
    "internal",
    "details",
)


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """The hash of one entry given its predecessor's; `entry` holds HASHED_FIELDS."""
    canonical = json.dumps(
        {"prev_hash": prev_hash, **{name: entry.get(name) for name in HASHED_FIELDS}},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def first_broken_entry(subject: str, entries: Sequence[dict[str, Any]], head_seq: int, head_hash: str) -> int | None:
    """The seq of the first entry whose chain does not hold (None when the trail is intact).

    Each entry must have seq 1, 2, 3, ..., `prev_hash` equal to its predecessor's
    `entry_hash` (the first: the subject's genesis), an `entry_hash` that matches its
    content, and the last must be the record's own head (`head_seq`, `head_hash`).
    """
    previous = genesis(subject)
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.get("seq") != expected_seq or entry.get("prev_hash") != previous:
            return expected_seq
        if entry.get("entry_hash") != entry_hash(previous, entry):
            return expected_seq
        previous = entry["entry_hash"]
    if len(entries) != head_seq or previous != head_hash:
        return len(entries) + 1  # entries missing from the end
    return None
