"""Request models of the staff workspace routes (handlers/staff.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.domain.application import Stage
from chalicelib.domain.grievance import Status
from chalicelib.handlers.inputs import Query

CODE = r"^[A-Z0-9_]{1,64}$"


class JurisdictionQuery(Query):
    department: str | None = Field(default=None, pattern=CODE)
    district: str | None = Field(default=None, pattern=CODE)
    overdue: bool = False
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=2000)


class SearchQuery(Query):
    tracking_id: str | None = Field(default=None, max_length=40)
    mobile: str | None = Field(default=None, min_length=5, max_length=25)


class StaffGrievancesQuery(JurisdictionQuery):
    category: str | None = Field(default=None, pattern=CODE)
    status: Status | None = None
    channel: str | None = Field(default=None, pattern=r"^[a-z_]{2,20}$")
    at_risk: bool = False


class StaffApplicationsQuery(JurisdictionQuery):
    service: str | None = Field(default=None, pattern=CODE)
    stage: Stage | None = None
