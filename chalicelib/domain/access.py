"""Who may see and do what: every access rule of citizen-crm, deny by default.

Services ask these questions before they read or change anything; a "no" to reading an
existing record is answered exactly like a missing record (404), so probing tracking ids or
officer ids reveals nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import AboveYourLevel, Forbidden
from chalicelib.domain.identity import ESCALATION_ROLES, Officer, Principal, Role


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


def require_may_change_officer(
    principal: Principal,
    officer: Officer,
    *,
    placed_by: Role | None,
    role: Role,
    department: str | None,
    reposts: bool,
) -> None:
    """The rule of `PATCH /officers/{id}` for a caller who may see the officer, checked
    before anything is changed; Forbidden (403) naming what is refused:

    - nobody changes their own account here (no switching oneself back on, no promotion);
    - the state cell changes anyone; a department head their own department's officers and
      supervisors, and re-posts them only within that department, as officer or supervisor;
    - a department head does not undo the state cell: an officer the state cell switched
      off stays as it left them (neither on again, nor "off again" to make the switch-off
      the head's own), and one the state cell re-posted last is not re-posted by the head.
    """
    if officer.officer_id == principal.subject_id:
        raise Forbidden("You may not change your own account.")
    if not can_manage_officers_of(principal, officer.department, officer.role):
        raise Forbidden("You may not change this officer's account.")
    if reposts and not can_manage_officers_of(principal, department, role):
        field = "role" if role not in {Role.OFFICER, Role.SUPERVISOR} else "department"
        raise Forbidden(
            f"{field}: you may post staff only within your department, as officer or supervisor.", field=field
        )
    if principal.role is Role.STATE_ADMIN:
        return
    if officer.deactivated_by is Role.STATE_ADMIN:
        raise Forbidden(
            "The state grievance cell deactivated this officer; only it can change that.",
            code="deactivated_by_state_cell",
        )
    if reposts and placed_by is Role.STATE_ADMIN:
        raise Forbidden(
            "The state grievance cell posted this officer where they are; only it can re-post them.",
            code="placed_by_state_cell",
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
    # The rung of the escalation ladder the case has reached (0: an officer's).
    level: int = 0


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


def reaches(role: Role, level: int) -> bool:
    """Whether `role` holds a rung of the escalation ladder at `level` or above."""
    return role in ESCALATION_ROLES and ESCALATION_ROLES.index(role) >= level


def require_may_act(principal: Principal, case: CaseScope, action: str) -> None:
    """The one rule for staff moving a case (a grievance or an application), checked once
    per move before anything the caller sent is looked at:

    - only staff who may see the case act on it (Forbidden);
    - `comment`, an internal note, is open to all of them whatever the case's level: it
      moves, closes and pauses nothing, citizens never see it, and the district's knowledge
      then reaches whoever decides an escalated case or an appeal;
    - `reassign` needs a supervisor or above (an officer has nobody to hand work to);
    - every other move only from the level the case has reached or above (AboveYourLevel):
      a supervisor cannot overrule an appeal the department head is hearing.
    """
    if not principal.is_staff or not can_see_case(principal, case):
        raise Forbidden(f"Your role may not use {action} on this case.", field="action")
    if action == "comment":
        return
    if action == "reassign" and not reaches(principal.role, 1):
        raise Forbidden("Only a supervisor or above may reassign.", field="action")
    if not reaches(principal.role, case.level):
        role = ESCALATION_ROLES[min(case.level, len(ESCALATION_ROLES) - 1)].value
        raise AboveYourLevel(
            f"This case has reached the {role}'s level; only that level or a higher one may {action} it.",
            field="action",
        )


def _same(value: str | None, reach: str | None) -> bool:
    """Equal and present: a record or a principal missing the attribute matches nothing."""
    return value is not None and value == reach


def visible_entries(principal: Principal, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What `principal` may see of a case's audit trail (the chain is checked before this)."""
    # A note's salt only serves the chain's check (done before anything is shown).
    entries = [{k: v for k, v in entry.items() if k != "note_salt"} for entry in entries]
    if principal.is_staff:
        return entries
    # Citizens see what happened and by which role, never internal notes or officers' ids.
    return [_for_citizens(entry) for entry in entries if not entry["internal"]]


_HIDDEN_FROM_CITIZENS = {"actor_id", "prev_hash", "entry_hash"}
# Officers' ids (a reassignment's, a handover's) are staff matters.
_DETAILS_HIDDEN_FROM_CITIZENS = {"officer_id", "from_officer", "to_officer"}


def _for_citizens(entry: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in entry.items() if k not in _HIDDEN_FROM_CITIZENS}
    if isinstance(shown.get("details"), dict):
        shown["details"] = {k: v for k, v in shown["details"].items() if k not in _DETAILS_HIDDEN_FROM_CITIZENS}
    return shown
