"""Request models of the staff account routes (handlers/officers.py)."""

from __future__ import annotations

from pydantic import Field, StrictBool

from chalicelib.handlers.inputs import Query, StrictBody

CODE = r"^[A-Z0-9_]{1,64}$"


STAFF_ROLE_NAMES = "officer|supervisor|department_head|state_admin"


class NewOfficerIn(StrictBody):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(pattern=rf"^({STAFF_ROLE_NAMES})$")
    mobile: str = Field(min_length=5, max_length=25)
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1000)
    department: str | None = Field(default=None, pattern=CODE)
    district: str | None = Field(default=None, pattern=CODE)
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$")


class OfficerChangeIn(StrictBody):
    active: StrictBool | None = None
    role: str | None = Field(default=None, pattern=rf"^({STAFF_ROLE_NAMES})$")
    department: str | None = Field(default=None, pattern=CODE)
    district: str | None = Field(default=None, pattern=CODE)


class OfficersQuery(Query):
    department: str | None = Field(default=None, pattern=CODE)
