"""Finding the person who should own a grievance at a level of the escalation ladder."""

from __future__ import annotations

from chalicelib.domain.grievance import choose_owner, seats_for_level
from chalicelib.models import case_store, officers


def find_owner(level: int, department: str | None, district: str) -> str | None:
    """The least-loaded active officer in the nearest occupied seat at or above `level`.
    Each seat costs one Query (officers) and one BatchGet (their loads)."""
    for role, seat_department, seat_district in seats_for_level(level, department, district):
        seated = [o for o in officers.officers_in(seat_department, seat_district) if o.role is role and o.active]
        if not seated:
            continue
        loads = case_store.open_loads([o.officer_id for o in seated])
        owner = choose_owner([(officer_id, load, touched) for officer_id, (load, touched) in loads.items()])
        if owner:
            return owner
    return None
