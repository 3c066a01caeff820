"""What every SQS consumer of the app shares: each record handled on its own.

Powertools' BatchProcessor builds the `batchItemFailures` answer, so only the records that
failed go back to their queue; the rest of the batch is done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord


def each_record(event: dict[str, Any], context: Any, handle: Callable[[SQSRecord], Any]) -> PartialItemFailureResponse:
    # Imported here: every function of the app imports app.py, and the API handler should
    # not pay ~40 ms of cold start for the batch utilities it never uses.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=handle, processor=processor, context=context)
