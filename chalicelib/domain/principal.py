"""Who is calling: the roles of the state's people and the authenticated principal.

Apart from domain/identity.py (national IDs, names, passwords, accounts) because the HTTP
edge needs only these, on every request, cold starts included (bench/coldstart.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CITIZEN = "citizen"
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    DEPARTMENT_HEAD = "department_head"
    STATE_ADMIN = "state_admin"


STAFF_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.STATE_ADMIN})
# The escalation ladder: level n is owned by this role.
ESCALATION_ROLES = (Role.OFFICER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD, Role.STATE_ADMIN)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of a request."""

    subject_id: str
    role: Role
    department: str | None = None
    district: str | None = None
    # The login (refresh-token family) the caller's access token was issued to.
    session_id: str | None = None

    @property
    def is_citizen(self) -> bool:
        return self.role is Role.CITIZEN

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES
