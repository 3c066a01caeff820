"""Administrative acts: what the state cell and department heads do to the state itself
(its catalogue, calendar, staff and department webhooks) and to a citizen's standing
(erasure, identity disputes). Each is one entry of the administrative trail, hash-chained
like a grievance's history, so a quiet change of an SLA or a posting can be seen later.

Pure data: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from chalicelib.domain.identity import Principal

ADMIN_TRAIL = "ADMIN"  # the one trail every administrative act is chained onto


class AdminAct(StrEnum):
    """The words the trail records; `GET /admin/audit` shows them as they are."""

    CATALOGUE_LOADED = "catalogue_loaded"
    DISTRICT_SAVED = "district_saved"
    DEPARTMENT_SAVED = "department_saved"
    SERVICE_SAVED = "service_saved"
    CATEGORY_SAVED = "category_saved"
    CALENDAR_SAVED = "calendar_saved"
    OFFICER_CREATED = "officer_created"
    OFFICER_CHANGED = "officer_changed"
    CASES_HANDED_OVER = "cases_handed_over"
    WEBHOOK_SET = "webhook_set"
    CITIZEN_ERASED = "citizen_erased"
    NATIONAL_ID_RELEASED = "national_id_released"
    CITIZEN_SEARCHED = "citizen_searched"  # staff looked a citizen's cases up by mobile


@dataclass(frozen=True)
class Actor:
    """Who acted: a signed-in member of staff, or an operator's command (the bootstrap)."""

    actor_id: str
    role: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.subject_id, principal.role.value)


BOOTSTRAP = Actor("bootstrap", "operator")


@dataclass(frozen=True)
class AdministrativeAct:
    """One act on one subject: `district/KHORDHA`, `category/WATER_NO_SUPPLY`, `calendar`,
    `officer/off-…`, `webhook/WATER`, `citizen/cit-…`. `details` say what changed, never a
    citizen's personal data."""

    act: AdminAct
    subject: str
    actor: Actor
    at: datetime
    details: Mapping[str, Any] = field(default_factory=dict)


def subject_of(kind: str, code: str | None = None) -> str:
    return f"{kind}/{code}" if code else kind


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, Any]:
    """What an edit changed, field by field: {field: {"from": old, "to": new}} (all of
    `after` as "to" when there was nothing before)."""
    if before is None:
        return {name: {"from": None, "to": value} for name, value in sorted(after.items())}
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in sorted(after.items())
        if before.get(name) != value
    }
