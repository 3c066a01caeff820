"""Reading the administrative trail: the state cell's own record of what was done to the
state (catalogue, calendar, staff, webhooks, erasures, identity disputes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.admin import ADMIN_TRAIL
from chalicelib.domain.audit import first_broken_entry
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.identity import Principal, Role
from chalicelib.models import admin_trail


@dataclass(frozen=True)
class TrailPage:
    entries: list[dict[str, Any]]
    next_cursor: int | None
    # Checked over the whole trail, only when asked: it reads every entry.
    chain_intact: bool | None


def read_trail(principal: Principal, *, subject: str | None, before: int | None, limit: int, verify: bool) -> TrailPage:
    """Newest first; only acts about `subject` (`officer/off-…`, `category/WATER_…`) when given."""
    if principal.role is not Role.STATE_ADMIN:
        raise Forbidden("Only the state grievance cell reads the administrative trail.")
    entries, next_cursor = admin_trail.read(subject, before, limit)
    intact = None
    if verify:
        head_seq, head_hash = admin_trail.head()
        intact = first_broken_entry(ADMIN_TRAIL, admin_trail.whole(), head_seq, head_hash) is None
    return TrailPage(entries, next_cursor, intact)
