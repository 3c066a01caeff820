"""The staff workspace: the cases of a supervisor's, a department head's or the state
cell's whole jurisdiction, not only their own desk."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.principal import Principal
from chalicelib.handlers import applications, grievances
from chalicelib.handlers.http import MANAGERS, STAFF, parse_query, route

if TYPE_CHECKING:
    from chalicelib.handlers.inputs.staff import StaffGrievancesQuery

staff_api = Blueprint(__name__)


@route(staff_api, "/staff/grievances", methods=["GET"], roles=MANAGERS)
def jurisdiction_grievances(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.staff import StaffGrievancesQuery
    from chalicelib.services import view_grievances

    query = parse_query(staff_api, StaffGrievancesQuery)
    if query.at_risk:
        return _at_risk(caller, query)
    page = view_grievances.jurisdiction(
        caller,
        department=query.department,
        district=query.district,
        category=query.category,
        status=query.status,
        channel=query.channel,
        overdue=query.overdue,
        limit=query.limit,
        cursor=query.cursor,
    )
    return {"grievances": [grievances.detail(g, caller) for g in page.cases], "next_cursor": page.cursor}


def _at_risk(caller: Principal, query: StaffGrievancesQuery) -> dict[str, Any]:
    """One ranked page: the ranking weighs the whole running list, so it has no cursor."""
    from chalicelib.services import at_risk_cases

    for name in ("cursor", "status"):
        if getattr(query, name) is not None:
            raise InvalidInput(f"{name}: not with at_risk=true (one ranked list of running grievances).", field=name)
    if query.overdue:
        raise InvalidInput("overdue: not with at_risk=true (the overdue rank first anyway).", field="overdue")
    ranked = at_risk_cases.at_risk(
        caller,
        department=query.department,
        district=query.district,
        category=query.category,
        channel=query.channel,
        limit=query.limit,
    )
    return {
        "grievances": [
            {
                **grievances.detail(risk.grievance, caller),
                "risk": {
                    "chance": round(risk.chance, 3),
                    "hours_left": round(risk.hours_left, 1),
                    "owner_load": risk.owner_load,
                    "reason": risk.reason,
                },
            }
            for risk in ranked
        ],
        "next_cursor": None,
    }


@route(staff_api, "/staff/applications", methods=["GET"], roles=MANAGERS)
def jurisdiction_applications(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.staff import StaffApplicationsQuery
    from chalicelib.services import view_applications

    query = parse_query(staff_api, StaffApplicationsQuery)
    page = view_applications.jurisdiction(
        caller,
        department=query.department,
        district=query.district,
        service_code=query.service,
        stage=query.stage,
        overdue=query.overdue,
        limit=query.limit,
        cursor=query.cursor,
    )
    return {"applications": [applications.detail(a, caller) for a in page.cases], "next_cursor": page.cursor}


@route(staff_api, "/staff/search", methods=["GET"], roles=STAFF)
def search(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.staff import SearchQuery
    from chalicelib.services import search_cases

    query = parse_query(staff_api, SearchQuery)
    if (query.tracking_id is None) == (query.mobile is None):
        raise InvalidInput("tracking_id: give exactly one of tracking_id and mobile.", field="tracking_id")
    if query.tracking_id is not None:
        found = search_cases.by_tracking_id(caller, query.tracking_id.strip().upper())
    else:
        found = search_cases.by_mobile(caller, query.mobile or "")
    return {
        "grievances": [grievances.detail(g, caller) for g in found.grievances],
        "applications": [applications.detail(a, caller) for a in found.applications],
    }
