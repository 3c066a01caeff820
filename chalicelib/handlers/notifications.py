"""SQS consumers of the notification queues, each with partial batch failures.

- `events`: one announcement per saved grievance change, fanned out into messages and
  webhook deliveries;
- `notifications`: one SMS or email per record;
- `webhooks`: one signed POST to a department per record.

Only the records that failed go back to their queue (Powertools' BatchProcessor builds the
`batchItemFailures` answer), hidden for the backoff the use case asked for; a malformed
record fails alone and reaches the DLQ after the queue's last attempt instead of blocking
its batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from chalicelib.config import get_settings
from chalicelib.domain.delivery import retry_delay_seconds
from chalicelib.handlers.sqs import each_record
from chalicelib.notify.errors import Held, TryLater
from chalicelib.notify.messages import GrievanceAnnouncement, OutboundMessage, WebhookDelivery
from chalicelib.notify.queue import (
    DELIVERY_ATTEMPTS,
    EVENTS_QUEUE,
    NOTIFICATIONS_QUEUE,
    WEBHOOKS_QUEUE,
    postpone,
    requeue,
)
from chalicelib.services.deliver_notification import deliver_notification
from chalicelib.services.deliver_webhook import deliver_webhook
from chalicelib.services.grievance_notices import fan_out

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

T = TypeVar("T")


def _with_retries(queue: str, record: SQSRecord, work: Callable[[int, bool], T]) -> T | None:
    """Run `work(attempt, last_attempt)` for one record. A failure hides the record for the
    backoff asked for (TryLater) or the default one; after the last attempt it comes back
    at once, so the next receive moves it to the DLQ instead of after the queue's timeout."""
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
    except TryLater as later:
        postpone(queue, record.receipt_handle, later.seconds)
        raise
    except Exception:
        delay = 0 if last_attempt else retry_delay_seconds(attempt, get_settings().retry_base_seconds)
        postpone(queue, record.receipt_handle, delay)
        raise


def _fan_out_record(record: SQSRecord) -> None:
    announcement = GrievanceAnnouncement.model_validate_json(record.body)
    _with_retries(EVENTS_QUEUE, record, lambda _attempt, _last: fan_out(announcement))


def _deliver_record(record: SQSRecord) -> str | None:
    message = OutboundMessage.model_validate_json(record.body)
    return _with_retries(
        NOTIFICATIONS_QUEUE,
        record,
        lambda attempt, last: deliver_notification(message, attempt=attempt, last_attempt=last),
    )


def _deliver_webhook_record(record: SQSRecord) -> int | None:
    delivery = WebhookDelivery.model_validate_json(record.body)
    return _with_retries(
        WEBHOOKS_QUEUE,
        record,
        lambda attempt, last: deliver_webhook(delivery, attempt=attempt, last_attempt=last),
    )


def fan_out_events(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return each_record(event, context, _fan_out_record)


def deliver_notifications(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return each_record(event, context, _deliver_record)


def deliver_webhooks(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return each_record(event, context, _deliver_webhook_record)
