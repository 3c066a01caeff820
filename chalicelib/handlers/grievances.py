"""Grievance routes: file, read, act, follow; and the officer's queue and public tracking."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.clock import utc_now
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.principal import Principal, Role
from chalicelib.handlers.http import CITIZENS, EVERYONE, STAFF, parse_body, parse_query, route, source_address

if TYPE_CHECKING:
    from chalicelib.domain.grievance import Grievance

grievances_api = Blueprint(__name__)


def _tracking_id(tracking_id: str) -> str:
    from chalicelib.domain.grievance import TRACKING_ID_PATTERN

    # Anything that is not shaped like a tracking id cannot name a grievance: same 404.
    if not re.match(TRACKING_ID_PATTERN, tracking_id):
        raise NotFound("No such grievance.", field="tracking_id")
    return tracking_id


@route(grievances_api, "/grievances", methods=["POST"], roles=CITIZENS | STAFF)
def file_a_grievance(caller: Principal) -> Response:
    from chalicelib.handlers.inputs.grievances import GrievanceIn
    from chalicelib.services import assisted_filing, file_grievance, idempotency

    body = parse_body(grievances_api, GrievanceIn)
    idempotency_key = idempotency.read_key(grievances_api.current_request.headers.get("idempotency-key"))
    staff = caller.role is not Role.CITIZEN
    if staff != (body.on_behalf_of is not None):
        why = "staff file for a citizen: give their mobile" if staff else "only staff file for someone else"
        raise InvalidInput(f"on_behalf_of: {why}.", field="on_behalf_of")
    request = file_grievance.NewGrievance(
        description=body.description,
        district=body.location.district,
        category=body.category,
        ward=body.location.ward,
        lat=body.location.lat,
        lon=body.location.lon,
        channel=body.channel or ("helpline" if staff else "web"),
        application_id=body.application_id,
    )
    if body.on_behalf_of is not None:
        outcome = assisted_filing.file_for_citizen(
            caller,
            request,
            body.on_behalf_of.mobile,
            body.on_behalf_of.otp,
            idempotency_key=idempotency_key,
            lambda_context=grievances_api.lambda_context,
        )
        if isinstance(outcome, assisted_filing.CodeSent):
            return Response(status_code=202, body=outcome.as_dict())
        return Response(status_code=200 if outcome.duplicate else 201, body=outcome.as_dict())
    filed = file_grievance.file_grievance(caller, request, idempotency_key=idempotency_key)
    return Response(status_code=200 if filed.duplicate else 201, body=filed.as_dict())


@route(grievances_api, "/grievances", methods=["GET"], roles=CITIZENS)
def list_my_grievances(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.grievances import PageQuery
    from chalicelib.services import view_grievances

    query = parse_query(grievances_api, PageQuery)
    page = view_grievances.list_mine(caller, limit=query.limit, cursor=query.cursor)
    return {"grievances": [summary(g) for g in page.cases], "next_cursor": page.cursor}


@route(grievances_api, "/grievances/{tracking_id}", methods=["GET"], roles=EVERYONE, login_checked_with_first_read=True)
def get_grievance(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.services import view_grievances

    grievance, timeline = view_grievances.get_one(caller, _tracking_id(tracking_id))
    return {**detail(grievance, caller), "timeline": timeline}


@route(
    grievances_api,
    "/grievances/{tracking_id}/history",
    methods=["GET"],
    roles=EVERYONE,
    login_checked_with_first_read=True,
)
def grievance_history(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.services import view_grievances

    trail = view_grievances.history(caller, _tracking_id(tracking_id))
    return {"tracking_id": tracking_id, "events": trail.entries, "chain_intact": trail.intact}


@route(
    grievances_api,
    "/grievances/{tracking_id}/notifications",
    methods=["GET"],
    roles=STAFF,
    login_checked_with_first_read=True,
)
def grievance_notifications(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.services import view_grievances

    sent = view_grievances.notifications(caller, _tracking_id(tracking_id))
    return {"tracking_id": tracking_id, "notifications": sent}


@route(grievances_api, "/grievances/{tracking_id}/actions", methods=["POST"], roles=STAFF)
def act_on_grievance_route(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.grievances import OfficerActionIn
    from chalicelib.services import act_on_grievance

    body = parse_body(grievances_api, OfficerActionIn)
    request = act_on_grievance.OfficerAction(body.action, body.note, body.department, body.officer_id)
    return detail(act_on_grievance.act_as_officer(caller, _tracking_id(tracking_id), request), caller)


@route(grievances_api, "/grievances/{tracking_id}/reply", methods=["POST"], roles=CITIZENS)
def reply_to_grievance(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.grievances import MessageIn
    from chalicelib.services import act_on_grievance

    body = parse_body(grievances_api, MessageIn)
    return detail(act_on_grievance.reply(caller, _tracking_id(tracking_id), body.message), caller)


@route(grievances_api, "/grievances/{tracking_id}/feedback", methods=["POST"], roles=CITIZENS)
def give_feedback(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.grievances import FeedbackIn
    from chalicelib.services import act_on_grievance

    body = parse_body(grievances_api, FeedbackIn)
    return detail(act_on_grievance.give_feedback(caller, _tracking_id(tracking_id), body.rating, body.comment), caller)


@route(grievances_api, "/grievances/{tracking_id}/reopen", methods=["POST"], roles=CITIZENS)
def reopen_grievance(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.grievances import ReasonIn
    from chalicelib.services import act_on_grievance

    body = parse_body(grievances_api, ReasonIn)
    return detail(act_on_grievance.reopen(caller, _tracking_id(tracking_id), body.reason), caller)


@route(grievances_api, "/grievances/{tracking_id}/appeal", methods=["POST"], roles=CITIZENS)
def appeal_grievance(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.grievances import ReasonIn
    from chalicelib.services import act_on_grievance

    body = parse_body(grievances_api, ReasonIn)
    return detail(act_on_grievance.appeal(caller, _tracking_id(tracking_id), body.reason), caller)


@route(grievances_api, "/grievances/{tracking_id}/metoo", methods=["POST"], roles=CITIZENS)
def support_grievance(caller: Principal, tracking_id: str) -> dict[str, Any]:
    from chalicelib.services import act_on_grievance

    grievance = act_on_grievance.support(caller, _tracking_id(tracking_id))
    return {"tracking_id": grievance.tracking_id, "status": grievance.status.value, "supporters": grievance.supporters}


@route(grievances_api, "/grievances/metoo/{offer}", methods=["POST"], roles=CITIZENS)
def support_offered_grievance(caller: Principal, offer: str) -> dict[str, Any]:
    # The answer never names the grievance: the offer stands for it.
    from chalicelib.services import act_on_grievance
    from chalicelib.services.support_offers import OFFER_PATTERN

    if not re.match(OFFER_PATTERN, offer):
        raise NotFound("No such offer of an open grievance to support.", field="offer")
    grievance = act_on_grievance.support_offer(caller, offer)
    return {"offer": offer, "status": grievance.status.value, "supporters": grievance.supporters}


@route(grievances_api, "/officer/grievances", methods=["GET"], roles=STAFF)
def officer_queue(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.grievances import QueueQuery
    from chalicelib.services import view_grievances

    query = parse_query(grievances_api, QueueQuery)
    page = view_grievances.officer_queue(
        caller, status=query.status, overdue=query.overdue, limit=query.limit, cursor=query.cursor
    )
    return {"grievances": [detail(g, caller) for g in page.cases], "next_cursor": page.cursor}


@route(grievances_api, "/track/{tracking_id}", methods=["GET"], public=True)
def track_grievance(tracking_id: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.grievances import TrackQuery
    from chalicelib.services import view_grievances

    query = parse_query(grievances_api, TrackQuery)
    grievance = view_grievances.track(_tracking_id(tracking_id), query.mobile_last4, source_address(grievances_api))
    return {
        "tracking_id": grievance.tracking_id,
        "status": grievance.status.value,
        "filed_at": _iso(grievance.filed_at),
        "due_at": _due(grievance),
        "resolved_at": _iso(grievance.resolved_at),
        "closed_at": _iso(grievance.closed_at),
    }


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def _due(grievance: Grievance) -> str | None:
    """The deadline while the SLA clock runs. Paused (waiting on the citizen) there is no
    deadline until they reply; after resolution the timer counts toward auto-close, which
    is no "due date" either."""
    from chalicelib.domain.grievance import CLOCK_RUNNING

    return _iso(grievance.due_at) if grievance.status in CLOCK_RUNNING else None


def summary(grievance: Grievance) -> dict[str, Any]:
    return {
        "tracking_id": grievance.tracking_id,
        "status": grievance.status.value,
        "category": grievance.category,
        "department": grievance.department,
        "district": grievance.district,
        "filed_at": _iso(grievance.filed_at),
        "due_at": _due(grievance),
        "escalation_level": grievance.level,
    }


def detail(grievance: Grievance, caller: Principal) -> dict[str, Any]:
    staff_only = {"assigned_to": grievance.assignee_id} if caller.is_staff else {}
    return {
        **summary(grievance),
        "description": grievance.description,
        "location": {
            "district": grievance.district,
            "ward": grievance.ward,
            "lat": grievance.lat,
            "lon": grievance.lon,
        },
        "channel": grievance.channel,
        "priority": grievance.priority,
        "supporters": grievance.supporters,
        "transfers": grievance.transfers,
        "resolved_at": _iso(grievance.resolved_at),
        "closed_at": _iso(grievance.closed_at),
        "rejected_at": _iso(grievance.rejected_at),
        "rating": grievance.rating,
        "appealed": grievance.appealed,
        "application_id": grievance.application_id,
        "overdue": grievance.overdue(utc_now()),
        **staff_only,
    }
