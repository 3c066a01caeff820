"""Append-only and bookkeeping tables: the audit trail, the notification log, counters."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
    UTCDateTimeAttribute,
)
from pynamodb.models import Model

from chalicelib.models.base import TableName


class AuditEntry(Model):
    """One event in a record's history. Entries are only ever added (conditional put on
    an unused `seq`) and each carries the hash of the one before it, so a rewritten or
    deleted entry breaks the chain."""

    class Meta:
        table_name = TableName("audit")

    subject = UnicodeAttribute(hash_key=True)  # tracking_id or citizen_id
    seq = NumberAttribute(range_key=True)
    at = UTCDateTimeAttribute()
    event = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    from_state = UnicodeAttribute(null=True)
    to_state = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    internal = BooleanAttribute(default=False)
    prev_hash = UnicodeAttribute()
    entry_hash = UnicodeAttribute()


class NotificationLogEntry(Model):
    class Meta:
        table_name = TableName("notifications")

    subject = UnicodeAttribute(hash_key=True)  # tracking_id or citizen_id
    notification_id = UnicodeAttribute(range_key=True)  # ULID: sorts by time
    channel = UnicodeAttribute()  # sms | email | topic | webhook
    template = UnicodeAttribute()
    language = UnicodeAttribute()
    status = UnicodeAttribute()  # queued | sent | failed | retried
    provider_message_id = UnicodeAttribute(null=True)
    attempts = NumberAttribute(default=0)
    created_at = UTCDateTimeAttribute()


class Counter(Model):
    """A count in a window: report tallies, and rate limits (OTP sends, failed logins)."""

    class Meta:
        table_name = TableName("counters")

    counter = UnicodeAttribute(hash_key=True)
    window = UnicodeAttribute(range_key=True)
    value = NumberAttribute(default=0)
    # moto never expires TTL items: readers must also compare this with now.
    expires_at = TTLAttribute(null=True)
