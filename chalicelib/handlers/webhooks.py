"""Department webhooks, for the state grievance cell: where each department's events go,
the secret they are signed with, and the deliveries that were given up on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.domain.principal import Principal, Role
from chalicelib.handlers.http import parse_body, parse_query, route
from chalicelib.security.webhook_signature import SIGNATURE_HEADER, TIMESTAMP_HEADER

if TYPE_CHECKING:
    from chalicelib.services import manage_webhooks

webhooks_api = Blueprint(__name__)

STATE_CELL = frozenset({Role.STATE_ADMIN})


@route(webhooks_api, "/departments/{code}/webhook", methods=["GET"], roles=STATE_CELL)
def show_webhook(caller: Principal, code: str) -> dict[str, Any]:
    from chalicelib.services import manage_webhooks

    return webhook_view(manage_webhooks.show_webhook(caller, code))


@route(webhooks_api, "/departments/{code}/webhook", methods=["PUT"], roles=STATE_CELL)
def set_webhook(caller: Principal, code: str) -> dict[str, Any]:
    from chalicelib.handlers.inputs.webhooks import WebhookIn
    from chalicelib.services import manage_webhooks

    body = parse_body(webhooks_api, WebhookIn)
    return webhook_view(manage_webhooks.set_webhook(caller, code, body.url, rotate_secret=body.rotate_secret))


@route(webhooks_api, "/webhooks/dead-letters", methods=["GET"], roles=STATE_CELL)
def dead_letters(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.webhooks import DeadLettersQuery
    from chalicelib.services import manage_webhooks

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
