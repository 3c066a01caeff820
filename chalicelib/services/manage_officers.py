"""The state's staff: created by the state cell, switched on and off, re-posted, listed by
department.

A new account's password is chosen by the state cell, so it is temporary: the officer must
change it before anything else. What the state cell switches off, only the state cell
switches back on; whom it posts, only it re-posts. Every appointment and change is an act on
the administrative trail, written in the transaction of the change itself; an officer who
leaves their seat hands their open cases over (`hand_over_cases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.access import can_see_officer, require_may_change_officer
from chalicelib.domain.admin import Actor, AdminAct, AdministrativeAct, changed_fields, subject_of
from chalicelib.domain.contact import normalize_email, normalize_mobile
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound
from chalicelib.domain.identity import STAFF_ROLES, Officer, Principal, Role, check_password_policy, clean_name
from chalicelib.ids import new_id
from chalicelib.models import catalogue, officers
from chalicelib.models import sessions as stored_sessions
from chalicelib.security.passwords import hash_password
from chalicelib.services.hand_over_cases import HandedOver, hand_over_desk

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
    language: str = "en"


def create_officer(principal: Principal, request: NewOfficerRequest, now: datetime | None = None) -> Officer:
    now = now or utc_now()
    if principal.role is not Role.STATE_ADMIN:
        raise Forbidden("Only the state grievance cell creates officer accounts.")
    _check_placement(request.role, request.department, request.district)
    check_password_policy(request.password)
    officer_id = new_id("off")
    # Who was appointed where; the contact details and the password stay off the trail.
    appointed = AdministrativeAct(
        AdminAct.OFFICER_CREATED,
        subject_of("officer", officer_id),
        Actor.of(principal),
        now,
        {"role": request.role.value, "department": request.department, "district": request.district},
    )
    officer = officers.create_officer(
        officers.NewOfficer(
            officer_id=officer_id,
            name=clean_name(request.name),
            role=request.role.value,
            department=request.department,
            district=request.district,
            mobile=normalize_mobile(request.mobile),
            email=normalize_email(request.email),
            password_hash=hash_password(request.password),
            password_temporary=True,
            language=_stage_language(request.language),
        ),
        now_utc=now,
        acts=[appointed],
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


@dataclass(frozen=True)
class OfficerChangeRequest:
    """What `PATCH /officers/{id}` asks: each field None when not sent, except that
    `department` and `district` named in `cleared` were sent as null."""

    active: bool | None = None
    role: Role | None = None
    department: str | None = None
    district: str | None = None
    cleared: frozenset[str] = frozenset()


@dataclass(frozen=True)
class OfficerChanged:
    officer: Officer
    handed_over: list[HandedOver]
    # False: some open case is still on the officer's desk (a repeat of the request moves it).
    handover_complete: bool


def change_officer(
    principal: Principal, officer_id: str, request: OfficerChangeRequest, now: datetime | None = None
) -> OfficerChanged:
    """Switch an officer on or off or re-post them, recorded on the administrative trail in
    the same transaction; then hand whatever open case their seat no longer holds to the
    seat's next owner. Repeating the request finishes a handover cut short."""
    now = now or utc_now()
    found = officers.get_officer_placement(officer_id)
    if found is None or not can_see_officer(principal, found[0].department, found[0].district):
        raise NotFound("Not found.")
    officer, placed_by = found
    role, department, district = _new_placement(officer, request)
    reposted = (role, department, district) != (officer.role, officer.department, officer.district)
    require_may_change_officer(
        principal, officer, placed_by=placed_by, role=role, department=department, reposts=reposted
    )
    if reposted:
        _check_placement(role, department, district)
    active = officer.active if request.active is None else request.active
    change = officers.OfficerChange(
        active=active,
        role=role,
        department=department,
        district=district,
        by=principal.role,
        switched=request.active is not None,
        reposted=reposted,
    )
    before, after = _standing(officer), _standing_after(officer, change)
    changed = changed_fields(before, after)
    if changed:
        act = AdministrativeAct(
            AdminAct.OFFICER_CHANGED, subject_of("officer", officer_id), Actor.of(principal), now, changed
        )
        officer = officers.change_officer(officer_id, officer.version, change, [act])
        logger.info("officer changed", extra={"officer_id": officer_id, "changed": sorted(changed)})
    if not officer.active:
        stored_sessions.revoke_refresh_sessions(officer_id)
    handover = hand_over_desk(principal, officer, reposted=reposted, now=now)
    return OfficerChanged(officer, handover.handed_over, handover.complete)


def _new_placement(officer: Officer, request: OfficerChangeRequest) -> tuple[Role, str | None, str | None]:
    """The posting asked for: what was sent, the rest kept — except that a department or
    district the new role does not take is dropped unless the caller sent one."""
    role = request.role or officer.role
    department = request.department if request.department or "department" in request.cleared else officer.department
    district = request.district if request.district or "district" in request.cleared else officer.district
    if role not in _NEEDS_DEPARTMENT and request.department is None:
        department = None
    if role not in _NEEDS_DISTRICT and request.district is None:
        district = None
    return role, department, district


def _standing(officer: Officer) -> dict[str, Any]:
    return {
        "active": officer.active,
        "role": officer.role.value,
        "department": officer.department,
        "district": officer.district,
        "deactivated_by": officer.deactivated_by.value if officer.deactivated_by else None,
    }


def _standing_after(officer: Officer, change: officers.OfficerChange) -> dict[str, Any]:
    deactivated_by = officer.deactivated_by.value if officer.deactivated_by else None
    if change.switched:
        deactivated_by = None if change.active else change.by.value
    return {
        "active": change.active,
        "role": change.role.value,
        "department": change.department,
        "district": change.district,
        "deactivated_by": deactivated_by,
    }


def _check_placement(role: Role, department: str | None, district: str | None) -> None:
    """A staff role, with the department and district it takes (existing ones) and no other."""
    if role not in STAFF_ROLES:
        raise InvalidInput("role: officer accounts hold a staff role.", field="role")
    if role in _NEEDS_DEPARTMENT:
        if not department or catalogue.get_department(department) is None:
            raise InvalidInput("department: an existing department is required for this role.", field="department")
    elif department:
        raise InvalidInput("department: the state cell belongs to no department.", field="department")
    if role in _NEEDS_DISTRICT:
        if not district or catalogue.get_district(district) is None:
            raise InvalidInput("district: an existing district is required for this role.", field="district")
    elif district:
        raise InvalidInput(f"district: a {role.value} is not posted to one district.", field="district")


def _stage_language(language: str) -> str:
    """One of the languages the stage messages people in (its templates exist: a test holds it)."""
    languages = get_settings().languages
    if language not in languages:
        raise InvalidInput(f"language: one of {', '.join(languages)}.", field="language")
    return language
