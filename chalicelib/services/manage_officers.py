"""The state's staff: created by the state cell, switched on and off, listed by department.

A new account's password is chosen by the state cell, so it is temporary: the officer must
change it before anything else. What the state cell switches off, only the state cell
switches back on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.domain.access import can_manage_officers_of, can_see_officer
from chalicelib.domain.contact import normalize_email, normalize_mobile
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound
from chalicelib.domain.identity import STAFF_ROLES, Officer, Principal, Role, check_password_policy, clean_name
from chalicelib.ids import new_id
from chalicelib.models import catalogue, officers
from chalicelib.models import sessions as stored_sessions
from chalicelib.security.passwords import hash_password

logger = Logger(child=True)

# Which roles sit in a district, and which belong to a department at all.
_NEEDS_DEPARTMENT = {Role.OFFICER, Role.SUPERVISOR, Role.DEPARTMENT_HEAD}
_NEEDS_DISTRICT = {Role.OFFICER, Role.SUPERVISOR}


@dataclass(frozen=True)
class NewOfficerRequest:
    name: str
    role: Role
    mobile: str
    email: str
    password: str
    department: str | None = None
    district: str | None = None


def create_officer(principal: Principal, request: NewOfficerRequest, now: datetime | None = None) -> Officer:
    now = now or utc_now()
    if principal.role is not Role.STATE_ADMIN:
        raise Forbidden("Only the state grievance cell creates officer accounts.")
    _check_placement(request)
    check_password_policy(request.password)
    officer = officers.create_officer(
        officers.NewOfficer(
            officer_id=new_id("off"),
            name=clean_name(request.name),
            role=request.role.value,
            department=request.department,
            district=request.district,
            mobile=normalize_mobile(request.mobile),
            email=normalize_email(request.email),
            password_hash=hash_password(request.password),
            password_temporary=True,
        ),
        now_utc=now,
    )
    logger.info("officer created", extra={"officer_id": officer.officer_id, "created_by": principal.subject_id})
    return officer


def list_officers(principal: Principal, department: str | None) -> list[Officer]:
    """Officers of one department as far as the caller may see (a supervisor: their district)."""
    department = department or principal.department
    if department is None:
        raise InvalidInput("department: which department's officers?", field="department")
    if not any(can_see_officer(principal, department, d) for d in (principal.district, None)):
        raise Forbidden("You may not list this department's officers.")
    return [o for o in officers.list_officers(department) if can_see_officer(principal, o.department, o.district)]


def set_officer_active(principal: Principal, officer_id: str, active: bool) -> Officer:
    officer = officers.get_officer(officer_id)
    if officer is None or not can_see_officer(principal, officer.department, officer.district):
        raise NotFound("Not found.")
    if (
        not can_manage_officers_of(principal, officer.department, officer.role)
        or officer.officer_id == principal.subject_id
    ):
        raise Forbidden("You may not change this officer's account.")
    if officer.deactivated_by is Role.STATE_ADMIN and principal.role is not Role.STATE_ADMIN:
        # Neither back on, nor "off again" to make the switch-off a department head's own.
        raise Forbidden(
            "The state grievance cell deactivated this officer; only it can change that.",
            code="deactivated_by_state_cell",
        )
    updated = officers.set_officer_active(officer_id, officer.version, active, by=principal.role)
    if not active:
        stored_sessions.revoke_refresh_sessions(officer_id)
    logger.info("officer activation changed", extra={"officer_id": officer_id, "active": active})
    return updated


def _check_placement(request: NewOfficerRequest) -> None:
    if request.role not in STAFF_ROLES:
        raise InvalidInput("role: officer accounts hold a staff role.", field="role")
    if request.role in _NEEDS_DEPARTMENT:
        if not request.department or catalogue.get_department(request.department) is None:
            raise InvalidInput("department: an existing department is required for this role.", field="department")
    elif request.department:
        raise InvalidInput("department: the state cell belongs to no department.", field="department")
    if request.role in _NEEDS_DISTRICT:
        if not request.district or catalogue.get_district(request.district) is None:
            raise InvalidInput("district: an existing district is required for this role.", field="district")
    elif request.district:
        raise InvalidInput(f"district: a {request.role.value} is not posted to one district.", field="district")
