"""What happened: one small class per domain event, named in the past tense.

A move of a grievance, an application or a citizen's record returns the events it caused.
Each becomes one entry of the record's hash-chained audit trail (`name`, the actor, the
states, the note, and the event's own fields as `details`), and the dispatcher
(`services/dispatch.py`) runs the reactions mapped to its class: route, start the SLA
timer, announce, count. `name` is the word clients see (audit history, webhooks, the
department topic, message templates); the class is the word the code reacts to.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Self

from chalicelib.domain.identity import Principal, Role

SYSTEM = Principal("system", Role.STATE_ADMIN)  # the actor of routing, timers and escalation


@dataclass(frozen=True, kw_only=True)
class Event:
    name: ClassVar[str]
    # Staff-only (an internal note): kept in the trail, announced to no one.
    internal: ClassVar[bool] = False

    actor_id: str
    actor_role: str
    at: datetime
    from_state: str | None
    to_state: str | None
    note: str | None = None

    @classmethod
    def by(cls, actor: Principal, at: datetime, from_state: str | None, to_state: str | None, **own: Any) -> Self:
        """The event of one move by `actor`; `own` are the event class's own fields."""
        role = "system" if actor is SYSTEM else actor.role.value
        return cls(actor_id=actor.subject_id, actor_role=role, at=at, from_state=from_state, to_state=to_state, **own)

    @property
    def details(self) -> dict[str, Any]:
        """The event's own fields (those it does not share with every event), unset ones left out."""
        shared = {f.name for f in dataclasses.fields(Event)}
        return {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in shared and getattr(self, f.name) is not None
        }


# --- grievances -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GrievanceFiled(Event):
    name = "filed"
    channel: str
    # Staff at a helpline or service centre filed it for the citizen (who confirmed by OTP).
    assisted_by: str | None = None
    # Who relayed it: a kiosk's id, another portal's name, an Open311 client.
    source: str | None = None


@dataclass(frozen=True, kw_only=True)
class GrievanceAssigned(Event):
    name = "assigned"
    department: str
    level: int


@dataclass(frozen=True, kw_only=True)
class GrievanceAccepted(Event):
    name = "accepted"


@dataclass(frozen=True, kw_only=True)
class GrievanceCommented(Event):
    name = "commented"
    internal = True


@dataclass(frozen=True, kw_only=True)
class GrievanceInfoRequested(Event):
    name = "info_requested"


@dataclass(frozen=True, kw_only=True)
class GrievanceInfoProvided(Event):
    name = "info_provided"


@dataclass(frozen=True, kw_only=True)
class GrievanceTransferred(Event):
    name = "transferred"
    to_department: str
    from_department: str | None = None
    left_overdue: bool = False  # overdue in the department it left (the receiver starts afresh)


@dataclass(frozen=True, kw_only=True)
class GrievanceReassigned(Event):
    name = "reassigned"
    officer_id: str


@dataclass(frozen=True, kw_only=True)
class GrievanceHandedOver(Event):
    """Its owner left the seat (deactivated or re-posted): the grievance went to the seat's
    next owner with its level, deadlines and running timer kept."""

    name = "handed_over"
    from_officer: str
    to_officer: str
    reason: str  # officer_deactivated | officer_reposted


@dataclass(frozen=True, kw_only=True)
class GrievanceResolved(Event):
    name = "resolved"
    on_time: bool | None = None  # met its SLA (Grievance.disposed_on_time); None: no SLA ran
    own_deadline: bool | None = None  # within the deadline its present owner was given


@dataclass(frozen=True, kw_only=True)
class GrievanceRejected(Event):
    name = "rejected"
    on_time: bool | None = None
    own_deadline: bool | None = None


@dataclass(frozen=True, kw_only=True)
class GrievanceClosed(Event):
    """Closed by the citizen's rating, or by itself (`reason`) when none came in time."""

    name = "closed"
    rating: int | None = None
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class GrievanceReopened(Event):
    name = "reopened"


@dataclass(frozen=True, kw_only=True)
class GrievanceAppealed(Event):
    name = "appealed"
    level: int


@dataclass(frozen=True, kw_only=True)
class GrievanceEscalated(Event):
    name = "escalated"
    level: int
    owner_role: str
    first_breach: bool = False  # the first deadline missed in this round: it became overdue


@dataclass(frozen=True, kw_only=True)
class GrievanceSlaWarned(Event):
    """Most of the SLA at this level is gone: the owner is warned."""

    name = "sla_warning"
    level: int


@dataclass(frozen=True, kw_only=True)
class GrievanceBreachedAtTop(Event):
    """The state cell's own deadline passed: there is nobody above to escalate to."""

    name = "sla_breached"
    level: int
    first_breach: bool = False


@dataclass(frozen=True, kw_only=True)
class GrievanceSupported(Event):
    """Another citizen with the same problem nearby said "me too"."""

    name = "supported"
    supporters: int


@dataclass(frozen=True, kw_only=True)
class GrievanceCitizenWrote(Event):
    """The citizen wrote about it (an email reply) while nobody had asked them anything:
    kept in the trail for the officer, the state unchanged."""

    name = "citizen_wrote"
    channel: str


@dataclass(frozen=True, kw_only=True)
class GrievanceLinkedToAccount(Event):
    """Filed by an unverified contact (SMS, email, a call) who has since registered and
    proved the same mobile or email: it is now their account's."""

    name = "linked_to_account"
    contact_id: str


@dataclass(frozen=True, kw_only=True)
class GrievanceErased(Event):
    """The citizen's personal data taken out at their request; `erased_notes` vouches for
    the digests of the notes removed from earlier entries (domain/audit.py)."""

    name = "personal_data_erased"
    erased: list[str]
    erased_notes: dict[str, str]


# --- service applications ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ApplicationSubmitted(Event):
    name = "application_submitted"
    service: str
    form_version: int
    documents: list[str]


@dataclass(frozen=True, kw_only=True)
class ApplicationCommented(Event):
    name = "application_commented"
    internal = True


@dataclass(frozen=True, kw_only=True)
class ApplicationVerificationStarted(Event):
    name = "application_verification_started"


@dataclass(frozen=True, kw_only=True)
class ApplicationVerified(Event):
    name = "application_verified"


@dataclass(frozen=True, kw_only=True)
class ApplicationInfoRequested(Event):
    name = "application_info_requested"
    fields: list[str]
    documents: list[str]


@dataclass(frozen=True, kw_only=True)
class ApplicationInfoProvided(Event):
    name = "application_info_provided"
    fields: list[str]
    documents: list[str]


@dataclass(frozen=True, kw_only=True)
class ApplicationHandedOver(Event):
    """Its officer left the seat: the application went to the seat's next officer, its
    deadline kept."""

    name = "application_handed_over"
    from_officer: str
    to_officer: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ApplicationApproved(Event):
    name = "application_approved"


@dataclass(frozen=True, kw_only=True)
class ApplicationRejected(Event):
    name = "application_rejected"


@dataclass(frozen=True, kw_only=True)
class ApplicationCompleted(Event):
    name = "application_completed"


@dataclass(frozen=True, kw_only=True)
class ApplicationErased(Event):
    name = "application_personal_data_erased"
    erased: list[str]
    erased_notes: dict[str, str]


# --- citizens' records -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class NationalIdReleased(Event):
    """The state cell released a disputed national-ID claim (`national_id` is masked)."""

    name = "national_id_released"
    national_id: str


def event_types() -> list[type[Event]]:
    """Every kind of event, for the dispatcher's completeness check."""
    found: list[type[Event]] = []
    pending = list(Event.__subclasses__())
    while pending:
        kind = pending.pop(0)
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


def as_message(event: Event) -> dict[str, Any]:
    """An event as JSON-able data (its class by name, `at` as ISO-8601): what a request hands
    over to the events consumer, which runs the event's reactions."""
    data: dict[str, Any] = {field.name: getattr(event, field.name) for field in dataclasses.fields(event)}
    data["at"] = event.at.isoformat()
    return {"type": type(event).__name__, **data}


def from_message(data: dict[str, Any]) -> Event:
    """The event `as_message` made; KeyError for a class this code does not know."""
    kinds = {kind.__name__: kind for kind in event_types()}
    values = {key: value for key, value in data.items() if key != "type"}
    values["at"] = datetime.fromisoformat(values["at"])
    return kinds[data["type"]](**values)
