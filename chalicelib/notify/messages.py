"""What the notification plumbing carries: one outbound message to one recipient."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class OutboundMessage(BaseModel):
    """A rendered message, queued for delivery. `subject` identifies the record it is
    about (tracking id or citizen id) for the notification log; never personal data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

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
