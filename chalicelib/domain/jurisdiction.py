"""Whose cases a member of staff may list: their jurisdiction, as the partitions of the
case tables' indexes a list walks through.

A supervisor sees one seat (department × district), a department head their department, the
state cell everything. A list narrowed by department and district reads one seat
(`seat-index`), by department alone one department (`department-index`); the state cell's
list across departments walks them one after another, in code order, each newest first.
Asking for anything outside the caller's jurisdiction is refused, not silently narrowed.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from chalicelib.domain.errors import Forbidden
from chalicelib.domain.identity import Principal, Role


class IndexName(StrEnum):
    SEAT = "seat"
    DEPARTMENT = "department"


@dataclass(frozen=True)
class Partition:
    """One partition of one index: `seat` "WATER#KHORDHA", or `department` "WATER"."""

    index: IndexName
    key: str


def seat_key(department: str, district: str) -> str:
    return f"{department}#{district}"


def partitions_for(
    caller: Principal, department: str | None, district: str | None, departments: Sequence[str]
) -> list[Partition]:
    """The partitions the caller's list (narrowed by `department`, `district`) reads, in
    order. `departments`: every department of the state, for the state cell's wide lists."""
    match caller.role:
        case Role.SUPERVISOR:
            department = _own(caller.department, department, "department")
            district = _own(caller.district, district, "district")
        case Role.DEPARTMENT_HEAD:
            department = _own(caller.department, department, "department")
        case Role.STATE_ADMIN:
            pass
        case _:
            raise Forbidden("Only supervisors, department heads and the state cell list a jurisdiction's cases.")
    wanted = [department] if department else sorted(departments)
    if district:
        return [Partition(IndexName.SEAT, seat_key(d, district)) for d in wanted]
    return [Partition(IndexName.DEPARTMENT, d) for d in wanted]


def _own(held: str | None, asked: str | None, field: str) -> str:
    if held is None:
        raise Forbidden(f"Your account has no {field}.")
    if asked is not None and asked != held:
        raise Forbidden(f"{field}: outside your jurisdiction.", code="outside_jurisdiction")
    return held
