"""The local moto's SQS (infra/moto_sqs.py) answers as moto's own, while each call costs the
messages it touches rather than the whole queue.

The same script of calls runs twice on a fresh in-process moto, once through moto's code and
once through ours: every answer (bodies, attributes, counts, errors) and what each queue holds
at the end must be the same. Ids and receipt handles are random, so they are compared by the
order in which they first appear.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from infra import moto_sqs

Answers = list[Any]


@pytest.fixture
def moto_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto in this process, with its own SQS code unless a test installs ours."""
    import os

    for name in [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)  # to moto's in-process mock, not the local stack's server
    moto_sqs.uninstall()
    yield
    moto_sqs.uninstall()


def script(sqs: Any) -> Answers:
    """Sends, receives, visibility, deletes (current, old and unknown handles, twice), a
    dead-letter queue, FIFO with content-based deduplication, counts and attributes."""
    answers: Answers = []

    def answer(call: Callable[[], Any]) -> Any:
        try:
            result = call()
        except ClientError as error:
            answers.append(("error", error.response["Error"]["Code"]))
            return None
        result.pop("ResponseMetadata", None)
        answers.append(result)
        return result

    dlq = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(
        QueueName="work",
        Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "2"}}'},
    )["QueueUrl"]
    fifo = sqs.create_queue(
        QueueName="work.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]

    for n in range(25):
        answer(lambda n=n: sqs.send_message(QueueUrl=queue, MessageBody=f"message {n}"))
    answer(lambda: sqs.send_message(QueueUrl=queue, MessageBody="later", DelaySeconds=1))
    answer(
        lambda: sqs.send_message_batch(
            QueueUrl=queue, Entries=[{"Id": f"b{n}", "MessageBody": f"batched {n}"} for n in range(10)]
        )
    )
    for body in ("same", "same", "other"):
        answer(lambda body=body: sqs.send_message(QueueUrl=fifo, MessageBody=body, MessageGroupId="g"))

    counts = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    answer(lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=counts))
    first = answer(lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=1))
    handles = [m["ReceiptHandle"] for m in first["Messages"]]
    answer(lambda: sqs.delete_message(QueueUrl=queue, ReceiptHandle=handles[0]))
    answer(lambda: sqs.delete_message(QueueUrl=queue, ReceiptHandle=handles[0]))  # again: no error
    answer(lambda: sqs.delete_message(QueueUrl=queue, ReceiptHandle="not-a-handle"))
    answer(
        lambda: sqs.delete_message_batch(
            QueueUrl=queue,
            Entries=[{"Id": "a", "ReceiptHandle": handles[1]}, {"Id": "b", "ReceiptHandle": "not-a-handle"}],
        )
    )
    answer(lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=counts))
    answer(lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=30))
    answer(lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=30))
    time.sleep(1.1)  # the first receive's messages are visible again, and the delayed one
    again = answer(lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=30))
    answer(lambda: sqs.delete_message(QueueUrl=queue, ReceiptHandle=handles[2]))  # an old handle still deletes
    answer(lambda: sqs.delete_message(QueueUrl=queue, ReceiptHandle=again["Messages"][-1]["ReceiptHandle"]))
    answer(lambda: sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10))
    answer(lambda: sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"]))
    answer(lambda: sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10))
    answer(lambda: sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10))
    answer(lambda: sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=counts))
    return answers


def run_once(patched: bool) -> Answers:
    if patched:
        moto_sqs.install()
    with mock_aws():
        answers = script(boto3.client("sqs", region_name="ap-south-1"))
    moto_sqs.uninstall()
    return answers


def comparable(answers: Answers) -> Any:
    """Random ids, handles and moments replaced by their order of first appearance."""
    seen: dict[str, str] = {}
    volatile = {"MessageId", "ReceiptHandle", "MD5OfBody", "SequenceNumber", "SentTimestamp"}
    moments = {"ApproximateFirstReceiveTimestamp", "CreatedTimestamp", "LastModifiedTimestamp"}

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if key in moments:
            return "<moment>"
        if key in volatile and isinstance(value, str):
            return seen.setdefault(value, f"<{key} {len(seen)}>")
        return value

    return walk(answers)


def test_every_answer_and_every_message_left_is_motos_own(moto_only):
    motos = comparable(run_once(patched=False))
    ours = comparable(run_once(patched=True))

    assert ours == motos
    assert any(a == ("error", "ReceiptHandleIsInvalid") for a in motos)  # the script reached its errors


def test_a_receive_touches_the_messages_it_returns_not_the_whole_queue(moto_only):
    """What makes it fast, seen as work done: the visibility of how many messages is read."""
    reads = {"count": 0}
    visible = moto_sqs.models.Message.visible

    def counted(message: Any) -> bool:
        reads["count"] += 1
        return bool(visible.fget(message))  # type: ignore[attr-defined]

    def receive_after_sending(patched: bool) -> int:
        if patched:
            moto_sqs.install()
        moto_sqs.models.Message.visible = property(counted)  # type: ignore[assignment,method-assign]
        try:
            with mock_aws():
                sqs = boto3.client("sqs", region_name="ap-south-1")
                queue = sqs.create_queue(QueueName="deep")["QueueUrl"]
                for start in range(0, 500, 10):
                    sqs.send_message_batch(
                        QueueUrl=queue,
                        Entries=[{"Id": f"m{n}", "MessageBody": f"{n}"} for n in range(start, start + 10)],
                    )
                reads["count"] = 0
                received = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=received[0]["ReceiptHandle"])
                return reads["count"]
        finally:
            moto_sqs.models.Message.visible = visible  # type: ignore[method-assign]
            moto_sqs.uninstall()

    assert receive_after_sending(patched=False) > 500 * 10
    assert receive_after_sending(patched=True) < 50
