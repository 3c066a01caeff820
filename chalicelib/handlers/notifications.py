"""SQS consumer of the notifications queue: one delivery per record, partial failures.

Only the records that failed go back to the queue (Powertools' BatchProcessor builds the
`batchItemFailures` answer); a malformed record fails alone and reaches the DLQ after
the redrive limit instead of blocking its batch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.notify.messages import OutboundMessage
from chalicelib.services.deliver_notification import deliver_notification

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


def _deliver_record(record: SQSRecord) -> str | None:
    return deliver_notification(OutboundMessage.model_validate_json(record.body))


def deliver_notifications(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    # Imported here: every function of the app imports app.py, and the API handler should
    # not pay ~40 ms of cold start for the batch utilities it never uses.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=_deliver_record, processor=processor, context=context)
