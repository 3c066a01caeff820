"""The local moto's SQS (infra/moto_sqs.py) answers as moto's own, while each call costs the
messages it touches rather than the whole queue.

The same script of calls runs twice on a private moto SQS backend (never the shared one the
local stack's server holds), once through moto's code and once through ours: every answer
(bodies, attributes, counts, errors) and what each queue holds at the end must be the same.
Ids and receipt handles are random, so they are compared by the order they first appear in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.core.exceptions import ServiceException
from moto.sqs.models import Message, SQSBackend

from infra import moto_sqs

Answers = list[Any]
COUNTS = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"]


@pytest.fixture
def moto_only() -> Iterator[None]:
    """moto's own SQS code in this process, unless a test installs ours. (The local stack's
    server, in this process too, runs on it meanwhile: it is the same behaviour.)"""
    installed = bool(moto_sqs.MOTOS_OWN)
    moto_sqs.uninstall()
    yield
    moto_sqs.uninstall()
    if installed:
        moto_sqs.install()


def shown(value: Any) -> Any:
    if isinstance(value, Message):
        return {
            "id": value.id,
            "body": value.body,
            "handle": value.receipt_handle,
            "received": value.approximate_receive_count,
        }
    if isinstance(value, (list, tuple)):
        return [shown(v) for v in value]
    return value


def script(sqs: SQSBackend) -> Answers:
    """Sends (one, batched, delayed), receives, visibility running out, deletes (current, old,
    unknown and repeated handles, in a batch), FIFO with content-based deduplication, counts
    and every attribute."""
    answers: Answers = []

    def answer(call: Callable[[], Any]) -> Any:
        try:
            result = call()
        except ServiceException as error:
            answers.append(("error", error.code))
            return None
        answers.append(shown(result))
        return result

    sqs.create_queue("work")
    sqs.create_queue("work.fifo", FifoQueue="true", ContentBasedDeduplication="true")
    for n in range(25):
        answer(lambda n=n: sqs.send_message("work", f"message {n}"))
    answer(lambda: sqs.send_message("work", "later", delay_seconds=1))
    batch = {
        f"entry.{n}": {"Id": f"b{n}", "MessageBody": f"batched {n}", "MessageAttributes": {}, "DelaySeconds": None}
        for n in range(10)
    }
    answer(lambda: sqs.send_message_batch("work", batch))
    for body in ("same", "same", "other"):
        answer(lambda body=body: sqs.send_message("work.fifo", body, group_id="g"))

    answer(lambda: sqs.get_queue_attributes("work", COUNTS))
    first = answer(lambda: sqs.receive_message("work", 10, 0, 1))
    handles = [m.receipt_handle for m in first]
    answer(lambda: sqs.delete_message("work", handles[0]))
    answer(lambda: sqs.delete_message("work", handles[0]))  # again: no error
    answer(lambda: sqs.delete_message("work", "not-a-handle"))
    answer(
        lambda: sqs.delete_message_batch(
            "work", [{"Id": "a", "ReceiptHandle": handles[1]}, {"Id": "b", "ReceiptHandle": "not-a-handle"}]
        )
    )
    answer(lambda: sqs.get_queue_attributes("work", COUNTS))
    answer(lambda: sqs.receive_message("work", 10, 0, 30))
    answer(lambda: sqs.receive_message("work", 10, 0, 30))
    time.sleep(1.1)  # the first receive's messages are visible again, and the delayed one
    again = answer(lambda: sqs.receive_message("work", 10, 0, 30))
    answer(lambda: sqs.delete_message("work", handles[2]))  # an old handle still deletes
    answer(lambda: sqs.delete_message("work", again[-1].receipt_handle))
    answer(lambda: sqs.receive_message("work", 10, 0, 30))
    answer(lambda: sqs.get_queue_attributes("work", ["All"]))
    answer(lambda: sqs.receive_message("work.fifo", 10, 0, 30))
    answer(lambda: [shown(m) for m in sqs.get_queue("work")._messages])
    return answers


def run_once(patched: bool) -> Answers:
    if patched:
        moto_sqs.install()
    try:
        return script(SQSBackend("ap-south-1", "000000000018"))
    finally:
        moto_sqs.uninstall()


def comparable(answers: Answers) -> Any:
    """Random ids and handles replaced by their order of first appearance; moments dropped."""
    seen: dict[str, str] = {}
    moments = {"CreatedTimestamp", "LastModifiedTimestamp"}

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in sorted(value.items()) if k not in moments}
        if isinstance(value, (list, tuple)):
            return [walk(v, key) for v in value]
        if key in {"id", "handle", "ReceiptHandle"} and isinstance(value, str):
            return seen.setdefault(value, f"<{key} {len(seen)}>")
        return value

    return walk(answers)


def test_every_answer_and_every_message_left_is_motos_own(moto_only):
    motos = comparable(run_once(patched=False))
    ours = comparable(run_once(patched=True))

    assert ours == motos
    assert ["error", "ReceiptHandleIsInvalid"] in motos  # the script reached its errors


def test_a_receive_touches_the_messages_it_returns_not_the_whole_queue(moto_only):
    """What makes it fast, seen as work done: how many messages' visibility is read."""
    reads = {"count": 0}
    visible = Message.visible

    def counted(message: Message) -> bool:
        reads["count"] += 1
        return bool(visible.fget(message))  # type: ignore[attr-defined]

    def receive_after_sending(patched: bool) -> int:
        if patched:
            moto_sqs.install()
        Message.visible = property(counted)  # type: ignore[assignment,method-assign]
        try:
            sqs = SQSBackend("ap-south-1", "000000000018")
            sqs.create_queue("deep")
            for n in range(500):
                sqs.send_message("deep", f"{n}")
            reads["count"] = 0
            received = sqs.receive_message("deep", 10, 0, 30)
            sqs.delete_message("deep", received[0].receipt_handle)
            return reads["count"]
        finally:
            Message.visible = visible  # type: ignore[method-assign]
            moto_sqs.uninstall()

    assert receive_after_sending(patched=False) > 500 * 10
    assert receive_after_sending(patched=True) < 50
