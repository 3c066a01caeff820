"""Service applications: upload slots, applying, the stage actions, and the views."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.clock import utc_now
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.principal import Principal
from chalicelib.handlers.http import CITIZENS, EVERYONE, STAFF, parse_body, parse_query, route

if TYPE_CHECKING:
    from chalicelib.domain.application import Application

applications_api = Blueprint(__name__)


def _tracking_id(tracking_id: str) -> str:
    from chalicelib.domain.application import TRACKING_ID_PATTERN

    if not re.match(TRACKING_ID_PATTERN, tracking_id):
        raise NotFound("No such application.", field="tracking_id")
    return tracking_id


def _documents(documents: dict[str, str]) -> dict[str, str]:
    from chalicelib.handlers.inputs.applications import SLOT, UPLOAD_ID

    for slot, upload_id in documents.items():
        if not re.match(SLOT, slot) or not re.match(UPLOAD_ID, upload_id):
            raise InvalidInput(f"documents.{slot}: name an upload_id from POST /uploads.", field=f"documents.{slot}")
    return documents


@route(applications_api, "/uploads", methods=["POST"], roles=CITIZENS)
def request_upload(caller: Principal) -> Response:
    from chalicelib.handlers.inputs.applications import UploadIn
    from chalicelib.services import apply_for_service

    body = parse_body(applications_api, UploadIn)
    slot = apply_for_service.request_upload(caller, body.service_code, body.slot, body.content_type)
    return Response(
        status_code=201,
        body={
            "upload_id": slot.upload_id,
            "url": slot.url,
            "fields": slot.fields,
            "max_bytes": slot.max_bytes,
            "expires_in": slot.expires_in,
        },
    )


@route(applications_api, "/applications", methods=["POST"], roles=CITIZENS)
def apply(caller: Principal) -> Response:
    from chalicelib.handlers.inputs.applications import ApplicationIn
    from chalicelib.services import apply_for_service, idempotency

    body = parse_body(applications_api, ApplicationIn)
    key = idempotency.read_key(applications_api.current_request.headers.get("idempotency-key"))
    application = apply_for_service.apply(
        caller,
        apply_for_service.NewApplication(body.service_code, body.fields, _documents(body.documents), body.district),
        idempotency_key=key,
        lambda_context=applications_api.lambda_context,
    )
    return Response(
        status_code=201,
        body={"tracking_id": application.tracking_id, "status": application.stage.value, "due_at": _due(application)},
    )


@route(applications_api, "/applications", methods=["GET"], roles=CITIZENS)
def list_my_applications(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.applications import PageQuery
    from chalicelib.services import view_applications

    query = parse_query(applications_api, PageQuery)
    page = view_applications.list_mine(caller, limit=query.limit, cursor=query.cursor)
    return {"applications": [summary(a) for a in page.cases], "next_cursor": page.cursor}


@route(
    applications_api, "/applications/{tracking_id}", methods=["GET"], roles=EVERYONE, login_checked_with_first_read=True
)
def get_application(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.services import view_applications

    application, timeline, intact = view_applications.get_one(caller, _tracking_id(tracking_id))
    return {**detail(application, caller), "timeline": timeline, "chain_intact": intact}


@route(applications_api, "/applications/{tracking_id}/actions", methods=["POST"], roles=EVERYONE)
def act_on_application_route(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.applications import ApplicationActionIn
    from chalicelib.services import act_on_application

    body = parse_body(applications_api, ApplicationActionIn)
    request = act_on_application.ApplicationAction(
        action=body.action,
        note=body.note,
        fields=body.fields,
        documents=_documents(body.documents),
        requested_fields=tuple(body.request.fields) if body.request else (),
        requested_documents=tuple(body.request.documents) if body.request else (),
    )
    return detail(act_on_application.act(caller, _tracking_id(tracking_id), request), caller)


@route(
    applications_api,
    "/applications/{tracking_id}/documents/{slot}",
    methods=["GET"],
    roles=EVERYONE,
    login_checked_with_first_read=True,
)
def download_document(caller: Principal, tracking_id: str, slot: str) -> dict[str, Any]:
    from chalicelib.services import view_applications

    return view_applications.document_link(caller, _tracking_id(tracking_id), slot)


@route(applications_api, "/officer/applications", methods=["GET"], roles=STAFF)
def officer_queue(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.applications import QueueQuery
    from chalicelib.services import view_applications

    query = parse_query(applications_api, QueueQuery)
    page = view_applications.officer_queue(
        caller, stage=query.stage, overdue=query.overdue, limit=query.limit, cursor=query.cursor
    )
    return {"applications": [detail(a, caller) for a in page.cases], "next_cursor": page.cursor}


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _due(application: Application) -> str | None:
    """The deadline while the clock runs; none while it waits on the citizen or once decided."""
    return _iso(application.due_at) if application.due_at and application.is_open else None


def summary(application: Application) -> dict[str, Any]:
    return {
        "tracking_id": application.tracking_id,
        "service_code": application.service_code,
        "status": application.stage.value,
        "department": application.department,
        "district": application.district,
        "filed_at": _iso(application.filed_at),
        "due_at": _due(application),
    }


def detail(application: Application, caller: Principal) -> dict[str, Any]:
    from chalicelib.domain.application import NEXT_STEP

    waiting_on, next_step = NEXT_STEP[application.stage]
    request = application.info_request
    return {
        **summary(application),
        "form_version": application.form_version,
        "fields": application.fields,
        "documents": [
            {
                "slot": d.slot,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": _iso(d.uploaded_at),
            }
            for d in application.documents.values()
        ],
        "expected_next": {"by": waiting_on, "what": next_step},
        "info_requested": (
            {"note": request.note, "fields": list(request.fields), "documents": list(request.documents)}
            if request
            else None
        ),
        "decided_at": _iso(application.decided_at),
        "completed_at": _iso(application.completed_at),
        "overdue": application.overdue(utc_now()),
        **({"assigned_to": application.assignee_id} if caller.is_staff else {}),
    }
