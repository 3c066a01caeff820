"""The partitions a member of staff's list reads: their jurisdiction, narrowed as they ask."""

from __future__ import annotations

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.jurisdiction import Partition, partitions_for
from chalicelib.models import catalogue


def partitions(caller: Principal, department: str | None, district: str | None) -> list[Partition]:
    """Refused (403) outside the caller's jurisdiction; an unknown department or district is
    a 422 naming it, so a typo does not look like "nothing here". Checked against the warm
    process's copy of the catalogue (a minute old at most): a list reads only its cases."""
    if department is not None and catalogue.lookup_department(department) is None:
        raise InvalidInput(f"department: no department {department!r}.", field="department")
    if district is not None and catalogue.lookup_district(district) is None:
        raise InvalidInput(f"district: no district {district!r}.", field="district")
    wide = caller.role is Role.STATE_ADMIN and department is None
    departments = catalogue.lookup_department_codes() if wide else []
    return partitions_for(caller, department, district, departments)
