"""Request models of the administrative trail route (handlers/admin.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.handlers.inputs import Query


class AuditQuery(Query):
    subject: str | None = Field(default=None, pattern=r"^[a-z_]+(/[A-Za-z0-9_\-]{1,80})?$")
    cursor: int | None = Field(default=None, ge=1)
    limit: int = Field(default=50, ge=1, le=200)
    verify: bool = False
