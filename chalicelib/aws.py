"""boto3 clients and resource addresses, created on first use and reused while warm.

Clients are never built at import: moto (or a test's environment) must be in place
first, and a cold start should not pay for clients a request does not use. Every client
follows `AWS_ENDPOINT_URL`, so the same code talks to moto locally and to AWS deployed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from chalicelib.config import get_settings
from chalicelib.resource_names import Bucket, Queue, StateMachine, Topic


@cache
def client(service: str) -> Any:
    import boto3  # deferred: most requests only touch DynamoDB through PynamoDB

    settings = get_settings()
    if service == "s3" and not settings.aws_endpoint_url:
        from botocore.config import Config

        # Presigned links must name the bucket's own region (bucket.s3.<region>.amazonaws.com):
        # newer regions have no global address, and a redirect breaks a browser's POST.
        config = Config(signature_version="s3v4", s3={"addressing_style": "virtual"})
        return boto3.client("s3", region_name=settings.region, config=config)
    return boto3.client(service, region_name=settings.region)


@cache
def queue_url(queue: Queue) -> str:
    """The URL of one of this stage's queues (one lookup per warm process)."""
    name = get_settings().resource_name(queue)
    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def reset_caches() -> None:
    """Forget clients, addresses and secrets (tests that switch endpoints or stages)."""
    client.cache_clear()
    secret_string.cache_clear()
    queue_url.cache_clear()
    account_id.cache_clear()
    bucket_name.cache_clear()
    topic_arn.cache_clear()
    state_machine_arn.cache_clear()


@cache
def account_id() -> str:
    """The account this process runs in (GetCallerIdentity needs no permission)."""
    return str(client("sts").get_caller_identity()["Account"])


@cache
def topic_arn(topic: Topic) -> str:
    """The ARN of one of this stage's SNS topics, built rather than looked up: the only
    lookup by name, CreateTopic, would need a permission to create topics."""
    settings = get_settings()
    return f"arn:aws:sns:{settings.region}:{account_id()}:{settings.resource_name(topic)}"


@cache
def state_machine_arn(machine: StateMachine) -> str:
    """The ARN of one of this stage's state machines."""
    settings = get_settings()
    return f"arn:aws:states:{settings.region}:{account_id()}:stateMachine:{settings.resource_name(machine)}"


@cache
def bucket_name(bucket: Bucket) -> str:
    """One of this stage's buckets: bucket names are global, so they carry the account."""
    return f"{get_settings().resource_name(bucket)}-{account_id()}"


@cache
def secret_string(secret_id: str) -> str:
    """A secret's value, read once per warm process. The keys it holds are never rotated
    in place (lookup hashes depend on them), so caching for the process's life is safe."""
    return str(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
