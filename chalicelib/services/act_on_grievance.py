"""Officers and citizens moving a grievance along its lifecycle.

Every action reads the grievance, checks that the caller may see it (else 404, exactly like
a missing one) and may act on it at the level it has reached (else 403), applies the pure
transition, and saves it guarded by the version it read: two officers acting at once — one
wins, the other gets 409 and re-reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from chalicelib.clock import utc_now
from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.access import can_see_officer, reaches
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.domain.grievance import APPELLATE_LEVEL, UNCATEGORISED_SLA_HOURS, Action, Change, Grievance
from chalicelib.domain.handover import holds_seat_for
from chalicelib.domain.identity import Principal
from chalicelib.models import catalogue, counters, grievances, officers
from chalicelib.services.dispatch import hand_over
from chalicelib.services.grievance_owners import find_owner
from chalicelib.services.sla_clock import current_clock
from chalicelib.services.support_offers import may_support, offered
from chalicelib.services.visible_cases import visible_grievance

SUPPORT_MEMORY = timedelta(days=365)


@dataclass(frozen=True)
class OfficerAction:
    action: Action
    note: str | None = None
    department: str | None = None
    officer_id: str | None = None


def act_as_officer(
    principal: Principal, tracking_id: str, request: OfficerAction, now: datetime | None = None
) -> Grievance:
    now = now or utc_now()
    if request.action not in lifecycle.OFFICER_ACTIONS:
        raise InvalidInput(
            f"action: one of {', '.join(sorted(a.value for a in lifecycle.OFFICER_ACTIONS))}.", field="action"
        )
    before = visible_grievance(principal, tracking_id)
    # Person, level and state first: a move the caller or the moment does not allow is
    # refused whatever its details.
    lifecycle.require_may_act(principal, before, request.action)
    change = _officer_change(principal, before, request, now)
    return _commit(before, change, now)


def _officer_change(principal: Principal, before: Grievance, request: OfficerAction, now: datetime) -> Change:
    clock = current_clock()
    match request.action:
        case Action.ACCEPT:
            return lifecycle.accept(before, principal, now)
        case Action.COMMENT:
            return lifecycle.comment(before, principal, request.note, now)
        case Action.REQUEST_INFO:
            return lifecycle.request_info(before, principal, request.note, clock, now)
        case Action.TRANSFER:
            if request.department and catalogue.get_department(request.department) is None:
                raise InvalidInput("department: no such department.", field="department")
            return lifecycle.transfer(before, principal, request.department, request.note, now)
        case Action.REASSIGN:
            _check_new_owner(principal, before, request.officer_id)
            return lifecycle.reassign(before, principal, request.officer_id, clock, now)
        case Action.RESOLVE:
            return lifecycle.resolve(before, principal, request.note, clock, now)
        case _:
            return lifecycle.reject(before, principal, request.note, now)


def _check_new_owner(principal: Principal, grievance: Grievance, officer_id: str | None) -> None:
    """The new owner sits at the grievance's level or above: handing an escalated case or
    an appeal to an officer would pull it down the ladder by the back door."""
    officer = officers.get_officer(officer_id) if officer_id else None
    if (
        officer is None
        or not officer.active
        or not reaches(officer.role, grievance.level)
        or not can_see_officer(principal, officer.department, officer.district)
        or (officer.department is not None and officer.department != grievance.department)
    ):
        raise InvalidInput(
            "officer_id: not an active officer of this department within your reach, at the grievance's level"
            " or above.",
            field="officer_id",
        )


def reply(principal: Principal, tracking_id: str, message: str | None, now: datetime | None = None) -> Grievance:
    now = now or utc_now()
    before = visible_grievance(principal, tracking_id)
    return _commit(before, lifecycle.reply(before, principal, message, current_clock(), now), now)


def give_feedback(
    principal: Principal, tracking_id: str, rating: int, comment: str | None, now: datetime | None = None
) -> Grievance:
    now = now or utc_now()
    before = visible_grievance(principal, tracking_id)
    return _commit(before, lifecycle.give_feedback(before, principal, rating, comment, now), now)


def reopen(principal: Principal, tracking_id: str, reason: str | None, now: datetime | None = None) -> Grievance:
    now = now or utc_now()
    before = visible_grievance(principal, tracking_id)
    owner = _still_seated(before)
    return _commit(before, lifecycle.reopen(before, principal, reason, current_clock(), now, owner_id=owner), now)


def _still_seated(grievance: Grievance) -> str | None:
    """Who a reopened grievance goes back to: its last owner while still in that seat (not
    relieved, not re-posted elsewhere), else whoever now holds that level's seat (None: it had
    no owner and is routed afresh)."""
    if grievance.assignee_id is None:
        return None
    owner = officers.get_officer(grievance.assignee_id)
    if owner is not None and holds_seat_for(owner, grievance.department, grievance.district, grievance.level):
        return owner.officer_id
    return find_owner(grievance.level, grievance.department, grievance.district)


def appeal(principal: Principal, tracking_id: str, reason: str | None, now: datetime | None = None) -> Grievance:
    now = now or utc_now()
    before = visible_grievance(principal, tracking_id)
    lifecycle.require_allowed(before, Action.APPEAL)
    appellate = find_owner(APPELLATE_LEVEL, before.department, before.district)
    if appellate is None:
        raise RuntimeError(f"nobody hears appeals of {before.department} in {before.district}, not even the state cell")
    category = catalogue.get_category(before.category) if before.category else None
    sla_hours = category.sla_hours if category else UNCATEGORISED_SLA_HOURS
    change = lifecycle.appeal(before, principal, reason, appellate, current_clock(), now, sla_hours=sla_hours)
    return _commit(before, change, now)


def support(principal: Principal, tracking_id: str, now: datetime | None = None) -> Grievance:
    """ "Me too" from a neighbour who knows the tracking id: a citizen who filed the same
    category in the same ward or within 250 m in the last 30 days raises the grievance's
    priority, once. Anyone else gets the same 404 as for an unknown id (the reply says
    nothing about the grievance's owner)."""
    now = now or utc_now()
    grievance = grievances.get_grievance(tracking_id)
    if grievance is None or not may_support(principal.subject_id, grievance, now):
        raise NotFound("No such open grievance to support.", field="tracking_id")
    return _count_support(principal, grievance, now)


def support_offer(principal: Principal, offer: str, now: datetime | None = None) -> Grievance:
    """ "Me too" through an offer made when the caller filed (see support_offers): the
    same rule and the same once-only count, without the caller ever learning the id."""
    now = now or utc_now()
    grievance = offered(principal.subject_id, offer, now)
    if grievance is None:
        raise NotFound("No such offer of an open grievance to support.", field="offer")
    return _count_support(principal, grievance, now)


def _count_support(principal: Principal, before: Grievance, now: datetime) -> Grievance:
    supporters = f"support#{before.tracking_id}"
    once = counters.add_to_window(supporters, principal.subject_id, expires_at=now + SUPPORT_MEMORY, limit=1)
    if not once:
        return before  # supported before: nothing more to count
    try:
        return _commit(before, lifecycle.support(before, principal, now), now)
    except Conflict:
        # Not counted after all: forget the mark so the citizen's retry counts.
        counters.clear_window(supporters, principal.subject_id)
        raise


def _commit(before: Grievance, change: Change, now: datetime) -> Grievance:
    saved = grievances.save_change(before, change, now)
    hand_over(saved, change.events, saved.audit_seq)
    return saved
