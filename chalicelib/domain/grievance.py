"""The grievance and its lifecycle: states, who may move them, and what each move causes.

```
registered --route--> assigned --accept--> in_progress --resolve--> resolved --feedback/7 days--> closed
     |                  |  ^                   |                       |
     |                  |  +----transfer-------+                       +--reopen (<= 7 days)--> assigned
     +--reject--> rejected (from registered | assigned | in_progress) --appeal (<= 30 days)--> assigned
```
`request_info` parks an assigned or in-progress grievance in `info_requested`, with its SLA
paused, until the citizen replies. Every transition is a pure function: it takes the
grievance, the actor and `now`, and returns the new grievance with the events it caused.
Invalid moves raise `ActionNotAllowed` naming the actions the current state does allow.
Who may make a staff move (role, reach, level) is asked once, by `require_may_act`, before
the move: the staff transitions below take an actor who passed it.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from chalicelib.domain import access, events
from chalicelib.domain.access import CaseScope
from chalicelib.domain.catalogue import Category
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.events import SYSTEM, Event
from chalicelib.domain.identity import ESCALATION_ROLES, Principal, Role
from chalicelib.domain.sla import SlaClock


class Status(StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    INFO_REQUESTED = "info_requested"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


class Action(StrEnum):
    ACCEPT = "accept"
    COMMENT = "comment"
    REQUEST_INFO = "request_info"
    TRANSFER = "transfer"
    REASSIGN = "reassign"
    RESOLVE = "resolve"
    REJECT = "reject"
    REPLY = "reply"
    FEEDBACK = "feedback"
    REOPEN = "reopen"
    APPEAL = "appeal"


OPEN = frozenset({Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.INFO_REQUESTED})
# The SLA clock runs in these; a timer firing in any other state has nothing to do.
CLOCK_RUNNING = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})
# An officer holds it: what a department's open count and an officer's load are made of.
OWNED = frozenset({Status.ASSIGNED, Status.IN_PROGRESS, Status.INFO_REQUESTED})
OFFICER_ACTIONS = frozenset(
    {
        Action.ACCEPT,
        Action.COMMENT,
        Action.REQUEST_INFO,
        Action.TRANSFER,
        Action.REASSIGN,
        Action.RESOLVE,
        Action.REJECT,
    }
)
CITIZEN_ACTIONS = frozenset({Action.REPLY, Action.FEEDBACK, Action.REOPEN, Action.APPEAL})

ALLOWED: dict[Status, frozenset[Action]] = {
    Status.REGISTERED: frozenset({Action.COMMENT, Action.REJECT}),
    Status.ASSIGNED: frozenset(OFFICER_ACTIONS),
    Status.IN_PROGRESS: frozenset(OFFICER_ACTIONS - {Action.ACCEPT}),
    Status.INFO_REQUESTED: frozenset({Action.COMMENT, Action.REASSIGN, Action.REJECT, Action.REPLY}),
    Status.RESOLVED: frozenset({Action.COMMENT, Action.FEEDBACK, Action.REOPEN}),
    Status.CLOSED: frozenset({Action.COMMENT, Action.APPEAL}),
    Status.REJECTED: frozenset({Action.COMMENT, Action.REOPEN, Action.APPEAL}),
}

MAX_TRANSFERS = 3
REOPEN_WINDOW = timedelta(days=7)
APPEAL_WINDOW = timedelta(days=30)
AUTO_CLOSE_AFTER_HOURS = 7 * 24
APPELLATE_LEVEL = 2  # department_head
UNCATEGORISED_SLA_HOURS = 72  # a grievance nobody could categorise, handled by the state cell
NEARBY_METRES = 250.0  # "nearby" for "me too"
TOP_LEVEL = len(ESCALATION_ROLES) - 1
STATE_CELL = "STATE_CELL"  # the department of grievances nobody else owns


class ActionNotAllowed(Conflict):
    """409: this action cannot happen in the grievance's current state."""

    code = "action_not_allowed"

    def __init__(self, action: str, status: Status, why: str | None = None) -> None:
        # With `why`, the state would allow the action but a rule (a window, once only) does not.
        allowed = sorted(a.value for a in ALLOWED[status] if why is None or a.value != action)
        message = why or f"{action} is not allowed while the grievance is {status.value}."
        super().__init__(message, field="action")
        self.allowed = allowed


@dataclass(frozen=True)
class Grievance:
    tracking_id: str
    citizen_id: str
    district: str
    description: str
    filed_at: datetime
    category: str | None = None
    department: str | None = None
    ward: str | None = None
    lat: float | None = None
    lon: float | None = None
    channel: str = "web"
    # Who relayed it, when someone did: "open311:<client>", a kiosk's id, another portal's name.
    source: str | None = None
    status: Status = Status.REGISTERED
    level: int = 0
    assignee_id: str | None = None
    sla_hours: float | None = None
    # The category's own escalation ladder (hours at levels 1, 2, 3), as it was at routing:
    # a later change to the category never rewrites a deadline already set.
    escalation_hours: tuple[float, ...] = ()
    round_the_clock: bool = False
    due_at: datetime | None = None
    warn_at: datetime | None = None
    sla_remaining_seconds: float | None = None  # set while the clock is paused
    timer_seq: int = 0  # bumps whenever the SLA timer is re-armed; stale timers compare it
    transfers: int = 0
    priority: int = 0
    supporters: int = 0
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    rejected_at: datetime | None = None
    rating: int | None = None
    appealed: bool = False
    reopened: int = 0
    # Missed a deadline in this round (escalated for lateness, or past the top level's):
    # what "overdue" in the reports and "late" in SLA compliance mean. A reopening or an
    # appeal starts a fresh round with a fresh SLA.
    breached: bool = False
    version: int = 0

    audit_seq: int = 0
    audit_hash: str = ""
    # "<timer_seq>:<kind>" of the last timer message acted on without re-arming (a warning,
    # a breach at the top level), so a redelivered one is recognised.
    last_timer_event: str | None = None
    # A grievance about a service application: it goes to that application's department and officer.
    application_id: str | None = None

    def hours_at_level(self) -> float:
        """The SLA of the level the grievance is at: its category's ladder there, else `sla_hours`."""
        if 1 <= self.level <= len(self.escalation_hours):
            return self.escalation_hours[self.level - 1]
        return self.sla_hours or 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def scope(self) -> CaseScope:
        return CaseScope(self.citizen_id, self.department, self.district, self.assignee_id, self.level)

    def overdue(self, now: datetime) -> bool:
        return self.status in CLOCK_RUNNING and self.due_at is not None and now >= self.due_at

    def disposed_on_time(self, now: datetime) -> bool | None:
        """Whether resolving or rejecting it `now` meets its SLA: no deadline missed in this
        round (`breached`) and the current one not passed. None when no officer held it
        (rejected before routing): no SLA was running."""
        if self.status not in OWNED:
            return None
        return not self.breached and not self.overdue(now)

    def within_own_deadline(self, now: datetime) -> bool | None:
        """Whether its present owner decides it `now` within the deadline they were given
        (an officer handed a case already late is judged by their own clock). None when no
        officer held it."""
        if self.status not in OWNED:
            return None
        return not self.overdue(now)


@dataclass(frozen=True)
class Change:
    """One move of a grievance: the grievance after it, and the events it caused."""

    grievance: Grievance
    events: list[Event]


E = TypeVar("E", bound=Event)

TRACKING_ID_PATTERN = r"^[A-Z]{2}-[0-9]{6}-[0-9A-Z]{6}$"  # what new_tracking_id makes


def new_tracking_id(state_code: str, now: datetime) -> str:
    """`OD-261125-7KQ3XM`: the state, the filing date, and 6 random characters (30 bits)
    from an alphabet with no 0/O or 1/I, so ids are readable over a phone and not guessable
    in sequence."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    suffix = "".join(secrets.choice(alphabet) for _ in range(6))
    return f"{state_code}-{now:%y%m%d}-{suffix}"


def _event(kind: type[E], actor: Principal, now: datetime, before: Grievance, after: Grievance, **own: Any) -> E:
    return kind.by(actor, now, before.status.value, after.status.value, **own)


def require_allowed(grievance: Grievance, action: Action) -> None:
    """ActionNotAllowed (409, with the allowed actions) unless `action` fits the state."""
    if action not in ALLOWED[grievance.status]:
        raise ActionNotAllowed(action.value, grievance.status)


def require_may_act(actor: Principal, grievance: Grievance, action: Action) -> None:
    """The gate of every staff move, passed once before the move is made: Forbidden or
    AboveYourLevel (403) for the wrong person or level (`access.require_may_act`), then
    ActionNotAllowed (409, with the allowed actions) for the wrong moment."""
    access.require_may_act(actor, grievance.scope, action.value)
    require_allowed(grievance, action)


def required_note(note: str | None, what: str, field: str = "note") -> str:
    if not note or not note.strip():
        raise InvalidInput(f"{field}: {what} is required.", field=field)
    return note.strip()


def file(
    grievance: Grievance, citizen: Principal, *, assisted_by: str | None = None, source: str | None = None
) -> Change:
    """A new grievance, registered and waiting for routing."""
    filed = _event(
        events.GrievanceFiled,
        citizen,
        grievance.filed_at,
        grievance,
        grievance,
        channel=grievance.channel,
        assisted_by=assisted_by,
        source=source,
    )
    return Change(grievance, [filed])


def citizen_writes(
    grievance: Grievance, citizen: Principal, message: str | None, channel: str, clock: SlaClock, now: datetime
) -> Change:
    """The citizen's words on their grievance, from whichever channel: the reply that
    restarts the clock when they were asked something, otherwise a note kept for the officer."""
    if grievance.status is Status.INFO_REQUESTED:
        return reply(grievance, citizen, message, clock, now)
    words = required_note(message, "the message", field="message")
    return Change(
        grievance,
        [_event(events.GrievanceCitizenWrote, citizen, now, grievance, grievance, note=words, channel=channel)],
    )


def link_to_account(grievance: Grievance, account: Principal, now: datetime) -> Change:
    """A contact's grievance becomes the account's that proved the contact's mobile or email."""
    after = replace(grievance, citizen_id=account.subject_id)
    linked = _event(events.GrievanceLinkedToAccount, account, now, grievance, after, contact_id=grievance.citizen_id)
    return Change(after, [linked])


def assign(
    grievance: Grievance,
    *,
    department: str,
    category: str | None,
    assignee_id: str,
    sla_hours: float,
    round_the_clock: bool,
    clock: SlaClock,
    now: datetime,
    escalation_hours: tuple[float, ...] = (),
) -> Change:
    """Routing's decision: owner, department and a fresh SLA, at the level the grievance has
    reached (an appeal transferred on is still heard at the appellate level). The state cell
    is the top of the ladder (level 3): a grievance it owns has nobody above to climb to, so
    its breach is recorded once instead of "escalating" three times to the same desk."""
    if grievance.status is not Status.REGISTERED:
        raise ActionNotAllowed("route", grievance.status)
    after = replace(
        grievance,
        level=TOP_LEVEL if department == STATE_CELL else grievance.level,
        status=Status.ASSIGNED,
        department=department,
        category=category,
        assignee_id=assignee_id,
        sla_hours=sla_hours,
        escalation_hours=escalation_hours,
        round_the_clock=round_the_clock,
    )
    after = _rearm(after, clock, now)
    event = _event(events.GrievanceAssigned, SYSTEM, now, grievance, after, department=department, level=after.level)
    return Change(after, [event])


@dataclass(frozen=True)
class RouteTerms:
    """Where a registered grievance goes and on what SLA."""

    department: str
    category: str | None
    sla_hours: float
    round_the_clock: bool
    escalation_hours: tuple[float, ...] = ()


def route_terms(grievance: Grievance, category: Category | None) -> RouteTerms:
    """The terms of routing `grievance` of `category` (its own, or the one its words were
    categorised as; None when neither). A transferred grievance keeps its category (reports,
    duplicates and "me too" use it) and the category's SLA; only the department changes.
    Nobody's grievance is left unowned: without a department it goes to the state cell."""
    department = grievance.department or (category.department if category else STATE_CELL)
    if category is None:
        return RouteTerms(department, None, UNCATEGORISED_SLA_HOURS, False)
    return RouteTerms(
        department, category.code, category.sla_hours, category.round_the_clock, tuple(category.escalation_hours)
    )


def _rearm(grievance: Grievance, clock: SlaClock, now: datetime, remaining: float | None = None) -> Grievance:
    total = grievance.hours_at_level() * 3600
    warn_at, due_at = clock.schedule(now, total if remaining is None else remaining, total, grievance.round_the_clock)
    return replace(
        grievance, due_at=due_at, warn_at=warn_at, sla_remaining_seconds=None, timer_seq=grievance.timer_seq + 1
    )


def accept(grievance: Grievance, actor: Principal, now: datetime) -> Change:
    require_allowed(grievance, Action.ACCEPT)
    after = replace(grievance, status=Status.IN_PROGRESS)
    return Change(after, [_event(events.GrievanceAccepted, actor, now, grievance, after)])


def comment(grievance: Grievance, actor: Principal, note: str | None, now: datetime) -> Change:
    """An internal note: staff read it in the history, citizens never see it."""
    require_allowed(grievance, Action.COMMENT)
    text = required_note(note, "the comment")
    return Change(grievance, [_event(events.GrievanceCommented, actor, now, grievance, grievance, note=text)])


def request_info(grievance: Grievance, actor: Principal, note: str | None, clock: SlaClock, now: datetime) -> Change:
    """Ask the citizen something; the SLA clock stops until they reply."""
    require_allowed(grievance, Action.REQUEST_INFO)
    question = required_note(note, "the question for the citizen")
    remaining = clock.remaining(now, grievance.due_at, grievance.round_the_clock) if grievance.due_at else 0.0
    after = replace(grievance, status=Status.INFO_REQUESTED, sla_remaining_seconds=remaining)
    return Change(after, [_event(events.GrievanceInfoRequested, actor, now, grievance, after, note=question)])


def reply(grievance: Grievance, citizen: Principal, message: str | None, clock: SlaClock, now: datetime) -> Change:
    """The citizen answers; the clock resumes with the time that was left."""
    require_allowed(grievance, Action.REPLY)
    answer = required_note(message, "the reply", field="message")
    resumed = _rearm(grievance, clock, now, remaining=grievance.sla_remaining_seconds or 0.0)
    after = replace(resumed, status=Status.IN_PROGRESS)
    return Change(after, [_event(events.GrievanceInfoProvided, citizen, now, grievance, after, note=answer)])


def transfer(grievance: Grievance, actor: Principal, department: str | None, note: str | None, now: datetime) -> Change:
    """Not this department's: send it to another (with a reason) for routing there, at the
    level it has reached — a transfer never pulls a case down the ladder, so an appeal stays
    with a department head. After MAX_TRANSFERS it goes to the state cell instead of bouncing on."""
    require_allowed(grievance, Action.TRANSFER)
    reason = required_note(note, "the reason for the transfer")
    if grievance.department == STATE_CELL and grievance.transfers > MAX_TRANSFERS:
        # It came here because it bounced too often; the state cell settles it itself.
        raise ActionNotAllowed(
            Action.TRANSFER.value,
            grievance.status,
            "transfer: this grievance was transferred too often; the state cell resolves or rejects it.",
        )
    if not department:
        raise InvalidInput("department: the department to transfer to is required.", field="department")
    if department == grievance.department:
        raise InvalidInput("department: the grievance is already with this department.", field="department")
    target = department if grievance.transfers < MAX_TRANSFERS else STATE_CELL
    # The receiving department starts a fresh SLA: a deadline the sender missed is not theirs.
    after = replace(
        grievance,
        status=Status.REGISTERED,
        department=target,
        assignee_id=None,
        breached=False,
        transfers=grievance.transfers + 1,
        due_at=None,
        warn_at=None,
        timer_seq=grievance.timer_seq + 1,
    )
    return Change(
        after,
        [
            _event(
                events.GrievanceTransferred,
                actor,
                now,
                grievance,
                after,
                note=reason,
                to_department=target,
                from_department=grievance.department,
                left_overdue=grievance.breached and grievance.status in OWNED,
            )
        ],
    )


def reassign(grievance: Grievance, actor: Principal, officer_id: str | None, clock: SlaClock, now: datetime) -> Change:
    """A manager gives the grievance to another officer (who must sit at its level or above:
    the service checks the seat); the SLA restarts for them. Who may reassign is
    `require_may_act`'s question."""
    require_allowed(grievance, Action.REASSIGN)
    if not officer_id:
        raise InvalidInput("officer_id: the officer to reassign to is required.", field="officer_id")
    if officer_id == grievance.assignee_id:
        raise InvalidInput("officer_id: the grievance is already theirs.", field="officer_id")
    after = replace(grievance, assignee_id=officer_id)
    if grievance.status is not Status.INFO_REQUESTED:
        after = _rearm(after, clock, now)
    return Change(after, [_event(events.GrievanceReassigned, actor, now, grievance, after, officer_id=officer_id)])


def resolve(grievance: Grievance, actor: Principal, note: str | None, clock: SlaClock, now: datetime) -> Change:
    """Done. The citizen has 7 days to rate it or reopen it; then it closes by itself."""
    require_allowed(grievance, Action.RESOLVE)
    how = required_note(note, "the resolution")
    after = replace(grievance, status=Status.RESOLVED, resolved_at=now, sla_remaining_seconds=None)
    # The same timer closes it: at "due" 7 days on, a still-resolved grievance closes.
    closes_at = clock.deadline(now, AUTO_CLOSE_AFTER_HOURS * 3600, round_the_clock=True)
    after = replace(after, warn_at=closes_at, due_at=closes_at, timer_seq=grievance.timer_seq + 1)
    on_time, own = grievance.disposed_on_time(now), grievance.within_own_deadline(now)
    resolved = _event(
        events.GrievanceResolved, actor, now, grievance, after, note=how, on_time=on_time, own_deadline=own
    )
    return Change(after, [resolved])


def reject(grievance: Grievance, actor: Principal, note: str | None, now: datetime) -> Change:
    require_allowed(grievance, Action.REJECT)
    reason = required_note(note, "the reason for rejecting")
    after = replace(grievance, status=Status.REJECTED, rejected_at=now, due_at=None, warn_at=None)
    after = replace(after, timer_seq=grievance.timer_seq + 1)
    on_time, own = grievance.disposed_on_time(now), grievance.within_own_deadline(now)
    rejected = _event(
        events.GrievanceRejected, actor, now, grievance, after, note=reason, on_time=on_time, own_deadline=own
    )
    return Change(after, [rejected])


def give_feedback(grievance: Grievance, citizen: Principal, rating: int, note: str | None, now: datetime) -> Change:
    require_allowed(grievance, Action.FEEDBACK)
    if not 1 <= rating <= 5:
        raise InvalidInput("rating: from 1 to 5.", field="rating")
    after = replace(grievance, status=Status.CLOSED, rating=rating, closed_at=now, timer_seq=grievance.timer_seq + 1)
    return Change(after, [_event(events.GrievanceClosed, citizen, now, grievance, after, note=note, rating=rating)])


def auto_close(grievance: Grievance, now: datetime) -> Change:
    """Seven days after resolution without feedback."""
    after = replace(grievance, status=Status.CLOSED, closed_at=now)
    return Change(
        after, [_event(events.GrievanceClosed, SYSTEM, now, grievance, after, reason="no feedback within 7 days")]
    )


def reopen(
    grievance: Grievance,
    citizen: Principal,
    note: str | None,
    clock: SlaClock,
    now: datetime,
    owner_id: str | None = None,
) -> Change:
    """Not actually fixed, or wrongly rejected: within 7 days it goes back to the officer
    who decided it (or `owner_id`, when that officer has left the seat), with a fresh SLA.
    A grievance rejected before anyone owned it is registered again, for routing."""
    require_allowed(grievance, Action.REOPEN)
    reason = required_note(note, "the reason for reopening", field="reason")
    decided_at = grievance.resolved_at if grievance.status is Status.RESOLVED else grievance.rejected_at
    if decided_at is None or now - decided_at > REOPEN_WINDOW:
        raise ActionNotAllowed(
            Action.REOPEN.value, grievance.status, "reopen: only within 7 days of the resolution or rejection."
        )
    reopened = replace(grievance, reopened=grievance.reopened + 1, rejected_at=None, breached=False)
    if grievance.assignee_id is None:
        after = replace(reopened, status=Status.REGISTERED, due_at=None, warn_at=None)
        after = replace(after, timer_seq=grievance.timer_seq + 1)
    else:
        owner = owner_id or grievance.assignee_id
        after = _rearm(replace(reopened, status=Status.ASSIGNED, assignee_id=owner), clock, now)
    return Change(after, [_event(events.GrievanceReopened, citizen, now, grievance, after, note=reason)])


def appeal(
    grievance: Grievance,
    citizen: Principal,
    note: str | None,
    appellate_id: str,
    clock: SlaClock,
    now: datetime,
    sla_hours: float = UNCATEGORISED_SLA_HOURS,
) -> Change:
    """Against a rejection or a poorly rated closure, within 30 days, once: it goes to the
    department head (the appellate level) with its own SLA — the category's, or `sla_hours`
    for a grievance rejected before it ever had one."""
    require_allowed(grievance, Action.APPEAL)
    reason = required_note(note, "the grounds of appeal", field="reason")
    if grievance.appealed:
        raise ActionNotAllowed(Action.APPEAL.value, grievance.status, "appeal: this grievance was already appealed.")
    if grievance.status is Status.CLOSED and (grievance.rating is None or grievance.rating > 2):
        raise ActionNotAllowed(
            Action.APPEAL.value, grievance.status, "appeal: only a closure rated 1 or 2 can be appealed."
        )
    decided_at = grievance.rejected_at if grievance.status is Status.REJECTED else grievance.closed_at
    if decided_at is None or now - decided_at > APPEAL_WINDOW:
        raise ActionNotAllowed(Action.APPEAL.value, grievance.status, "appeal: only within 30 days of the decision.")
    after = replace(
        grievance,
        status=Status.ASSIGNED,
        appealed=True,
        breached=False,
        level=APPELLATE_LEVEL,
        assignee_id=appellate_id,
        sla_hours=grievance.sla_hours or sla_hours,
    )
    after = _rearm(after, clock, now)
    return Change(
        after, [_event(events.GrievanceAppealed, citizen, now, grievance, after, note=reason, level=APPELLATE_LEVEL)]
    )


def escalate(grievance: Grievance, new_owner_id: str, clock: SlaClock, now: datetime) -> Change:
    """The SLA ran out at this level: up one level, to a new owner with a fresh deadline."""
    level = min(grievance.level + 1, TOP_LEVEL)
    after = _rearm(replace(grievance, level=level, assignee_id=new_owner_id, breached=True), clock, now)
    event = _event(
        events.GrievanceEscalated,
        SYSTEM,
        now,
        grievance,
        after,
        level=level,
        owner_role=ESCALATION_ROLES[level].value,
        first_breach=not grievance.breached,
    )
    return Change(after, [event])


class TimerKind(StrEnum):
    """What a timer's message says. An SLA timer sends a warning, then its breach; the timer
    of a resolved grievance says when it is due to close."""

    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    AUTO_CLOSE_DUE = "auto_close_due"


@dataclass(frozen=True)
class Timer:
    """The timer a grievance should have running: one per `timer_seq`."""

    purpose: str  # "sla" | "auto_close"
    level: int
    timer_seq: int
    warn_at: datetime
    due_at: datetime


def timer_of(grievance: Grievance) -> Timer | None:
    """The timer of the grievance's current `timer_seq`, if its state has one: an SLA timer
    while its clock runs, the closing timer once resolved, none otherwise (paused, decided,
    awaiting routing)."""
    if grievance.due_at is None or grievance.warn_at is None:
        return None
    if grievance.status in CLOCK_RUNNING:
        purpose = "sla"
    elif grievance.status is Status.RESOLVED:
        purpose = "auto_close"
    else:
        return None
    return Timer(purpose, grievance.level, grievance.timer_seq, grievance.warn_at, grievance.due_at)


class TimerVerdict(StrEnum):
    """What one timer message means for the grievance as it is now."""

    STALE = "stale"  # nothing to do
    REPLACED = "replaced"  # a newer timer stands: nothing to do but make sure it runs
    DUPLICATE = "duplicate"  # acted on already
    WARN = "warn"
    ESCALATE = "escalate"
    BREACHED_AT_TOP = "breached_at_top"
    CLOSE = "close"


def timer_verdict(
    grievance: Grievance | None, kind: str, level: int, timer_seq: int, *, legacy: bool = False
) -> TimerVerdict:
    """What the `kind` message of the timer (`level`, `timer_seq`) means now. `legacy`: sent
    by a timer started before timers named their purpose, whose breach on a resolved
    grievance meant its closing date."""
    if grievance is None or grievance.timer_seq < timer_seq:
        return TimerVerdict.STALE
    if grievance.timer_seq > timer_seq:
        return TimerVerdict.REPLACED
    if grievance.status is Status.RESOLVED:
        closes = kind == TimerKind.AUTO_CLOSE_DUE or (legacy and kind == TimerKind.SLA_BREACHED)
        return TimerVerdict.CLOSE if closes else TimerVerdict.STALE
    if grievance.status not in CLOCK_RUNNING or grievance.level != level:
        return TimerVerdict.STALE
    if kind not in _SLA_KINDS or timer_event_seen(grievance, timer_seq, kind):
        return TimerVerdict.DUPLICATE
    if kind == TimerKind.SLA_WARNING:
        return TimerVerdict.WARN
    return TimerVerdict.BREACHED_AT_TOP if grievance.level >= TOP_LEVEL else TimerVerdict.ESCALATE


# A timer sends its warning before its breach; having acted on a later kind covers the earlier.
_SLA_KINDS = (TimerKind.SLA_WARNING.value, TimerKind.SLA_BREACHED.value)


def timer_event_seen(grievance: Grievance, timer_seq: int, kind: str) -> bool:
    """Whether this timer's `kind` message (or a later one of the same timer) was acted on
    already without re-arming: a redelivered or late message is then a duplicate."""
    if grievance.last_timer_event is None:
        return False
    seq, _, done = grievance.last_timer_event.partition(":")
    if seq != str(timer_seq) or done not in _SLA_KINDS or kind not in _SLA_KINDS:
        return False
    return _SLA_KINDS.index(done) >= _SLA_KINDS.index(kind)


def warn(grievance: Grievance, now: datetime) -> Change:
    """80 % of the SLA is gone without a resolution: the owner is warned (once per timer)."""
    after = replace(grievance, last_timer_event=f"{grievance.timer_seq}:sla_warning")
    return Change(after, [_event(events.GrievanceSlaWarned, SYSTEM, now, grievance, after, level=grievance.level)])


def breached_at_top(grievance: Grievance, now: datetime) -> Change:
    """The state cell's own deadline passed: nobody above to escalate to; recorded and told."""
    after = replace(grievance, last_timer_event=f"{grievance.timer_seq}:sla_breached", breached=True)
    event = _event(
        events.GrievanceBreachedAtTop,
        SYSTEM,
        now,
        grievance,
        after,
        level=grievance.level,
        first_breach=not grievance.breached,
    )
    return Change(after, [event])


def support(grievance: Grievance, citizen: Principal, now: datetime) -> Change:
    """Another citizen with the same problem nearby says "me too": the grievance rises."""
    if not grievance.is_open:
        raise ActionNotAllowed("support", grievance.status)
    after = replace(grievance, priority=grievance.priority + 1, supporters=grievance.supporters + 1)
    return Change(
        after, [_event(events.GrievanceSupported, citizen, now, grievance, after, supporters=after.supporters)]
    )


def nearness(a: Grievance, b: Grievance) -> str | None:
    """The one "same problem nearby" rule, which makes a "me too" offer and entitles its
    taker to support the other: the same category and district, and "same_ward" or
    "nearby" (within 250 m when both have coordinates); None when not."""
    if a.category is None or a.category != b.category or a.district != b.district:
        return None
    if a.ward is not None and a.ward == b.ward:
        return "same_ward"
    distance = _distance_m(a, b)
    return "nearby" if distance is not None and distance <= NEARBY_METRES else None


def _distance_m(a: Grievance, b: Grievance) -> float | None:
    """Great-circle distance (haversine) in metres; None without coordinates."""
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def choose_owner(candidates: list[tuple[str, int, str]]) -> str | None:
    """The least-loaded officer; on a tie the one given work longest ago (round-robin),
    then the smaller id. Candidates are (officer_id, open grievances, last assigned ISO)."""
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c[1], c[2], c[0]))[0]


def seats_for_level(level: int, department: str | None, district: str) -> list[tuple[Role, str | None, str | None]]:
    """Where an owner at `level` is looked for, nearest first: (role, department, district).
    A level with nobody seated falls through to the next one up."""
    if department is None or department == STATE_CELL:
        return [(Role.STATE_ADMIN, None, None)]
    ladder = [
        (Role.OFFICER, department, district),
        (Role.SUPERVISOR, department, district),
        (Role.DEPARTMENT_HEAD, department, None),
        (Role.STATE_ADMIN, None, None),
    ]
    return ladder[min(level, TOP_LEVEL) :]
