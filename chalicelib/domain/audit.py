"""The audit trail's integrity: each entry carries the SHA-256 of the one before it.

An entry's hash covers its own fields and its predecessor's hash, so rewriting, removing
or reordering any entry breaks every hash after it. The chain starts from a hash of the
record's own id, so a trail copied onto another record does not verify, and the record
keeps the seq and hash of its last entry, so entries cut off the end are noticed too.
`first_broken_entry` finds where.

A note is free text a person wrote, and a citizen may have theirs erased (DPDP Act 2023,
s.12). So the chain hashes a salted digest of a note, not its words: erasure appends an
entry (one of ERASURE_EVENTS) whose details vouch for the digest of every note it erased
(`erased_notes`: {seq: digest}), and only then removes those notes with their salts. A note
missing from an entry verifies only when a later, chained erasure entry vouches for it; any
other missing, rewritten or added note still breaks the chain. The salt (random, one per
note, gone with it) keeps a short erased note — a pincode, a "yes" — from being recovered by
hashing guesses against its digest. Entries written before notes were salted carry no salt
and hash the note's words, as they always did, so old trails still verify (their notes
cannot be vouched for, and stay).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

ERASURE_EVENTS = frozenset({"personal_data_erased", "application_personal_data_erased"})


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


def note_digest(note: str, salt: str) -> str:
    """What the chain holds of a salted note."""
    return hashlib.sha256(f"{salt}\x00{note}".encode()).hexdigest()


def entry_hash(prev_hash: str, entry: dict[str, Any], erased_note: str | None = None) -> str:
    """The hash of one entry given its predecessor's; `entry` holds HASHED_FIELDS (and
    `note_salt` with a note). For an entry whose note was erased, `erased_note` is the
    digest an erasure entry vouched for."""
    hashed = {name: entry.get(name) for name in HASHED_FIELDS}
    note, salt = hashed["note"], entry.get("note_salt")
    if note is None:
        hashed["note"] = erased_note
    elif salt:
        hashed["note"] = note_digest(note, salt)
    canonical = json.dumps(
        {"prev_hash": prev_hash, **hashed},
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
    content, and the last must be the record's own head (`head_seq`, `head_hash`). A note
    may be missing only where a later erasure entry vouches for its digest.
    """
    vouched = _vouched_notes(entries)
    previous = genesis(subject)
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.get("seq") != expected_seq or entry.get("prev_hash") != previous:
            return expected_seq
        if entry.get("entry_hash") != entry_hash(previous, entry, vouched.get(expected_seq)):
            return expected_seq
        previous = entry["entry_hash"]
    if len(entries) != head_seq or previous != head_hash:
        return len(entries) + 1  # entries missing from the end
    return None


def _vouched_notes(entries: Sequence[dict[str, Any]]) -> dict[int, str]:
    """seq -> digest of each note an erasure entry erased, only for entries before it."""
    vouched: dict[int, str] = {}
    for entry in entries:
        if entry.get("event") not in ERASURE_EVENTS:
            continue
        erased = (entry.get("details") or {}).get("erased_notes") or {}
        for seq, digest in erased.items():
            if str(seq).isdigit() and int(seq) < int(entry.get("seq") or 0) and isinstance(digest, str):
                vouched[int(seq)] = digest
    return vouched
