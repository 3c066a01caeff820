"""Stands in for Lambda's SQS event-source mapping on the local stack.

For every `@app.on_sqs_message` handler it long-polls the queue, builds the same event
Lambda would, calls the app's real handler, and deletes only the records the handler did
not report in `batchItemFailures`. A handler that raises leaves the whole batch to come
back after the visibility timeout, exactly as Lambda does; after `maxReceiveCount`
receives moto moves the message to the queue's DLQ.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
from chalice.app import SQSEventConfig
from chalice.local import LambdaContext

from infra.workers import Workers

log = logging.getLogger("devstack.sqs")


@dataclass(frozen=True)
class SqsSubscription:
    name: str
    queue_name: str
    batch_size: int
    handler: Callable[[dict[str, Any], Any], Any]


def subscriptions_of(app_module: ModuleType) -> list[SqsSubscription]:
    """Every SQS handler the Chalice app registered, with the queue it listens to."""
    subscriptions = []
    for source in app_module.app.event_sources:
        if isinstance(source, SQSEventConfig):
            queue_name = source.queue or (source.queue_arn or "").rsplit(":", 1)[-1]
            handler = getattr(app_module, source.name)
            subscriptions.append(SqsSubscription(source.name, queue_name, min(source.batch_size, 10), handler))
    return subscriptions


def lambda_event(records: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": lambda_message_attributes(message.get("MessageAttributes", {})),
                "md5OfBody": message.get("MD5OfBody", ""),
                "md5OfMessageAttributes": message.get("MD5OfMessageAttributes"),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in records
        ]
    }


def lambda_message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    """SQS API attributes (`StringValue`, `DataType`) in Lambda's event shape (`stringValue`, ...)."""
    return {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value["DataType"],
        }
        for name, value in attributes.items()
    }


def failed_message_ids(response: Any, batch_ids: set[str]) -> set[str]:
    """The messages Lambda would keep for a retry, read as Lambda reads a partial-batch answer.

    No answer, or an empty or null `batchItemFailures`, is a complete success. An answer that
    is not an object, or a failure whose `itemIdentifier` is missing, empty or not in the
    batch, is a complete failure: every message comes back.
    """
    if response is None:
        return set()
    if not isinstance(response, dict):
        return set(batch_ids)
    failed = set()
    for failure in response.get("batchItemFailures") or []:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in batch_ids:
            return set(batch_ids)
        failed.add(identifier)
    return failed


class SqsPoller(Workers):
    """One thread per subscription; a stopped consumer ends after its current long-poll and batch."""

    def __init__(self, subscriptions: list[SqsSubscription], region: str, wait_seconds: int = 1) -> None:
        super().__init__()
        self.subscriptions = subscriptions
        self.region = region
        self.wait_seconds = wait_seconds
        self.sqs = boto3.client("sqs", region_name=region)

    def start(self) -> None:
        for subscription in self.subscriptions:
            self.spawn(f"sqs-{subscription.name}", self._run, subscription)

    def queue_of(self, subscription: SqsSubscription) -> tuple[str, str]:
        """The subscription's queue URL and ARN (the ARN goes into Lambda's event)."""
        url = self.sqs.get_queue_url(QueueName=subscription.queue_name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return str(url), str(arn)

    def drain(self, subscription: SqsSubscription) -> int:
        """Poll until a batch deletes nothing (for tests and benches); returns deletions."""
        url, arn = self.queue_of(subscription)
        handled = 0
        while count := self.poll_once(subscription, url, arn):
            handled += count
        return handled

    def _run(self, subscription: SqsSubscription) -> None:
        url, arn = self.queue_of(subscription)
        while not self._stopping.is_set():
            try:
                self.poll_once(subscription, url, arn)
            except Exception:  # keep polling: one bad batch must not stop the consumer
                log.exception("SQS poll of %s failed", subscription.queue_name)
                self._stopping.wait(1)

    def poll_once(self, subscription: SqsSubscription, url: str, arn: str) -> int:
        """Receive one batch, run the handler, delete what succeeded; returns deletions."""
        messages = self.sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=subscription.batch_size,
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = lambda_event(messages, arn, self.region)
        context = LambdaContext(function_name=subscription.name, memory_size=512, max_runtime_ms=60_000)
        try:
            response = subscription.handler(event, context)
        except Exception:
            log.exception("handler %s raised; the batch returns to the queue", subscription.name)
            return 0
        failed = failed_message_ids(response, {m["MessageId"] for m in messages})
        succeeded = [m for m in messages if m["MessageId"] not in failed]
        if succeeded:
            self.sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(succeeded)],
            )
        if failed:
            log.warning(
                "handler %s failed %d record(s): %s", subscription.name, len(failed), json.dumps(sorted(failed))
            )
        return len(succeeded)
