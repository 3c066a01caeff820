"""moto's SQS at the cost of what a call touches, for the local stack.

In a burst the local stack's queues hold thousands of messages, and moto 5's SQS pays for
every one of them on every call:

- `Queue.attributes` computes the three approximate counts (a scan of every message each,
  reading the clock per message) whenever it is read. SendMessage reads it for one flag
  (`ContentBasedDeduplication`), and ReceiveMessage, through
  `is_message_valid_based_on_retention_period`, three times for every message it returns,
  for the retention period.
- `Queue.messages` lists every visible message before ReceiveMessage takes its first ten.
- DeleteMessage scans every message twice for the one that had its receipt handle.
- `Message.visible` and `delayed` read the clock through naive datetimes, in a scan.

Here the counts are computed only where they are answered (GetQueueAttributes), the visible
messages are walked lazily (ReceiveMessage stops at its tenth), a receipt handle leads to its
message through an index kept as handles are given out, and the clock is read once as a float
(`time.time()`, what moto's `unix_time()` computes the long way). What each call answers and
leaves in the queue is moto's: `tests/integration/test_moto_sqs.py` runs the same calls
through moto's code and this one and compares every answer and every message left.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it on moto's classes in the
process that serves moto.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import wraps
from typing import Any

from moto.core import utils as moto_utils
from moto.sqs import models
from moto.sqs.models import Message, Queue, SQSBackend

MOTOS_OWN: dict[str, Any] = {}

# Set while a call that reads only a queue's settings is running on this thread: the counts
# it would compute are not read by it.
_settings_only = threading.local()

# Every receipt handle given out, to the message it was given for (removed on delete).
_holder_of: dict[str, Message] = {}
_holders_lock = threading.Lock()


def unix_time(dt: datetime | None = None) -> float:
    """moto's `unix_time()`: now, as seconds since the epoch (a given moment: moto's own)."""
    return time.time() if dt is None else MOTOS_OWN["unix_time"](dt)


def unix_time_millis(dt: datetime | None = None) -> float:
    return unix_time(dt) * 1000.0


class VisibleMessages:
    """`Queue.messages`, walked as it is read: what moto listed whole before every receive."""

    def __init__(self, queue: Queue) -> None:
        self._messages = queue._messages

    def __iter__(self) -> Iterator[Message]:
        return (message for message in self._messages if message.visible and not message.delayed)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)


def _count_unless_settings_only(count: property) -> property:
    def counted(queue: Queue) -> int | None:
        return None if getattr(_settings_only, "on", False) else count.fget(queue)  # type: ignore[misc]

    return property(counted)


def _settings_only_while(method: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        _settings_only.on = True
        try:
            return method(*args, **kwargs)
        finally:
            _settings_only.on = False

    return run


def mark_received(message: Message, visibility_timeout: int | None = None) -> None:
    MOTOS_OWN["mark_received"](message, visibility_timeout)
    with _holders_lock:
        _holder_of[message.receipt_handle] = message  # type: ignore[index]


def delete_message(queue: Queue, receipt_handle: str) -> None:
    """moto's `Queue.delete_message`, finding the message by its handle rather than by a scan."""
    if receipt_handle in queue.deleted_messages:
        return  # already deleted: deleting again is no error
    message = _holder_of.get(receipt_handle)
    messages = queue._messages
    if message is None or message not in messages:
        # Not given out through the index (received before `install()`), or not this
        # queue's: moto's own scan finds it or raises ReceiptHandleIsInvalid.
        MOTOS_OWN["delete_message"](queue, receipt_handle)
        return
    queue.pending_messages.discard(message)
    queue.deleted_messages.update(message.all_receipt_handles)  # type: ignore[arg-type]
    # A new list, as moto makes: a receive walking the old one is not disturbed.
    remaining = list(messages)
    remaining.remove(message)
    queue._messages = remaining
    with _holders_lock:
        for handle in message.all_receipt_handles:
            _holder_of.pop(handle, None)  # type: ignore[arg-type]


def is_message_valid_based_on_retention_period(backend: SQSBackend, queue_name: str, message: Message) -> bool:
    """moto's check, reading the retention period as `get_queue_attributes` answers it."""
    with_settings_only = _settings_only_while(MOTOS_OWN["is_message_valid_based_on_retention_period"])
    return bool(with_settings_only(backend, queue_name, message))


def install() -> None:
    """Make this process's moto answer SQS calls at the cost of what they touch."""
    if MOTOS_OWN:
        return
    MOTOS_OWN.update(
        unix_time=moto_utils.unix_time,
        messages=Queue.messages,
        mark_received=Message.mark_received,
        delete_message=Queue.delete_message,
        send_message=SQSBackend.send_message,
        send_message_batch=SQSBackend.send_message_batch,
        is_message_valid_based_on_retention_period=SQSBackend.is_message_valid_based_on_retention_period,
        counts={
            name: getattr(Queue, name)
            for name in (
                "approximate_number_of_messages",
                "approximate_number_of_messages_delayed",
                "approximate_number_of_messages_not_visible",
            )
        },
    )
    models.unix_time = unix_time  # type: ignore[attr-defined]
    models.unix_time_millis = unix_time_millis  # type: ignore[attr-defined]
    Queue.messages = property(VisibleMessages)  # type: ignore[assignment,method-assign]
    for name, count in MOTOS_OWN["counts"].items():
        setattr(Queue, name, _count_unless_settings_only(count))
    Message.mark_received = mark_received  # type: ignore[method-assign,assignment]
    Queue.delete_message = delete_message  # type: ignore[method-assign,assignment]
    SQSBackend.send_message = _settings_only_while(MOTOS_OWN["send_message"])  # type: ignore[method-assign]
    SQSBackend.send_message_batch = _settings_only_while(MOTOS_OWN["send_message_batch"])  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    models.unix_time = MOTOS_OWN["unix_time"]  # type: ignore[attr-defined]
    models.unix_time_millis = moto_utils.unix_time_millis  # type: ignore[attr-defined]
    Queue.messages = MOTOS_OWN["messages"]  # type: ignore[method-assign]
    for name, count in MOTOS_OWN["counts"].items():
        setattr(Queue, name, count)
    Message.mark_received = MOTOS_OWN["mark_received"]  # type: ignore[method-assign]
    Queue.delete_message = MOTOS_OWN["delete_message"]  # type: ignore[method-assign]
    SQSBackend.send_message = MOTOS_OWN["send_message"]  # type: ignore[method-assign]
    SQSBackend.send_message_batch = MOTOS_OWN["send_message_batch"]  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = MOTOS_OWN[  # type: ignore[method-assign]
        "is_message_valid_based_on_retention_period"
    ]
    MOTOS_OWN.clear()
