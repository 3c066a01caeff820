"""Local-stage helpers: the demo logins and the messages moto captured.

Registered on every stage so the route table (and the OpenAPI document) is the same
everywhere, but they answer 404 unless the stage is local: STAGE=local said explicitly and
AWS_ENDPOINT_URL a loopback address (`Settings.is_local`).
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.handlers.http import parse_query, route

dev_api = Blueprint(__name__)


@route(dev_api, "/dev/accounts", methods=["GET"], public=True)
def demo_accounts() -> dict[str, Any]:
    from chalicelib.services.demo_state import demo_channel_credentials, list_demo_accounts

    return {"accounts": [account.as_dict() for account in list_demo_accounts()], **demo_channel_credentials()}


@route(dev_api, "/dev/outbox", methods=["GET"], public=True)
def outbox() -> dict[str, Any]:
    from chalicelib.handlers.inputs.dev import OutboxQuery
    from chalicelib.services.demo_state import read_local_outbox, read_local_webhook_deliveries

    query = parse_query(dev_api, OutboxQuery)
    # ?to= a citizen or officer: their SMS and email; ?department=: its webhook deliveries.
    if query.department:
        return {"messages": [], "webhooks": read_local_webhook_deliveries(query.department)}
    webhooks = [] if query.to else read_local_webhook_deliveries(None)
    return {"messages": read_local_outbox(query.to), "webhooks": webhooks}
