"""What every table model shares: a stage-prefixed table name resolved at first use, the one
connection transactions run on, reads of several tables in one call, and moments stored as
text."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from chalicelib.config import get_settings, resource_name
from chalicelib.domain.errors import Unavailable
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
    botocore clients are thread-safe, so one per endpoint serves every transaction. The
    endpoint is found as botocore finds every other client's: DynamoDB's own first."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL")
    return _connection_for(endpoint, get_settings().region)


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


T = TypeVar("T")

# Asking again for the keys a throttled BatchGetItem left unprocessed, before giving up.
BATCH_ATTEMPTS = 4


@dataclass(frozen=True)
class ItemRead(Generic[T]):
    """One item to read consistently by its key (`range_key` for a table that has one):
    alone, or with the items of other reads in the same call (`read_together`). `answer`
    turns the stored item (None when there is none) into what the caller asked for."""

    record: type[Model]
    key: str
    answer: Callable[[Any], T]
    range_key: str | None = None


def read_together(*reads: ItemRead[Any]) -> list[Any]:
    """Each read's answer, in order, from one call: a GetItem for one read, else one
    BatchGetItem across the tables named (keys a throttle left unprocessed are asked for
    again). Strongly consistent either way, as a check that a login still stands must be."""
    if len(reads) == 1:
        read = reads[0]
        try:
            return [read.answer(read.record.get(read.key, read.range_key, consistent_read=True))]
        except read.record.DoesNotExist:
            return [read.answer(None)]
    wanted: dict[str, dict[str, Any]] = {}
    for read in reads:
        keys = wanted.setdefault(read.record.Meta.table_name, {"Keys": [], "ConsistentRead": True})["Keys"]
        if _key_item(read) not in keys:
            keys.append(_key_item(read))
    found: dict[tuple[str, str, str | None], dict[str, Any]] = {}
    request: dict[str, Any] = wanted
    for _ in range(BATCH_ATTEMPTS):
        answer = shared_connection().client.batch_get_item(RequestItems=request)
        for table, items in answer.get("Responses", {}).items():
            for item in items:
                found[(table, *_key_of(item, table, reads))] = item
        request = answer.get("UnprocessedKeys") or {}
        if not request:
            break
    else:
        raise Unavailable("The tables are busy; try again.")
    answers = []
    for read in reads:
        item = found.get((read.record.Meta.table_name, read.key, read.range_key))
        answers.append(read.answer(read.record.from_raw_data(item) if item is not None else None))
    return answers


def _hash_key_name(record: type[Model]) -> str:
    return str(record._hash_key_attribute().attr_name)


def _range_key_name(record: type[Model]) -> str | None:
    attribute = record._range_key_attribute()
    return str(attribute.attr_name) if attribute is not None else None


def _key_item(read: ItemRead[Any]) -> dict[str, Any]:
    key = {_hash_key_name(read.record): {"S": read.key}}
    range_name = _range_key_name(read.record)
    if range_name is not None and read.range_key is not None:
        key[range_name] = {"S": read.range_key}
    return key


def _key_of(item: dict[str, Any], table: str, reads: Sequence[ItemRead[Any]]) -> tuple[str, str | None]:
    record = next(read.record for read in reads if read.record.Meta.table_name == table)
    range_name = _range_key_name(record)
    return str(item[_hash_key_name(record)]["S"]), str(item[range_name]["S"]) if range_name else None


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
