"""Deliver one queued message through its channel (called by the notifications consumer)."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from chalicelib.notify.email import send_email
from chalicelib.notify.messages import OutboundMessage
from chalicelib.notify.sms import send_sms

logger = Logger(child=True)


def deliver_notification(message: OutboundMessage) -> str:
    """Send `message`; returns the provider message id. Raises on failure so the queue
    redelivers it (and dead-letters it after the redrive limit)."""
    if message.channel == "sms":
        provider_id = send_sms(message.to, message.text)
    else:
        provider_id = send_email(message.to, message.title or "", message.text, message.html)
    # Never log the recipient or the text: they are personal data (and may carry an OTP).
    logger.info("notification delivered", extra={"channel": message.channel, "subject": message.subject})
    return provider_id
