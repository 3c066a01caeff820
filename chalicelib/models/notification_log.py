"""The notification log: every message sent or being sent, by subject, and the dead letters.

A send is claimed here before it goes out (`claim_delivery`, with a lease), so an SQS message
delivered twice sends once; its outcome is recorded on the same entry. Within
`records_written_together()` (a queue consumer's batch), the sends that went out are recorded
when the batch is done, in one BatchWriteItem, instead of one UpdateItem each. Deliveries given
up on are listed under one subject, `DEAD-LETTERS`, for the state cell.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.ids import new_id
from chalicelib.models.base import TableName, failed_condition
from chalicelib.resource_names import Table

logger = Logger(child=True)


class NotificationLogEntry(Model):
    class Meta:
        table_name = TableName(Table.NOTIFICATION_LOG)

    subject = UnicodeAttribute(hash_key=True)  # tracking_id or citizen_id
    notification_id = UnicodeAttribute(range_key=True)  # ULID: sorts by time
    channel = UnicodeAttribute()  # sms | email | topic | webhook
    template = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # sending | sent | retried | failed | dead_lettered
    provider_message_id = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    encoding = UnicodeAttribute(null=True)  # SMS: GSM-7 | UCS-2
    segments = NumberAttribute(null=True)  # SMS: what the operator bills
    last_error = UnicodeAttribute(null=True)  # the provider's error code or HTTP status
    claimed_at = UTCDateTimeAttribute(null=True)  # when the current send began (the lease)
    department = UnicodeAttribute(null=True)  # webhooks
    reference = UnicodeAttribute(null=True)  # webhooks: the delivery id the receiver saw


# Longer than any one send can take (a webhook POST times out after 5 s): a claim this old
# belongs to a sender that crashed, and another copy may take over.
SENDING_LEASE = timedelta(minutes=2)

# The batch this thread is in (records_written_together): the entries it claimed, by
# (subject, dedupe key), and those sent, to be recorded when it ends.
_batch = threading.local()


@contextmanager
def records_written_together() -> Iterator[None]:
    """Within: a send claimed here and then recorded is written when the block ends, with
    every other, in one BatchWriteItem. The claim, taken before the send, stays one
    conditional write each; the record needs no condition, since the claim's lease keeps
    any other copy of the message out until long after a batch is done, so the whole entry
    the claim returned is written back with the outcome. A failed attempt is still written
    at once (conditionally: never over a `sent`). Writing the records never raises (see
    `_record_sent`)."""
    if _claimed_in_batch() is not None:
        yield  # the outer block writes
        return
    _batch.claimed, _batch.sent = {}, {}
    try:
        yield
    finally:
        sent: dict[tuple[str, str], NotificationLogEntry] = _batch.sent
        _batch.claimed = _batch.sent = None
        if sent:
            _record_sent(list(sent.values()))  # even when the block raised: these went out


def _claimed_in_batch() -> dict[tuple[str, str], NotificationLogEntry] | None:
    """The entries claimed in this thread's batch, by (subject, dedupe key); None outside one."""
    return getattr(_batch, "claimed", None)


def _record_sent(entries: list[NotificationLogEntry]) -> None:
    """Write the outcomes of sends that went out: together, or one by one if the batch write
    fails. Never raises: a raise would hand the consumer's whole batch back to its queue, to
    come back after the lease has run out and be sent again. An entry left unwritten says
    `sending`, as one whose record failed always has, and no copy sends it again."""
    try:
        with NotificationLogEntry.batch_write() as records:
            for entry in entries:
                records.save(entry)
        return
    except Exception as error:  # a write that failed in any way is tried again below
        failure = type(error).__name__
    unwritten = 0
    for entry in entries:
        try:
            entry.save()
        except Exception:  # counted and logged; the sends themselves are done
            unwritten += 1
    if unwritten:
        logger.warning(
            "sent messages not recorded", extra={"unrecorded": unwritten, "of": len(entries), "error": failure}
        )


def claim_delivery(
    subject: str,
    dedupe_key: str,
    channel: str,
    now: datetime,
    template: str | None = None,
    language: str | None = None,
) -> bool:
    """Record that a message is about to be sent; False when it was already sent, or when
    another copy of it is being sent right now (SQS delivers at least once). A retry claims
    it again and keeps its attempt count; a claim older than the lease was a crashed send."""
    entry = NotificationLogEntry(subject, dedupe_key)
    actions: list[Action] = [
        NotificationLogEntry.channel.set(channel),
        NotificationLogEntry.status.set("sending"),
        NotificationLogEntry.created_at.set(NotificationLogEntry.created_at | now),
        NotificationLogEntry.claimed_at.set(now),
    ]
    if template is not None:
        actions.append(NotificationLogEntry.template.set(template))
    if language is not None:
        actions.append(NotificationLogEntry.language.set(language))
    try:
        entry.update(
            actions=actions,
            condition=NotificationLogEntry.notification_id.does_not_exist()
            | (
                (NotificationLogEntry.status != "sent")
                & (
                    (NotificationLogEntry.status != "sending")
                    | NotificationLogEntry.claimed_at.does_not_exist()
                    | (NotificationLogEntry.claimed_at < now - SENDING_LEASE)
                )
            ),
        )
    except UpdateError as error:
        if failed_condition(error):
            return False
        raise
    claimed = _claimed_in_batch()
    if claimed is not None:
        claimed[subject, dedupe_key] = entry  # the whole entry, as the update returned it
    return True


def record_delivery(
    subject: str,
    dedupe_key: str,
    provider_message_id: str,
    *,
    encoding: str | None = None,
    segments: int | None = None,
) -> None:
    claimed = _claimed_in_batch()
    entry = claimed.pop((subject, dedupe_key), None) if claimed is not None else None
    if entry is not None:
        entry.status = "sent"
        entry.provider_message_id = provider_message_id
        entry.attempts = (entry.attempts or 0) + 1
        if encoding is not None and segments is not None:
            entry.encoding, entry.segments = encoding, segments
        _batch.sent[subject, dedupe_key] = entry
        return
    actions: list[Action] = [
        NotificationLogEntry.status.set("sent"),
        NotificationLogEntry.provider_message_id.set(provider_message_id),
        NotificationLogEntry.attempts.add(1),
    ]
    if encoding is not None and segments is not None:
        actions += [NotificationLogEntry.encoding.set(encoding), NotificationLogEntry.segments.set(segments)]
    NotificationLogEntry(subject, dedupe_key).update(actions=actions)


def record_failed_attempt(subject: str, dedupe_key: str, error: str, *, final: bool) -> None:
    """A send that failed: `retried` while attempts remain, `failed` after the last one.
    Never over a `sent` (another copy got through meanwhile)."""
    claimed = _claimed_in_batch()
    if claimed is not None:
        claimed.pop((subject, dedupe_key), None)  # this copy's claim is spent: nothing to record at the end
    try:
        NotificationLogEntry(subject, dedupe_key).update(
            actions=[
                NotificationLogEntry.status.set("failed" if final else "retried"),
                NotificationLogEntry.attempts.add(1),
                NotificationLogEntry.last_error.set(error[:200]),
            ],
            condition=NotificationLogEntry.status != "sent",
        )
    except UpdateError as error_:
        if not failed_condition(error_):
            raise


DEAD_LETTERS = "DEAD-LETTERS"


def record_dead_letter(channel: str, department: str, reference: str, error: str, attempts: int, now: datetime) -> None:
    """A delivery given up on (it is also in the queue's DLQ), listed for the state cell."""
    NotificationLogEntry(
        DEAD_LETTERS,
        new_id("dead"),
        channel=channel,
        status="dead_lettered",
        department=department,
        reference=reference,
        last_error=error[:200],
        attempts=attempts,
        created_at=now,
    ).save()


def dead_letters(department: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """The latest dead-lettered deliveries, newest first; one Query."""
    condition = NotificationLogEntry.department == department if department else None
    shown = []
    for entry in NotificationLogEntry.query(DEAD_LETTERS, filter_condition=condition, scan_index_forward=False):
        shown.append(
            {
                "channel": entry.channel,
                "department": entry.department,
                "reference": entry.reference,
                "last_error": entry.last_error,
                "attempts": int(entry.attempts or 0),
                "dead_lettered_at": entry.created_at.isoformat(),
            }
        )
        if len(shown) >= limit:
            break
    return shown


def notification_log(subject: str) -> list[dict[str, Any]]:
    """Every message sent (or being sent) about `subject`, oldest first. One Query."""
    fields = (
        "channel",
        "template",
        "language",
        "status",
        "provider_message_id",
        "attempts",
        "encoding",
        "segments",
        "last_error",
    )
    entries = []
    for entry in NotificationLogEntry.query(subject):
        shown: dict[str, Any] = {name: getattr(entry, name) for name in fields}
        shown["attempts"] = int(shown["attempts"] or 0)
        shown["segments"] = int(shown["segments"]) if shown["segments"] is not None else None
        shown["created_at"] = entry.created_at.isoformat()
        entries.append(shown)
    return sorted(entries, key=lambda e: e["created_at"])
