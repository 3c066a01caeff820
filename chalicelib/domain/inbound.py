"""One message that reached the state by a channel other than the portal, in the shape the
intake use case reads whatever its provider wrote (SMS gateway, SES, IVRS, WhatsApp, a
kiosk, another portal).

A message either carries free words (SMS, WhatsApp text, email: read by the SMS grammar or
as an email) or says outright what it files (a kiosk's form, an IVRS call's keypad choice,
another portal's case): `structured` tells which.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    """The channels that post to `/channels/{channel}/inbound`."""

    SMS = "sms"
    EMAIL = "email"
    IVRS = "ivrs"
    KIOSK = "kiosk"
    WHATSAPP = "whatsapp"
    PORTAL = "portal"


@dataclass(frozen=True)
class InboundMessage:
    channel: Channel
    message_id: str  # the provider's id: the same id posted twice is one message
    text: str  # what the citizen said (an email's plain-text body, as sent; an IVRS call's description)
    mobile: str | None = None  # as the provider wrote it (E.164 with or without "+")
    email: str | None = None
    name: str | None = None  # what the provider knows the sender as (a WhatsApp profile, a portal's record)
    subject: str | None = None  # email only
    structured: bool = False  # the category and place come from the fields below, not from `text`
    category: str | None = None  # a catalogue code (kiosk, portal)
    keypad: str | None = None  # IVRS: the digits pressed at the category menu
    recording: str | None = None  # IVRS: the provider's reference to the recorded description
    district: str | None = None
    ward: str | None = None
    lat: float | None = None
    lon: float | None = None
    language: str | None = None  # what the provider says the citizen chose (IVRS menu language, kiosk screen)
    source: str | None = None  # who relayed it: the kiosk's id, the portal's name (CPGRAMS, e-Abhijog, ...)
    external_ref: str | None = None  # the relaying portal's own id for the case
    # Email: whether the receiving service vouched for the sender (DMARC passed for the From
    # line's domain). A From line is easy to forge: an unvouched email files as a contact's,
    # never as an account's, and never writes on an existing grievance.
    sender_verified: bool = True
