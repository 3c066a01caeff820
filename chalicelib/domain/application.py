"""A service application and its stages: who may move it, and what each move causes.

```
submitted --start_verification--> under_verification --verify--> processing --approve--> approved
                                        |                             |                      |
                                        +--------reject---------------+--> rejected          |
                                        |                             |       |           complete
                                        +--request_info--> info_requested     +--complete--> completed
                                           (SLA paused) --provide_info--> back where it was asked
```
`reject` is open from verification and processing, `request_info` too; the citizen's
`provide_info` returns the application to the stage it was asked from with the SLA time
that was left. Every move is a pure function of the application, the actor and `now`; a
move the stage does not allow raises `StageNotAllowed`, naming the actions it does allow.
The SLA counts the service's `sla_days` as working days of the state's calendar, from
submission until the service is delivered (completed) or refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from chalicelib.domain import access, events
from chalicelib.domain.access import CaseScope
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.events import Event
from chalicelib.domain.grievance import required_note
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.sla import SlaClock


class Stage(StrEnum):
    SUBMITTED = "submitted"
    UNDER_VERIFICATION = "under_verification"
    PROCESSING = "processing"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    COMPLETED = "completed"


class Action(StrEnum):
    START_VERIFICATION = "start_verification"
    VERIFY = "verify"
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"
    APPROVE = "approve"
    REJECT = "reject"
    COMPLETE = "complete"
    COMMENT = "comment"


ALLOWED: dict[Stage, frozenset[Action]] = {
    Stage.SUBMITTED: frozenset({Action.START_VERIFICATION, Action.COMMENT}),
    Stage.UNDER_VERIFICATION: frozenset({Action.VERIFY, Action.REQUEST_INFO, Action.REJECT, Action.COMMENT}),
    Stage.PROCESSING: frozenset({Action.APPROVE, Action.REJECT, Action.REQUEST_INFO, Action.COMMENT}),
    # A citizen who never answers must not hold an officer's desk for ever: it can be refused.
    Stage.INFO_REQUESTED: frozenset({Action.PROVIDE_INFO, Action.REJECT, Action.COMMENT}),
    Stage.APPROVED: frozenset({Action.COMPLETE, Action.COMMENT}),
    Stage.REJECTED: frozenset({Action.COMPLETE, Action.COMMENT}),
    Stage.COMPLETED: frozenset({Action.COMMENT}),
}
CITIZEN_ACTIONS = frozenset({Action.PROVIDE_INFO})
# The SLA clock runs until the service is delivered or refused; it stops while the
# department waits on the citizen.
CLOCK_RUNNING = frozenset({Stage.SUBMITTED, Stage.UNDER_VERIFICATION, Stage.PROCESSING, Stage.APPROVED})
# On the officer's desk (queue and load) until completed: a rejection still has to be closed.
OPEN = CLOCK_RUNNING | {Stage.INFO_REQUESTED, Stage.REJECTED}
TRACKING_ID_PATTERN = r"^[A-Z]{2}-APP-[0-9]{6}-[0-9A-Z]{6}$"
# What the applicant waits for next, by stage (for the citizen's view).
NEXT_STEP: dict[Stage, tuple[str | None, str]] = {
    Stage.SUBMITTED: ("department", "An officer starts verifying your application."),
    Stage.UNDER_VERIFICATION: ("department", "The officer verifies your details and documents."),
    Stage.PROCESSING: ("department", "The department decides on your application."),
    Stage.INFO_REQUESTED: ("citizen", "Answer the officer's request (provide_info) to continue."),
    Stage.APPROVED: ("department", "The department delivers the service."),
    Stage.REJECTED: ("department", "The department closes the file with the reason given."),
    Stage.COMPLETED: (None, "Nothing: the application is complete."),
}


class StageNotAllowed(Conflict):
    """409: this action cannot happen at the application's current stage."""

    code = "action_not_allowed"

    def __init__(self, action: str, stage: Stage) -> None:
        super().__init__(f"{action} is not allowed while the application is {stage.value}.", field="action")
        self.allowed = sorted(a.value for a in ALLOWED[stage])


@dataclass(frozen=True)
class Document:
    """A file the applicant uploaded into one of the service's document slots."""

    slot: str
    key: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


@dataclass(frozen=True)
class InfoRequest:
    """What the officer asked for, and the stage the answer returns the application to."""

    note: str
    resume_to: Stage
    fields: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()


@dataclass(frozen=True)
class Application:
    tracking_id: str
    citizen_id: str
    service_code: str
    form_version: int
    department: str
    district: str
    fields: dict[str, Any]
    filed_at: datetime
    documents: dict[str, Document] = field(default_factory=dict)
    stage: Stage = Stage.SUBMITTED
    assignee_id: str | None = None
    sla_seconds: float = 0.0
    due_at: datetime | None = None
    sla_remaining_seconds: float | None = None  # set while the clock is paused
    info_request: InfoRequest | None = None
    decided_at: datetime | None = None
    completed_at: datetime | None = None
    version: int = 0
    audit_seq: int = 0
    audit_hash: str = ""

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN

    @property
    def scope(self) -> CaseScope:
        # Applications do not escalate: each stays at the first rung (an officer's seat,
        # or the nearest one above when none is occupied), so its officer and everyone
        # above them in reach may move it.
        return CaseScope(self.citizen_id, self.department, self.district, self.assignee_id, level=0)

    def overdue(self, now: datetime) -> bool:
        return self.stage in CLOCK_RUNNING and self.due_at is not None and now >= self.due_at


@dataclass(frozen=True)
class ApplicationChange:
    application: Application
    events: list[Event]


E = TypeVar("E", bound=Event)


def new_application_id(state_code: str, now: datetime) -> str:
    """`OD-APP-261130-7KQ3XM`: unmistakable for a grievance's id, read as easily over a phone."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"{state_code}-APP-{now:%y%m%d}-{''.join(secrets.choice(alphabet) for _ in range(6))}"


def sla_seconds_for(sla_days: int, clock: SlaClock) -> float:
    """A service's SLA in SLA seconds: `sla_days` full working days of the state's calendar."""
    start, end = clock.calendar.day_start, clock.calendar.day_end
    day = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return float(sla_days * day * 60)


def _event(kind: type[E], actor: Principal, now: datetime, before: Application, after: Application, **own: Any) -> E:
    return kind.by(actor, now, before.stage.value, after.stage.value, **own)


def submit(application: Application, citizen: Principal, clock: SlaClock, now: datetime) -> ApplicationChange:
    """A new application: its deadline starts now, its owner is already chosen."""
    after = replace(application, due_at=clock.deadline(now, application.sla_seconds, False))
    event = _event(
        events.ApplicationSubmitted,
        citizen,
        now,
        after,
        after,
        service=application.service_code,
        form_version=application.form_version,
        documents=sorted(application.documents),
    )
    return ApplicationChange(after, [event])


def require_may_act(actor: Principal, application: Application, action: Action) -> None:
    """The gate of every move, passed once before anything the caller sent is looked at
    (`act` trusts it): the applicant answers requests; staff move it along under the rule
    shared with grievances (`access.require_may_act`: the officer it is assigned to and
    those above them in reach). Forbidden for the wrong person, StageNotAllowed (409, with
    what is allowed) for the wrong moment."""
    if action in CITIZEN_ACTIONS:
        if actor.role is not Role.CITIZEN or actor.subject_id != application.citizen_id:
            raise Forbidden(f"Only the applicant may use {action.value}.", field="action")
    else:
        access.require_may_act(actor, application.scope, action.value)
    if action not in ALLOWED[application.stage]:
        raise StageNotAllowed(action.value, application.stage)


def act(
    application: Application,
    actor: Principal,
    action: Action,
    *,
    note: str | None,
    clock: SlaClock,
    now: datetime,
    requested_fields: tuple[str, ...] = (),
    requested_documents: tuple[str, ...] = (),
    answers: dict[str, Any] | None = None,
    documents: dict[str, Document] | None = None,
) -> ApplicationChange:
    """One move by an actor who passed `require_may_act`; `answers`/`documents` are the
    citizen's, already validated."""
    before = application
    match action:
        case Action.COMMENT:
            text = required_note(note, "the comment")
            return ApplicationChange(
                before, [_event(events.ApplicationCommented, actor, now, before, before, note=text)]
            )
        case Action.START_VERIFICATION:
            after = replace(before, stage=Stage.UNDER_VERIFICATION)
            return ApplicationChange(
                after, [_event(events.ApplicationVerificationStarted, actor, now, before, after, note=note)]
            )
        case Action.VERIFY:
            after = replace(before, stage=Stage.PROCESSING)
            return ApplicationChange(after, [_event(events.ApplicationVerified, actor, now, before, after, note=note)])
        case Action.REQUEST_INFO:
            return _request_info(before, actor, note, requested_fields, requested_documents, clock, now)
        case Action.PROVIDE_INFO:
            return _provide_info(before, actor, note, answers or {}, documents or {}, clock, now)
        case Action.APPROVE:
            after = replace(before, stage=Stage.APPROVED, decided_at=now)
            return ApplicationChange(after, [_event(events.ApplicationApproved, actor, now, before, after, note=note)])
        case Action.REJECT:
            reason = required_note(note, "the reason for rejecting")
            after = replace(
                before, stage=Stage.REJECTED, decided_at=now, due_at=None, info_request=None, sla_remaining_seconds=None
            )
            return ApplicationChange(
                after, [_event(events.ApplicationRejected, actor, now, before, after, note=reason)]
            )
        case Action.COMPLETE:
            after = replace(before, stage=Stage.COMPLETED, completed_at=now, due_at=None)
            return ApplicationChange(after, [_event(events.ApplicationCompleted, actor, now, before, after, note=note)])
    raise StageNotAllowed(action.value, application.stage)  # pragma: no cover - every Action is matched


def _request_info(
    before: Application,
    actor: Principal,
    note: str | None,
    fields: tuple[str, ...],
    documents: tuple[str, ...],
    clock: SlaClock,
    now: datetime,
) -> ApplicationChange:
    question = required_note(note, "what the citizen should provide")
    remaining = clock.remaining(now, before.due_at, False) if before.due_at else 0.0
    request = InfoRequest(note=question, resume_to=before.stage, fields=fields, documents=documents)
    after = replace(
        before, stage=Stage.INFO_REQUESTED, info_request=request, due_at=None, sla_remaining_seconds=remaining
    )
    event = _event(
        events.ApplicationInfoRequested,
        actor,
        now,
        before,
        after,
        note=question,
        fields=list(fields),
        documents=list(documents),
    )
    return ApplicationChange(after, [event])


def check_answer(application: Application, note: str | None, fields: set[str], slots: set[str]) -> None:
    """The citizen's answer carries what the officer asked for, and only that: what was
    verified already is not theirs to rewrite on the way back."""
    request = application.info_request
    if request is None:
        return
    unasked = [f"fields.{name}" for name in sorted(fields - set(request.fields))]
    unasked += [f"documents.{slot}" for slot in sorted(slots - set(request.documents))]
    if unasked:
        raise InvalidInput(f"{unasked[0]}: the officer did not ask for this.", field=unasked[0])
    missing = [f"documents.{slot}" for slot in request.documents if slot not in slots]
    missing += [f"fields.{name}" for name in request.fields if name not in fields]
    if missing:
        raise InvalidInput(f"{missing[0]}: the officer asked for this.", field=missing[0])
    if not (note and note.strip()) and not fields and not slots:
        raise InvalidInput("note: answer the officer's request.", field="note")


def _provide_info(
    before: Application,
    citizen: Principal,
    note: str | None,
    answers: dict[str, Any],
    documents: dict[str, Document],
    clock: SlaClock,
    now: datetime,
) -> ApplicationChange:
    request = before.info_request
    assert request is not None  # the stage guarantees it
    check_answer(before, note, set(answers), set(documents))
    remaining = before.sla_remaining_seconds or 0.0
    after = replace(
        before,
        stage=request.resume_to,
        fields={**before.fields, **answers},
        documents={**before.documents, **documents},
        info_request=None,
        sla_remaining_seconds=None,
        due_at=clock.deadline(now, remaining, False),
    )
    event = _event(
        events.ApplicationInfoProvided,
        citizen,
        now,
        before,
        after,
        note=(note or "").strip() or None,
        fields=sorted(answers),
        documents=sorted(documents),
    )
    return ApplicationChange(after, [event])
