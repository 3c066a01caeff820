"""What every table model shares: a stage-prefixed name resolved at first use."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException

from chalicelib.config import get_settings
from chalicelib.domain.errors import InvalidInput

PAUSED = "~paused"  # sorts after every ISO date: a queue's paused items come last


class TableName:
    """`Meta.table_name` that follows the running stage.

    PynamoDB reads `Meta.table_name` when it opens a connection, not when the model class
    is defined, so resolving it here keeps settings out of import time and lets the same
    model serve `crm-local-*` on moto and `crm-odisha-*` in AWS.
    """

    def __init__(self, logical_name: str) -> None:
        self.logical_name = logical_name

    def __get__(self, instance: Any, owner: Any) -> str:
        return get_settings().resource_name(self.logical_name)


def shared_connection() -> Connection:
    """The one PynamoDB connection transactions run on. Each `Connection()` builds its own
    botocore client (~0.2 s of loading service models), far too slow to pay per write;
    botocore clients are thread-safe, so one per endpoint serves every transaction."""
    return _connection_for(os.environ.get("AWS_ENDPOINT_URL"))


@lru_cache(maxsize=4)
def _connection_for(endpoint: str | None) -> Connection:
    return Connection(region=get_settings().region, host=endpoint)


def failed_condition(error: PynamoDBException) -> bool:
    """Whether a write was refused by its condition (rather than failing)."""
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def utc_text(moment: datetime) -> str:
    """A moment as stored: UTC ISO-8601 to the microsecond, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def iso(moment: datetime | None) -> str | None:
    return utc_text(moment) if moment else None


def parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def encode_cursor(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def decode_cursor(cursor: str | None, keys: set[str], fixed: dict[str, str]) -> dict[str, Any] | None:
    """The start key a cursor stands for. A cursor that is unreadable, names other
    attributes, or belongs to another partition (another citizen's list, another officer's
    queue) is refused as a 422, never handed to DynamoDB."""
    if not cursor:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        decoded = None
    valid = (
        isinstance(decoded, dict)
        and set(decoded) == keys
        and all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in decoded.values())
        and all(decoded[name]["S"] == value for name, value in fixed.items())
    )
    if not valid:
        raise InvalidInput("cursor: not a cursor this list gave out.", field="cursor")
    return cast(dict[str, Any], decoded)


def decode_queue_cursor(cursor: str | None, owner: str, due_before: datetime | None) -> dict[str, Any] | None:
    """A cursor of an officer's queue (tracking_id, queue_owner, queue_due). With `due_before`
    (the overdue list) it must lie inside that range: DynamoDB refuses one from outside."""
    start = decode_cursor(cursor, {"tracking_id", "queue_owner", "queue_due"}, {"queue_owner": owner})
    if start is not None and due_before is not None and not start["queue_due"]["S"] < utc_text(due_before):
        raise InvalidInput("cursor: not a cursor of the overdue list.", field="cursor")
    return start
