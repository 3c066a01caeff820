"""Hand a message to the notification queue: a state change never waits on SMS or email."""

from __future__ import annotations

from chalicelib.aws import client, queue_url
from chalicelib.notify.messages import OutboundMessage

NOTIFICATIONS_QUEUE = "notifications"


def enqueue_notification(message: OutboundMessage) -> str:
    response = client("sqs").send_message(
        QueueUrl=queue_url(NOTIFICATIONS_QUEUE), MessageBody=message.model_dump_json()
    )
    return str(response["MessageId"])
