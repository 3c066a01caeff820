"""SQS consumers of the notification queues, each with partial batch failures.

- `events`: what a request saved, handed over for its reactions to run
  (services/dispatch.py), and one announcement per saved domain event, fanned out into
  messages and webhook deliveries;
- `messages`: one SMS or email per record;
- `webhooks`: one signed POST to a department per record.

Only the records that failed go back to their queue (Powertools' BatchProcessor builds the
`batchItemFailures` answer), hidden for an exponential backoff computed here and nowhere
else; a malformed record fails alone and reaches the DLQ after the queue's last attempt
instead of blocking its batch.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.config import get_settings
from chalicelib.domain.delivery import retry_delay_seconds
from chalicelib.handlers.sqs import each_record
from chalicelib.notify.errors import Held
from chalicelib.notify.messages import HANDED_OVER, Announcement, HandedOver, OutboundMessage, WebhookDelivery
from chalicelib.notify.queue import DELIVERY_ATTEMPTS, postpone, requeue
from chalicelib.resource_names import Queue
from chalicelib.services.announcements import fan_out
from chalicelib.services.deliver_notification import deliver_notification, outcomes_recorded_per_batch
from chalicelib.services.deliver_webhook import deliver_webhook
from chalicelib.services.dispatch import react

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

T = TypeVar("T")


def _with_retries(queue: Queue, record: SQSRecord, work: Callable[[int, bool], T]) -> T | None:
    """Run `work(attempt, last_attempt)` for one record. A failure (TryLater or anything
    else) hides the record for base × 2^(attempt-1) seconds; after the last attempt it comes
    back at once, so the next receive moves it to the DLQ instead of after the queue's
    timeout. A held record (quiet hours) is hidden for as long as it asked."""
    attempt = int(record.attributes.approximate_receive_count or 1)
    last_attempt = attempt >= DELIVERY_ATTEMPTS[queue]
    try:
        return work(attempt, last_attempt)
    except Held as held:
        if attempt > 1:
            # Holding this copy would spend one of its remaining attempts (or all of them):
            # a fresh copy starts counting again, and this one is done.
            requeue(queue, record.body)
            return None
        postpone(queue, record.receipt_handle, held.seconds)
        raise
    except Exception:
        delay = 0 if last_attempt else retry_delay_seconds(attempt, get_settings().retry_base_seconds)
        postpone(queue, record.receipt_handle, delay)
        raise


def _fan_out_record(record: SQSRecord) -> None:
    if json.loads(record.body).get("kind") in HANDED_OVER:
        handed = HandedOver.model_validate_json(record.body)
        _with_retries(Queue.EVENTS, record, lambda _attempt, _last: react(handed))
        return
    announcement = Announcement.model_validate_json(record.body)
    _with_retries(Queue.EVENTS, record, lambda _attempt, _last: fan_out(announcement))


def _deliver_record(record: SQSRecord) -> str | None:
    message = OutboundMessage.model_validate_json(record.body)
    return _with_retries(
        Queue.MESSAGES,
        record,
        lambda attempt, last: deliver_notification(message, attempt=attempt, last_attempt=last),
    )


def _deliver_webhook_record(record: SQSRecord) -> int | None:
    delivery = WebhookDelivery.model_validate_json(record.body)
    return _with_retries(
        Queue.WEBHOOKS,
        record,
        lambda attempt, last: deliver_webhook(delivery, attempt=attempt, last_attempt=last),
    )


def fan_out_events(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    with outcomes_recorded_per_batch():
        return each_record(event, context, _fan_out_record)


def deliver_notifications(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    with outcomes_recorded_per_batch():
        return each_record(event, context, _deliver_record)


def deliver_webhooks(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    with outcomes_recorded_per_batch():
        return each_record(event, context, _deliver_webhook_record)
