"""One road after every save: each saved event goes to the reactions mapped to its class.

A use case saves a move (record and audit entries in one transaction) and hands the events
on; nothing else decides what follows a save. A consumer (routing, the SLA timers) runs
the reactions itself (`dispatch`). A request hands the move over in one message to the
events queue (`hand_over`), whose consumer runs them (`react`): the request pays one SQS
call whatever its reactions are, and a failed reaction is retried by SQS rather than lost.
Adding a reaction is adding it to a line of `REACTIONS`: the report counters (`tally`),
the operations-centre feed (`feed`) and what Open311 clients read back (`follow_open311`)
were added so. Every reaction is idempotent (a timer is named by its grievance and
`timer_seq`, a routing message is ignored once routed, an announcement's messages carry a
dedupe key, an event is counted once by its marker, a feed message carries its event id for
the subscriber, an Open311 update row is keyed by its event), so running one twice changes
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from aws_lambda_powertools import Logger

from chalicelib import adapters
from chalicelib.domain import events as e
from chalicelib.domain.application import Application
from chalicelib.domain.grievance import Grievance, Status
from chalicelib.domain.identity import Citizen
from chalicelib.domain.saved import Saved
from chalicelib.models import applications, grievances
from chalicelib.notify.messages import HandedOver
from chalicelib.observability import count_event
from chalicelib.resource_names import Queue
from chalicelib.services import account_notices
from chalicelib.services.announcements import announce
from chalicelib.services.open311_updates import follow_open311
from chalicelib.services.operations_feed import feed_operations_centre as feed
from chalicelib.services.routing_requests import request_routing
from chalicelib.services.sla_timer import keep_running_or_defer
from chalicelib.services.tally_events import tally

logger = Logger(child=True)

Reaction = Callable[[Saved], None]


def route(saved: Saved) -> None:
    """A grievance registered by this move (filed, transferred, reopened before it ever had
    an owner) goes to routing."""
    assert isinstance(saved.case, Grievance)
    if saved.case.status is Status.REGISTERED:
        request_routing(saved.case.tracking_id)


def start_timer(saved: Saved) -> None:
    """This move re-armed the grievance's SLA (or set its closing date): its timer starts."""
    assert isinstance(saved.case, Grievance)
    keep_running_or_defer(saved.case)


def count(saved: Saved) -> None:
    """One business metric per event, named by its class (GrievanceFiled, ApplicationApproved, ...)."""
    count_event(type(saved.event).__name__)


def tell_citizen(saved: Saved) -> None:
    assert isinstance(saved.case, Citizen) and isinstance(saved.event, e.NationalIdReleased)
    account_notices.tell_citizen(saved.case, "national_id_released", national_id=saved.event.national_id)


REACTIONS: dict[type[e.Event], tuple[Reaction, ...]] = {
    e.GrievanceFiled: (route, announce, tally, feed, follow_open311, count),
    e.GrievanceAssigned: (start_timer, announce, tally, feed, follow_open311, count),
    e.GrievanceAccepted: (announce, tally, feed, follow_open311, count),
    e.GrievanceCommented: (count,),
    # The clock pauses: the old timer's messages go stale.
    e.GrievanceInfoRequested: (announce, tally, feed, follow_open311, count),
    e.GrievanceInfoProvided: (start_timer, announce, tally, feed, follow_open311, count),
    e.GrievanceTransferred: (route, announce, tally, feed, follow_open311, count),
    e.GrievanceReassigned: (start_timer, announce, tally, feed, follow_open311, count),
    # Deadlines kept: the running timer (same timer_seq) stays valid, so none is started.
    e.GrievanceHandedOver: (announce, tally, feed, follow_open311, count),
    e.GrievanceResolved: (start_timer, announce, tally, feed, follow_open311, count),  # the timer that closes it
    e.GrievanceRejected: (announce, tally, feed, follow_open311, count),
    e.GrievanceClosed: (announce, tally, feed, follow_open311, count),
    e.GrievanceReopened: (
        route,
        start_timer,
        announce,
        tally,
        feed,
        follow_open311,
        count,
    ),  # routed if it never had an owner
    e.GrievanceAppealed: (start_timer, announce, tally, feed, follow_open311, count),
    e.GrievanceEscalated: (start_timer, announce, tally, feed, follow_open311, count),
    e.GrievanceSlaWarned: (announce, tally, feed, follow_open311, count),
    e.GrievanceBreachedAtTop: (announce, tally, feed, follow_open311, count),
    e.GrievanceSupported: (announce, tally, feed, follow_open311, count),
    e.GrievanceCitizenWrote: (announce, follow_open311, count),  # the officer reads the words
    e.GrievanceLinkedToAccount: (count,),
    e.GrievanceErased: (count,),
    e.ApplicationSubmitted: (announce, feed, count),
    e.ApplicationCommented: (count,),
    e.ApplicationVerificationStarted: (announce, feed, count),
    e.ApplicationVerified: (announce, feed, count),
    e.ApplicationInfoRequested: (announce, feed, count),
    e.ApplicationInfoProvided: (announce, feed, count),
    e.ApplicationHandedOver: (announce, feed, count),
    e.ApplicationApproved: (announce, feed, count),
    e.ApplicationRejected: (announce, feed, count),
    e.ApplicationCompleted: (announce, feed, count),
    e.ApplicationErased: (count,),
    e.NationalIdReleased: (tell_citizen, count),
}


def dispatch(
    case: Grievance | Application | Citizen, events: Sequence[e.Event], last_seq: int, *, strict: bool = True
) -> None:
    """Run the reactions of each saved event; `last_seq` is the audit seq of the last one.

    Every reaction runs even when one before it fails: a refused announcement must not cost
    the timer, nor the count the alarms read. A failure is then logged and, with strict=True
    (the consumers), raised once all have run, so SQS delivers the message again — the move
    is saved, and what a redelivery does again is what the record's state still asks for
    (its timer). strict=False is for requests, whose move is saved and answered already: the
    failure is left to its safety net (the routing sweep, a deferred timer start).
    """
    first_seq = last_seq - len(events) + 1
    failures: list[Exception] = []
    for offset, event in enumerate(events):
        saved = Saved(case, event, first_seq + offset)
        for reaction in REACTIONS[type(event)]:
            try:
                reaction(saved)
            except Exception as failure:
                failures.append(failure)
                logger.exception(
                    "reaction failed", extra={"event": event.name, "reaction": reaction.__name__, "seq": saved.seq}
                )
    if failures and strict:
        raise failures[0]


# What a request may run itself: reactions that make no AWS call.
LOCAL: frozenset[Reaction] = frozenset({count})


def hand_over(case: Grievance | Application | Citizen, events: Sequence[e.Event], last_seq: int) -> None:
    """A request's road after its save: one message to the events queue, whose consumer runs
    the move's reactions (`react`). When that message cannot be sent, the request runs them
    itself, each with its own safety net (`dispatch` with strict=False): a timed-out send
    that did go through only means some reactions run twice, and each is idempotent. A
    citizen's own events (a national ID released: personal data) never go on a queue, and
    events that only count are counted here."""
    if isinstance(case, Citizen) or all(set(REACTIONS[type(event)]) <= LOCAL for event in events):
        dispatch(case, events, last_seq, strict=False)
        return
    handed = [e.as_message(event) for event in events]
    if isinstance(case, Grievance):
        message = HandedOver(kind="grievance_saved", case=grievances.snapshot(case), events=handed, last_seq=last_seq)
    else:
        message = HandedOver(
            kind="application_saved", case=applications.snapshot(case), events=handed, last_seq=last_seq
        )
    try:
        adapters.current().queues.send(Queue.EVENTS, message.model_dump_json())
    except Exception:
        logger.exception("hand-over failed: reacting in the request", extra={"tracking_id": case.tracking_id})
        dispatch(case, events, last_seq, strict=False)


def react(handed: HandedOver) -> None:
    """The events consumer's half of `hand_over`: the move's reactions, strictly (a failure
    sends the message back; every reaction is idempotent)."""
    case: Grievance | Application
    if handed.kind == "grievance_saved":
        case = grievances.from_snapshot(handed.case)
    else:
        case = applications.from_snapshot(handed.case)
    dispatch(case, [e.from_message(event) for event in handed.events], handed.last_seq)
