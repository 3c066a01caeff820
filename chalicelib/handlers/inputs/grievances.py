"""Request models of the grievance routes (handlers/grievances.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.domain.application import TRACKING_ID_PATTERN as APPLICATION_ID_PATTERN
from chalicelib.domain.grievance import Action, Status
from chalicelib.handlers.inputs import Query, StrictBody

CODE = r"^[A-Z0-9_]{1,64}$"


class LocationIn(StrictBody):
    district: str = Field(pattern=CODE)
    ward: str | None = Field(default=None, min_length=1, max_length=50)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class OnBehalfOfIn(StrictBody):
    mobile: str = Field(min_length=1, max_length=20)
    otp: str | None = Field(default=None, pattern=r"^[0-9]{6}$")


class GrievanceIn(StrictBody):
    category: str | None = Field(default=None, pattern=CODE)
    description: str = Field(min_length=1, max_length=5000)
    location: LocationIn
    channel: str | None = Field(default=None, max_length=20)
    application_id: str | None = Field(default=None, pattern=APPLICATION_ID_PATTERN)
    # Staff at a helpline or service centre, for a citizen who confirms with a code.
    on_behalf_of: OnBehalfOfIn | None = None


class OfficerActionIn(StrictBody):
    action: Action
    note: str | None = Field(default=None, max_length=2000)
    department: str | None = Field(default=None, pattern=CODE)
    officer_id: str | None = Field(default=None, max_length=64)


class MessageIn(StrictBody):
    message: str = Field(min_length=1, max_length=2000)


class ReasonIn(StrictBody):
    reason: str = Field(min_length=1, max_length=2000)


class FeedbackIn(StrictBody):
    rating: int = Field(ge=1, le=5, strict=True)
    comment: str | None = Field(default=None, max_length=2000)


class PageQuery(Query):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = Field(default=None, max_length=1000)


class QueueQuery(PageQuery):
    status: Status | None = None
    overdue: bool = False


class TrackQuery(Query):
    mobile_last4: str = Field(pattern=r"^[0-9]{4}$")
