"""Officers: department staff at every escalation level, and the state cell.

`jurisdiction` (`DEPARTMENT#DISTRICT`) is what routing asks for: "the active officers of
water supply in Khordha" is one Query on `jurisdiction-index`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.models.base import TableName
from chalicelib.models.citizens import IdentityClaim


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
        table_name = TableName("officers")

    officer_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    role = UnicodeAttribute()  # officer | supervisor | department_head | state_admin
    department = UnicodeAttribute(null=True)
    district = UnicodeAttribute(null=True)
    jurisdiction = UnicodeAttribute(null=True)
    mobile = UnicodeAttribute()
    email = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    active = BooleanAttribute(default=True)
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


def jurisdiction_of(department: str | None, district: str | None) -> str | None:
    if department and district:
        return f"{department}#{district}"
    return None


def save_officers(officers: Iterable[NewOfficer], *, now_utc: datetime) -> int:
    """Write officers and their login claims (mobile, email) in batches."""
    count = 0
    with OfficerRecord.batch_write() as records, IdentityClaim.batch_write() as claims:
        for officer in officers:
            records.save(
                OfficerRecord(
                    officer.officer_id,
                    name=officer.name,
                    role=officer.role,
                    department=officer.department,
                    district=officer.district,
                    jurisdiction=jurisdiction_of(officer.department, officer.district),
                    mobile=officer.mobile,
                    email=officer.email,
                    password_hash=officer.password_hash,
                    created_at=now_utc,
                    version=1,
                )
            )
            for claim in (f"mobile#{officer.mobile}", f"email#{officer.email}"):
                claims.save(IdentityClaim(claim, owner_id=officer.officer_id, owner_kind="officer"))
            count += 1
    return count
