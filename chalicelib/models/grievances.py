"""Grievances and service applications: the records citizens and officers both change.

Both carry a `version` so that two officers acting at once cannot both win: PynamoDB
adds the version condition to every save and update, and the loser gets a conflict.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.models.base import TableName


class CitizenIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "citizen-index"
        projection = AllProjection()

    citizen_id = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class AssigneeIndex(GlobalSecondaryIndex[Any]):
    """An officer's queue, most urgent first."""

    class Meta:
        index_name = "assignee-index"
        projection = AllProjection()

    assignee_id = UnicodeAttribute(hash_key=True)
    due_at = UnicodeAttribute(range_key=True)


class DepartmentIndex(GlobalSecondaryIndex[Any]):
    class Meta:
        index_name = "department-index"
        projection = AllProjection()

    department = UnicodeAttribute(hash_key=True)
    filed_at = UnicodeAttribute(range_key=True)


class GrievanceRecord(Model):
    class Meta:
        table_name = TableName("grievances")

    tracking_id = UnicodeAttribute(hash_key=True)
    citizen_id = UnicodeAttribute()
    category = UnicodeAttribute(null=True)
    department = UnicodeAttribute(null=True)
    district = UnicodeAttribute()
    location: MapAttribute[str, Any] = MapAttribute(default=dict)
    description = UnicodeAttribute()
    channel = UnicodeAttribute(default="web")
    status = UnicodeAttribute(default="registered")
    escalation_level = NumberAttribute(default=0)
    assignee_id = UnicodeAttribute(null=True)
    # ISO-8601 UTC strings: they sort as they compare, which the index range keys need.
    filed_at = UnicodeAttribute()
    due_at = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()

    by_citizen = CitizenIndex()
    by_assignee = AssigneeIndex()
    by_department = DepartmentIndex()


class ApplicationRecord(Model):
    class Meta:
        table_name = TableName("applications")

    tracking_id = UnicodeAttribute(hash_key=True)
    citizen_id = UnicodeAttribute()
    service_code = UnicodeAttribute()
    form_version = NumberAttribute(default=1)
    fields: MapAttribute[str, Any] = MapAttribute(default=dict)
    department = UnicodeAttribute()
    district = UnicodeAttribute()
    status = UnicodeAttribute(default="submitted")
    assignee_id = UnicodeAttribute(null=True)
    filed_at = UnicodeAttribute()
    due_at = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    version = VersionAttribute()

    by_citizen = CitizenIndex()
    by_assignee = AssigneeIndex()
    by_department = DepartmentIndex()
