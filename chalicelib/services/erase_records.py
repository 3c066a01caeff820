"""Erase a citizen's personal data from their grievances and applications (what goes and
what stays, and why: domain/erasure.py), and every stored version of their documents.

Each case is erased in one transaction that redacts the record and appends the erasure to
its audit trail; only then are the citizen's notes removed from the trail and the
documents deleted from S3. Every step can run again: a case whose trail already holds the
erasure is not redacted twice, but its notes and documents are looked for again, so a run
cut short is finished by the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

from chalicelib.domain import erasure
from chalicelib.domain.application import Application
from chalicelib.domain.errors import Conflict
from chalicelib.domain.grievance import Grievance
from chalicelib.models import applications, audit_trail, grievances
from chalicelib.models.case_store import Page
from chalicelib.services.dispatch import hand_over
from chalicelib.storage import documents as storage

logger = Logger(child=True)

KINDS = ("grievance_descriptions", "grievance_locations", "application_fields", "documents", "citizen_notes")
PAGE = 100
ATTEMPTS = 3  # an officer acting on the case at the same instant: read again and redo
Case = TypeVar("Case", Grievance, Application)


def erase_cases_of(citizen_id: str, now: datetime) -> list[str]:
    """Erase the personal data of every grievance and application `citizen_id` filed, and
    every version of their uploads and documents. Returns the kinds of personal data erased
    (those the citizen's cases held, of KINDS), the same when run again. One Query per page
    of cases; Conflict (409) when a case kept changing under it, and a retry finishes."""
    erased: set[str] = set()
    for grievance in _cases(lambda cursor: _grievance_page(citizen_id, cursor)):
        erased |= _erase_case(grievance, citizen_id, now, grievances.get_grievance, _erase_grievance)
    for application in _cases(lambda cursor: _application_page(citizen_id, cursor)):
        erased |= _erase_case(application, citizen_id, now, applications.get_application, _erase_application)
        if storage.erase_everything_under(storage.application_prefix(application.tracking_id)):
            erased.add("documents")
    if storage.erase_everything_under(storage.uploads_prefix(citizen_id)):
        erased.add("documents")
    logger.info("cases erased", extra={"citizen_id": citizen_id, "erased": sorted(erased)})
    return [kind for kind in KINDS if kind in erased]


def _erase_case(
    listed: Case,
    citizen_id: str,
    now: datetime,
    read: Callable[[str], Case | None],
    redact: Callable[[Case, dict[str, str], datetime], dict[str, Any]],
) -> set[str]:
    """Erase one case, as listed by the index; read afresh only when it changed meanwhile
    (the version-guarded save refuses a stale copy, so the listed one is safe to try)."""
    tracking_id = listed.tracking_id
    case: Case | None = listed
    for attempt in range(ATTEMPTS):
        if attempt:
            case = read(tracking_id)
        if case is None:  # listed by the index, gone from the table: nothing left to erase
            return set()
        entries = audit_trail.history(tracking_id)
        done = erasure.erased_before(entries)
        if done is None:
            try:
                done = redact(case, erasure.citizen_notes(entries, citizen_id), now)
            except Conflict:
                continue
        still_written = {e["seq"] for e in entries if e.get("note") is not None}
        audit_trail.erase_notes(tracking_id, [int(seq) for seq in done["erased_notes"] if int(seq) in still_written])
        return set(done["erased"])
    raise Conflict("A case was being changed while it was erased; try again.")


def _erase_grievance(grievance: Grievance, notes: dict[str, str], now: datetime) -> dict[str, Any]:
    change = erasure.erase_grievance(grievance, notes, now)
    saved = grievances.save_change(grievance, change, now)
    hand_over(saved, change.events, saved.audit_seq)
    return change.events[0].details


def _erase_application(application: Application, notes: dict[str, str], now: datetime) -> dict[str, Any]:
    change = erasure.erase_application(application, notes, now)
    saved = applications.save_change(application, change, now)
    hand_over(saved, change.events, saved.audit_seq)
    return change.events[0].details


def _cases(page: Callable[[str | None], Page[Case]]) -> Iterator[Case]:
    cursor: str | None = None
    while True:
        found = page(cursor)
        yield from found.cases
        cursor = found.cursor
        if cursor is None:
            return


def _grievance_page(citizen_id: str, cursor: str | None) -> Page[Grievance]:
    return grievances.citizen_grievances(citizen_id, limit=PAGE, cursor=cursor)


def _application_page(citizen_id: str, cursor: str | None) -> Page[Application]:
    return applications.citizen_applications(citizen_id, limit=PAGE, cursor=cursor)
