"""Deliver one queued message through its channel (called by the notifications consumer)."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.models import records
from chalicelib.notify.email import send_email
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.segments import sms_size
from chalicelib.notify.sms import send_sms

logger = Logger(child=True)


def deliver_notification(message: OutboundMessage) -> str | None:
    """Send `message`; returns the provider message id, or None when a message with the same
    dedupe key was already sent. Raises on failure so the queue redelivers it (and
    dead-letters it after the redrive limit)."""
    logged = message.dedupe_key is not None and message.subject is not None
    if logged and not records.claim_delivery(
        message.subject or "",
        message.dedupe_key or "",
        message.channel,
        utc_now(),
        template=message.template,
        language=message.language,
    ):
        logger.info("notification already sent", extra={"channel": message.channel, "subject": message.subject})
        return None
    size = sms_size(message.text) if message.channel == "sms" else None
    if message.channel == "sms":
        provider_id = send_sms(message.to, message.text)
    else:
        provider_id = send_email(message.to, message.title or "", message.text, message.html)
    if logged:
        records.record_delivery(
            message.subject or "",
            message.dedupe_key or "",
            provider_id,
            encoding=size.encoding if size else None,
            segments=size.segments if size else None,
        )
    # Never log the recipient or the text: they are personal data (and may carry an OTP).
    logger.info("notification delivered", extra={"channel": message.channel, "subject": message.subject})
    return provider_id
