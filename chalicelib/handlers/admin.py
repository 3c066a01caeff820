"""The state cell's administrative trail."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.domain.principal import Principal, Role
from chalicelib.handlers.http import parse_query, route

admin_api = Blueprint(__name__)


@route(admin_api, "/admin/audit", methods=["GET"], roles=frozenset({Role.STATE_ADMIN}))
def admin_audit_trail(caller: Principal) -> dict[str, Any]:
    from chalicelib.handlers.inputs.admin import AuditQuery
    from chalicelib.services import admin_audit

    query = parse_query(admin_api, AuditQuery)
    page = admin_audit.read_trail(
        caller, subject=query.subject, before=query.cursor, limit=query.limit, verify=query.verify
    )
    body: dict[str, Any] = {
        "entries": [_shown(entry) for entry in page.entries],
        "next_cursor": str(page.next_cursor) if page.next_cursor else None,
    }
    if page.chain_intact is not None:
        body["chain_intact"] = page.chain_intact
    return body


def _shown(entry: dict[str, Any]) -> dict[str, Any]:
    details = dict(entry["details"])
    return {
        "seq": entry["seq"],
        "at": entry["at"],
        "event": entry["event"],
        "subject": details.pop("subject", None),
        "actor_id": entry["actor_id"],
        "actor_role": entry["actor_role"],
        "details": details,
        "prev_hash": entry["prev_hash"],
        "entry_hash": entry["entry_hash"],
    }
