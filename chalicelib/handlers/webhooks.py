"""Department webhooks, for the state grievance cell: where each department's events go,
the secret they are signed with, and the deliveries that were given up on."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from chalicelib.domain.identity import Principal, Role
from chalicelib.handlers.http import StrictBody, parse_body, parse_query, route
from chalicelib.security.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER
from chalicelib.services import manage_webhooks

webhooks_api = Blueprint(__name__)

STATE_CELL = frozenset({Role.STATE_ADMIN})
CODE = r"^[A-Z0-9_]{1,64}$"


class WebhookIn(StrictBody):
    url: str = Field(min_length=8, max_length=2000)
    rotate_secret: StrictBool = False


class DeadLettersQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    department: str | None = Field(default=None, pattern=CODE)


@route(webhooks_api, "/departments/{code}/webhook", methods=["GET"], roles=STATE_CELL)
def show_webhook(caller: Principal, code: str) -> dict[str, Any]:
    return webhook_view(manage_webhooks.show_webhook(caller, code))


@route(webhooks_api, "/departments/{code}/webhook", methods=["PUT"], roles=STATE_CELL)
def set_webhook(caller: Principal, code: str) -> dict[str, Any]:
    body = parse_body(webhooks_api, WebhookIn)
    return webhook_view(manage_webhooks.set_webhook(caller, code, body.url, rotate_secret=body.rotate_secret))


@route(webhooks_api, "/webhooks/dead-letters", methods=["GET"], roles=STATE_CELL)
def dead_letters(caller: Principal) -> dict[str, Any]:
    query = parse_query(webhooks_api, DeadLettersQuery)
    return {"dead_letters": manage_webhooks.list_dead_letters(caller, query.department)}


def webhook_view(view: manage_webhooks.WebhookView) -> dict[str, Any]:
    return {
        "department": view.webhook.department,
        "url": view.webhook.url,
        "secret": view.secret,
        "secret_version": view.webhook.secret_version,
        "signature_header": SIGNATURE_HEADER,
        "timestamp_header": TIMESTAMP_HEADER,
        "updated_at": view.webhook.updated_at,
        "updated_by": view.webhook.updated_by,
    }
