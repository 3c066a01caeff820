"""Deliver one queued message through its channel (called by the messages consumer).

A failed send is tried again (the consumer postpones the SQS message for its backoff);
after the queue's last attempt the message's fallback (SMS ↔ email) is queued
instead, or, with none, the message goes to the DLQ. Every attempt is in the notification
log: sending, sent, retried, failed.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.delivery import LONGEST_POSTPONEMENT_SECONDS, quiet_hours_end
from chalicelib.models import notification_log
from chalicelib.notify.email import send_email
from chalicelib.notify.errors import Held, SendFailed, TryLater
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.queue import enqueue_notification
from chalicelib.notify.segments import sms_size
from chalicelib.notify.sms import send_sms
from chalicelib.services.sla_clock import state_zone

logger = Logger(child=True)


def deliver_notification(message: OutboundMessage, *, attempt: int = 1, last_attempt: bool = False) -> str | None:
    """Send `message`; returns the provider message id, or None when it was already sent
    (same dedupe key) or handed over to its fallback. Raises TryLater to be retried, or the
    provider's error on the last attempt when there is no fallback (the DLQ keeps it)."""
    now = utc_now()
    held_until = _quiet_hours_end(message, now)
    if held_until is not None:
        raise Held(min(int((held_until - now).total_seconds()) + 1, LONGEST_POSTPONEMENT_SECONDS), "quiet hours")
    logged = message.dedupe_key is not None and message.subject is not None
    subject, key = message.subject or "", message.dedupe_key or ""
    if logged and not notification_log.claim_delivery(
        subject, key, message.channel, now, template=message.template, language=message.language
    ):
        logger.info("notification already sent", extra={"channel": message.channel, "subject": message.subject})
        return None
    try:
        provider_id = _send(message)
    except SendFailed as error:
        code = error.code
        if logged:
            notification_log.record_failed_attempt(subject, key, code, final=last_attempt)
        logger.warning(
            "notification not delivered",
            extra={"channel": message.channel, "subject": message.subject, "attempt": attempt, "error": code},
        )
        if not last_attempt:
            raise TryLater(code) from error
        if message.fallback is None:
            raise
        enqueue_notification(message.fallback)
        logger.info(
            "notification falls back",
            extra={"channel": message.channel, "fallback": message.fallback.channel, "subject": message.subject},
        )
        return None
    if logged:
        size = sms_size(message.text) if message.channel == "sms" else None
        notification_log.record_delivery(
            subject,
            key,
            provider_id,
            encoding=size.encoding if size else None,
            segments=size.segments if size else None,
        )
    # Never log the recipient or the text: they are personal data (and may carry an OTP).
    logger.info("notification delivered", extra={"channel": message.channel, "subject": message.subject})
    return provider_id


def outcomes_recorded_per_batch() -> AbstractContextManager[None]:
    """Around one batch of a queue consumer (messages, webhooks, announcements): every send
    is still claimed in the notification log before it goes out, but what went out is
    recorded in one write when the batch is done, not one a message."""
    return notification_log.records_written_together()


def _send(message: OutboundMessage) -> str:
    if message.channel == "sms":
        return send_sms(message.to, message.text)
    return send_email(message.to, message.title or "", message.text, message.html)


def _quiet_hours_end(message: OutboundMessage, now: datetime) -> datetime | None:
    window = get_settings().quiet_hours
    if not (window and message.channel == "sms" and message.hold_in_quiet_hours):
        return None
    return quiet_hours_end(now, window, state_zone())
