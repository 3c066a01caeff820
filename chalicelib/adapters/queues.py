"""SQS queues: send a message, send many, hide a received one for a while."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.aws import client, queue_url
from chalicelib.resource_names import Queue

_BATCH = 10  # SendMessageBatch's limit


class QueueRefused(RuntimeError):
    """SQS refused some messages of a batch; the caller's work is retried whole."""


class Queues(Protocol):
    def send(self, queue: Queue, body: str) -> str:
        """Send one message; returns its id."""
        ...

    def send_all(self, queue: Queue, bodies: Sequence[str]) -> None:
        """Send every message, in batches; QueueRefused when any is refused."""
        ...

    def postpone(self, queue: Queue, receipt_handle: str, seconds: int) -> None:
        """Keep a received message hidden for `seconds` before it is delivered again."""
        ...


class SqsQueues:
    def send(self, queue: Queue, body: str) -> str:
        response = client("sqs").send_message(QueueUrl=queue_url(queue), MessageBody=body)
        return str(response["MessageId"])

    def send_all(self, queue: Queue, bodies: Sequence[str]) -> None:
        sqs, url = client("sqs"), queue_url(queue)
        for start in range(0, len(bodies), _BATCH):
            chunk = bodies[start : start + _BATCH]
            response = sqs.send_message_batch(
                QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": body} for n, body in enumerate(chunk)]
            )
            if response.get("Failed"):
                codes = sorted({failure.get("Code", "?") for failure in response["Failed"]})
                raise QueueRefused(f"{queue}: {len(response['Failed'])} message(s) refused ({', '.join(codes)})")

    def postpone(self, queue: Queue, receipt_handle: str, seconds: int) -> None:
        client("sqs").change_message_visibility(
            QueueUrl=queue_url(queue), ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )


@dataclass
class InMemoryQueues:
    """What was sent, by queue, in order; `refuse` makes a queue fail like an unreachable SQS."""

    sent: dict[Queue, list[str]] = field(default_factory=dict)
    postponed: list[tuple[Queue, str, int]] = field(default_factory=list)
    refuse: set[Queue] = field(default_factory=set)

    def send(self, queue: Queue, body: str) -> str:
        if queue in self.refuse:
            raise QueueRefused(f"{queue}: refused")
        self.sent.setdefault(queue, []).append(body)
        return f"{queue}-{len(self.sent[queue])}"

    def send_all(self, queue: Queue, bodies: Sequence[str]) -> None:
        for body in bodies:
            self.send(queue, body)

    def postpone(self, queue: Queue, receipt_handle: str, seconds: int) -> None:
        self.postponed.append((queue, receipt_handle, seconds))

    def take(self, queue: Queue) -> list[str]:
        """Everything sent to `queue` so far, removed (what a consumer would receive)."""
        return self.sent.pop(queue, [])
