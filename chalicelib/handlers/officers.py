"""Staff accounts: created by the state cell, listed, switched on/off and re-posted by their managers."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identity import Officer, Principal, Role
from chalicelib.handlers.http import MANAGERS, StrictBody, parse_body, parse_query, route
from chalicelib.services import manage_officers

officers_api = Blueprint(__name__)

HEADS = frozenset({Role.DEPARTMENT_HEAD, Role.STATE_ADMIN})

CODE = r"^[A-Z0-9_]{1,64}$"
STAFF_ROLE_NAMES = "officer|supervisor|department_head|state_admin"


class NewOfficerIn(StrictBody):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(pattern=rf"^({STAFF_ROLE_NAMES})$")
    mobile: str = Field(min_length=5, max_length=25)
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1000)
    department: str | None = Field(default=None, pattern=CODE)
    district: str | None = Field(default=None, pattern=CODE)
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")


class OfficerChangeIn(StrictBody):
    active: StrictBool | None = None
    role: str | None = Field(default=None, pattern=rf"^({STAFF_ROLE_NAMES})$")
    department: str | None = Field(default=None, pattern=CODE)
    district: str | None = Field(default=None, pattern=CODE)


class OfficersQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    department: str | None = Field(default=None, pattern=CODE)


@route(officers_api, "/officers", methods=["POST"], roles=frozenset({Role.STATE_ADMIN}))
def create_officer(caller: Principal) -> Response:
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
    query = parse_query(officers_api, OfficersQuery)
    return {"officers": [officer_view(o) for o in manage_officers.list_officers(caller, query.department)]}


@route(officers_api, "/officers/{officer_id}", methods=["PATCH"], roles=HEADS)
def change_officer(caller: Principal, officer_id: str) -> dict[str, Any]:
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
