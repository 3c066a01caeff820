"""The state cell and department heads keep the catalogue: departments and their services,
each service with its form (a JSON Schema) and its document slots.

A change to a service's form or slots makes a new form version; the one it replaces is
kept, because applications filed against it are still answered against it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain.catalogue import Department, DocumentSlot, Service
from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.domain.forms import check_form
from chalicelib.domain.identity import Principal, Role
from chalicelib.models import catalogue

logger = Logger(child=True)


@dataclass(frozen=True)
class ServiceChanges:
    department: str
    names: dict[str, str]
    sla_days: int
    form: dict[str, Any]
    description: dict[str, str]
    eligibility: dict[str, str]
    keywords: dict[str, list[str]]
    fee_inr: int
    documents: list[DocumentSlot]


def put_department(caller: Principal, code: str, names: dict[str, str], description: dict[str, str]) -> Department:
    """Create or rename a department (the state cell only)."""
    if caller.role is not Role.STATE_ADMIN:
        raise Forbidden("Only the state cell changes departments.")
    _require_english(names, "names")
    department = Department(code=code, names=names, description=description)
    catalogue.save_department(department)
    logger.info("department saved", extra={"department": code, "by": caller.subject_id})
    return department


def put_service(caller: Principal, code: str, changes: ServiceChanges) -> Service:
    """Create or change a service. A department head may only touch their own department's
    services and may not move one to another department."""
    current = catalogue.get_service(code)
    _require_may_edit(caller, changes.department, current)
    if catalogue.get_department(changes.department) is None:
        raise InvalidInput(f"department: no department {changes.department!r}.", field="department")
    _require_english(changes.names, "names")
    check_form(changes.form)
    slots = [slot.slot for slot in changes.documents]
    if len(set(slots)) != len(slots):
        raise InvalidInput("documents: each slot appears once.", field="documents")
    service = Service(
        code=code,
        department=changes.department,
        names=changes.names,
        sla_days=changes.sla_days,
        description=changes.description,
        eligibility=changes.eligibility,
        keywords=changes.keywords,
        fee_inr=changes.fee_inr,
        form=changes.form,
        documents=tuple(changes.documents),
    )
    if current is not None:
        form_changed = (current.form, current.documents) != (service.form, service.documents)
        service = replace(
            service,
            form_version=current.form_version + (1 if form_changed else 0),
            revision=current.revision + 1,
        )
    catalogue.save_service(service, current)
    logger.info("service saved", extra={"service": code, "form_version": service.form_version, "by": caller.subject_id})
    return service


def _require_may_edit(caller: Principal, department: str, current: Service | None) -> None:
    if caller.role is Role.STATE_ADMIN:
        return
    if caller.role is not Role.DEPARTMENT_HEAD:
        raise Forbidden("Only the state cell and department heads change services.")
    if current is not None and current.department != caller.department:
        raise Forbidden("A department head changes their own department's services only.")
    if department != caller.department:
        raise Forbidden("Only the state cell puts a service in another department.")


def _require_english(names: dict[str, str], field: str) -> None:
    if not names.get("en", "").strip():
        raise InvalidInput(f"{field}.en: every catalogue name has an English version.", field=f"{field}.en")
