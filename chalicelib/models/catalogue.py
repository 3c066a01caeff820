"""The catalogue table: districts, departments, services and grievance categories.

One table, partitioned by kind, because every catalogue read is "all of one kind" (a
Query on `kind`) or "one by code" (a GetItem); services and categories of a department
come from the sparse `department-index`. Each item is stored whole as a JSON document
(`details`) beside the keys, so adding a field to a catalogue item needs no migration.

Checking a request against the catalogue (is this a district, a category?) reads a warm
process's copy (`lookup_district`, `lookup_category`), at most `LOOKUP_SECONDS` old: filing
is the busiest request and the catalogue changes a few times a year. An edit made in this
process is seen at once (every write here empties the copy); another warm process sees it
within the minute. Reads that an edit is conditioned on (`get_*`) always go to the table.
Edits import the administrative trail they record in when they run: a read (the public
catalogue, often a function's first request) never loads it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.catalogue import (
    CatalogueItem,
    Category,
    Department,
    DepartmentWebhook,
    District,
    Item,
    Service,
    from_document,
    to_document,
)
from chalicelib.models.base import ItemRead, TableName
from chalicelib.resource_names import Table

if TYPE_CHECKING:
    from chalicelib.domain.admin import AdministrativeAct

KINDS: dict[type[CatalogueItem], str] = {
    District: "DISTRICT",
    Department: "DEPARTMENT",
    Service: "SERVICE",
    Category: "CATEGORY",
}


class DepartmentIndex(GlobalSecondaryIndex["CatalogueEntry"]):
    class Meta:
        index_name = "department-index"
        projection = AllProjection()

    department = UnicodeAttribute(hash_key=True)
    kind_code = UnicodeAttribute(range_key=True)


class CatalogueEntry(Model):
    class Meta:
        table_name = TableName(Table.CATALOGUE)

    kind = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute(range_key=True)
    # Only services and categories belong to a department: the index stays sparse.
    department = UnicodeAttribute(null=True)
    kind_code = UnicodeAttribute(null=True)
    details = JSONAttribute()
    revision = NumberAttribute(null=True)  # what an edit is conditioned on (none: never edited)

    by_department = DepartmentIndex()


def _entry(item: CatalogueItem) -> CatalogueEntry:
    kind = KINDS[type(item)]
    department = getattr(item, "department", None)
    return CatalogueEntry(
        kind,
        item.code,
        department=department,
        kind_code=f"{kind}#{item.code}" if department else None,
        details=to_document(item),
        revision=item.revision,
    )


def save_catalogue(items: Iterable[CatalogueItem]) -> int:
    """Write catalogue items in batches; returns how many were written."""
    _forget_lookups()
    count = 0
    with CatalogueEntry.batch_write() as batch:
        for item in items:
            batch.save(_entry(item))
            count += 1
    return count


def list_districts() -> list[District]:
    return _list(District)


def get_district(code: str) -> District | None:
    return _get(District, code)


def list_departments() -> list[Department]:
    return _list(Department)


def get_department(code: str) -> Department | None:
    return _get(Department, code)


def list_services(department: str | None = None) -> list[Service]:
    return _list(Service, department)


def get_service(code: str) -> Service | None:
    return _get(Service, code)


SERVICE_VERSION = "SERVICE_VERSION"


def save_service(service: Service, replacing: Service | None, acts: Sequence[AdministrativeAct] = ()) -> None:
    """Write a service, and record `acts` with it; the version it replaces (when its form
    changed) is kept, so the applications filed against it can still be read and answered.
    Conflict when someone else changed the service since `replacing` was read."""
    from pynamodb.transactions import TransactWrite

    from chalicelib.models import admin_trail

    entry = _entry(service)
    _forget_lookups()

    def write(transaction: TransactWrite) -> None:
        if replacing is None:
            transaction.save(entry, condition=CatalogueEntry.code.does_not_exist())
            return
        # the stored revision is the one read, or someone else's edit came in between
        transaction.save(entry, condition=CatalogueEntry.revision == replacing.revision)
        if replacing.form_version != service.form_version:
            kept = CatalogueEntry(
                SERVICE_VERSION, f"{service.code}#{replacing.form_version}", details=to_document(replacing)
            )
            transaction.save(kept, condition=CatalogueEntry.code.does_not_exist())

    admin_trail.record(acts, write)


def get_service_version(code: str, form_version: int) -> Service | None:
    """The service as it was at `form_version` (the current one, or a kept earlier one)."""
    current = get_service(code)
    if current is not None and current.form_version == form_version:
        return current
    try:
        entry = CatalogueEntry.get(SERVICE_VERSION, f"{code}#{form_version}")
    except CatalogueEntry.DoesNotExist:
        return None
    return from_document(Service, entry.details)


def save_item(
    item: District | Department | Category,
    replacing: District | Department | Category | None,
    acts: Sequence[AdministrativeAct],
) -> None:
    """Write a district, a department or a category whole over `replacing` (None: a new
    one), recording `acts` with it. Conflict when someone else saved it since it was read."""
    from chalicelib.models import admin_trail

    entry = _entry(item)
    _forget_lookups()
    condition: Condition
    if replacing is None:
        condition = CatalogueEntry.code.does_not_exist()
    elif replacing.revision:
        condition = CatalogueEntry.revision == replacing.revision
    else:  # loaded before items had revisions, or never edited since
        condition = CatalogueEntry.revision.does_not_exist() | (CatalogueEntry.revision == 0)
    admin_trail.record(acts, lambda transaction: transaction.save(entry, condition=condition))


def list_categories(department: str | None = None) -> list[Category]:
    return _list(Category, department)


def get_category(code: str) -> Category | None:
    return _get(Category, code)


LOOKUP_SECONDS = 60.0
LOOKUPS_KEPT = 4096
_looked_up: dict[tuple[type[CatalogueItem], str], tuple[float, CatalogueItem | None]] = {}
_department_codes: tuple[float, list[str]] | None = None
# The dev server and the local consumers run requests on threads of one process.
_lookups_lock = threading.Lock()


def _forget_lookups() -> None:
    """After an edit in this process: its own next lookups read the edit back."""
    global _department_codes
    with _lookups_lock:
        _looked_up.clear()
        _department_codes = None


def lookup_district(code: str) -> District | None:
    """The district `code`, as this warm process last read it (at most a minute ago)."""
    return _lookup(District, code)


def lookup_department(code: str) -> Department | None:
    """The department `code`, as this warm process last read it (at most a minute ago)."""
    return _lookup(Department, code)


def lookup_department_codes() -> list[str]:
    """Every department's code, as this warm process last listed them (at most a minute ago):
    the state cell's lists across departments read one partition per department."""
    global _department_codes
    now = time.monotonic()
    if _department_codes is None or now - _department_codes[0] >= LOOKUP_SECONDS:
        _department_codes = (now, [department.code for department in list_departments()])
    return list(_department_codes[1])


def lookup_category(code: str) -> Category | None:
    """The grievance category `code`, as this warm process last read it (at most a minute ago)."""
    return _lookup(Category, code)


def _lookup(kind: type[Item], code: str) -> Item | None:
    # An unknown code is kept too: a client sending a wrong one again costs no read.
    now = time.monotonic()
    with _lookups_lock:
        kept = _looked_up.pop((kind, code), None)
        if kept is not None and now - kept[0] < LOOKUP_SECONDS:
            _looked_up[(kind, code)] = kept  # back in as the most recently used
            return kept[1]  # type: ignore[return-value]  # kept under its own kind
    item = _get(kind, code)
    with _lookups_lock:
        # Bounded: a flood of made-up codes pushes out the least recently used, never the
        # codes that real requests keep asking for.
        while len(_looked_up) >= LOOKUPS_KEPT:
            del _looked_up[next(iter(_looked_up))]
        _looked_up[(kind, code)] = (now, item)
    return item


def ping() -> None:
    """One cheap read that fails when the table cannot be reached."""
    _get(District, "-")


def _get(kind: type[Item], code: str) -> Item | None:
    try:
        entry = CatalogueEntry.get(KINDS[kind], code)
    except CatalogueEntry.DoesNotExist:
        return None
    return from_document(kind, entry.details)


def _list(kind: type[Item], department: str | None = None) -> list[Item]:
    """All items of a kind, sorted by code; only those of `department` when given."""
    name = KINDS[kind]
    if department is None:
        entries = CatalogueEntry.query(name)
    else:
        entries = CatalogueEntry.by_department.query(department, DepartmentIndex.kind_code.startswith(f"{name}#"))
    return [from_document(kind, entry.details) for entry in entries]


STATE = "STATE"
CALENDAR = "CALENDAR"


def save_state_calendar(document: dict[str, object], acts: Sequence[AdministrativeAct] = ()) -> None:
    """The state's working calendar (office hours, working days, holidays), as stored,
    recorded with `acts` (the demo seed records none)."""
    entry = CatalogueEntry(STATE, CALENDAR, details=document)
    if acts:
        from chalicelib.models import admin_trail

        admin_trail.record(acts, lambda transaction: transaction.save(entry))
    else:
        entry.save()


def get_state_calendar() -> dict[str, object]:
    """The stored calendar document; empty when the state has none (defaults apply)."""
    try:
        details = CatalogueEntry.get(STATE, CALENDAR).details
    except CatalogueEntry.DoesNotExist:
        return {}
    return dict(details) if isinstance(details, dict) else {}


WEBHOOK = "WEBHOOK"


def get_department_webhook(department: str) -> DepartmentWebhook | None:
    """Where a department's events are posted; kept apart from the public catalogue entry."""
    try:
        return _to_webhook(department, CatalogueEntry.get(WEBHOOK, department))
    except CatalogueEntry.DoesNotExist:
        return None


def department_webhook_read(department: str) -> ItemRead[DepartmentWebhook | None]:
    """The department's webhook (None: it has none), as a read that can share its call."""
    return ItemRead(
        CatalogueEntry, WEBHOOK, lambda entry: _to_webhook(department, entry) if entry else None, range_key=department
    )


def _to_webhook(department: str, entry: CatalogueEntry) -> DepartmentWebhook:
    details = entry.details
    return DepartmentWebhook(
        department=department,
        url=str(details["url"]),
        secret_version=int(details.get("secret_version", 1)),
        updated_at=str(details.get("updated_at", "")),
        updated_by=str(details.get("updated_by", "")),
    )


def save_department_webhook(webhook: DepartmentWebhook, acts: Sequence[AdministrativeAct] = ()) -> None:
    """Where a department's events go, recorded with `acts` (the demo seed records none)."""
    entry = CatalogueEntry(
        WEBHOOK,
        webhook.department,
        details={
            "url": webhook.url,
            "secret_version": webhook.secret_version,
            "updated_at": webhook.updated_at,
            "updated_by": webhook.updated_by,
        },
    )
    if acts:
        from chalicelib.models import admin_trail

        admin_trail.record(acts, lambda transaction: transaction.save(entry))
    else:
        entry.save()
