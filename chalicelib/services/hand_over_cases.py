"""An officer leaves their seat: their open grievances and applications go to its next owner.

Each case on the officer's desk (their queue) that they no longer hold a seat for goes to
the least-loaded active officer of the seat it sits in, or up the ladder when nobody is
left there (`OwnerFinder`, routing's rule) — its level, deadlines and running timer kept
(`domain/handover.py`). Each move is one case's own version-guarded save with its audit
entry and the two officers' load counters, then announced: the new owner and the citizen
are told, the department's topic and webhook hear of it. The whole handover is then one
act on the administrative trail.

Safe to repeat: a case moved already is off the desk, and one moved by someone else
meanwhile is left alone (its save is refused, and read again it is no longer theirs). What
a request could not finish (a case held by another move each time, a desk larger than one
request takes) is finished by repeating it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.domain.admin import Actor, AdminAct, AdministrativeAct, subject_of
from chalicelib.domain.application import Application
from chalicelib.domain.errors import Conflict
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.handover import (
    APPLICATION_LEVEL,
    HandoverReason,
    hand_over_application,
    hand_over_grievance,
    is_on_desk_of,
    must_hand_over,
    reason_for,
)
from chalicelib.domain.identity import Officer, Principal
from chalicelib.models import admin_trail, applications, grievances
from chalicelib.models.case_store import OwnerRelieved, Page, open_load
from chalicelib.services.dispatch import hand_over
from chalicelib.services.grievance_owners import OwnerFinder

logger = Logger(child=True)

# Cases moved by one request at most: the request must end well inside the API's timeout;
# a larger desk is finished by repeating it.
MOST_PER_REQUEST = 200
_PAGE = 100
_ATTEMPTS = 3  # per case, when another move of it wins the race
TRAIL_IDS = 100  # tracking ids named on the administrative trail


@dataclass(frozen=True)
class HandedOver:
    tracking_id: str
    to_officer: str


@dataclass(frozen=True)
class Handover:
    handed_over: list[HandedOver]
    complete: bool


def hand_over_desk(actor: Principal, officer: Officer, *, reposted: bool, now: datetime) -> Handover:
    """Move every open case `officer` (as now posted) should no longer hold; `reposted`:
    they were re-posted by this very request, so all they held goes. Records one
    CASES_HANDED_OVER act when anything moved."""
    reason = reason_for(officer)
    finder = OwnerFinder(excluding=officer.officer_id)
    mover = _Mover(actor, officer, reposted, reason, finder, now)
    complete = mover.run(_desk(grievances.officer_queue, officer.officer_id, status=None), _grievance)
    complete = mover.run(_desk(applications.officer_queue, officer.officer_id, stage=None), _application) and complete
    if complete and (reposted or not officer.active):
        # Everything was to go: the load counter (read consistently) says whether it did, as
        # the queue index the desk was read from may not yet show a case given just before.
        complete = open_load(officer.officer_id) == 0
    if mover.moved:
        _record(actor, officer, reason, mover.moved, now)
    logger.info(
        "desk handed over",
        extra={"officer_id": officer.officer_id, "moved": len(mover.moved), "complete": complete},
    )
    return Handover(mover.moved, complete)


def _desk(queue: Callable[..., Page[Any]], officer_id: str, **only: None) -> Iterator[Any]:
    """The officer's open cases, a page at a time. Paging on while cases move is safe:
    DynamoDB resumes after the cursor's key whether or not that item is still there."""
    cursor: str | None = None
    while True:
        page = queue(officer_id, due_before=None, limit=_PAGE, cursor=cursor, **only)
        yield from page.cases
        if page.cursor is None:
            return
        cursor = page.cursor


@dataclass(frozen=True)
class _Kind:
    """How one kind of case is read, moved and saved."""

    read: Callable[[str], Any]
    level: Callable[[Any], int]
    move: Callable[..., Any]
    save: Callable[[Any, Any, datetime], Any]


def _level_of_grievance(grievance: Grievance) -> int:
    return grievance.level


def _level_of_application(_: Application) -> int:
    return APPLICATION_LEVEL


_grievance = _Kind(grievances.get_grievance, _level_of_grievance, hand_over_grievance, grievances.save_change)
_application = _Kind(
    applications.get_application, _level_of_application, hand_over_application, applications.save_change
)


class _Mover:
    def __init__(
        self,
        actor: Principal,
        officer: Officer,
        reposted: bool,
        reason: HandoverReason,
        finder: OwnerFinder,
        now: datetime,
    ) -> None:
        self.actor, self.officer, self.reposted, self.reason = actor, officer, reposted, reason
        self.finder, self.now = finder, now
        self.moved: list[HandedOver] = []

    def run(self, desk: Iterator[Any], kind: _Kind) -> bool:
        """Move what goes from this desk; False when something that should go stayed."""
        complete = True
        for case in desk:
            if not self._goes(case, kind):
                continue
            if len(self.moved) >= MOST_PER_REQUEST:
                return False
            complete = self._move(case, kind) and complete
        return complete

    def _goes(self, case: Any, kind: _Kind) -> bool:
        return is_on_desk_of(case, self.officer.officer_id) and must_hand_over(
            self.officer,
            reposted=self.reposted,
            department=case.department,
            district=case.district,
            level=kind.level(case),
        )

    def _move(self, case: Any, kind: _Kind) -> bool:
        """One case to its seat's next owner; True when it moved or no longer needs to."""
        for _ in range(_ATTEMPTS):
            to_officer = self.finder.find(kind.level(case), case.department, case.district)
            if to_officer is None:
                logger.warning("nobody to hand a case to", extra={"tracking_id": case.tracking_id})
                return False
            change = kind.move(case, to_officer, self.reason, self.actor, self.now)
            try:
                saved = kind.save(case, change, self.now)
            except OwnerRelieved:
                self.finder.relieved(to_officer)  # the seat index was behind a switch-off
                continue
            except Conflict:
                # Read from the queue's index (possibly behind) or moved meanwhile: read it again.
                case = kind.read(case.tracking_id)
                if case is None or not self._goes(case, kind):
                    return True
                continue
            self.finder.given(to_officer, self.now)
            self.moved.append(HandedOver(saved.tracking_id, to_officer))
            hand_over(saved, change.events, saved.audit_seq)
            return True
        logger.warning("a case kept changing while handed over", extra={"tracking_id": case.tracking_id})
        return False


def _record(actor: Principal, officer: Officer, reason: HandoverReason, moved: list[HandedOver], now: datetime) -> None:
    # Each move is on its case's own trail already; this says, for the staff record, that
    # the handover happened, how big it was and where the desk went.
    details = {
        "reason": reason.value,
        "count": len(moved),
        "tracking_ids": [m.tracking_id for m in moved[:TRAIL_IDS]],
        "to": dict(sorted(Counter(m.to_officer for m in moved).items())),
    }
    subject = subject_of("officer", officer.officer_id)
    act = AdministrativeAct(AdminAct.CASES_HANDED_OVER, subject, Actor.of(actor), now, details)
    try:
        admin_trail.record([act])
    except Exception:
        # The cases moved, each on its own trail; failing the request now would only make
        # its repeat find an empty desk and record nothing. Logged for the operators.
        logger.exception("handover not recorded on the administrative trail", extra=details)
