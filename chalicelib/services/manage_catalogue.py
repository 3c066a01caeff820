"""The state cell and department heads keep the catalogue: districts, departments and their
services (each with its form, a JSON Schema, and its document slots), grievance categories
with their SLAs and escalation ladders, and the state's working calendar. Every change is an
act on the administrative trail, written in the same transaction as the change.

A change to a service's form or slots makes a new form version; the one it replaces is
kept, because applications filed against it are still answered against it. A change to an
SLA or the calendar applies to deadlines set from then on: those already set stand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.admin import Actor, AdminAct, AdministrativeAct, changed_fields, subject_of
from chalicelib.domain.catalogue import Category, Department, District, DocumentSlot, Service, to_document
from chalicelib.domain.errors import Forbidden, InvalidInput, OpenGrievancesInTheWay
from chalicelib.domain.forms import check_form
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.sla import WorkingCalendar, calendar_from_document
from chalicelib.models import catalogue, grievances
from chalicelib.services.sla_clock import forget_calendar

logger = Logger(child=True)


@dataclass(frozen=True)
class ServiceChanges:
    department: str
    names: dict[str, str]
    sla_days: int
    form: dict[str, Any]
    description: dict[str, str]
    eligibility: dict[str, str]
    keywords: dict[str, list[str]]
    fee_inr: int
    documents: list[DocumentSlot]


def put_district(caller: Principal, code: str, names: dict[str, str], population: int | None) -> District:
    """Create or rename a district (the state cell only)."""
    _require_state_cell(caller, "districts")
    _require_english(names, "names")
    district = District(code=code, names=names, population=population)
    _save(caller, AdminAct.DISTRICT_SAVED, "district", district, catalogue.get_district(code))
    return district


def put_department(caller: Principal, code: str, names: dict[str, str], description: dict[str, str]) -> Department:
    """Create or rename a department (the state cell only)."""
    _require_state_cell(caller, "departments")
    _require_english(names, "names")
    department = Department(code=code, names=names, description=description)
    _save(caller, AdminAct.DEPARTMENT_SAVED, "department", department, catalogue.get_department(code))
    return department


@dataclass(frozen=True)
class CategoryChanges:
    department: str
    names: dict[str, str]
    sla_hours: int
    round_the_clock: bool
    keywords: dict[str, list[str]]
    escalation_hours: tuple[int, ...]


# Open grievances named in a 409: enough to act on, not a dump of the whole backlog.
NAMED_AT_MOST = 50


def put_category(caller: Principal, code: str, changes: CategoryChanges) -> Category:
    """Create or change a grievance category (the state cell only). Moving it to another
    department while grievances of it are still worked in the old one would leave those
    with a department that no longer owns their category: refused, naming them, until
    they are transferred or decided."""
    _require_state_cell(caller, "categories")
    _require_english(changes.names, "names")
    if catalogue.get_department(changes.department) is None:
        raise InvalidInput(f"department: no department {changes.department!r}.", field="department")
    current = catalogue.get_category(code)
    if current is not None and current.department != changes.department:
        stranded = open_in_department(current)
        if stranded:
            raise OpenGrievancesInTheWay(
                f"department: {len(stranded)} open grievance(s) of {code} are still with {current.department}; "
                "transfer or decide them before moving the category.",
                stranded[:NAMED_AT_MOST],
                field="department",
            )
    category = Category(
        code=code,
        department=changes.department,
        names=changes.names,
        sla_hours=changes.sla_hours,
        round_the_clock=changes.round_the_clock,
        keywords=changes.keywords,
        escalation_hours=changes.escalation_hours,
    )
    _save(caller, AdminAct.CATEGORY_SAVED, "category", category, current)
    return category


def open_in_department(category: Category) -> list[str]:
    """Tracking ids of open, routed grievances of `category` in its current department: what
    moving the category elsewhere would strand (the bootstrap checks a changed file too)."""
    return sorted(
        grievance.tracking_id
        for district in catalogue.list_districts()
        for grievance in grievances.open_in_area(category.code, district.code, datetime.min.replace(tzinfo=UTC))
        if grievance.department == category.department and grievance.assignee_id is not None
    )


@dataclass(frozen=True)
class CalendarChanges:
    working_days: tuple[int, ...]  # 0 = Monday
    day_start: str  # "10:00"
    day_end: str
    holidays: dict[str, str]  # "2026-01-26" -> "Republic Day"


@dataclass(frozen=True)
class StateCalendar:
    calendar: WorkingCalendar
    holiday_names: dict[str, str]


def show_calendar() -> StateCalendar:
    """The calendar deadlines are counted on: the stage's, with what the state stored over it."""
    stored = catalogue.get_state_calendar()
    names = stored.get("holiday_names")
    document = {**get_settings().working_calendar, **stored}
    return StateCalendar(calendar_from_document(document), dict(names) if isinstance(names, dict) else {})


def put_calendar(caller: Principal, changes: CalendarChanges, now: datetime | None = None) -> StateCalendar:
    """Replace the state's working week, office hours and holiday list (the state cell only).
    Deadlines already set stand; those set from now on count on the new calendar."""
    _require_state_cell(caller, "the calendar")
    if changes.day_start >= changes.day_end:
        raise InvalidInput("office_hours: the day must end after it starts.", field="office_hours")
    stored = catalogue.get_state_calendar()
    document: dict[str, object] = {
        **stored,
        "working_days": sorted(changes.working_days),
        "day_start": changes.day_start,
        "day_end": changes.day_end,
        "holidays": sorted(changes.holidays),
        "holiday_names": {day: changes.holidays[day] for day in sorted(changes.holidays) if changes.holidays[day]},
    }
    act = AdministrativeAct(
        AdminAct.CALENDAR_SAVED,
        subject_of("calendar"),
        Actor.of(caller),
        now or utc_now(),
        changed_fields(stored or None, {k: document[k] for k in ("working_days", "day_start", "day_end", "holidays")}),
    )
    catalogue.save_state_calendar(document, [act])
    forget_calendar()
    logger.info("calendar saved", extra={"by": caller.subject_id, "holidays": len(changes.holidays)})
    return show_calendar()


def _save(
    caller: Principal,
    act: AdminAct,
    kind: str,
    item: District | Department | Category,
    current: District | Department | Category | None,
) -> None:
    item = replace(item, revision=current.revision + 1 if current is not None else 0)
    before = _without_revision(current) if current is not None else None
    recorded = AdministrativeAct(
        act, subject_of(kind, item.code), Actor.of(caller), utc_now(), changed_fields(before, _without_revision(item))
    )
    catalogue.save_item(item, current, [recorded])
    logger.info(f"{kind} saved", extra={kind: item.code, "by": caller.subject_id})


def _without_revision(item: District | Department | Category | Service) -> dict[str, Any]:
    return {name: value for name, value in to_document(item).items() if name != "revision"}


def _require_state_cell(caller: Principal, what: str) -> None:
    if caller.role is not Role.STATE_ADMIN:
        raise Forbidden(f"Only the state grievance cell changes {what}.")


def put_service(caller: Principal, code: str, changes: ServiceChanges) -> Service:
    """Create or change a service. A department head may only touch their own department's
    services and may not move one to another department."""
    current = catalogue.get_service(code)
    _require_may_edit(caller, changes.department, current)
    if catalogue.get_department(changes.department) is None:
        raise InvalidInput(f"department: no department {changes.department!r}.", field="department")
    _require_english(changes.names, "names")
    check_form(changes.form)
    slots = [slot.slot for slot in changes.documents]
    if len(set(slots)) != len(slots):
        raise InvalidInput("documents: each slot appears once.", field="documents")
    service = Service(
        code=code,
        department=changes.department,
        names=changes.names,
        sla_days=changes.sla_days,
        description=changes.description,
        eligibility=changes.eligibility,
        keywords=changes.keywords,
        fee_inr=changes.fee_inr,
        form=changes.form,
        documents=tuple(changes.documents),
    )
    if current is not None:
        form_changed = (current.form, current.documents) != (service.form, service.documents)
        service = replace(
            service,
            form_version=current.form_version + (1 if form_changed else 0),
            revision=current.revision + 1,
        )
    act = AdministrativeAct(
        AdminAct.SERVICE_SAVED,
        subject_of("service", code),
        Actor.of(caller),
        utc_now(),
        changed_fields(_without_revision(current) if current is not None else None, _without_revision(service)),
    )
    catalogue.save_service(service, current, [act])
    logger.info("service saved", extra={"service": code, "form_version": service.form_version, "by": caller.subject_id})
    return service


def _require_may_edit(caller: Principal, department: str, current: Service | None) -> None:
    if caller.role is Role.STATE_ADMIN:
        return
    if caller.role is not Role.DEPARTMENT_HEAD:
        raise Forbidden("Only the state cell and department heads change services.")
    if current is not None and current.department != caller.department:
        raise Forbidden("A department head changes their own department's services only.")
    if department != caller.department:
        raise Forbidden("Only the state cell puts a service in another department.")


def _require_english(names: dict[str, str], field: str) -> None:
    if not names.get("en", "").strip():
        raise InvalidInput(f"{field}.en: every catalogue name has an English version.", field=f"{field}.en")
