"""Request models of the department webhook routes (handlers/webhooks.py)."""

from __future__ import annotations

from pydantic import Field, StrictBool

from chalicelib.handlers.inputs import Query, StrictBody

CODE = r"^[A-Z0-9_]{1,64}$"


class WebhookIn(StrictBody):
    url: str = Field(min_length=8, max_length=2000)
    rotate_secret: StrictBool = False


class DeadLettersQuery(Query):
    department: str | None = Field(default=None, pattern=CODE)
