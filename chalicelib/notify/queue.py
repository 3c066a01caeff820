"""The queues between a state change and the messages it causes: a state change never waits
on SMS, email or a department's server.

`events` carries one announcement per saved change; its consumer fans each out into
`notifications` (one SMS or email each) and `webhooks` (one department delivery each).
Every queue has a DLQ; the attempt counts below are the queues' `maxReceiveCount` in
`infra/resources.json` (a test keeps them equal).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from chalicelib.aws import client, queue_url
from chalicelib.notify.messages import GrievanceAnnouncement, OutboundMessage, WebhookDelivery

EVENTS_QUEUE = "events"
NOTIFICATIONS_QUEUE = "notifications"
WEBHOOKS_QUEUE = "webhooks"

DELIVERY_ATTEMPTS = {EVENTS_QUEUE: 5, NOTIFICATIONS_QUEUE: 5, WEBHOOKS_QUEUE: 8}

_BATCH = 10  # SendMessageBatch's limit


class QueueRefused(RuntimeError):
    """SQS refused some messages of a batch; the caller's record is retried whole."""


def enqueue_notification(message: OutboundMessage) -> str:
    response = client("sqs").send_message(
        QueueUrl=queue_url(NOTIFICATIONS_QUEUE), MessageBody=message.model_dump_json()
    )
    return str(response["MessageId"])


def enqueue_notifications(messages: Sequence[OutboundMessage]) -> None:
    _send_all(NOTIFICATIONS_QUEUE, messages)


def enqueue_webhooks(deliveries: Sequence[WebhookDelivery]) -> None:
    _send_all(WEBHOOKS_QUEUE, deliveries)


def publish_announcement(announcement: GrievanceAnnouncement) -> None:
    client("sqs").send_message(QueueUrl=queue_url(EVENTS_QUEUE), MessageBody=announcement.model_dump_json())


def requeue(queue: str, body: str) -> None:
    """Send a message's body again as a new message (its receive count starts afresh)."""
    client("sqs").send_message(QueueUrl=queue_url(queue), MessageBody=body)


def postpone(queue: str, receipt_handle: str, seconds: int) -> None:
    """Keep a received message hidden for `seconds` before it is delivered again."""
    client("sqs").change_message_visibility(
        QueueUrl=queue_url(queue), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
    )


def _send_all(queue: str, bodies: Sequence[BaseModel]) -> None:
    sqs, url = client("sqs"), queue_url(queue)
    for start in range(0, len(bodies), _BATCH):
        chunk = bodies[start : start + _BATCH]
        response = sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(n), "MessageBody": body.model_dump_json()} for n, body in enumerate(chunk)],
        )
        if response.get("Failed"):
            codes = sorted({failure.get("Code", "?") for failure in response["Failed"]})
            raise QueueRefused(f"{queue}: {len(response['Failed'])} message(s) refused ({', '.join(codes)})")
