"""Request models of the report routes (handlers/reports.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.handlers.inputs import Query

CODE = r"^[A-Z0-9_]{1,64}$"


DAY = r"^\d{4}-\d{2}-\d{2}$"


class PeriodQuery(Query):
    from_: str | None = Field(default=None, alias="from", pattern=DAY)
    to: str | None = Field(default=None, pattern=DAY)
    department: str | None = Field(default=None, pattern=CODE)


class AreaQuery(PeriodQuery):
    district: str | None = Field(default=None, pattern=CODE)


class ExportQuery(AreaQuery):
    report: str = Field(default="departments", pattern=r"^[a-z]{1,20}$")


class PublicQuery(Query):
    months: int = Field(default=3, ge=1, le=12)
    lang: str = Field(default="en", pattern=r"^[a-z]{2,3}$")
