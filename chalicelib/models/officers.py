"""Officers: department staff at every escalation level, and the state cell.

`jurisdiction` (`DEPARTMENT#DISTRICT`) is what routing asks for: "the active officers of
water supply in Khordha" is one Query on `jurisdiction-index`. Every staff request reads the
officer together with their login in one BatchGetItem (`get_officer_and_login`).
"""

from __future__ import annotations

from collections.abc import Iterable
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

from chalicelib.domain.errors import Conflict, Unavailable
from chalicelib.domain.identity import Officer, Role, claim_key
from chalicelib.models import sessions
from chalicelib.models.base import TableName, failed_condition, shared_connection
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
    active = BooleanAttribute(default=True)
    deactivated_by = UnicodeAttribute(null=True)  # the role that switched the account off
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
        created_at=now_utc,
    )


def create_officer(officer: NewOfficer, *, now_utc: datetime) -> Officer:
    """One new officer with their login claims, all or nothing; Conflict names the field
    (`mobile` or `email`) another officer already uses."""
    record = _record_of(officer, now_utc)
    try:
        with TransactWrite(connection=shared_connection()) as transaction:
            transaction.save(record, condition=OfficerRecord.officer_id.does_not_exist())
            for claim in _claims_of(officer):
                transaction.save(claim, condition=IdentityClaim.claim.does_not_exist())
    except TransactWriteError as error:
        raise_conflict_for(error, [None, "mobile", "email"])
    record.version = 1
    return _to_officer(record)


def get_officer(officer_id: str) -> Officer | None:
    try:
        return _to_officer(OfficerRecord.get(officer_id, consistent_read=True))
    except OfficerRecord.DoesNotExist:
        return None


def get_officer_and_login(officer_id: str, login_id: str) -> tuple[Officer | None, bool]:
    """The officer, and whether their login `login_id` still stands: both consistent, in one
    BatchGetItem, so a staff request costs no more to check than the officer read alone."""
    officers_table, logins_table = OfficerRecord.Meta.table_name, sessions.RefreshSessionRecord.Meta.table_name
    request: dict[str, Any] = {
        officers_table: {"Keys": [{"officer_id": {"S": officer_id}}], "ConsistentRead": True},
        logins_table: {"Keys": [{"token_hash": {"S": sessions.login_key(login_id)}}], "ConsistentRead": True},
    }
    found: dict[str, Any] = {}
    for _ in range(4):  # keys left unprocessed (throttling) are asked for again
        answer = shared_connection().client.batch_get_item(RequestItems=request)
        found.update({table: items[0] for table, items in answer.get("Responses", {}).items() if items})
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            break
    else:
        raise Unavailable("The accounts table is busy; try again.")
    officer = _to_officer(OfficerRecord.from_raw_data(found[officers_table])) if officers_table in found else None
    login = sessions.RefreshSessionRecord.from_raw_data(found[logins_table]) if logins_table in found else None
    return officer, sessions.stands(login, officer_id)


def list_officers(department: str) -> list[Officer]:
    """Every officer of a department, across its districts and levels. One Query."""
    return [_to_officer(record) for record in OfficerRecord.by_department.query(department)]


def set_officer_active(officer_id: str, expected_version: int, active: bool, by: Role) -> Officer:
    """Switch an account on or off, remembering which role switched it off."""
    record = OfficerRecord(officer_id, version=expected_version)
    who = OfficerRecord.deactivated_by.remove() if active else OfficerRecord.deactivated_by.set(by.value)
    try:
        record.update(actions=[OfficerRecord.active.set(active), who], condition=OfficerRecord.officer_id.exists())
    except UpdateError as error:
        if failed_condition(error):
            raise Conflict("The officer was changed by someone else; read it again.") from None
        raise
    return _to_officer(record)


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
