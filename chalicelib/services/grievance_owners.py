"""Finding the person who should own a grievance (or an application) at a level of the
escalation ladder: the least-loaded active officer in the nearest occupied seat."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.grievance import choose_owner, seats_for_level
from chalicelib.domain.identity import Role
from chalicelib.models import case_store, officers
from chalicelib.models.base import utc_text

Seat = tuple[Role, str | None, str | None]


class OwnerFinder:
    """`find_owner` for many cases in a row (an officer's desk handed over): each seat is
    read once, and every case given out counts on its new owner's load at once, so the
    desk is spread by the least-load rule rather than piled onto one officer.

    `excluding` is never chosen: the officer leaving the seat. It is not enough that their
    record was changed first — the seat index is eventually consistent, and an officer
    promoted in place still sits on a rung above."""

    def __init__(self, excluding: str | None = None) -> None:
        self.excluding = excluding
        self._seats: dict[Seat, dict[str, tuple[int, str]]] = {}

    def find(self, level: int, department: str | None, district: str) -> str | None:
        """Each seat costs one Query (officers) and one BatchGet (their loads), once."""
        for seat in seats_for_level(level, department, district):
            loads = self._loads(seat)
            owner = choose_owner([(officer_id, load, touched) for officer_id, (load, touched) in loads.items()])
            if owner:
                return owner
        return None

    def given(self, officer_id: str, now: datetime) -> None:
        """One more case on `officer_id`'s desk, as the load counter now says."""
        for loads in self._seats.values():
            if officer_id in loads:
                load, _ = loads[officer_id]
                loads[officer_id] = (load + 1, utc_text(now))

    def relieved(self, officer_id: str) -> None:
        """`officer_id` turned out to be off duty (the seat index was behind): never again."""
        for loads in self._seats.values():
            loads.pop(officer_id, None)

    def _loads(self, seat: Seat) -> dict[str, tuple[int, str]]:
        if seat not in self._seats:
            role, department, district = seat
            seated = [
                o.officer_id
                for o in officers.officers_in(department, district)
                if o.role is role and o.active and o.officer_id != self.excluding
            ]
            self._seats[seat] = case_store.open_loads(seated) if seated else {}
        return self._seats[seat]


def find_owner(level: int, department: str | None, district: str, excluding: str | None = None) -> str | None:
    """The least-loaded active officer in the nearest occupied seat at or above `level`,
    never `excluding`. Each seat costs one Query (officers) and one BatchGet (their loads)."""
    return OwnerFinder(excluding).find(level, department, district)
