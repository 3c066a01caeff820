"""Intake: a citizen files a grievance; it is durable (with its first audit entry) before
the 201, then handed to routing.

A retry with the same `Idempotency-Key` gets the first answer, kept in the same
transaction as the grievance (`idempotency.Once`): there is no moment in which the
grievance is saved and its answer not kept, so no crash or timeout can make a retry file it
twice. The same key with another body is refused. The same citizen filing the same category
in the same district within 7 days is linked to the open grievance, not doubled; other
citizens' open grievances of the category nearby are offered as "me too"
(services/support_offers.py). A citizen files at most `filings_per_citizen` new grievances a
day (10 unless the stage says otherwise), the slot taken in the same transaction; neither a
retry nor a duplicate link counts.

Warm, a filing costs the caller's login, one Query of the citizen's recent grievances
(duplicates), one of the area's (offers), the transaction, and the reactions' calls; the
catalogue is checked against the warm process's copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.grievance import Grievance, file, new_tracking_id
from chalicelib.domain.identity import Principal
from chalicelib.models import applications, catalogue, grievances
from chalicelib.models.base import Guard
from chalicelib.models.case_store import KeyTaken
from chalicelib.services import limits
from chalicelib.services.dispatch import hand_over
from chalicelib.services.idempotency import AnsweredBefore, Once, StillInProgress
from chalicelib.services.support_offers import offers_for

logger = Logger(child=True)

CHANNELS = (
    "web",
    "mobile_app",
    "sms",
    "email",
    "ivrs",
    "kiosk",
    "whatsapp",
    "portal",
    "helpline",
    "service_centre",
)
# Where staff file for a citizen who called or walked in (services/assisted_filing.py).
ASSISTED_CHANNELS = ("helpline", "service_centre")
DUPLICATE_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class NewGrievance:
    description: str
    district: str
    category: str | None = None
    ward: str | None = None
    lat: float | None = None
    lon: float | None = None
    channel: str = "web"
    application_id: str | None = None


@dataclass(frozen=True)
class Filed:
    tracking_id: str
    status: str
    duplicate: bool = False
    similar: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tracking_id": self.tracking_id,
            "status": self.status,
            "duplicate": self.duplicate,
            "similar": self.similar,
        }


def file_grievance(citizen: Principal, request: NewGrievance, idempotency_key: str | None = None) -> Filed:
    """File once per idempotency key; see the module docstring."""
    if request.channel in ASSISTED_CHANNELS:
        raise InvalidInput("channel: only staff file by helpline or at a service centre.", field="channel")
    once = Once("file_grievance", citizen.subject_id, idempotency_key, request.__dict__) if idempotency_key else None
    return _file(citizen, request, once=once)


def file_for(
    citizen: Principal,
    request: NewGrievance,
    *,
    assisted_by: str | None = None,
    source: str | None = None,
    duplicates_from_source_only: bool = False,
    now: datetime | None = None,
) -> Filed:
    """File for `citizen` (a contact too) without an idempotency key: the channels' own
    message ids, and assisted filing's key, make their callers run it once. With
    `duplicates_from_source_only`, only an open grievance of the same kind relayed by the same
    `source` takes the place of a new one (a client that can read back only what it filed
    itself must never be answered with a grievance from elsewhere)."""
    return _file(
        citizen,
        request,
        now,
        assisted_by=assisted_by,
        source=source,
        duplicates_from_source_only=duplicates_from_source_only,
    )


def _file(
    citizen: Principal,
    request: NewGrievance,
    now: datetime | None = None,
    *,
    assisted_by: str | None = None,
    source: str | None = None,
    duplicates_from_source_only: bool = False,
    once: Once | None = None,
) -> Filed:
    now = now or utc_now()
    description = check_new_grievance(request)
    department = _department_of_application(citizen, request.application_id)
    if request.category:
        relayed_by = source if duplicates_from_source_only else None
        existing = _open_duplicate(citizen.subject_id, request.category, request.district, now, relayed_by)
        if existing is not None:
            # A retry of the filing that opened it finds it too: the first answer stands.
            first = once.first_answer(now) if once is not None else None
            if first is not None:
                return Filed(**first)
            logger.info("grievance linked to an open one", extra={"tracking_id": existing.tracking_id})
            return Filed(existing.tracking_id, existing.status.value, duplicate=True)
    # Only a grievance that is really filed takes a slot (it is taken in the same
    # transaction): a bad request, a duplicate link or a retry costs nothing.
    slot = limits.guard(
        "filings_per_citizen",
        citizen.subject_id,
        now,
        "You have filed as many grievances as one day allows; file again tomorrow, or add to an open one.",
    )
    for _ in range(3):  # a clash of random tracking ids is rare; try a fresh one
        grievance = Grievance(
            tracking_id=new_tracking_id(get_settings().state_code, now),
            citizen_id=citizen.subject_id,
            district=request.district,
            description=description,
            filed_at=now,
            category=request.category,
            ward=request.ward,
            lat=request.lat,
            lon=request.lon,
            channel=request.channel,
            source=source,
            department=department,
            application_id=request.application_id,
        )
        change = file(grievance, citizen, assisted_by=assisted_by, source=source)
        answer = Filed(grievance.tracking_id, change.grievance.status.value, similar=offers_for(grievance, now))
        # The kept answer first: a retry on a full day still gets its first answer.
        guards: list[Guard] = [once.keep(answer.as_dict(), now)] if once is not None else []
        try:
            saved = grievances.save_change(None, change, now, guards=[*guards, slot])
            break
        except AnsweredBefore:
            assert once is not None
            first = once.first_answer(now)
            if first is None:  # kept and expired within this instant: the retry may try again
                raise StillInProgress() from None
            return Filed(**first)
        except KeyTaken:
            continue
    else:
        raise RuntimeError("could not find a free tracking id")
    # Durable now: if handing it to routing fails, the routing safety net picks it up.
    hand_over(saved, change.events, saved.audit_seq)
    logger.info("grievance filed", extra={"tracking_id": saved.tracking_id, "channel": saved.channel})
    return answer


def check_new_grievance(request: NewGrievance) -> str:
    """What a filing asks of its request (InvalidInput naming the field); its description, tidied."""
    description = " ".join(request.description.split())
    if len(description) < 10:
        raise InvalidInput("description: say what is wrong in at least 10 characters.", field="description")
    if request.channel not in CHANNELS:
        raise InvalidInput(f"channel: one of {', '.join(CHANNELS)}.", field="channel")
    if catalogue.lookup_district(request.district) is None:
        raise InvalidInput("location.district: no such district in this state.", field="location.district")
    if request.category and catalogue.lookup_category(request.category) is None:
        raise InvalidInput("category: no such grievance category.", field="category")
    if (request.lat is None) != (request.lon is None):
        raise InvalidInput("location.lat: give both lat and lon, or neither.", field="location.lat")
    return description


def _department_of_application(citizen: Principal, application_id: str | None) -> str | None:
    """A grievance about an application goes to the application's department; only the
    applicant can complain about it (anyone else is told there is no such application)."""
    if application_id is None:
        return None
    application = applications.get_application(application_id)
    if application is None or application.citizen_id != citizen.subject_id:
        raise InvalidInput("application_id: no such application of yours.", field="application_id")
    return application.department


def _open_duplicate(
    citizen_id: str, category: str, district: str, now: datetime, relayed_by: str | None = None
) -> Grievance | None:
    """The citizen's open grievance of this kind here (with `relayed_by`: only one that source relayed)."""
    for grievance in grievances.recent_for_citizen(citizen_id, now - DUPLICATE_WINDOW):
        same_kind = grievance.is_open and grievance.category == category and grievance.district == district
        if same_kind and (relayed_by is None or grievance.source == relayed_by):
            return grievance
    return None
