"""Who may see and do what: every access rule of citizen-crm, deny by default.

Services ask these questions before they read or change anything; a "no" to reading an
existing record is answered exactly like a missing record (404), so probing tracking ids or
officer ids reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.identity import Principal, Role


def can_manage_officers_of(principal: Principal, department: str | None, role: Role = Role.OFFICER) -> bool:
    """Create, activate and deactivate officers: the state cell for anyone, a department
    head for their own department's officers and supervisors (not fellow heads)."""
    if principal.role is Role.STATE_ADMIN:
        return True
    return (
        principal.role is Role.DEPARTMENT_HEAD
        and department is not None
        and department == principal.department
        and role in {Role.OFFICER, Role.SUPERVISOR}
    )


def can_see_officer(principal: Principal, department: str | None, district: str | None) -> bool:
    """Staff see colleagues within their own reach; citizens never see officer records."""
    if principal.role is Role.STATE_ADMIN:
        return True
    if principal.role is Role.DEPARTMENT_HEAD:
        return _same(department, principal.department)
    if principal.role is Role.SUPERVISOR:
        return _same(department, principal.department) and _same(district, principal.district)
    return False


@dataclass(frozen=True)
class CaseScope:
    """What decides who may see a grievance or an application."""

    citizen_id: str
    department: str | None
    district: str | None
    assignee_id: str | None


def can_see_case(principal: Principal, case: CaseScope) -> bool:
    """A citizen sees their own; an officer what is assigned to them; a supervisor their
    department in their district; a department head their department; the state cell all."""
    match principal.role:
        case Role.CITIZEN:
            return _same(case.citizen_id, principal.subject_id)
        case Role.OFFICER:
            return _same(case.assignee_id, principal.subject_id)
        case Role.SUPERVISOR:
            return _same(case.department, principal.department) and _same(case.district, principal.district)
        case Role.DEPARTMENT_HEAD:
            return _same(case.department, principal.department)
        case Role.STATE_ADMIN:
            return True
    return False


def _same(value: str | None, reach: str | None) -> bool:
    """Equal and present: a record or a principal missing the attribute matches nothing."""
    return value is not None and value == reach
