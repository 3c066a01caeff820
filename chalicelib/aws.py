"""boto3 clients and resource addresses, created on first use and reused while warm.

Clients are never built at import: moto (or a test's environment) must be in place
first, and a cold start should not pay for clients a request does not use. Every client
follows `AWS_ENDPOINT_URL`, so the same code talks to moto locally and to AWS deployed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.config import get_settings


@cache
def client(service: str) -> Any:
    import boto3  # deferred: most requests only touch DynamoDB through PynamoDB

    return boto3.client(service, region_name=get_settings().region)


@cache
def queue_url(logical_name: str) -> str:
    """The URL of one of this stage's queues (one lookup per warm process)."""
    name = get_settings().resource_name(logical_name)
    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def reset_caches() -> None:
    """Forget clients and addresses (tests that switch endpoints or stages)."""
    client.cache_clear()
    queue_url.cache_clear()
    topic_arn.cache_clear()
    state_machine_arn.cache_clear()


@cache
def topic_arn(logical_name: str) -> str:
    """The ARN of one of this stage's SNS topics. CreateTopic is idempotent and answers
    with the ARN of the existing topic, so no account id needs configuring."""
    name = get_settings().resource_name(logical_name)
    return str(client("sns").create_topic(Name=name)["TopicArn"])


@cache
def state_machine_arn(logical_name: str) -> str:
    """The ARN of one of this stage's state machines (account id read once per process)."""
    settings = get_settings()
    account = client("sts").get_caller_identity()["Account"]
    return f"arn:aws:states:{settings.region}:{account}:stateMachine:{settings.resource_name(logical_name)}"
