"""The local moto's SQS (infra/moto_sqs.py) answers as moto's own, while each call costs the
messages it touches rather than the whole queue.

The same script of calls runs twice on a private moto SQS backend (never the shared one the
local stack's server holds), once through moto's code and once through ours: every answer
(bodies, attributes, counts, errors) and what each queue holds at the end must be the same.
Ids and receipt handles are random, so they are compared by the order they first appear in.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
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
    """Sends (one, batched, delayed), receives, visibility running out and changed, deletes
    (current, old, unknown and repeated handles, in a batch), FIFO with content-based
    deduplication, a dead-letter queue, a retention period running out, a purge, counts and
    attributes asked for in every way (some, all, repeated, absent, invalid, none, of FIFO,
    KMS, redrive and policy queues, of no queue)."""
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
    dead = sqs.create_queue("dead")
    retried = sqs.create_queue("retried", KmsMasterKeyId="alias/crm")
    # What a RedrivePolicy sets up (moto looks its queue up in the shared backends, which this
    # private one is not in).
    retried.redrive_policy = {"deadLetterTargetArn": dead.queue_arn, "maxReceiveCount": 1}
    retried.dead_letter_queue = dead
    sqs.create_queue("brief", MessageRetentionPeriod="1", Policy=json.dumps({"Version": "2012-10-17"}))
    for n in range(25):
        answer(partial(sqs.send_message, "work", f"message {n}"))
    answer(lambda: sqs.send_message("work", "later", delay_seconds=1))
    batch: dict[str, dict[str, Any]] = {
        f"entry.{n}": {"Id": f"b{n}", "MessageBody": f"batched {n}", "MessageAttributes": {}, "DelaySeconds": None}
        for n in range(10)
    }
    answer(lambda: sqs.send_message_batch("work", batch))
    for body in ("same", "same", "other"):
        answer(partial(sqs.send_message, "work.fifo", body, group_id="g"))

    answer(lambda: sqs.send_message("brief", "outlived"))  # its retention (1 s) runs out below
    answer(lambda: sqs.send_message("retried", "poison"))
    answer(lambda: sqs.receive_message("retried", 10, 0, 0))  # received once, visible again
    answer(lambda: sqs.receive_message("retried", 10, 0, 0))  # over maxReceiveCount: to "dead"
    for queue, names in (
        ("work", COUNTS),
        ("work", []),
        (
            "work",
            ["VisibilityTimeout", "ApproximateNumberOfMessages", "VisibilityTimeout", "ContentBasedDeduplication"],
        ),
        ("work", ["Policy", "RedrivePolicy", "KmsMasterKeyId", "QueueArn"]),
        ("work", ["NoSuchAttribute"]),
        ("work", ["All", "NoSuchAttribute"]),
        ("work.fifo", ["ContentBasedDeduplication", "FifoQueue", "DeduplicationScope", *COUNTS]),
        ("retried", ["RedrivePolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"]),
        ("retried", ["All"]),
        ("dead", ["All"]),
        ("brief", ["Policy", "MessageRetentionPeriod"]),
        ("missing", COUNTS),
    ):
        answer(partial(sqs.get_queue_attributes, queue, names))
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
    second = answer(lambda: sqs.receive_message("work", 10, 0, 30))
    answer(lambda: sqs.receive_message("work", 10, 0, 30))
    answer(lambda: sqs.change_message_visibility("work", second[0].receipt_handle, 0))  # back now
    answer(lambda: sqs.change_message_visibility("work", "not-a-handle", 0))
    answer(
        lambda: sqs.change_message_visibility_batch(
            "work",
            [
                {"Id": "a", "ReceiptHandle": second[1].receipt_handle, "VisibilityTimeout": "0"},
                {"Id": "b", "ReceiptHandle": "not-a-handle", "VisibilityTimeout": "0"},
            ],
        )
    )
    answer(lambda: sqs.receive_message("work", 10, 0, 30))
    time.sleep(1.1)  # the first receive's messages are visible again, and the delayed one
    again = answer(lambda: sqs.receive_message("work", 10, 0, 30))
    answer(lambda: sqs.delete_message("work", handles[2]))  # an old handle still deletes
    answer(lambda: sqs.delete_message("work", again[-1].receipt_handle))
    answer(lambda: sqs.receive_message("work", 10, 0, 30))
    answer(lambda: sqs.get_queue_attributes("work", ["All"]))
    answer(lambda: sqs.receive_message("work.fifo", 10, 0, 30))
    answer(lambda: sqs.receive_message("brief", 10, 0, 30))  # outlived its retention: not returned
    answer(lambda: sqs.receive_message("dead", 10, 0, 30))
    for queue in ("work", "brief", "retried", "dead"):
        answer(partial(shown, sqs.get_queue(queue)._messages))
    answer(lambda: sqs.purge_queue("work"))
    answer(lambda: sqs.get_queue_attributes("work", ["All"]))
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


def test_every_answer_and_every_message_left_is_motos_own(moto_only: None) -> None:
    motos = comparable(run_once(patched=False))
    ours = comparable(run_once(patched=True))

    assert ours == motos
    assert ["error", "ReceiptHandleIsInvalid"] in motos  # the script reached its errors


def test_a_receive_touches_the_messages_it_returns_not_the_whole_queue(moto_only: None) -> None:
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
            sqs.delete_message("deep", str(received[0].receipt_handle))
            return reads["count"]
        finally:
            Message.visible = visible  # type: ignore[method-assign]
            moto_sqs.uninstall()

    assert receive_after_sending(patched=False) > 500 * 10
    assert receive_after_sending(patched=True) < 50


def test_a_delete_waits_for_a_receive_walking_the_pending_messages(moto_only: None) -> None:
    """The burst's failure, made to happen every time: while a ReceiveMessage walks the
    queue's pending messages (`pending_message_groups`), another thread deletes one of them.
    moto's own code lets the delete in, and the walk fails with `RuntimeError: Set changed
    size during iteration`; ours makes the delete wait for the receive to finish."""
    moto_sqs.install()
    try:
        sqs = SQSBackend("ap-south-1", "000000000018")
        queue = sqs.create_queue("busy")
        for n in range(3):
            sqs.send_message("busy", f"{n}")
        handles = [str(m.receipt_handle) for m in sqs.receive_message("busy", 10, 0, 30)]
        walked = next(iter(queue.pending_messages))
        other = next(h for h in handles if h not in walked.all_receipt_handles)
        deleted = threading.Event()

        def delete_other() -> None:
            sqs.delete_message("busy", other)
            deleted.set()

        deleter = threading.Thread(target=delete_other)

        class DeletedMeanwhile(Message):
            """The walked message: reading its group lets the other thread delete (and waits
            a moment for it)."""

            @property
            def group_id(self) -> str | None:  # type: ignore[override]
                if not deleter.is_alive() and not deleted.is_set():
                    deleter.start()
                    deleted.wait(0.3)
                return self.__dict__["group_id"]  # type: ignore[no-any-return]

        walked.__class__ = DeletedMeanwhile
        received = sqs.receive_message("busy", 10, 0, 30)  # all three are in flight
        deleter.join()
    finally:
        moto_sqs.uninstall()

    assert received == []
    assert deleted.is_set()
    assert len(queue._messages) == 2


def test_a_long_poll_lets_a_send_on_its_queue_in(moto_only: None) -> None:
    """A ReceiveMessage waiting for a message holds its queue's lock only while it looks: a
    send from another thread gets in, and wakes it."""
    moto_sqs.install()
    try:
        sqs = SQSBackend("ap-south-1", "000000000018")
        sqs.create_queue("quiet")
        received: list[Message] = []
        poller = threading.Thread(target=lambda: received.extend(sqs.receive_message("quiet", 10, 10, 30)))
        started = time.monotonic()
        poller.start()
        time.sleep(0.2)
        sqs.send_message("quiet", "at last")
        sent = time.monotonic() - started
        poller.join()
        waited = time.monotonic() - started
    finally:
        moto_sqs.uninstall()

    assert sent < 1
    assert [message.body for message in received] == ["at last"]
    assert waited < 3  # woken by the send, not by the end of its 10 s


def test_calls_on_one_queue_from_many_threads_take_turns(moto_only: None) -> None:
    """Threads delete 1,000 messages in flight, send 100 more, and receive and delete those,
    all on one queue, with the interpreter switching threads as often as it can: every call
    succeeds, every new message is received once, and the queue ends empty. (On moto's own
    code, calls fail — `Set changed size during iteration`, a handle invalid — or messages
    deleted in flight are received again.)"""
    moto_sqs.install()
    switching = sys.getswitchinterval()
    try:
        sqs = SQSBackend("ap-south-1", "000000000018")
        queue = sqs.create_queue("busy")
        for n in range(1000):
            sqs.send_message("busy", f"in flight {n}")
        in_flight = [str(m.receipt_handle) for _ in range(100) for m in sqs.receive_message("busy", 10, 0, 30)]
        assert len(in_flight) == 1000
        errors: list[BaseException] = []
        received: list[str] = []
        done = threading.Event()

        def receiving() -> None:
            while not done.is_set():
                for message in sqs.receive_message("busy", 10, 0, 30):
                    received.append(message.body)
                    sqs.delete_message("busy", str(message.receipt_handle))

        sys.setswitchinterval(1e-6)
        writers = [
            *(
                recording(errors, sqs.delete_message, [("busy", handle) for handle in in_flight[n::4]])
                for n in range(4)
            ),
            *(
                recording(errors, sqs.send_message, [("busy", f"new {n}") for n in range(first, first + 50)])
                for first in (0, 50)
            ),
        ]
        readers = [recording(errors, receiving, [()]) for _ in range(4)]
        for thread in writers + readers:
            thread.start()
        for thread in writers:
            thread.join()
        deadline = time.monotonic() + 30
        while queue._messages and not errors and time.monotonic() < deadline:
            time.sleep(0.01)
        done.set()
        for thread in readers:
            thread.join()
    finally:
        sys.setswitchinterval(switching)
        moto_sqs.uninstall()

    assert errors == []
    assert queue._messages == []
    assert sorted(received) == sorted(f"new {n}" for n in range(100))


def recording(
    errors: list[BaseException], call: Callable[..., Any], arguments: list[tuple[Any, ...]]
) -> threading.Thread:
    """A thread making `call` with each of `arguments` in turn, its failure kept in `errors`."""

    def run() -> None:
        try:
            for each in arguments:
                call(*each)
        except BaseException as error:  # whatever its kind, a failure is the test's to report
            errors.append(error)

    return threading.Thread(target=run)
