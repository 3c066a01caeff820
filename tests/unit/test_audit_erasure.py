"""The audit chain after an erasure: a note may be missing only where a later erasure entry
of the same chain vouches for its digest."""

from __future__ import annotations

import hashlib
from typing import Any

from chalicelib.domain.audit import entry_hash, first_broken_entry, genesis, note_digest

SUBJECT = "OD-261203-ABC234"


def salt(seq: int) -> str:
    return f"salt-of-entry-{seq}"


def digest(seq: int, note: str) -> str:
    return note_digest(note, salt(seq))


def chained(*events: tuple[str, str | None, dict[str, Any]], salted: bool = True) -> list[dict[str, Any]]:
    entries, previous = [], genesis(SUBJECT)
    for seq, (event, note, details) in enumerate(events, start=1):
        entry = {
            "seq": seq,
            "at": "2026-12-03T06:00:00.000000+00:00",
            "event": event,
            "actor_id": "cit-1",
            "actor_role": "citizen",
            "from_state": "assigned",
            "to_state": "assigned",
            "note": note,
            "note_salt": salt(seq) if salted and note is not None else None,
            "internal": False,
            "details": details,
            "prev_hash": previous,
        }
        entry["entry_hash"] = previous = entry_hash(previous, entry)
        entries.append(entry)
    return entries


def verify(entries: list[dict[str, Any]]) -> int | None:
    return first_broken_entry(SUBJECT, entries, len(entries), entries[-1]["entry_hash"])


def erased(entries: list[dict[str, Any]], seq: int) -> list[dict[str, Any]]:
    return [{**e, "note": None, "note_salt": None} if e["seq"] == seq else e for e in entries]


def test_a_note_vouched_for_by_a_later_erasure_may_be_removed():
    trail = chained(
        ("filed", None, {}),
        ("info_provided", "Behind the temple.", {}),
        (
            "personal_data_erased",
            None,
            {"erased": ["citizen_notes"], "erased_notes": {"2": digest(2, "Behind the temple.")}},
        ),
    )

    assert verify(trail) is None
    assert verify(erased(trail, 2)) is None


def test_a_note_removed_without_a_vouch_or_with_a_wrong_one_breaks_the_chain():
    plain = chained(("filed", None, {}), ("info_provided", "Behind the temple.", {}))
    wrong = chained(
        ("filed", None, {}),
        ("info_provided", "Behind the temple.", {}),
        ("personal_data_erased", None, {"erased_notes": {"2": digest(2, "Something else.")}}),
    )

    assert verify(erased(plain, 2)) == 2
    assert verify(erased(wrong, 2)) == 2


def test_an_erasure_vouches_only_for_entries_before_it():
    trail = chained(
        ("filed", None, {}),
        ("personal_data_erased", None, {"erased_notes": {"3": digest(3, "Later words.")}}),
        ("info_provided", "Later words.", {}),
    )

    assert verify(trail) is None
    assert verify(erased(trail, 3)) == 3


def test_a_rewritten_note_still_breaks_the_chain_even_when_vouched():
    trail = chained(
        ("info_provided", "Behind the temple.", {}),
        ("personal_data_erased", None, {"erased_notes": {"1": digest(1, "Behind the temple.")}}),
    )

    assert verify([{**trail[0], "note": "Somewhere else."}, trail[1]]) == 1


def test_a_vouched_digest_does_not_give_a_short_note_away_without_its_salt():
    # The salt goes with the note: hashing guesses ("yes", a pincode) finds nothing.
    vouched = digest(2, "751007")

    assert vouched not in {hashlib.sha256(guess.encode()).hexdigest() for guess in ("751007", "yes", "no")}


def test_a_trail_written_before_notes_were_salted_still_verifies_and_still_catches_a_rewrite():
    old = chained(("filed", None, {}), ("info_provided", "Behind the temple.", {}), salted=False)

    assert verify(old) is None
    assert verify([old[0], {**old[1], "note": "Somewhere else."}]) == 2
