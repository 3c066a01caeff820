"""Request models of the catalogue routes (handlers/catalogue.py)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StrictBool, field_validator

from chalicelib.domain.catalogue import CODE_PATTERN, LANGUAGE_PATTERN
from chalicelib.handlers.inputs import Query, StrictBody


class CategoryQuery(Query):
    lang: str | None = Field(default=None, pattern=LANGUAGE_PATTERN)
    department: str | None = Field(default=None, pattern=CODE_PATTERN)


class ServiceQuery(CategoryQuery):
    q: str | None = Field(default=None, max_length=100)
    limit: int = Field(default=50, ge=1, le=100)
    cursor: str | None = Field(default=None, pattern=CODE_PATTERN)


Names = dict[str, str]


class DistrictIn(StrictBody):
    names: Names = Field(min_length=1, max_length=12)
    population: int | None = Field(default=None, ge=1, le=1_000_000_000, strict=True)


class CategoryIn(StrictBody):
    department: str = Field(pattern=CODE_PATTERN)
    names: Names = Field(min_length=1, max_length=12)
    sla_hours: int = Field(ge=1, le=8760, strict=True)
    round_the_clock: StrictBool = False
    keywords: dict[str, list[str]] = Field(default_factory=dict, max_length=12)
    # hours at escalation levels 1 (supervisor), 2 (department head), 3 (state cell)
    escalation_hours: list[Annotated[int, Field(ge=1, le=8760, strict=True)]] = Field(
        default_factory=list, max_length=3
    )


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


HOURS_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_day(value: object) -> date:
    # pydantic's date, lax or strict, also takes 0, unix seconds (as a string too) or a
    # midnight datetime for a day: a holiday is only ever written YYYY-MM-DD.
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        raise ValueError("expected a date written YYYY-MM-DD")
    return date.fromisoformat(value)  # ValueError for a day the calendar lacks (2026-02-30)


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


class HolidayIn(StrictBody):
    date: IsoDay
    name: str = Field(default="", max_length=100)


class CalendarIn(StrictBody):
    working_days: list[Weekday] = Field(min_length=1, max_length=7)
    office_hours: str = Field(pattern=HOURS_PATTERN)
    holidays: list[HolidayIn] = Field(default_factory=list, max_length=200)

    @field_validator("holidays")
    @classmethod
    def _each_date_once(cls, holidays: list[HolidayIn]) -> list[HolidayIn]:
        if len({h.date for h in holidays}) != len(holidays):
            raise ValueError("each date appears once")
        return holidays


class DepartmentIn(StrictBody):
    names: Names = Field(min_length=1, max_length=12)
    description: Names = Field(default_factory=dict, max_length=12)


class DocumentSlotIn(StrictBody):
    slot: str = Field(pattern=r"^[a-z][a-z0-9_]{0,59}$")
    names: Names = Field(min_length=1, max_length=12)
    required: StrictBool = True


class ServiceIn(StrictBody):
    department: str = Field(pattern=CODE_PATTERN)
    names: Names = Field(min_length=1, max_length=12)
    sla_days: int = Field(ge=1, le=365, strict=True)
    form: dict[str, Any]
    description: Names = Field(default_factory=dict, max_length=12)
    eligibility: Names = Field(default_factory=dict, max_length=12)
    keywords: dict[str, list[str]] = Field(default_factory=dict, max_length=12)
    fee_inr: int = Field(default=0, ge=0, le=1_000_000, strict=True)
    documents: list[DocumentSlotIn] = Field(default_factory=list, max_length=20)
