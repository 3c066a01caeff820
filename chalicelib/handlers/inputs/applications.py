"""Request models of the application routes (handlers/applications.py)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chalicelib.domain.application import Action, Stage
from chalicelib.handlers.inputs import Query, StrictBody

CODE = r"^[A-Z][A-Z0-9_]{1,59}$"


SLOT = r"^[a-z][a-z0-9_]{0,59}$"


UPLOAD_ID = r"^upl-[0-9a-z]{26}$"


class UploadIn(StrictBody):
    service_code: str = Field(pattern=CODE)
    slot: str = Field(pattern=SLOT)
    content_type: str = Field(max_length=100)


class ApplicationIn(StrictBody):
    service_code: str = Field(pattern=CODE)
    fields: dict[str, Any] = Field(default_factory=dict, max_length=60)
    documents: dict[str, str] = Field(default_factory=dict, max_length=20)
    district: str | None = Field(default=None, pattern=CODE)


class InfoRequestIn(StrictBody):
    fields: list[str] = Field(default_factory=list, max_length=60)
    documents: list[str] = Field(default_factory=list, max_length=20)


class ApplicationActionIn(StrictBody):
    action: Action
    note: str | None = Field(default=None, max_length=2000)
    fields: dict[str, Any] = Field(default_factory=dict, max_length=60)
    documents: dict[str, str] = Field(default_factory=dict, max_length=20)
    request: InfoRequestIn | None = None


class PageQuery(Query):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=1000)


class QueueQuery(PageQuery):
    stage: Stage | None = None
    overdue: bool = False
