"""Append-only and bookkeeping tables: the audit trail, the notification log, counters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.models.base import TableName


class AuditEntryRecord(Model):
    """One event in a record's history. Entries are only ever added (conditional put on
    an unused `seq`) and each carries the hash of the one before it, so a rewritten or
    deleted entry breaks the chain."""

    class Meta:
        table_name = TableName("audit")

    subject = UnicodeAttribute(hash_key=True)  # tracking_id or citizen_id
    seq = NumberAttribute(range_key=True)
    # Stored exactly as hashed (ISO-8601 text), so the chain can be re-verified byte for byte.
    at = UnicodeAttribute()
    event = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    from_state = UnicodeAttribute(null=True)
    to_state = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    internal = BooleanAttribute(default=False)
    details = JSONAttribute(default=dict)
    prev_hash = UnicodeAttribute()
    entry_hash = UnicodeAttribute()


class NotificationLogEntry(Model):
    class Meta:
        table_name = TableName("notifications")

    subject = UnicodeAttribute(hash_key=True)  # tracking_id or citizen_id
    notification_id = UnicodeAttribute(range_key=True)  # ULID: sorts by time
    channel = UnicodeAttribute()  # sms | email | topic | webhook
    template = UnicodeAttribute(null=True)
    language = UnicodeAttribute(null=True)
    status = UnicodeAttribute()  # queued | sent | failed | retried
    provider_message_id = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()
    encoding = UnicodeAttribute(null=True)  # SMS: GSM-7 | UCS-2
    segments = NumberAttribute(null=True)  # SMS: what the operator bills


class Counter(Model):
    """A count in a window: report tallies, and rate limits (OTP sends, failed logins)."""

    class Meta:
        table_name = TableName("counters")

    counter = UnicodeAttribute(hash_key=True)
    window = UnicodeAttribute(range_key=True)
    value = NumberAttribute(default=0)
    # moto never expires TTL items: readers must also compare this with now.
    expires_at = TTLAttribute(null=True)
    touched_at = UnicodeAttribute(null=True)  # ISO-8601: e.g. when an officer was last assigned


def count_in_window(counter: str, window: str, now: datetime) -> int:
    """How many hits `counter` has in `window` (0 once the window has expired)."""
    try:
        item = Counter.get(counter, window, consistent_read=True)
    except Counter.DoesNotExist:
        return 0
    if item.expires_at is not None and item.expires_at <= now:
        return 0
    return int(item.value)


def add_to_window(counter: str, window: str, *, expires_at: datetime, limit: int | None = None) -> bool:
    """Count one hit in `window`; with `limit`, only while fewer than `limit` are counted.

    Returns False when the limit was already reached (nothing is counted then). The check
    and the increment are one conditional write, so concurrent hits cannot overshoot.
    """
    item = Counter(counter, window)
    condition = None
    if limit is not None:
        condition = Counter.value.does_not_exist() | (Counter.value < limit)
    try:
        item.update(actions=[Counter.value.add(1), Counter.expires_at.set(expires_at)], condition=condition)
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def clear_window(counter: str, window: str) -> None:
    Counter(counter, window).delete()


def claim_delivery(
    subject: str,
    dedupe_key: str,
    channel: str,
    now: datetime,
    template: str | None = None,
    language: str | None = None,
) -> bool:
    """Record that a message is about to be sent; False when it was already sent."""
    entry = NotificationLogEntry(
        subject,
        dedupe_key,
        channel=channel,
        status="sending",
        created_at=now,
        template=template,
        language=language,
    )
    try:
        entry.save(
            condition=NotificationLogEntry.notification_id.does_not_exist() | (NotificationLogEntry.status != "sent")
        )
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def record_delivery(
    subject: str,
    dedupe_key: str,
    provider_message_id: str,
    *,
    encoding: str | None = None,
    segments: int | None = None,
) -> None:
    actions: list[Action] = [
        NotificationLogEntry.status.set("sent"),
        NotificationLogEntry.provider_message_id.set(provider_message_id),
        NotificationLogEntry.attempts.add(1),
    ]
    if encoding is not None and segments is not None:
        actions += [NotificationLogEntry.encoding.set(encoding), NotificationLogEntry.segments.set(segments)]
    NotificationLogEntry(subject, dedupe_key).update(actions=actions)


def notification_log(subject: str) -> list[dict[str, Any]]:
    """Every message sent (or being sent) about `subject`, oldest first. One Query."""
    fields = ("channel", "template", "language", "status", "provider_message_id", "attempts", "encoding", "segments")
    entries = []
    for entry in NotificationLogEntry.query(subject):
        shown: dict[str, Any] = {name: getattr(entry, name) for name in fields}
        shown["attempts"] = int(shown["attempts"] or 0)
        shown["segments"] = int(shown["segments"]) if shown["segments"] is not None else None
        shown["created_at"] = entry.created_at.isoformat()
        entries.append(shown)
    return sorted(entries, key=lambda e: e["created_at"])
