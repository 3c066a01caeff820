"""Officers: department staff at every escalation level, and the state cell.

`jurisdiction` (`DEPARTMENT#DISTRICT`) is what routing asks for: "the active officers of
water supply in Khordha" is one Query on `jurisdiction-index`. Every staff request reads the
officer together with their login in one BatchGetItem (`officer_read`, `sessions.login_read`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.admin import AdministrativeAct
from chalicelib.domain.errors import Conflict
from chalicelib.domain.identity import Officer, Role, claim_key
from chalicelib.models import admin_trail
from chalicelib.models.base import ItemRead, TableName, failed_condition
from chalicelib.models.citizens import IdentityClaim, raise_conflict_for
from chalicelib.resource_names import Table


class JurisdictionIndex(GlobalSecondaryIndex["OfficerRecord"]):
    class Meta:
        index_name = "jurisdiction-index"
        projection = AllProjection()

    jurisdiction = UnicodeAttribute(hash_key=True)
    officer_id = UnicodeAttribute(range_key=True)


class OfficerDepartmentIndex(GlobalSecondaryIndex["OfficerRecord"]):
    class Meta:
        index_name = "department-index"
        projection = AllProjection()

    department = UnicodeAttribute(hash_key=True)
    officer_id = UnicodeAttribute(range_key=True)


class OfficerRecord(Model):
    class Meta:
        table_name = TableName(Table.OFFICERS)

    officer_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    role = UnicodeAttribute()  # officer | supervisor | department_head | state_admin
    department = UnicodeAttribute(null=True)
    district = UnicodeAttribute(null=True)
    jurisdiction = UnicodeAttribute()
    mobile = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    # Set by whoever chose the password for them (the state cell); cleared when they change it.
    password_temporary = BooleanAttribute(default=False)
    language = UnicodeAttribute(null=True)  # staff messages; English when unset
    active = BooleanAttribute(default=True)
    deactivated_by = UnicodeAttribute(null=True)  # the role that switched the account off
    placed_by = UnicodeAttribute(null=True)  # the role that last re-posted them (none: as created)
    open_load = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    version = VersionAttribute()

    by_jurisdiction = JurisdictionIndex()
    by_department = OfficerDepartmentIndex()


@dataclass(frozen=True)
class NewOfficer:
    officer_id: str
    name: str
    role: str
    department: str | None
    district: str | None
    mobile: str
    email: str
    password_hash: str
    password_temporary: bool = False
    language: str | None = None


def jurisdiction_of(department: str | None, district: str | None) -> str:
    """`WATER#KHORDHA` for district staff, `WATER#ALL` for a department head, `STATE#ALL`
    for the state cell: every seat routing and escalation look for is one key."""
    return f"{department or 'STATE'}#{district or 'ALL'}"


def officers_in(department: str | None, district: str | None) -> list[Officer]:
    """Every officer seated in one jurisdiction (all levels there). One Query."""
    return [_to_officer(r) for r in OfficerRecord.by_jurisdiction.query(jurisdiction_of(department, district))]


def save_officers(officers: Iterable[NewOfficer], *, now_utc: datetime) -> int:
    """Write officers and their login claims (mobile, email) in batches."""
    count = 0
    with OfficerRecord.batch_write() as records, IdentityClaim.batch_write() as claims:
        for officer in officers:
            record = _record_of(officer, now_utc)
            record.version = 1
            records.save(record)
            for claim in _claims_of(officer):
                claims.save(claim)
            count += 1
    return count


def _claims_of(officer: NewOfficer) -> list[IdentityClaim]:
    return [
        IdentityClaim(claim_key("officer", attribute, value), owner_id=officer.officer_id, owner_kind="officer")
        for attribute, value in (("mobile", officer.mobile), ("email", officer.email))
    ]


def _record_of(officer: NewOfficer, now_utc: datetime) -> OfficerRecord:
    return OfficerRecord(
        officer.officer_id,
        name=officer.name,
        role=officer.role,
        department=officer.department,
        district=officer.district,
        jurisdiction=jurisdiction_of(officer.department, officer.district),
        mobile=officer.mobile,
        email=officer.email,
        password_hash=officer.password_hash,
        password_temporary=officer.password_temporary,
        language=officer.language,
        created_at=now_utc,
    )


def create_officer(officer: NewOfficer, *, now_utc: datetime, acts: Sequence[AdministrativeAct] = ()) -> Officer:
    """One new officer with their login claims and the administrative acts recording the
    appointment, all or nothing; Conflict names the field (`mobile` or `email`) another
    account already uses."""
    record = _record_of(officer, now_utc)
    claims = _claims_of(officer)

    def appoint(transaction: TransactWrite) -> None:
        transaction.save(record, condition=OfficerRecord.officer_id.does_not_exist())
        for claim in claims:
            transaction.save(claim, condition=IdentityClaim.claim.does_not_exist())

    try:
        admin_trail.record(acts, appoint)
    except Conflict:
        _name_the_taken_claim(claims)
        raise
    except TransactWriteError as error:
        raise_conflict_for(error, [])  # another transaction held a claim at that instant
    record.version = 1
    return _to_officer(record)


def _name_the_taken_claim(claims: list[IdentityClaim]) -> None:
    """After a refused appointment: which login name was taken (the transaction says only
    that one of its conditions failed)."""
    for claim, field in zip(claims, ("mobile", "email"), strict=True):
        try:
            IdentityClaim.get(claim.claim, consistent_read=True)
        except IdentityClaim.DoesNotExist:
            continue
        raise Conflict(f"{field}: already registered.", field=field)


def get_officer(officer_id: str) -> Officer | None:
    try:
        return _to_officer(OfficerRecord.get(officer_id, consistent_read=True))
    except OfficerRecord.DoesNotExist:
        return None


def officer_read(officer_id: str) -> ItemRead[Officer | None]:
    """The officer (None: no such officer), as a read that can share its call with others:
    a staff request's login check reads the officer and the login together."""
    return ItemRead(OfficerRecord, officer_id, lambda record: _to_officer(record) if record else None)


def list_officers(department: str) -> list[Officer]:
    """Every officer of a department, across its districts and levels. One Query."""
    return [_to_officer(record) for record in OfficerRecord.by_department.query(department)]


def get_officer_placement(officer_id: str) -> tuple[Officer, Role | None] | None:
    """The officer, with the role that last re-posted them (None: never re-posted)."""
    try:
        record = OfficerRecord.get(officer_id, consistent_read=True)
    except OfficerRecord.DoesNotExist:
        return None
    return _to_officer(record), Role(record.placed_by) if record.placed_by else None


@dataclass(frozen=True)
class OfficerChange:
    """An officer's standing and posting after a change, and who made it (`by`)."""

    active: bool
    role: Role
    department: str | None
    district: str | None
    by: Role
    # Whether this change switched the account off (`deactivated_by` becomes `by`) or on.
    switched: bool
    reposted: bool


def change_officer(
    officer_id: str, expected_version: int, change: OfficerChange, acts: Sequence[AdministrativeAct]
) -> Officer:
    """Write `change` and the administrative acts recording it in one transaction, guarded
    by the version read (Conflict when someone changed the officer meanwhile). A re-posting
    moves the officer's seat key (`jurisdiction`) with them."""
    record = OfficerRecord(officer_id, version=expected_version)
    actions: list[Any] = [
        OfficerRecord.active.set(change.active),
        OfficerRecord.role.set(change.role.value),
        OfficerRecord.jurisdiction.set(jurisdiction_of(change.department, change.district)),
        OfficerRecord.department.set(change.department) if change.department else OfficerRecord.department.remove(),
        OfficerRecord.district.set(change.district) if change.district else OfficerRecord.district.remove(),
    ]
    if change.switched:
        who = OfficerRecord.deactivated_by
        actions.append(who.remove() if change.active else who.set(change.by.value))
    if change.reposted:
        actions.append(OfficerRecord.placed_by.set(change.by.value))

    def write(transaction: TransactWrite) -> None:
        # A fresh list on each try (see admin_trail.record).
        transaction.update(record, actions=list(actions), condition=OfficerRecord.officer_id.exists())

    try:
        admin_trail.record(acts, write)
    except TransactWriteError as error:
        raise_conflict_for(error, [])  # another transaction held the officer at that instant
    updated = get_officer(officer_id)
    if updated is None:  # pragma: no cover - the write's condition says it exists
        raise Conflict("The officer was removed meanwhile.")
    return updated


def _to_officer(record: OfficerRecord) -> Officer:
    return Officer(
        officer_id=record.officer_id,
        name=record.name,
        role=Role(record.role),
        department=record.department,
        district=record.district,
        mobile=record.mobile,
        email=record.email,
        password_hash=record.password_hash,
        password_temporary=bool(record.password_temporary),
        language=record.language or "en",
        active=bool(record.active),
        deactivated_by=Role(record.deactivated_by) if record.deactivated_by else None,
        version=int(record.version or 0),
    )


def update_officer_password(officer_id: str, expected_version: int, password_hash: str, *, temporary: bool) -> None:
    """A new password hash: `temporary` when someone other than the officer chose it."""
    record = OfficerRecord(officer_id, version=expected_version)
    try:
        record.update(
            actions=[OfficerRecord.password_hash.set(password_hash), OfficerRecord.password_temporary.set(temporary)]
        )
    except UpdateError as error:
        if failed_condition(error):
            raise Conflict("The account was changed by someone else; try again.") from None
        raise
