"""Staff find a case by its tracking id, or a citizen's cases by their mobile (a caller at a
helpline, a walk-in at a service centre) — only what the caller may see.

A search by mobile reaches into a person's records by a piece of their personal data, so
each one is an act on the administrative trail: who searched, when, and whom it found (the
mobile itself only masked), whether or not anything was found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from chalicelib.clock import utc_now
from chalicelib.domain.access import can_see_case
from chalicelib.domain.admin import Actor, AdminAct, AdministrativeAct, subject_of
from chalicelib.domain.application import TRACKING_ID_PATTERN as APPLICATION_ID
from chalicelib.domain.application import Application
from chalicelib.domain.contact import normalize_mobile
from chalicelib.domain.errors import NotFound
from chalicelib.domain.grievance import TRACKING_ID_PATTERN as GRIEVANCE_ID
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.identity import Principal, mask_mobile
from chalicelib.models import admin_trail, applications, citizens, grievances
from chalicelib.services.visible_cases import visible_application, visible_grievance

# A citizen's cases shown at most (newest first): a search finds a person, not an archive.
MOST_FOUND = 50


@dataclass(frozen=True)
class Found:
    grievances: list[Grievance]
    applications: list[Application]


def by_tracking_id(principal: Principal, tracking_id: str) -> Found:
    """The one case with this tracking id, if the caller may see it (else 404, as for none)."""
    if re.match(APPLICATION_ID, tracking_id):
        return Found([], [visible_application(principal, tracking_id)])
    if re.match(GRIEVANCE_ID, tracking_id):
        return Found([visible_grievance(principal, tracking_id)], [])
    raise NotFound("No such case.", field="tracking_id")


def by_mobile(principal: Principal, mobile: str, now: datetime | None = None) -> Found:
    """The cases of the citizen who proved `mobile` (or of the unverified contact who wrote
    from it by SMS, a call or a helpline), as far as the caller may see them; audited
    whatever it finds."""
    number = normalize_mobile(mobile)
    holder = citizens.active_holder_of_mobile(number) or citizens.contact_holding("mobile", number)
    found = Found([], [])
    if holder is not None:
        found = Found(
            [
                g
                for g in grievances.citizen_grievances(holder.citizen_id, limit=MOST_FOUND, cursor=None).cases
                if can_see_case(principal, g.scope)
            ],
            [
                a
                for a in applications.citizen_applications(holder.citizen_id, limit=MOST_FOUND, cursor=None).cases
                if can_see_case(principal, a.scope)
            ],
        )
    admin_trail.record(
        [
            AdministrativeAct(
                AdminAct.CITIZEN_SEARCHED,
                subject_of("citizen", holder.citizen_id) if holder else subject_of("search"),
                Actor.of(principal),
                now or utc_now(),
                {
                    "mobile": mask_mobile(number),
                    "grievances_shown": [g.tracking_id for g in found.grievances],
                    "applications_shown": [a.tracking_id for a in found.applications],
                },
            )
        ]
    )
    return found
