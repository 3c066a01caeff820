"""The reports of supervisors, department heads and the state cell, and the public figures.

Each reads the counter rows the events left for its period (at most 2 Queries for any 90
days, `models/tallies.py`), never the grievances: the cost depends on the days and the
catalogue, not on how many grievances there are. Staff see their department's figures
(the state cell everyone's); a supervisor's officers report is their own seat's team.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chalicelib.clock import utc_now
from chalicelib.domain import reports
from chalicelib.domain.catalogue import localized
from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.domain.grievance import STATE_CELL
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.reports import Period, period_of
from chalicelib.domain.tallies import View, add_up
from chalicelib.models import case_store, catalogue, officers, tallies
from chalicelib.models.tallies import ReadCost
from chalicelib.services.tally_events import report_zone

PUBLIC_CACHE_SECONDS = 300.0
_public: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}


@dataclass(frozen=True)
class Scope:
    """Whose figures a caller sees: one department, or (None) the whole state."""

    department: str | None


def scope_of(caller: Principal, department: str | None) -> Scope:
    if caller.role is Role.STATE_ADMIN:
        if department is not None and department != STATE_CELL and catalogue.get_department(department) is None:
            raise InvalidInput(f"department: no department {department!r}.", field="department")
        return Scope(department)
    if caller.role in (Role.DEPARTMENT_HEAD, Role.SUPERVISOR):
        if caller.department is None:
            raise Forbidden("Your account has no department.")
        if department is not None and department != caller.department:
            raise Forbidden("department: outside your jurisdiction.", code="outside_jurisdiction")
        return Scope(caller.department)
    raise Forbidden("Reports are for supervisors, department heads and the state cell.")


def today() -> date:
    return utc_now().astimezone(report_zone()).date()


def period(first: str | None, last: str | None) -> Period:
    return period_of(first, last, today())


def departments_report(
    caller: Principal, department: str | None, when: Period, cost: ReadCost | None = None
) -> dict[str, Any]:
    scope = scope_of(caller, department)
    # The state cell's own desk (uncategorised grievances, the ones transferred too often) is
    # a row of its own: it is not a catalogue department.
    codes = (
        [scope.department] if scope.department else [*sorted(d.code for d in catalogue.list_departments()), STATE_CELL]
    )
    rows = ((row.key[0], row.counters) for row in tallies.rows(View.DEPARTMENT, when.first, when.last, cost))
    table = reports.department_table(rows, tallies.gauges(codes, cost), codes)
    return {"from": when.first.isoformat(), "to": when.last.isoformat(), "departments": table}


def districts_report(
    caller: Principal, department: str | None, district: str | None, when: Period, cost: ReadCost | None = None
) -> dict[str, Any]:
    scope = scope_of(caller, department)
    if district is not None and catalogue.get_district(district) is None:
        raise InvalidInput(f"district: no district {district!r}.", field="district")
    codes = [district] if district else sorted(d.code for d in catalogue.list_districts())
    categories = [c.code for c in catalogue.list_categories(scope.department)] if scope.department else None
    rows = ((row.day, row.key[0], row.counters) for row in tallies.rows(View.DISTRICT, when.first, when.last, cost))
    table = reports.district_table(rows, codes, categories)
    return {"from": when.first.isoformat(), "to": when.last.isoformat(), "districts": table}


def officers_report(
    caller: Principal, department: str | None, district: str | None, when: Period, cost: ReadCost | None = None
) -> dict[str, Any]:
    """A supervisor's own seat; a department head's department (or one district of it);
    the state cell names the department."""
    scope = scope_of(caller, department)
    district = _district_of(caller, district)
    if scope.department is None:
        raise InvalidInput("department: name the department whose officers to report on.", field="department")
    if district is not None:
        team = officers.officers_in(scope.department, district)
    else:
        team = officers.list_officers(scope.department)
    names = {o.officer_id: o.name for o in team if o.role is Role.OFFICER or o.role is Role.SUPERVISOR}
    loads = {officer: load for officer, (load, _) in case_store.open_loads(list(names)).items()} if names else {}
    rows = (
        (row.key[2], row.counters)
        for row in tallies.rows(View.OFFICER, when.first, when.last, cost, department=scope.department)
        if _in_scope(View.OFFICER, row.key, scope.department, district)
    )
    return {
        "from": when.first.isoformat(),
        "to": when.last.isoformat(),
        "department": scope.department,
        "district": district,
        "officers": reports.officer_table(rows, loads, names),
    }


EXPORTS = ("departments", "districts", "officers")


def export_csv(
    caller: Principal, report: str, department: str | None, district: str | None, when: Period
) -> Iterator[str]:
    """The report's daily rows as CSV lines: one per day and row, every counter a column.
    Scoped as the report is: a department's staff get their department's rows (of a
    district row, their categories' counts), a supervisor's officers their own seat."""
    if report not in EXPORTS:
        raise InvalidInput(f"report: one of {', '.join(EXPORTS)}.", field="report")
    scope = scope_of(caller, department)
    district = _district_of(caller, district)
    view = {"departments": View.DEPARTMENT, "districts": View.DISTRICT, "officers": View.OFFICER}[report]
    key_columns = {
        "departments": ["department"],
        "districts": ["district"],
        "officers": ["department", "district", "officer_id"],
    }[report]
    if view is View.OFFICER and scope.department is None:
        raise InvalidInput("department: name the department whose officers to export.", field="department")
    allowed = None
    if view is View.DISTRICT and scope.department:
        allowed = {c.code for c in catalogue.list_categories(scope.department)}
    daily: dict[tuple[date, tuple[str, ...]], list[dict[str, int]]] = {}
    for row in tallies.rows(view, when.first, when.last, department=scope.department):
        if not _in_scope(view, row.key, scope.department, district):
            continue
        counters = row.counters if allowed is None else _only_categories(row.counters, allowed)
        daily.setdefault((row.day, row.key), []).append(counters)
    summed = {key: add_up(parts) for key, parts in sorted(daily.items())}
    summed = {key: counters for key, counters in summed.items() if any(counters.values())}
    columns = sorted({name for counters in summed.values() for name in counters})
    yield _line(["day", *key_columns, *columns])
    for (day, key), counters in summed.items():
        yield _line([day.isoformat(), *key, *(str(counters.get(name, 0)) for name in columns)])


def _district_of(caller: Principal, district: str | None) -> str | None:
    """A supervisor's own district (another is refused); anyone's named one, if it exists."""
    if caller.role is Role.SUPERVISOR:
        if district is not None and district != caller.district:
            raise Forbidden("district: outside your jurisdiction.", code="outside_jurisdiction")
        return caller.district
    if district is not None and catalogue.get_district(district) is None:
        raise InvalidInput(f"district: no district {district!r}.", field="district")
    return district


def _in_scope(view: View, key: tuple[str, ...], department: str | None, district: str | None) -> bool:
    match view:
        case View.DEPARTMENT:
            return department is None or key[0] == department
        case View.DISTRICT:
            return district is None or key[0] == district
        case _:  # OFFICER: (department, district, officer)
            return (department is None or key[0] == department) and (district is None or key[1] == district)


def _only_categories(counters: dict[str, int], allowed: set[str]) -> dict[str, int]:
    """A department's view of a district row: its categories' counts only."""
    return {name: value for name, value in counters.items() if name.partition(".")[2] in allowed}


def _line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def public_performance(months: int = reports.PUBLIC_MONTHS, language: str = "en") -> dict[str, Any]:
    """Per department and district: filed, resolved, on time, median days, average rating,
    over the last `months` whole calendar months. Kept for 5 minutes per warm process (at
    most one answer per months × language): the page is public and its figures move by the
    month."""
    when = reports.whole_months(months, today())
    key = (f"{when.first}/{when.last}", language)
    kept = _public.get(key)
    if kept and time.monotonic() - kept[0] < PUBLIC_CACHE_SECONDS:
        return kept[1]
    departments = {d.code: localized(d.names, language) for d in catalogue.list_departments()}
    districts = {d.code: localized(d.names, language) for d in catalogue.list_districts()}
    by_department: dict[str, list[dict[str, int]]] = {}
    for row in tallies.rows(View.DEPARTMENT, when.first, when.last):
        by_department.setdefault(row.key[0], []).append(row.counters)
    by_district: dict[str, list[dict[str, int]]] = {}
    for row in tallies.rows(View.DISTRICT, when.first, when.last):
        by_district.setdefault(row.key[0], []).append(row.counters)
    department_rows = []
    for code, name in sorted(departments.items()):
        counters = add_up(by_department.get(code, []))
        department_rows.append(reports.public_row(code, name, counters, counters.get("received", 0)))
    district_rows = []
    for code, name in sorted(districts.items()):
        counters = add_up(by_district.get(code, []))
        district_rows.append(reports.public_row(code, name, counters, counters.get("filed", 0)))
    shown = {
        "from": when.first.isoformat(),
        "to": when.last.isoformat(),
        "months": months,
        "minimum_shown": reports.PUBLIC_MINIMUM,
        "departments": department_rows,
        "districts": district_rows,
    }
    for stale in [k for k in _public if k[0] != key[0]]:  # a new month: the old answers go
        del _public[stale]
    _public[key] = (time.monotonic(), shown)
    return shown


def forget_public_figures() -> None:
    _public.clear()


FOLD_DAYS = 7  # the days before today the daily run folds (a fold of a folded day does nothing)


def fold_past_days() -> int:
    """Fold the shards of the last week's days: a late event or a failed fold gets 7 chances."""
    last = today() - timedelta(days=1)
    return sum(tallies.fold_day(last - timedelta(days=n)) for n in range(FOLD_DAYS))
