"""SNS topics: publish one message with the attributes subscribers filter on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from chalicelib.aws import client, topic_arn
from chalicelib.resource_names import Topic


class Topics(Protocol):
    def publish(self, topic: Topic, message: str, attributes: dict[str, str | int]) -> str:
        """Publish; returns the message id. Integer attributes are SNS Numbers."""
        ...


class SnsTopics:
    def publish(self, topic: Topic, message: str, attributes: dict[str, str | int]) -> str:
        response = client("sns").publish(
            TopicArn=topic_arn(topic),
            Message=message,
            MessageAttributes={
                name: {"DataType": "Number" if isinstance(value, int) else "String", "StringValue": str(value)}
                for name, value in attributes.items()
            },
        )
        return str(response["MessageId"])


@dataclass
class InMemoryTopics:
    published: list[tuple[Topic, str, dict[str, str | int]]] = field(default_factory=list)

    def publish(self, topic: Topic, message: str, attributes: dict[str, str | int]) -> str:
        self.published.append((topic, message, dict(attributes)))
        return f"{topic}-{len(self.published)}"
