"""Catalogue routes: districts, departments, services, grievance categories and the state's
calendar. Reading is public; the state cell keeps them (department heads: their services)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.domain.catalogue import (
    CODE_PATTERN,
    LANGUAGE_PATTERN,
    Category,
    Department,
    District,
    DocumentSlot,
    Service,
    localized,
)
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.principal import Principal, Role
from chalicelib.handlers.http import parse_body, parse_query, query_parameter, route

if TYPE_CHECKING:
    from chalicelib.services import manage_catalogue

catalogue_api = Blueprint(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

STATE_CELL = frozenset({Role.STATE_ADMIN})


@route(catalogue_api, "/districts/{code}", methods=["PUT"], roles=STATE_CELL)
def put_district(caller: Principal, code: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.catalogue import DistrictIn
    from chalicelib.services import manage_catalogue

    body = parse_body(catalogue_api, DistrictIn)
    return _district(manage_catalogue.put_district(caller, _code(code), body.names, body.population), None)


@route(catalogue_api, "/categories/{code}", methods=["PUT"], roles=STATE_CELL)
def put_category(caller: Principal, code: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.catalogue import CategoryIn
    from chalicelib.services import manage_catalogue

    body = parse_body(catalogue_api, CategoryIn)
    changes = manage_catalogue.CategoryChanges(
        department=body.department,
        names=body.names,
        sla_hours=body.sla_hours,
        round_the_clock=body.round_the_clock,
        keywords=body.keywords,
        escalation_hours=tuple(body.escalation_hours),
    )
    return _category(manage_catalogue.put_category(caller, _code(code), changes), None)


@route(catalogue_api, "/calendar", methods=["GET"], public=True)
def get_calendar() -> dict[str, Any]:
    from chalicelib.services import manage_catalogue

    return _calendar(manage_catalogue.show_calendar())


@route(catalogue_api, "/calendar", methods=["PUT"], roles=STATE_CELL)
def put_calendar(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.catalogue import CalendarIn
    from chalicelib.services import manage_catalogue

    body = parse_body(catalogue_api, CalendarIn)
    start, end = body.office_hours.split("-")
    changes = manage_catalogue.CalendarChanges(
        working_days=tuple(sorted({WEEKDAYS.index(day) for day in body.working_days})),
        day_start=start,
        day_end=end,
        holidays={h.date.isoformat(): h.name.strip() for h in body.holidays},
    )
    return _calendar(manage_catalogue.put_calendar(caller, changes))


@route(catalogue_api, "/departments/{code}", methods=["PUT"], roles=STATE_CELL)
def put_department(caller: Principal, code: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.catalogue import DepartmentIn
    from chalicelib.services import manage_catalogue

    body = parse_body(catalogue_api, DepartmentIn)
    department = manage_catalogue.put_department(caller, _code(code), body.names, body.description)
    return _department(department, None)


@route(catalogue_api, "/services/{code}", methods=["PUT"], roles=frozenset({Role.STATE_ADMIN, Role.DEPARTMENT_HEAD}))
def put_service(caller: Principal, code: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.catalogue import ServiceIn
    from chalicelib.services import manage_catalogue

    body = parse_body(catalogue_api, ServiceIn)
    changes = manage_catalogue.ServiceChanges(
        department=body.department,
        names=body.names,
        sla_days=body.sla_days,
        form=body.form,
        description=body.description,
        eligibility=body.eligibility,
        keywords=body.keywords,
        fee_inr=body.fee_inr,
        documents=[DocumentSlot(slot=d.slot, names=d.names, required=d.required) for d in body.documents],
    )
    return _service_detail(manage_catalogue.put_service(caller, _code(code), changes), None)


def _language() -> str | None:
    # ?lang= checked without a pydantic model: these public reads are what a citizen's browser
    # asks first, often of a cold function, and loading pydantic would add a quarter to it.
    return query_parameter(catalogue_api, "lang", LANGUAGE_PATTERN)


def _code(code: str) -> str:
    if not re.match(CODE_PATTERN, code):
        raise InvalidInput("code: capital letters, digits and _ only.", field="code")
    return code


@route(catalogue_api, "/districts", methods=["GET"], public=True)
def list_districts() -> dict[str, Any]:
    from chalicelib.services import browse_catalogue

    lang = _language()
    return {"districts": [_district(d, lang) for d in browse_catalogue.list_districts()]}


@route(catalogue_api, "/departments", methods=["GET"], public=True)
def list_departments() -> dict[str, Any]:
    from chalicelib.services import browse_catalogue

    lang = _language()
    return {"departments": [_department(d, lang) for d in browse_catalogue.list_departments()]}


@route(catalogue_api, "/services", methods=["GET"], public=True)
def search_services() -> dict[str, Any]:
    from chalicelib.handlers.inputs.catalogue import ServiceQuery
    from chalicelib.services import browse_catalogue

    query = parse_query(catalogue_api, ServiceQuery)
    services, next_cursor = browse_catalogue.search_services(
        department=query.department, query=query.q, after=query.cursor, limit=query.limit
    )
    return {"services": [_service_summary(s, query.lang) for s in services], "next_cursor": next_cursor}


@route(catalogue_api, "/services/{code}", methods=["GET"], public=True)
def get_service(code: str) -> dict[str, Any]:
    from chalicelib.services import browse_catalogue

    lang = _language()
    return _service_detail(browse_catalogue.find_service(code), lang)


@route(catalogue_api, "/categories", methods=["GET"], public=True)
def list_categories() -> dict[str, Any]:
    from chalicelib.handlers.inputs.catalogue import CategoryQuery
    from chalicelib.services import browse_catalogue

    query = parse_query(catalogue_api, CategoryQuery)
    categories = browse_catalogue.list_categories(department=query.department)
    return {"categories": [_category(c, query.lang) for c in categories]}


def _district(district: District, lang: str | None) -> dict[str, Any]:
    return {
        "code": district.code,
        "name": localized(district.names, lang),
        "names": district.names,
        "population": district.population,
    }


def _calendar(state: manage_catalogue.StateCalendar) -> dict[str, Any]:
    calendar = state.calendar
    return {
        "working_days": [WEEKDAYS[day] for day in sorted(calendar.working_days)],
        "office_hours": f"{calendar.day_start:%H:%M}-{calendar.day_end:%H:%M}",
        "utc_offset_minutes": calendar.utc_offset_minutes,
        "holidays": [
            {"date": day.isoformat(), "name": state.holiday_names.get(day.isoformat(), "")}
            for day in sorted(calendar.holidays)
        ],
    }


def _department(department: Department, lang: str | None) -> dict[str, Any]:
    return {
        "code": department.code,
        "name": localized(department.names, lang),
        "names": department.names,
        "description": localized(department.description, lang),
    }


def _service_summary(service: Service, lang: str | None) -> dict[str, Any]:
    return {
        "code": service.code,
        "department": service.department,
        "name": localized(service.names, lang),
        "names": service.names,
        "description": localized(service.description, lang),
        "fee_inr": service.fee_inr,
        "sla_days": service.sla_days,
    }


def _service_detail(service: Service, lang: str | None) -> dict[str, Any]:
    return {
        **_service_summary(service, lang),
        "eligibility": localized(service.eligibility, lang),
        "keywords": service.keywords,
        "form": service.form,
        "form_version": service.form_version,
        "documents": [
            {"slot": d.slot, "name": localized(d.names, lang), "names": d.names, "required": d.required}
            for d in service.documents
        ],
    }


def _category(category: Category, lang: str | None) -> dict[str, Any]:
    return {
        "code": category.code,
        "department": category.department,
        "name": localized(category.names, lang),
        "names": category.names,
        "sla_hours": category.sla_hours,
        "round_the_clock": category.round_the_clock,
        "escalation_hours": list(category.escalation_hours),
        # What free-text grievances are categorised by: shown so that an edit keeps them.
        "keywords": category.keywords,
    }
