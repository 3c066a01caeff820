"""Handing over an officer's desk when they leave their seat.

An officer who is deactivated or re-posted (another role, department or district) leaves
open grievances and applications behind. Each goes to the next owner of the seat it sits
in — the same level, department and district, chosen by routing's least-load rule — with
everything else kept: its level, its deadlines (`due_at`, `warn_at`) and its running SLA
timer (`timer_seq`), so the citizen's date does not move and no stale timer is made. The
move is recorded on the case's own trail like any other.

Pure: the caller finds the next owner and saves the change.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from chalicelib.domain import events
from chalicelib.domain.access import reaches
from chalicelib.domain.application import Application, ApplicationChange
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.grievance import STATE_CELL, Change, Grievance
from chalicelib.domain.identity import Officer, Principal, Role


class HandoverReason(StrEnum):
    OFFICER_DEACTIVATED = "officer_deactivated"
    OFFICER_REPOSTED = "officer_reposted"


# Applications do not escalate: each sits at the first rung of its department and district.
APPLICATION_LEVEL = 0


def holds_seat_for(officer: Officer, department: str | None, district: str | None, level: int) -> bool:
    """Whether the officer, as posted now, holds a seat a case of `department` in `district`
    at `level` may sit with: their rung of the ladder reaches the level, and the case lies
    in their department (and district, for district staff). The state cell holds every seat."""
    if not officer.active or not reaches(officer.role, level):
        return False
    if officer.role is Role.STATE_ADMIN:
        return True
    if department is None or department == STATE_CELL or department != officer.department:
        return False
    return officer.role is Role.DEPARTMENT_HEAD or district == officer.district


def must_hand_over(
    officer: Officer, *, reposted: bool, department: str | None, district: str | None, level: int
) -> bool:
    """Whether a case on the officer's desk goes to someone else: all of it when they were
    deactivated or re-posted just now; otherwise (a request repeated to finish a handover
    cut short) what their present seat does not hold, so work given to them in their new
    seat since stays theirs."""
    if not officer.active or reposted:
        return True
    return not holds_seat_for(officer, department, district, level)


def reason_for(officer: Officer) -> HandoverReason:
    return HandoverReason.OFFICER_REPOSTED if officer.active else HandoverReason.OFFICER_DEACTIVATED


def is_on_desk_of(case: Grievance | Application, officer_id: str) -> bool:
    """Open and owned by the officer: on their queue and counted in their load."""
    return case.is_open and case.assignee_id == officer_id


def _check_move(case: Grievance | Application, to_officer: str) -> str:
    if not case.is_open or case.assignee_id is None:
        raise InvalidInput("tracking_id: only an open case with an owner is handed over.", field="tracking_id")
    if to_officer == case.assignee_id:
        raise InvalidInput("officer_id: the case is theirs already.", field="officer_id")
    return case.assignee_id


def hand_over_grievance(
    grievance: Grievance, to_officer: str, reason: HandoverReason, actor: Principal, now: datetime
) -> Change:
    """The grievance to `to_officer`; status, level, deadlines and timer unchanged."""
    from_officer = _check_move(grievance, to_officer)
    after = replace(grievance, assignee_id=to_officer)
    status = grievance.status.value
    event = events.GrievanceHandedOver.by(
        actor, now, status, status, from_officer=from_officer, to_officer=to_officer, reason=reason.value
    )
    return Change(after, [event])


def hand_over_application(
    application: Application, to_officer: str, reason: HandoverReason, actor: Principal, now: datetime
) -> ApplicationChange:
    """The application to `to_officer`; stage and deadline unchanged."""
    from_officer = _check_move(application, to_officer)
    after = replace(application, assignee_id=to_officer)
    stage = application.stage.value
    event = events.ApplicationHandedOver.by(
        actor, now, stage, stage, from_officer=from_officer, to_officer=to_officer, reason=reason.value
    )
    return ApplicationChange(after, [event])
