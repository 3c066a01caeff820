"""The catalogue table: districts, departments, services and grievance categories.

One table, partitioned by kind, because every catalogue read is "all of one kind" (a
Query on `kind`) or "one by code" (a GetItem); services and categories of a department
come from the sparse `department-index`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.attributes import JSONAttribute, MapAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.catalogue import Category, Department, District, DocumentSlot, Service
from chalicelib.models.base import TableName

DISTRICT = "DISTRICT"
DEPARTMENT = "DEPARTMENT"
SERVICE = "SERVICE"
CATEGORY = "CATEGORY"

CatalogueItem = District | Department | Service | Category


class DepartmentIndex(GlobalSecondaryIndex["CatalogueEntry"]):
    class Meta:
        index_name = "department-index"
        projection = AllProjection()

    department = UnicodeAttribute(hash_key=True)
    kind_code = UnicodeAttribute(range_key=True)


class CatalogueEntry(Model):
    class Meta:
        table_name = TableName("catalogue")

    kind = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)
    names: MapAttribute[str, Any] = MapAttribute(default=dict)
    # Only services and categories belong to a department: the index stays sparse.
    department = UnicodeAttribute(null=True)
    kind_code = UnicodeAttribute(null=True)
    details = JSONAttribute(default=dict)

    by_department = DepartmentIndex()


def save_catalogue(items: Iterable[CatalogueItem]) -> int:
    """Write catalogue items in batches; returns how many were written."""
    count = 0
    with CatalogueEntry.batch_write() as batch:
        for item in items:
            batch.save(_to_entry(item))
            count += 1
    return count


def list_districts() -> list[District]:
    return [_to_district(entry) for entry in CatalogueEntry.query(DISTRICT)]


def get_district(code: str) -> District | None:
    entry = _get(DISTRICT, code)
    return _to_district(entry) if entry else None


def list_departments() -> list[Department]:
    return [_to_department(entry) for entry in CatalogueEntry.query(DEPARTMENT)]


def get_department(code: str) -> Department | None:
    entry = _get(DEPARTMENT, code)
    return _to_department(entry) if entry else None


def list_services(department: str | None = None) -> list[Service]:
    return [_to_service(entry) for entry in _query_kind(SERVICE, department)]


def get_service(code: str) -> Service | None:
    entry = _get(SERVICE, code)
    return _to_service(entry) if entry else None


def list_categories(department: str | None = None) -> list[Category]:
    return [_to_category(entry) for entry in _query_kind(CATEGORY, department)]


def get_category(code: str) -> Category | None:
    entry = _get(CATEGORY, code)
    return _to_category(entry) if entry else None


def ping() -> None:
    """One cheap read that fails when the table cannot be reached."""
    _get(DISTRICT, "-")


def _get(kind: str, code: str) -> CatalogueEntry | None:
    try:
        return CatalogueEntry.get(kind, code)
    except CatalogueEntry.DoesNotExist:
        return None


def _query_kind(kind: str, department: str | None) -> Iterable[CatalogueEntry]:
    if department is None:
        return CatalogueEntry.query(kind)
    return CatalogueEntry.by_department.query(department, DepartmentIndex.kind_code.startswith(f"{kind}#"))


def _to_entry(item: CatalogueItem) -> CatalogueEntry:
    kind, details = _kind_and_details(item)
    department = getattr(item, "department", None)
    return CatalogueEntry(
        kind,
        item.code,
        names=dict(item.names),
        department=department,
        kind_code=f"{kind}#{item.code}" if department else None,
        details=details,
    )


def _kind_and_details(item: CatalogueItem) -> tuple[str, dict[str, Any]]:
    if isinstance(item, District):
        return DISTRICT, {}
    if isinstance(item, Department):
        return DEPARTMENT, {"description": item.description}
    if isinstance(item, Service):
        return SERVICE, {
            "description": item.description,
            "eligibility": item.eligibility,
            "keywords": item.keywords,
            "fee_inr": item.fee_inr,
            "sla_days": item.sla_days,
            "form": item.form,
            "documents": [{"slot": doc.slot, "names": doc.names, "required": doc.required} for doc in item.documents],
        }
    return CATEGORY, {
        "sla_hours": item.sla_hours,
        "round_the_clock": item.round_the_clock,
        "keywords": item.keywords,
    }


def _names(entry: CatalogueEntry) -> dict[str, str]:
    return dict(entry.names.as_dict() if isinstance(entry.names, MapAttribute) else entry.names)


def _to_district(entry: CatalogueEntry) -> District:
    return District(code=entry.code, names=_names(entry))


def _to_department(entry: CatalogueEntry) -> Department:
    return Department(code=entry.code, names=_names(entry), description=entry.details.get("description", {}))


def _to_service(entry: CatalogueEntry) -> Service:
    details = entry.details
    return Service(
        code=entry.code,
        department=entry.department or "",
        names=_names(entry),
        sla_days=int(details["sla_days"]),
        description=details.get("description", {}),
        eligibility=details.get("eligibility", {}),
        keywords=details.get("keywords", {}),
        fee_inr=int(details.get("fee_inr", 0)),
        form=details.get("form", {}),
        documents=tuple(DocumentSlot(**doc) for doc in details.get("documents", [])),
    )


def _to_category(entry: CatalogueEntry) -> Category:
    details = entry.details
    return Category(
        code=entry.code,
        department=entry.department or "",
        names=_names(entry),
        sla_hours=int(details["sla_hours"]),
        round_the_clock=bool(details.get("round_the_clock", False)),
        keywords=details.get("keywords", {}),
    )
