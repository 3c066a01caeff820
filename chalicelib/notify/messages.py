"""What the notification plumbing carries: announcements of saved events, and the messages
and webhook deliveries they fan out into."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class OutboundMessage(BaseModel):
    """A rendered message, queued for delivery. `subject` identifies the record it is
    about (tracking id or citizen id) for the notification log; never personal data."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    channel: Literal["sms", "email"]
    to: str = Field(min_length=3, max_length=254)
    text: str = Field(min_length=1, max_length=10_000)
    title: str | None = Field(default=None, max_length=200)
    html: str | None = None
    subject: str | None = None
    # Same key, same message: a redelivered event is sent once (see deliver_notification).
    dedupe_key: str | None = Field(default=None, max_length=300)
    # What it was rendered from, for the notification log.
    template: str | None = Field(default=None, max_length=100)
    language: str | None = Field(default=None, max_length=10)
    # Urgent messages (one-time codes, staff alerts) go at once; a citizen's grievance SMS
    # waits out the state's quiet hours.
    hold_in_quiet_hours: bool = False
    # Sent instead when this one cannot be delivered (SMS fails → email, and the reverse).
    fallback: OutboundMessage | None = None


class AnnouncedEvent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    seq: int  # the event's audit seq: with the tracking id, what makes each message unique
    name: str
    at: datetime
    note: str | None = None


class Announcement(BaseModel):
    """One saved event of a grievance or a service application (`kind`), published once on
    the events queue and fanned out to the citizen, the owner, the department's topic and
    its webhook. It carries the record as it was at the change, so the messages describe that
    moment even if it has moved on. For an application, `category` is the service code, `status` its
    stage and `service_names` the service's names by language."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kind: Literal["grievance", "application"] = "grievance"
    service_names: dict[str, str] = Field(default_factory=dict)
    tracking_id: str
    citizen_id: str
    assignee_id: str | None
    department: str | None
    category: str | None
    district: str
    status: str
    level: int
    due_at: datetime | None
    events: list[AnnouncedEvent] = Field(min_length=1)


HANDED_OVER = ("grievance_saved", "application_saved")


class HandedOver(BaseModel):
    """A move a request saved, handed to the events consumer in one message: the case as
    saved (`case`, as its table stores it) and the move's events (`domain.events.as_message`),
    whose reactions the consumer runs (services/dispatch.py). It shares the events queue
    with the announcements, told apart by `kind`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["grievance_saved", "application_saved"]
    case: dict[str, Any]
    events: list[dict[str, Any]] = Field(min_length=1)
    last_seq: int


class WebhookDelivery(BaseModel):
    """One event for one department's webhook; the URL and secret are looked up when it is
    sent, so a changed URL or a rotated secret applies to deliveries still queued."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    department: str
    delivery_id: str  # tracking id # audit seq: the receiver's idempotency key
    subject: str  # tracking id, for the notification log
    payload: dict[str, Any]
