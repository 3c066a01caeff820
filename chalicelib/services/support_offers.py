""" "Me too" offers: a citizen who files is offered other citizens' open grievances of the
same problem nearby to support, without their tracking ids or any distance — either would
let someone filing from chosen points find, and put a name to, another person's complaint.

An offer is an opaque token: a keyed hash of the grievance it was offered with and the one
it offers. Nothing is stored. Presenting it recomputes the offers of the presenter's own
recent grievances, so only a neighbour with the same problem (`domain.grievance.nearness`)
can redeem one, and the tokens of two of one citizen's filings cannot be matched to tell
whether they name the same grievance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from chalicelib.domain.grievance import Grievance, nearness
from chalicelib.models import grievances
from chalicelib.security.keyed_hash import keyed_hash, same_hash

NEARBY_WINDOW = timedelta(days=30)
MAX_OFFERS = 5
OFFER_PATTERN = r"^[0-9a-f]{32}$"


def offers_for(grievance: Grievance, now: datetime) -> list[dict[str, Any]]:
    """At most MAX_OFFERS offers for a newly filed grievance, the most supported first (never
    the nearest first: the order would measure distance): {offer, status, nearness}, where
    nearness is "same_ward" or "nearby" (within 250 m). One Query."""
    if not grievance.category:
        return []
    area = grievances.open_in_area(grievance.category, grievance.district, now - NEARBY_WINDOW)
    found = sorted(_neighbours(grievance, area), key=lambda pair: (-pair[0].supporters, pair[0].filed_at))
    return [
        {"offer": _token(grievance, other), "status": other.status.value, "nearness": near}
        for other, near in found[:MAX_OFFERS]
    ]


def may_support(citizen_id: str, grievance: Grievance, now: datetime) -> bool:
    """Whether `citizen_id` is a neighbour with the same problem: someone else's open
    grievance, and one of their own of the last 30 days near it. One Query."""
    if not grievance.is_open or grievance.citizen_id == citizen_id:
        return False
    own = grievances.recent_for_citizen(citizen_id, now - NEARBY_WINDOW)
    return any(nearness(mine, grievance) for mine in own)


def offered(citizen_id: str, offer: str, now: datetime) -> Grievance | None:
    """The grievance `offer` names, if it was offered with one of the citizen's grievances
    of the last 30 days and is still an open one of the same problem nearby. One Query for
    the citizen's grievances, one per category and district among them."""
    mine: dict[tuple[str, str], list[Grievance]] = defaultdict(list)
    for own in grievances.recent_for_citizen(citizen_id, now - NEARBY_WINDOW):
        if own.category:
            mine[(own.category, own.district)].append(own)
    for (category, district), own_there in mine.items():
        area = list(grievances.open_in_area(category, district, now - NEARBY_WINDOW))
        for own in own_there:
            for other, _ in _neighbours(own, area):
                if same_hash(_token(own, other), offer):
                    return other
    return None


def _neighbours(grievance: Grievance, area: Iterable[Grievance]) -> Iterator[tuple[Grievance, str]]:
    """Other citizens' grievances in `area` with the same problem nearby, and how near."""
    for other in area:
        near = nearness(grievance, other)
        if near is not None and other.citizen_id != grievance.citizen_id:
            yield other, near


def _token(offered_with: Grievance, other: Grievance) -> str:
    return keyed_hash("metoo_offer", f"{offered_with.tracking_id}\x00{other.tracking_id}")[:32]
