"""Officers and applicants moving an application through its stages.

Each action reads the application, checks the caller may see it (else 404, like a missing
one), checks what the citizen sends against the form version the application was filed
against, applies the pure transition and saves it guarded by the version read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from chalicelib.clock import utc_now
from chalicelib.domain import application as stages
from chalicelib.domain.application import Action, Application, Document
from chalicelib.domain.catalogue import Service
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.forms import validate_fields
from chalicelib.domain.identity import Principal
from chalicelib.models import applications, catalogue
from chalicelib.services.application_documents import attach_documents
from chalicelib.services.dispatch import hand_over
from chalicelib.services.sla_clock import current_clock
from chalicelib.services.visible_cases import visible_application


@dataclass(frozen=True)
class ApplicationAction:
    action: Action
    note: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # the citizen's answers
    documents: dict[str, str] = field(default_factory=dict)  # slot -> upload id (the citizen's)
    requested_fields: tuple[str, ...] = ()  # what an officer asks for
    requested_documents: tuple[str, ...] = ()


def service_of(application: Application) -> Service:
    """The service as it was when the application was filed (its form version)."""
    service = catalogue.get_service_version(application.service_code, application.form_version)
    if service is None:
        raise RuntimeError(f"{application.service_code} v{application.form_version} is missing from the catalogue")
    return service


def act(principal: Principal, tracking_id: str, request: ApplicationAction, now: datetime | None = None) -> Application:
    now = now or utc_now()
    before = visible_application(principal, tracking_id)
    stages.require_may_act(principal, before, request.action)
    answers, documents = _citizen_input(principal, before, request, now)
    requested_fields, requested_documents = _requested(before, request)
    change = stages.act(
        before,
        principal,
        request.action,
        note=request.note,
        clock=current_clock(),
        now=now,
        requested_fields=requested_fields,
        requested_documents=requested_documents,
        answers=answers,
        documents=documents,
    )
    saved = applications.save_change(before, change, now)
    hand_over(saved, change.events, saved.audit_seq)
    return saved


def _citizen_input(
    principal: Principal, application: Application, request: ApplicationAction, now: datetime
) -> tuple[dict[str, Any], dict[str, Document]]:
    if request.action is not Action.PROVIDE_INFO:
        if request.fields or request.documents:
            raise InvalidInput("fields: only the applicant's answer (provide_info) carries fields.", field="fields")
        return {}, {}
    stages.check_answer(application, request.note, set(request.fields), set(request.documents))
    service = service_of(application)
    answers = validate_fields(service.form, request.fields, partial=True) if request.fields else {}
    documents = attach_documents(principal, service, application.tracking_id, request.documents, now)
    return answers, documents


def _requested(application: Application, request: ApplicationAction) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What an officer asks the citizen for must be fields and slots of the application's form."""
    if request.action is not Action.REQUEST_INFO:
        return (), ()
    service = service_of(application)
    for name in request.requested_fields:
        if name not in service.form.get("properties", {}):
            raise InvalidInput(f"request.fields: {name!r} is not a field of the form.", field="request.fields")
    for slot in request.requested_documents:
        if service.slot(slot) is None:
            raise InvalidInput(f"request.documents: {slot!r} is not a document slot.", field="request.documents")
    return request.requested_fields, request.requested_documents
