"""The state cell's administrative trail."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.identity import Principal, Role
from chalicelib.handlers.http import parse_query, route
from chalicelib.services import admin_audit

admin_api = Blueprint(__name__)


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    subject: str | None = Field(default=None, pattern=r"^[a-z_]+(/[A-Za-z0-9_\-]{1,80})?$")
    cursor: int | None = Field(default=None, ge=1)
    limit: int = Field(default=50, ge=1, le=200)
    verify: bool = False


@route(admin_api, "/admin/audit", methods=["GET"], roles=frozenset({Role.STATE_ADMIN}))
def admin_audit_trail(caller: Principal) -> dict[str, Any]:
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
