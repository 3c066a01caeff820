"""Deliver one event to a department's webhook (called by the webhooks consumer).

The body is the event as JSON plus `delivery_id` and `timestamp`; `X-Signature` is the
HMAC-SHA256 of exactly those bytes with the department's secret. A failure is retried
(the consumer backs off); after the queue's last attempt the delivery is listed for the
state cell (`GET /webhooks/dead-letters`) and left in the DLQ.
"""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.models import catalogue, notification_log
from chalicelib.notify.errors import SendFailed, TryLater
from chalicelib.notify.messages import WebhookDelivery
from chalicelib.notify.webhook import post_json
from chalicelib.security.webhook_signature import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    department_secret,
    sign,
)

logger = Logger(child=True)


def deliver_webhook(delivery: WebhookDelivery, *, attempt: int = 1, last_attempt: bool = False) -> int | None:
    """POST the delivery; returns the receiver's status, or None when there is nothing to do
    (already delivered, or the department has no webhook any more)."""
    webhook = catalogue.get_department_webhook(delivery.department)
    if webhook is None:
        return None
    now = utc_now()
    key = f"{delivery.delivery_id}#webhook#{delivery.department}"
    if not notification_log.claim_delivery(delivery.subject, key, "webhook", now):
        return None
    timestamp = str(int(now.timestamp()))
    body = json.dumps(
        {**delivery.payload, "delivery_id": delivery.delivery_id, "timestamp": int(timestamp)},
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    headers = {
        SIGNATURE_HEADER: sign(department_secret(webhook.department, webhook.secret_version), body),
        TIMESTAMP_HEADER: timestamp,
        DELIVERY_HEADER: delivery.delivery_id,
    }
    try:
        status = post_json(webhook.url, body, headers, public_only=not get_settings().is_local)
    except SendFailed as error:
        notification_log.record_failed_attempt(delivery.subject, key, error.code, final=last_attempt)
        extra = {"department": delivery.department, "subject": delivery.subject, "attempt": attempt}
        logger.warning("webhook not delivered", extra={**extra, "error": error.code})
        if not last_attempt:
            raise TryLater(error.code) from error
        notification_log.record_dead_letter(
            "webhook", delivery.department, delivery.delivery_id, error.code, attempt, now
        )
        raise
    notification_log.record_delivery(delivery.subject, key, f"HTTP {status}")
    logger.info("webhook delivered", extra={"department": delivery.department, "subject": delivery.subject})
    return status
