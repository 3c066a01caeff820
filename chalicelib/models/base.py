"""What every table model shares: a stage-prefixed table name resolved at first use, the one
connection transactions run on, and moments stored as text."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.config import get_settings, resource_name
from chalicelib.resource_names import Table


class TableName:
    """`Meta.table_name` that follows the running stage.

    PynamoDB reads `Meta.table_name` when it opens a connection, not when the model class
    is defined, so resolving it here keeps settings out of import time and lets the same
    model serve `crm-local-*` on moto and `crm-odisha-*` in AWS. Only the prefix is read,
    not the whole settings: a read that needs nothing else never loads pydantic.
    """

    def __init__(self, logical_name: Table) -> None:
        self.logical_name = logical_name

    def __get__(self, instance: Any, owner: Any) -> str:
        return resource_name(self.logical_name)


def shared_connection() -> Connection:
    """The one PynamoDB connection transactions run on. Each `Connection()` builds its own
    botocore client (~0.2 s of loading service models), far too slow to pay per write;
    botocore clients are thread-safe, so one per endpoint serves every transaction."""
    return _connection_for(os.environ.get("AWS_ENDPOINT_URL"), get_settings().region)


@lru_cache(maxsize=4)
def _connection_for(endpoint: str | None, region: str) -> Connection:
    # Keyed by region too: an operator command (the bootstrap) may switch stage mid-process.
    return Connection(region=region, host=endpoint)


@dataclass(frozen=True)
class Guard:
    """One more write that joins a save's transaction and may refuse it: `item` put whole
    (no `actions`) or updated by `actions`, only if `condition` holds. When it does not,
    nothing of the save is written and the save raises `refusal` — a request's kept answer or
    a rate limit's slot thus stands or falls with the case it is about."""

    item: Model
    condition: Condition
    refusal: Exception
    actions: Sequence[Action] = ()


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
