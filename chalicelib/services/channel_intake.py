"""Intake from every channel but the portal: one message, once, to the same desk.

A message (already authenticated by its channel's signature) is handled once per provider
message id (and per kiosk or portal, which number their messages themselves): posted again
within `KEEP_MESSAGE_IDS`, it gets the first answer and changes nothing. Its sender is the
citizen holding its mobile or email, or an unverified contact (services/contacts.py), made
only when something is filed. Then:

- SMS and WhatsApp words follow the SMS grammar (domain/sms_commands.py): GRV files, STATUS
  answers, HELP lists the categories, anything else is filed as free text and categorised
  by routing (the state cell takes what no keyword places).
- An email files its own words (quoted replies and signatures stripped); when its subject
  names one of the sender's grievances and SES vouched for the sender (SPF or DKIM), it is
  the citizen writing on that grievance instead.
- A kiosk's form, another portal's case and an IVRS call's keypad choice say outright what
  they file.

Filing goes through the same use case as the portal (duplicates linked, the daily limit, the
audit trail, routing), with the channel recorded. The citizen hears of a filing from the
`filed` announcement, with its tracking id, as every citizen does; every other outcome
(status, help, a duplicate, a message added) is answered here, by SMS to the mobile it came
from, or by email to an email's sender.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain import sms_commands
from chalicelib.domain.catalogue import localized
from chalicelib.domain.channel_replies import (
    district_list,
    district_named_in,
    reply_text,
    status_reply,
)
from chalicelib.domain.contact import normalize_email
from chalicelib.domain.email_intake import DEFAULT_MAX_CHARS, parse_email
from chalicelib.domain.errors import Conflict, DomainError, InvalidInput
from chalicelib.domain.grievance import citizen_writes
from chalicelib.domain.identity import Citizen, CitizenStatus
from chalicelib.domain.inbound import Channel, InboundMessage
from chalicelib.models import catalogue, grievances
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.queue import enqueue_notification
from chalicelib.services import contacts, one_time_codes
from chalicelib.services.dispatch import hand_over
from chalicelib.services.file_grievance import NewGrievance, file_for
from chalicelib.services.idempotency import IdempotencyKeyReused, StillInProgress, run_once
from chalicelib.services.sla_clock import current_clock, state_zone

logger = Logger(child=True)


class Outcome:
    FILED = "filed"  # a new grievance: the `filed` announcement tells the citizen
    DUPLICATE = "duplicate"  # the sender's open grievance of the same kind: its id is the answer
    STATUS = "status"
    HELP = "help"  # the HELP reply, or what is missing to file (words, a district)
    WROTE = "wrote"  # the citizen's words added to their grievance
    REFUSED = "refused"  # one message of several that could not be taken (`error` says why)


# How long a message id is remembered: a provider's redelivery, or a captured message posted
# again, within it gets the first answer. (The signature covers the body, not its timestamp.)
KEEP_MESSAGE_IDS = 30 * 24 * 3600

# Tries to write a reply on a grievance that keeps moving under it (each try reads it afresh).
WRITE_ATTEMPTS = 3


@dataclass(frozen=True)
class Answer:
    message_id: str
    outcome: str
    tracking_id: str | None = None
    reply: str | None = None  # what was sent back (None: the announcement answers)
    error: dict[str, Any] | None = None  # REFUSED only: {code, message, field}

    def as_dict(self) -> dict[str, Any]:
        answer = dataclasses.asdict(self)
        if self.error is None:
            del answer["error"]
        return answer


@dataclass
class _Sender:
    """Who wrote, as far as is known; a contact is made only when something is filed."""

    mobile: str | None
    email: str | None
    name: str | None
    language: str
    trust_account: bool
    known: Citizen | None

    @property
    def citizen_id(self) -> str | None:
        return self.known.citizen_id if self.known is not None else None

    def citizen(self, now: datetime) -> Citizen:
        if self.known is None:
            self.known = contacts.sender(
                mobile=self.mobile,
                email=self.email,
                name=self.name,
                language=self.language,
                now=now,
                trust_account=self.trust_account,
                looked_up=True,
            )
        return self.known


def receive_all(messages: list[InboundMessage], lambda_context: Any = None) -> list[Answer]:
    """Each message of one webhook. A lone message's refusal is the request's (a 4xx); in a
    webhook of several, each is answered on its own, so one the state cannot take (a foreign
    number, a limit reached) never holds back the others on every redelivery."""
    if len(messages) == 1:
        return [receive(messages[0], lambda_context)]
    answers = []
    for message in messages:
        try:
            answers.append(receive(message, lambda_context))
        except DomainError as refused:
            error = {"code": refused.code, "message": refused.message, "field": refused.field}
            answers.append(Answer(message.message_id, Outcome.REFUSED, error=error))
    return answers


def receive(message: InboundMessage, lambda_context: Any = None) -> Answer:
    """Handle `message` once per (channel and relay, message id); see the module docstring."""
    relay = f"{message.channel.value}:{message.source}" if message.source else message.channel.value
    try:
        answer = run_once(
            "channel_inbound",
            relay,
            message.message_id,
            _fingerprint(message),
            lambda: _handle(message).as_dict(),
            lambda_context,
            keep_seconds=KEEP_MESSAGE_IDS,
        )
    except IdempotencyKeyReused:
        raise Conflict("message_id: already received with other content.", field="message_id") from None
    except StillInProgress:
        raise Conflict("message_id: this message is still being handled; retry shortly.", field="message_id") from None
    return Answer(**answer)


def _fingerprint(message: InboundMessage) -> dict[str, Any]:
    """What makes a message the same message: not what the webhook around it added (a
    WhatsApp location or profile name arriving with it in one delivery and not in another)."""
    varying = {"lat", "lon", "name", "language"}
    return {k: v for k, v in dataclasses.asdict(message).items() if v is not None and k not in varying}


def _handle(message: InboundMessage, now: datetime | None = None) -> Answer:
    now = now or utc_now()
    mobile = one_time_codes.reachable_mobile(_plus(message.mobile), field="mobile") if message.mobile else None
    email = normalize_email(message.email, field="email") if message.email else None
    if mobile is None and email is None:
        raise InvalidInput("mobile: a mobile or an email is needed to answer the citizen.", field="mobile")
    settings = get_settings()
    said = message.language if message.language in settings.languages else None
    trust_account = message.sender_verified  # an email nobody vouched for never acts as an account
    known = contacts.known_sender(mobile=mobile, email=email, trust_account=trust_account)
    # An account's own language wins; a contact speaks the language it last chose.
    ours = known.language if known is not None and (known.status is CitizenStatus.ACTIVE or said is None) else None
    language = ours or said or settings.default_language
    sender = _Sender(mobile, email, message.name, language, trust_account, known)
    reply_by_email = message.channel is Channel.EMAIL or mobile is None
    if message.channel is Channel.EMAIL:
        answer = _email(message, sender, now)
    elif message.structured:
        answer = _structured(message, sender, now)
    else:
        answer = _words(message, sender, now)
    if answer.reply:
        _send_reply(answer, to=(email if reply_by_email else mobile) or "", by_email=reply_by_email, message=message)
    logger.info(
        "channel message handled",
        extra={"channel": message.channel.value, "outcome": answer.outcome, "tracking_id": answer.tracking_id},
    )
    return answer


def _words(message: InboundMessage, sender: _Sender, now: datetime) -> Answer:
    """SMS and WhatsApp: the SMS grammar."""
    language = sender.language
    categories = catalogue.list_categories()
    if not message.text.strip() and message.lat is not None:
        return _help(message, reply_text("need_words", language))
    command = sms_commands.parse_sms(message.text, [c.code for c in categories])
    if isinstance(command, sms_commands.Help):
        named = [(c.code, localized(c.names, language)) for c in sorted(categories, key=lambda c: c.code)]
        return _help(message, sms_commands.help_text(named, language))
    if isinstance(command, sms_commands.Status):
        grievance = grievances.get_grievance(command.tracking_id)
        if grievance is None or sender.citizen_id is None or grievance.citizen_id != sender.citizen_id:
            return _help(message, reply_text("not_found", language, tracking_id=command.tracking_id))
        text = status_reply(grievance, language, state_zone())
        return Answer(message.message_id, Outcome.STATUS, grievance.tracking_id, text)
    category = command.category if isinstance(command, sms_commands.File) else None
    text = command.text + (" " + reply_text("truncated", language, limit="1000") if command.truncated else "")
    return _file(message, sender, now, text=text, category=category)


def _email(message: InboundMessage, sender: _Sender, now: datetime) -> Answer:
    language = sender.language
    note = reply_text("truncated", language, limit=str(DEFAULT_MAX_CHARS))
    email = parse_email(message.subject or "", message.text, message.email or "", DEFAULT_MAX_CHARS - len(note) - 2)
    body = f"{email.body}\n\n{note}" if email.truncated else email.body
    if email.reply_to and message.sender_verified and sender.citizen_id is not None:
        # The grievance may move under the reply (routing, an officer); the citizen's words
        # are then written on it as it is now, not bounced back to the relay as a 409.
        for attempt in range(WRITE_ATTEMPTS):
            grievance = grievances.get_grievance(email.reply_to)
            if grievance is None or grievance.citizen_id != sender.citizen_id:
                break
            if not body.strip():
                return _help(message, reply_text("need_words", language))
            citizen = sender.citizen(now)
            change = citizen_writes(grievance, citizen.principal(), body, message.channel.value, current_clock(), now)
            try:
                saved = grievances.save_change(grievance, change, now)
            except Conflict:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                continue
            hand_over(saved, change.events, saved.audit_seq)
            text = reply_text("reply_added", language, tracking_id=saved.tracking_id)
            return Answer(message.message_id, Outcome.WROTE, saved.tracking_id, text)
    # Not the sender's grievance: their words are a complaint of their own, never lost. Nor
    # does an email whose sender SES could not vouch for (DMARC) write on one: anyone can put
    # a citizen's address in a From line. It files, as a contact's, never as the account's.
    return _file(message, sender, now, text=body, category=None)


def _structured(message: InboundMessage, sender: _Sender, now: datetime) -> Answer:
    """Kiosk, portal and IVRS: the category and place come with the message."""
    category = message.category
    if message.channel is Channel.IVRS:
        category = get_settings().ivrs_menu.get(message.keypad or "")
    if category is not None and catalogue.lookup_category(category) is None:
        category = None  # not a category of this state: routing categorises the words
    text = message.text.strip()
    if message.recording:
        text = f"{text}\n[Recorded by phone: {message.recording}]".strip()
    return _file(message, sender, now, text=text, category=category)


def _file(message: InboundMessage, sender: _Sender, now: datetime, *, text: str, category: str | None) -> Answer:
    language = sender.language
    districts = catalogue.list_districts()
    home = sender.known.address.district if sender.known is not None and sender.known.address is not None else None
    district = message.district or district_named_in(text, districts) or home
    if district is None or catalogue.lookup_district(district) is None:
        if message.structured and message.channel is not Channel.IVRS:
            raise InvalidInput("district: no such district in this state.", field="district")
        example = localized(districts[0].names, language) if districts else "-"
        listed = district_list(districts, language)
        return _help(message, reply_text("need_district", language, district=example, districts=listed))
    if len(" ".join(text.split())) < 10:
        return _help(message, reply_text("need_words", language))
    request = NewGrievance(
        description=text,
        district=district,
        category=category,
        ward=message.ward,
        lat=message.lat,
        lon=message.lon,
        channel=message.channel.value,
    )
    source = f"{message.channel.value}:{message.source}" if message.source else None
    filed = file_for(sender.citizen(now).principal(), request, source=source, now=now)
    if filed.duplicate:
        reply = reply_text("already_open", language, tracking_id=filed.tracking_id)
        return Answer(message.message_id, Outcome.DUPLICATE, filed.tracking_id, reply)
    return Answer(message.message_id, Outcome.FILED, filed.tracking_id)


def _help(message: InboundMessage, text: str) -> Answer:
    return Answer(message.message_id, Outcome.HELP, None, text)


def _send_reply(answer: Answer, *, to: str, by_email: bool, message: InboundMessage) -> None:
    title = None
    if by_email:
        subject = (message.subject or "").strip()
        title = (subject if subject.lower().startswith("re:") else f"Re: {subject}")[:200] if subject else "Re:"
    enqueue_notification(
        OutboundMessage(
            channel="email" if by_email else "sms",
            to=to,
            text=answer.reply or "",
            title=title,
            subject=answer.tracking_id or f"{message.channel.value}-message",
            dedupe_key=f"inbound#{message.channel.value}#{message.message_id}"[:300],
        )
    )


def _plus(mobile: str) -> str:
    """WhatsApp and some gateways write the country code without its "+"."""
    digits = mobile.strip()
    return digits if digits.startswith("+") or len(digits) <= 10 else f"+{digits}"
