"""moto's SQS at the cost of what a call touches, one call at a time on a queue, for the
local stack.

In a burst the local stack's queues hold thousands of messages, and moto 5's SQS pays for
every one of them on every call:

- `Queue.attributes` computes the three approximate counts (a scan of every message each,
  reading the clock per message) whenever it is read, and names each attribute's field
  through `camelcase_to_underscores` (67 % of its time at N = 1,000). SendMessage reads it
  for one flag (`ContentBasedDeduplication`); ReceiveMessage, through
  `is_message_valid_based_on_retention_period` and `get_queue_attributes`, three times for
  every message it returns, for the retention period; GetQueueAttributes (the burst's
  progress reads) about three times for every name asked (once for `All`).
- `Queue.messages` lists every visible message before ReceiveMessage takes its first ten.
- DeleteMessage scans every message twice for the one that had its receipt handle.
- `Message.visible` and `delayed` read the clock through naive datetimes, in a scan.

And it is not thread-safe, though its server is threaded: a queue's messages, pending set
and deleted handles are changed by whichever request thread gets there. In a burst a
ReceiveMessage failed with `RuntimeError: Set changed size during iteration` in
`Queue.pending_message_groups` while another thread's DeleteMessage discarded a message
from the set it was walking.

Here the counts are computed only where they are answered (GetQueueAttributes, and there
only the attributes asked for, once per call; each field's name is converted by moto's
`camelcase_to_underscores`, which `moto_requests` makes remember), the retention period is
read from the queue itself, the visible messages are walked lazily (ReceiveMessage stops at
its tenth), a receipt handle leads to its message through an index kept as handles are given
out, and the clock is read once as a float (`time.time()`, what moto's `unix_time()` computes
the long way). Every call that reads or
changes a queue's messages — send, receive, delete, visibility changes, purge, attributes —
holds that queue's own `_messages_lock` (a `Condition` over a re-entrant lock, which moto
takes only to append a message and to wait for one): calls on one queue take turns, calls
on different queues do not wait for each other, and a long poll releases the lock while it
waits (`Condition.wait` releases every level of it), so a send can wake it. (A receive that
moves a message to its dead-letter queue takes that queue's lock inside its own: only two
queues each the other's dead-letter queue, received from at once, could wait on each other.)
What each call
answers and leaves in the queue is moto's: `tests/integration/test_moto_sqs.py` runs the
same calls through moto's code and this one and compares every answer and every message
left, and runs receives and deletes on one queue from many threads.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it on moto's classes in
the process that serves moto.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import wraps
from typing import Any

from moto.core import utils as moto_utils
from moto.sqs import models
from moto.sqs.exceptions import InvalidAttributeName
from moto.sqs.models import Message, Queue, SQSBackend

MOTOS_OWN: dict[str, Any] = {}

# Set while a call that reads only a queue's settings is running on this thread: the counts
# it would compute are not read by it.
_settings_only = threading.local()

# Every receipt handle given out, to the message it was given for (removed on delete).
_holder_of: dict[str, Message] = {}
_holders_lock = threading.Lock()

# The backend calls that read or change a queue's messages: each holds the queue's lock.
_ONE_AT_A_TIME = (
    "send_message",
    "send_message_batch",
    "receive_message",
    "delete_message",
    "change_message_visibility",
    "purge_queue",
    "get_queue_attributes",
)


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
        was = getattr(_settings_only, "on", False)
        _settings_only.on = True
        try:
            return method(*args, **kwargs)
        finally:
            _settings_only.on = was  # a batch's sends run inside it

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
    """moto's check, reading the retention period from the queue rather than through its
    attributes (`get_queue_attributes` answers that field, an int since `_set_attributes`)."""
    retention_period = backend.get_queue(queue_name).message_retention_period  # type: ignore[attr-defined]
    return bool(retention_period + message.sent_timestamp / 1000 > unix_time())  # type: ignore[operator]


def attributes_of(queue: Queue, wanted: frozenset[str] | None = None) -> dict[str, Any]:
    """moto's `Queue.attributes` (all of them, or only those `wanted`). Each field is named by
    moto's `camelcase_to_underscores`, which `moto_requests` makes remember its answers."""
    names = list(queue.BASE_ATTRIBUTES)
    if queue.fifo_queue:
        names += queue.FIFO_ATTRIBUTES
    if queue.kms_master_key_id:  # type: ignore[attr-defined]
        names += queue.KMS_ATTRIBUTES
    field = moto_utils.camelcase_to_underscores
    result = {name: getattr(queue, field(name)) for name in names if wanted is None or name in wanted}
    if queue.policy and "Policy" in result:
        result["Policy"] = queue.policy
    if queue.redrive_policy and "RedrivePolicy" in result:
        result["RedrivePolicy"] = json.dumps(queue.redrive_policy)
    for key, value in result.items():
        if isinstance(value, bool):
            result[key] = str(value).lower()
    return result


def get_queue_attributes(backend: SQSBackend, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
    """moto's `get_queue_attributes`, computing the attributes once and only those asked for
    (moto computed them all once per name asked, and twice more per name answered)."""
    queue = backend.get_queue(queue_name)
    if not attribute_names:
        return {}
    valid_names = ["All", *queue.BASE_ATTRIBUTES, *queue.FIFO_ATTRIBUTES, *queue.KMS_ATTRIBUTES]
    invalid_name = next((name for name in attribute_names if name not in valid_names), None)
    if invalid_name or invalid_name == "":
        raise InvalidAttributeName(invalid_name)
    if "All" in attribute_names:
        return attributes_of(queue)
    held = attributes_of(queue, frozenset(attribute_names))
    return {name: held[name] for name in attribute_names if held.get(name) is not None}


def _one_at_a_time(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method` of `SQSBackend` (its first argument, or `queue_name`, names the queue),
    holding that queue's lock; on an unknown queue, moto's own (which raises)."""

    @wraps(method)
    def run(backend: SQSBackend, *args: Any, **kwargs: Any) -> Any:
        queue_name = kwargs["queue_name"] if "queue_name" in kwargs else args[0]
        queue = backend.queues.get(queue_name)
        if queue is None:
            return method(backend, *args, **kwargs)
        with queue._messages_lock:
            return method(backend, *args, **kwargs)

    return run


def install() -> None:
    """Make this process's moto answer SQS calls at the cost of what they touch, one call at a
    time on a queue."""
    if MOTOS_OWN:
        return
    MOTOS_OWN.update(
        unix_time=moto_utils.unix_time,
        messages=Queue.messages,
        attributes=Queue.attributes,
        mark_received=Message.mark_received,
        delete_message=Queue.delete_message,
        is_message_valid_based_on_retention_period=SQSBackend.is_message_valid_based_on_retention_period,
        counts={
            name: getattr(Queue, name)
            for name in (
                "approximate_number_of_messages",
                "approximate_number_of_messages_delayed",
                "approximate_number_of_messages_not_visible",
            )
        },
        backend={name: getattr(SQSBackend, name) for name in _ONE_AT_A_TIME},
    )
    models.unix_time = unix_time  # type: ignore[attr-defined]
    models.unix_time_millis = unix_time_millis  # type: ignore[attr-defined]
    Queue.messages = property(VisibleMessages)  # type: ignore[assignment,method-assign]
    Queue.attributes = property(attributes_of)  # type: ignore[assignment,method-assign]
    for name, count in MOTOS_OWN["counts"].items():
        setattr(Queue, name, _count_unless_settings_only(count))
    Message.mark_received = mark_received  # type: ignore[method-assign,assignment]
    Queue.delete_message = delete_message  # type: ignore[method-assign,assignment]
    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period  # type: ignore[method-assign,assignment]
    ours: dict[str, Callable[..., Any]] = {
        **MOTOS_OWN["backend"],
        "send_message": _settings_only_while(MOTOS_OWN["backend"]["send_message"]),
        "send_message_batch": _settings_only_while(MOTOS_OWN["backend"]["send_message_batch"]),
        "get_queue_attributes": get_queue_attributes,
    }
    for name, method in ours.items():
        setattr(SQSBackend, name, _one_at_a_time(method))


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    models.unix_time = MOTOS_OWN["unix_time"]  # type: ignore[attr-defined]
    models.unix_time_millis = moto_utils.unix_time_millis  # type: ignore[attr-defined]
    Queue.messages = MOTOS_OWN["messages"]  # type: ignore[method-assign]
    Queue.attributes = MOTOS_OWN["attributes"]  # type: ignore[method-assign]
    for name, count in MOTOS_OWN["counts"].items():
        setattr(Queue, name, count)
    Message.mark_received = MOTOS_OWN["mark_received"]  # type: ignore[method-assign]
    Queue.delete_message = MOTOS_OWN["delete_message"]  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = MOTOS_OWN[  # type: ignore[method-assign]
        "is_message_valid_based_on_retention_period"
    ]
    for name, method in MOTOS_OWN["backend"].items():
        setattr(SQSBackend, name, method)
    MOTOS_OWN.clear()
