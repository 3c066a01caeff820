"""Request models of the local-stage helpers (handlers/dev.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.handlers.inputs import Query


class OutboxQuery(Query):
    to: str | None = Field(default=None, max_length=254)
    department: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]{1,39}$")
