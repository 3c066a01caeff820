"""Reading applications: a citizen's list, one application with its stage timeline and what
comes next, an officer's queue by stage and overdue, and links to its documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.clock import utc_now
from chalicelib.domain.access import visible_entries
from chalicelib.domain.application import Application, Stage
from chalicelib.domain.audit import first_broken_entry
from chalicelib.domain.errors import NotFound
from chalicelib.domain.identity import Principal
from chalicelib.models import applications, audit_trail
from chalicelib.models.case_store import Page
from chalicelib.services import staff_jurisdiction
from chalicelib.services.visible_cases import visible_application
from chalicelib.storage import documents as storage


def list_mine(principal: Principal, *, limit: int, cursor: str | None) -> Page[Application]:
    return applications.citizen_applications(principal.subject_id, limit=limit, cursor=cursor)


def get_one(principal: Principal, tracking_id: str) -> tuple[Application, list[dict[str, Any]], bool]:
    """The application, its timeline as this caller may see it (citizens: no internal notes,
    no officers' ids, as for grievances), and whether its audit chain holds."""
    application = visible_application(principal, tracking_id)
    entries = audit_trail.history(tracking_id)
    intact = first_broken_entry(tracking_id, entries, application.audit_seq, application.audit_hash) is None
    return application, visible_entries(principal, entries), intact


def officer_queue(
    principal: Principal,
    *,
    stage: Stage | None,
    overdue: bool,
    limit: int,
    cursor: str | None,
    now: datetime | None = None,
) -> Page[Application]:
    """The caller's own open applications, most urgent first."""
    due_before = (now or utc_now()) if overdue else None
    return applications.officer_queue(
        principal.subject_id, due_before=due_before, stage=stage, limit=limit, cursor=cursor
    )


def jurisdiction(
    principal: Principal,
    *,
    department: str | None,
    district: str | None,
    service_code: str | None,
    stage: Stage | None,
    overdue: bool,
    limit: int,
    cursor: str | None,
    now: datetime | None = None,
) -> Page[Application]:
    """The applications of the caller's jurisdiction, newest first, narrowed as asked."""
    return applications.jurisdiction_page(
        staff_jurisdiction.partitions(principal, department, district),
        service_code=service_code,
        stage=stage,
        due_before=(now or utc_now()) if overdue else None,
        limit=limit,
        cursor=cursor,
    )


def document_link(principal: Principal, tracking_id: str, slot: str) -> dict[str, Any]:
    """A 5-minute link to one document, for the applicant and the handling department."""
    application = visible_application(principal, tracking_id)
    document = application.documents.get(slot)
    if document is None:
        raise NotFound(f"No document {slot!r} on this application.", field="slot")
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(document.content_type, "bin")
    return {
        "slot": slot,
        "url": storage.download_url(document.key, f"{tracking_id}-{slot}.{extension}"),
        "expires_in": storage.DOWNLOAD_SECONDS,
        "content_type": document.content_type,
        "size": document.size,
        "sha256": document.sha256,
    }
