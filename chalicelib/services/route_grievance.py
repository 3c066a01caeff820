"""Routing: a registered grievance finds its department, its officer and its deadline.

Runs on the routing queue (at least once): a grievance that is no longer `registered` was
routed already, and a redelivered message only makes sure its timer runs. A grievance left
awaiting routing (a lost message, a failed send after filing) is sent again by the sweep.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.domain.catalogue import Category
from chalicelib.domain.categorize import categorize
from chalicelib.domain.errors import Conflict
from chalicelib.domain.grievance import Grievance, Status, assign, route_terms
from chalicelib.domain.handover import holds_seat_for
from chalicelib.models import applications, catalogue, grievances, officers
from chalicelib.services.dispatch import dispatch
from chalicelib.services.grievance_owners import find_owner
from chalicelib.services.routing_requests import request_routing
from chalicelib.services.sla_clock import current_clock
from chalicelib.services.sla_timer import keep_running

logger = Logger(child=True)

# Filing hands a grievance to routing at once; one still registered this long after was lost.
ROUTING_GRACE = timedelta(minutes=5)


def route_grievance(tracking_id: str, now: datetime | None = None) -> Grievance | None:
    now = now or utc_now()
    grievance = grievances.get_grievance(tracking_id)
    if grievance is None:
        logger.warning("routing message for an unknown grievance", extra={"tracking_id": tracking_id})
        return None
    if grievance.status is not Status.REGISTERED:
        keep_running(grievance)  # routed before; a crash may have come between save and timer
        return grievance
    terms = route_terms(grievance, _category_of(grievance))
    # At the level it has reached: a transferred appeal goes to the new department's head.
    owner = _application_officer(grievance, terms.department) or find_owner(
        grievance.level, terms.department, grievance.district
    )
    if owner is None:
        raise RuntimeError(
            f"nobody can own grievances of {terms.department} in {grievance.district}, not even the state cell"
        )
    change = assign(
        grievance,
        department=terms.department,
        category=terms.category,
        assignee_id=owner,
        sla_hours=terms.sla_hours,
        round_the_clock=terms.round_the_clock,
        clock=current_clock(),
        now=now,
        escalation_hours=terms.escalation_hours,
    )
    try:
        saved = grievances.save_change(grievance, change, now)
    except Conflict:
        current = grievances.get_grievance(tracking_id)
        if current is not None and current.status is Status.REGISTERED:
            # Nothing routed it meanwhile (a transaction collided): SQS delivers it again.
            raise RuntimeError(f"{tracking_id}: routing collided with another change; retrying") from None
        logger.info("grievance changed while routing; the newer state stands", extra={"tracking_id": tracking_id})
        return current
    dispatch(saved, change.events, saved.audit_seq)
    logger.info("grievance routed", extra={"tracking_id": tracking_id, "department": terms.department})
    return saved


def _application_officer(grievance: Grievance, department: str) -> str | None:
    """The officer handling the application a grievance is about, while still active there
    (and while the grievance is at an officer's level)."""
    if grievance.application_id is None or grievance.level > 0:
        return None
    application = applications.get_application(grievance.application_id)
    if application is None or application.department != department or application.assignee_id is None:
        return None
    officer = officers.get_officer(application.assignee_id)
    seated = officer is not None and holds_seat_for(officer, department, application.district, grievance.level)
    return officer.officer_id if officer is not None and seated else None


def _category_of(grievance: Grievance) -> Category | None:
    """The grievance's category; one filed without (and never routed to a department) is
    categorised from its words."""
    category = catalogue.get_category(grievance.category) if grievance.category else None
    if category is None and grievance.department is None:
        category = categorize(grievance.description, catalogue.list_categories())
    return category


def requeue_awaiting_routing(now: datetime | None = None) -> int:
    """The safety net: send routing again for grievances registered more than ROUTING_GRACE
    ago and still awaiting routing. Returns how many."""
    now = now or utc_now()
    waiting: Iterable[str] = grievances.awaiting_routing(filed_before=now - ROUTING_GRACE)
    count = 0
    for tracking_id in waiting:
        request_routing(tracking_id)
        count += 1
    if count:
        logger.warning("re-queued grievances awaiting routing", extra={"count": count})
    return count
