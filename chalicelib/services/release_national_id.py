"""Settle a national-ID dispute: the state cell releases a citizen's claim on a national ID.

Someone may register another person's national ID with their own mobile; the real owner
then meets `identity_conflict` at verification. The state grievance cell checks both
parties' papers offline and, when the holder is not the owner, releases the holder's
claim: the ID leaves their account (which keeps its grievances and applications), the act
is audited on the citizen's hash-chained trail in the same transaction, and the citizen is
told by SMS. The owner can then register.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.domain.admin import Actor, AdminAct, AdministrativeAct, subject_of
from chalicelib.domain.errors import NotFound
from chalicelib.domain.events import NationalIdReleased
from chalicelib.domain.identity import CitizenStatus, Principal
from chalicelib.models import citizens
from chalicelib.services.dispatch import hand_over

logger = Logger(child=True)


@dataclass(frozen=True)
class Release:
    citizen_id: str
    released_national_id: str
    released_at: datetime
    audit_seq: int


def release_national_id(principal: Principal, citizen_id: str, reason: str, now: datetime | None = None) -> Release:
    """Release `citizen_id`'s national-ID claim for `reason` (what the papers showed).

    NotFound for no such (or an erased) citizen; Conflict when they hold no national ID.
    """
    now = now or utc_now()
    citizen = citizens.get_citizen(citizen_id)
    if citizen is None or citizen.status is CitizenStatus.ERASED:
        raise NotFound("Not found.")
    masked = citizen.masked_national_id or ""
    event = NationalIdReleased.by(principal, now, None, None, note=reason, national_id=masked)
    # The reason (what the papers showed) stays on the citizen's own trail, at `citizen_trail_seq`.
    seq = citizens.release_national_id(
        citizen_id,
        citizen.version,
        event,
        lambda citizen_trail_seq: [
            AdministrativeAct(
                AdminAct.NATIONAL_ID_RELEASED,
                subject_of("citizen", citizen_id),
                Actor.of(principal),
                now,
                {"citizen_trail_seq": citizen_trail_seq},
            )
        ],
    )
    logger.info("national id released", extra={"citizen_id": citizen_id, "by": principal.subject_id})
    hand_over(citizen, [event], seq)
    return Release(citizen_id, masked, now, seq)
