"""Staff accounts: created by the state cell, listed, switched on/off and re-posted by their managers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.principal import Principal, Role
from chalicelib.handlers.http import MANAGERS, parse_body, parse_query, route

if TYPE_CHECKING:
    from chalicelib.domain.identity import Officer

officers_api = Blueprint(__name__)

HEADS = frozenset({Role.DEPARTMENT_HEAD, Role.STATE_ADMIN})


@route(officers_api, "/officers", methods=["POST"], roles=frozenset({Role.STATE_ADMIN}))
def create_officer(caller: Principal) -> Response:
    from chalicelib.handlers.inputs.officers import NewOfficerIn
    from chalicelib.services import manage_officers

    body = parse_body(officers_api, NewOfficerIn)
    officer = manage_officers.create_officer(
        caller,
        manage_officers.NewOfficerRequest(
            name=body.name,
            role=Role(body.role),
            mobile=body.mobile,
            email=body.email,
            password=body.password,
            department=body.department,
            district=body.district,
            language=body.language,
        ),
    )
    return Response(status_code=201, body=officer_view(officer))


@route(officers_api, "/officers", methods=["GET"], roles=MANAGERS)
def list_officers(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.officers import OfficersQuery
    from chalicelib.services import manage_officers

    query = parse_query(officers_api, OfficersQuery)
    return {"officers": [officer_view(o) for o in manage_officers.list_officers(caller, query.department)]}


@route(officers_api, "/officers/{officer_id}", methods=["PATCH"], roles=HEADS)
def change_officer(caller: Principal, officer_id: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.officers import OfficerChangeIn
    from chalicelib.services import manage_officers

    body = parse_body(officers_api, OfficerChangeIn)
    sent = body.model_fields_set
    if not sent:
        raise InvalidInput("Send at least one of active, role, department, district.")
    for name in ("active", "role"):
        if name in sent and getattr(body, name) is None:
            raise InvalidInput(f"{name}: may not be null.", field=name)
    changed = manage_officers.change_officer(
        caller,
        officer_id,
        manage_officers.OfficerChangeRequest(
            active=body.active,
            role=Role(body.role) if body.role else None,
            department=body.department,
            district=body.district,
            cleared=frozenset(
                name for name in ("department", "district") if name in sent and getattr(body, name) is None
            ),
        ),
    )
    return {
        **officer_view(changed.officer),
        "handed_over": [{"tracking_id": h.tracking_id, "to_officer": h.to_officer} for h in changed.handed_over],
        "handover_complete": changed.handover_complete,
    }


def officer_view(officer: Officer) -> dict[str, Any]:
    return {
        "officer_id": officer.officer_id,
        "name": officer.name,
        "role": officer.role.value,
        "department": officer.department,
        "district": officer.district,
        "mobile": officer.mobile,
        "email": officer.email,
        "active": officer.active,
        "language": officer.language,
    }
