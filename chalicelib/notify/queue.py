"""The queues between a state change and the messages it causes: a state change never waits
on SMS, email or a department's server.

`events` carries one announcement per saved domain event; its consumer fans each out into
`messages` (one SMS or email each) and `webhooks` (one department delivery each). Every
queue has a DLQ; the attempt counts below are the queues' `maxReceiveCount` in
`infra/resources.json` (a test keeps them equal).
"""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib import adapters
from chalicelib.notify.messages import Announcement, OutboundMessage, WebhookDelivery
from chalicelib.resource_names import Queue

DELIVERY_ATTEMPTS = {Queue.EVENTS: 5, Queue.MESSAGES: 5, Queue.WEBHOOKS: 8}


def enqueue_notification(message: OutboundMessage) -> str:
    return adapters.current().queues.send(Queue.MESSAGES, message.model_dump_json())


def enqueue_notifications(messages: Sequence[OutboundMessage]) -> None:
    adapters.current().queues.send_all(Queue.MESSAGES, [message.model_dump_json() for message in messages])


def enqueue_webhooks(deliveries: Sequence[WebhookDelivery]) -> None:
    adapters.current().queues.send_all(Queue.WEBHOOKS, [delivery.model_dump_json() for delivery in deliveries])


def publish_announcement(announcement: Announcement) -> None:
    adapters.current().queues.send(Queue.EVENTS, announcement.model_dump_json())


def requeue(queue: Queue, body: str) -> None:
    """Send a message's body again as a new message (its receive count starts afresh)."""
    adapters.current().queues.send(queue, body)


def postpone(queue: Queue, receipt_handle: str, seconds: int) -> None:
    """Keep a received message hidden for `seconds` before it is delivered again."""
    adapters.current().queues.postpone(queue, receipt_handle, seconds)
