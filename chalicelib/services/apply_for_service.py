"""A citizen applies for a service: the form is checked against the service's schema, the
documents against its slots, the application is routed to the least-loaded officer of the
department in the applicant's district and saved with its first audit entry in one
transaction — then the citizen and the officer are told.

Documents are uploaded first (`request_upload` → a presigned POST straight to S3) and named
in the application by their upload id; a retry with the same Idempotency-Key gets the first
answer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.application import Application, new_application_id, sla_seconds_for, submit
from chalicelib.domain.catalogue import Service
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.forms import validate_fields
from chalicelib.domain.identity import Principal
from chalicelib.ids import new_id
from chalicelib.models import applications, catalogue, citizens
from chalicelib.models.case_store import KeyTaken
from chalicelib.services import limits
from chalicelib.services.application_documents import as_documents, discard_documents, file_documents
from chalicelib.services.dispatch import hand_over
from chalicelib.services.grievance_owners import find_owner
from chalicelib.services.idempotency import run_once
from chalicelib.services.sla_clock import current_clock
from chalicelib.storage import documents as storage

logger = Logger(child=True)


@dataclass(frozen=True)
class UploadSlot:
    upload_id: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_in: int


@dataclass(frozen=True)
class NewApplication:
    service_code: str
    fields: dict[str, Any]
    documents: dict[str, str]  # slot -> upload id
    district: str | None = None


def request_upload(
    citizen: Principal, service_code: str, slot: str, content_type: str, now: datetime | None = None
) -> UploadSlot:
    """Where to upload one document for one slot of a service (valid 15 minutes), at most
    `uploads_per_citizen` (60 an hour by default): each is up to 5 MB of the state's storage."""
    service = _service(service_code)
    if service.slot(slot) is None:
        known = ", ".join(s.slot for s in service.documents) or "none"
        raise InvalidInput(f"slot: {service_code} takes no document {slot!r} (slots: {known}).", field="slot")
    if content_type not in storage.CONTENT_TYPES:
        raise InvalidInput(f"content_type: one of {', '.join(storage.CONTENT_TYPES)}.", field="content_type")
    now = now or utc_now()
    limits.take("uploads_per_citizen", citizen.subject_id, now, "Too many uploads this hour; try again later.")
    upload_id = new_id("upl")
    form = storage.upload_form(storage.upload_key(citizen.subject_id, upload_id), content_type, storage.MAX_BYTES)
    return UploadSlot(upload_id, form.url, form.fields, storage.MAX_BYTES, storage.UPLOAD_SECONDS)


def apply(
    citizen: Principal, request: NewApplication, idempotency_key: str | None = None, lambda_context: Any = None
) -> Application:
    if not idempotency_key:
        return _apply(citizen, request)
    applied: list[Application] = []

    def work() -> dict[str, Any]:
        applied.append(_apply(citizen, request))
        return {"tracking_id": applied[0].tracking_id}

    answer = run_once("apply_for_service", citizen.subject_id, idempotency_key, request.__dict__, work, lambda_context)
    if applied:  # applied now: no need to read it back
        return applied[0]
    saved = applications.get_application(str(answer["tracking_id"]))  # a retry: the first answer's
    assert saved is not None, "an application answered once is stored"
    return saved


def _apply(citizen: Principal, request: NewApplication, now: datetime | None = None) -> Application:
    now = now or utc_now()
    service = _service(request.service_code, field="service_code")
    fields = validate_fields(service.form, request.fields)
    district = _district_of(citizen, request.district)
    missing = [slot.slot for slot in service.documents if slot.required and slot.slot not in request.documents]
    if missing:
        raise InvalidInput(f"documents.{missing[0]}: this document is required.", field=f"documents.{missing[0]}")
    owner = find_owner(0, service.department, district)
    clock = current_clock()
    for _ in range(3):  # a clash of random tracking ids is rare; try a fresh one
        tracking_id = new_application_id(get_settings().state_code, now)
        filed = file_documents(citizen, service, tracking_id, request.documents)
        application = Application(
            tracking_id=tracking_id,
            citizen_id=citizen.subject_id,
            service_code=service.code,
            form_version=service.form_version,
            department=service.department,
            district=district,
            fields=fields,
            documents=as_documents(filed, now),
            filed_at=now,
            assignee_id=owner,
            sla_seconds=sla_seconds_for(service.sla_days, clock),
        )
        change = submit(application, citizen, clock, now)
        try:
            saved = _save_new(change, now)
        except KeyTaken:  # another application's id: its copies go, filed again under the next
            discard_documents(filed.values())
            continue
        except Conflict:  # nothing was saved: no copy of an identity proof may outlive the 409
            discard_documents(filed.values())
            raise
        break
    else:
        raise RuntimeError("could not find a free tracking id")
    hand_over(saved, change.events, saved.audit_seq)
    logger.info("application submitted", extra={"tracking_id": saved.tracking_id, "service": service.code})
    return saved


def _save_new(change: Any, now: datetime) -> Application:
    """Save a new application; an officer's load counter held by another transaction at
    that instant is retried (nothing was written), a lasting clash is a 409 to retry."""
    for pause in (0.05, 0.2, 0.5):
        try:
            return applications.save_change(None, change, now)
        except KeyTaken:
            raise
        except Conflict:
            time.sleep(pause)
    return applications.save_change(None, change, now)


def _service(code: str, field: str = "service_code") -> Service:
    service = catalogue.get_service(code)
    if service is None:
        raise InvalidInput(f"{field}: no service {code!r} in this state's catalogue.", field=field)
    return service


def _district_of(citizen: Principal, district: str | None) -> str:
    """Where the applicant is served: the district asked for, else their address's."""
    if district is None:
        profile = citizens.get_citizen(citizen.subject_id)
        district = profile.address.district if profile and profile.address else None
    if district is None:
        raise InvalidInput("district: say which district you apply in (your profile has no address).", field="district")
    if catalogue.get_district(district) is None:
        raise InvalidInput(f"district: no district {district!r} in this state.", field="district")
    return district
