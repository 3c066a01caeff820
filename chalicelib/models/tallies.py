"""The report counters, in the counters table: rows per view, quarter and day; gauges; markers.

Keys (`counter`, `window`):
- a row of a view:  `tally:<view>#<quarter>`,  `<day>#<key parts ...>#<shard>`
  Day first, so a report's range of days is one contiguous range of one partition per
  quarter: any 90 days touch at most 2 quarters, so at most 2 Queries. (An officer row:
  `<department>#<day>#<district>#<officer>#<shard>`, read one department at a time.)
- a gauge:          `tally-gauge`,  `<department>#<shard>`  (open, overdue), read by key.
- an event counted: `tally-counted#<tracking id>`,  `<audit seq>`, expiring after 30 days
  (longer than any queue keeps a message for redelivery).
Counters are top-level numbers added with ADD, so the first event of a day creates its row.
The marker and every row an event moves are one transaction: an event is counted entirely
once or not at all, and a redelivered one finds its marker and adds nothing.

Shards are the last part of the sort key, so a hot row is several items that DynamoDB can
place on different partitions (it splits a partition by sort key for heat when the table
has no local index), and reads add whatever shards they meet.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.aws import client
from chalicelib.config import get_settings
from chalicelib.domain.tallies import SHARDS, Gauge, Tally, View, quarter_of, quarters_between, shard_of
from chalicelib.resource_names import Table

MARKER_DAYS = 30
GAUGES = "tally-gauge"
_ATTEMPTS = 6


@dataclass(frozen=True)
class StoredRow:
    day: date
    key: tuple[str, ...]
    counters: dict[str, int]


@dataclass
class ReadCost:
    """What a report read, for the benchmark and the call-budget tests."""

    queries: int = 0
    items: int = 0


def _table() -> str:
    return get_settings().resource_name(Table.COUNTERS)


def count(tally: Tally, now: datetime) -> bool:
    """Add `tally` once; False when its event had been counted already (a redelivery)."""
    table = _table()
    tracking_id, seq = tally.event_id.rsplit("#", 1)
    expires = int((now + timedelta(days=MARKER_DAYS)).timestamp())
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table,
                "Item": {
                    "counter": {"S": f"tally-counted#{tracking_id}"},
                    "window": {"S": seq},
                    "expires_at": {"N": str(expires)},
                },
                "ConditionExpression": "attribute_not_exists(#c)",
                "ExpressionAttributeNames": {"#c": "counter"},
            }
        }
    ]
    merged = _merge([tally])
    for (counter, window), counters in merged.items():
        items.append({"Update": _add(table, counter, window, counters)})
    return _transact(items)


def _merge(counted: Iterable[Tally], shard: int | None = None) -> dict[tuple[str, str], dict[str, int]]:
    """The items (counter, window) the tallies move, and what each adds: in the shard each
    event's id picks, or all in `shard`."""
    merged: dict[tuple[str, str], dict[str, int]] = {}

    def add(key: tuple[str, str], name: str, value: int) -> None:
        into = merged.setdefault(key, {})
        into[name] = into.get(name, 0) + value

    for tally in counted:
        part = shard_of(tally.event_id, SHARDS) if shard is None else shard
        for row in tally.rows:
            key = (f"tally:{row.view.value}#{quarter_of(tally.day)}", _window(row.view, tally.day, row.key, part))
            for name, value in row.counters.items():
                add(key, name, value)
        for (department, gauge), by in tally.gauges.items():
            add((GAUGES, f"{department}#{part}"), gauge.value, by)
    return {key: counters for key, counters in merged.items() if any(counters.values())}


def _window(view: View, day: date, key: tuple[str, ...], shard: int) -> str:
    """Day first, so a period is one key range; an officer row (department, district,
    officer) puts its department before the day, since its report always names one."""
    if view is View.OFFICER:
        department, *rest = key
        return "#".join([department, day.isoformat(), *rest, str(shard)])
    return "#".join([day.isoformat(), *key, str(shard)])


def _parsed(view: View, window: str) -> tuple[date, tuple[str, ...]]:
    parts = window.split("#")[:-1]  # the shard last
    if view is View.OFFICER:
        department, day, *rest = parts
        return date.fromisoformat(day), (department, *rest)
    day, *key = parts
    return date.fromisoformat(day), tuple(key)


def _add(table: str, counter: str, window: str, counters: dict[str, int]) -> dict[str, Any]:
    names = {f"#a{i}": name for i, name in enumerate(counters)}
    values = {f":v{i}": {"N": str(value)} for i, value in enumerate(counters.values())}
    return {
        "TableName": table,
        "Key": {"counter": {"S": counter}, "window": {"S": window}},
        "UpdateExpression": "ADD " + ", ".join(f"#a{i} :v{i}" for i in range(len(counters))),
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _transact(items: list[dict[str, Any]]) -> bool:
    dynamodb = client("dynamodb")
    for attempt in range(_ATTEMPTS):
        try:
            dynamodb.transact_write_items(TransactItems=items)
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return False  # the marker exists: counted before
            if attempt == _ATTEMPTS - 1 or not any(r == "TransactionConflict" for r in reasons):
                raise
            time.sleep(0.02 * 2**attempt)  # another event of the same row is being counted
    return False  # pragma: no cover - the loop returns or raises


def rows(
    view: View, first: date, last: date, cost: ReadCost | None = None, *, department: str | None = None
) -> Iterator[StoredRow]:
    """Every stored row (shard) of `view` for the days `first`..`last`, oldest first. The
    officer view is read one department at a time (`department` required)."""
    prefix = ""
    if view is View.OFFICER:
        if department is None:
            raise ValueError("the officer view is read for one department")
        prefix = f"{department}#"
    dynamodb = client("dynamodb")
    cost = cost if cost is not None else ReadCost()
    for quarter in quarters_between(first, last):
        request: dict[str, Any] = {
            "TableName": _table(),
            "KeyConditionExpression": "#c = :c AND #w BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#c": "counter", "#w": "window"},
            "ExpressionAttributeValues": {
                ":c": {"S": f"tally:{view}#{quarter}"},
                ":first": {"S": f"{prefix}{first.isoformat()}"},
                ":last": {"S": f"{prefix}{last.isoformat()}#\uffff"},
            },
        }
        while True:
            page = dynamodb.query(**request)
            cost.queries += 1
            cost.items += len(page["Items"])
            for item in page["Items"]:
                day, key = _parsed(view, item["window"]["S"])
                counters = {
                    name: int(value["N"])
                    for name, value in item.items()
                    if name not in ("counter", "window") and "N" in value
                }
                yield StoredRow(day, key, counters)
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def gauges(departments: Sequence[str], cost: ReadCost | None = None) -> dict[str, dict[Gauge, int]]:
    """Open and overdue now, per department (every shard read by key: no Query)."""
    dynamodb = client("dynamodb")
    cost = cost if cost is not None else ReadCost()
    table = _table()
    keys = [{"counter": {"S": GAUGES}, "window": {"S": f"{d}#{s}"}} for d in departments for s in range(SHARDS)]
    found: dict[str, dict[Gauge, int]] = {d: dict.fromkeys(Gauge, 0) for d in departments}
    for start in range(0, len(keys), 100):
        pending: dict[str, Any] = {table: {"Keys": keys[start : start + 100]}}
        while pending:
            response = dynamodb.batch_get_item(RequestItems=pending)
            for item in response["Responses"].get(table, []):
                cost.items += 1
                department = item["window"]["S"].rsplit("#", 1)[0]
                for gauge in Gauge:
                    if gauge.value in item:
                        found[department][gauge] += int(item[gauge.value]["N"])
            pending = response.get("UnprocessedKeys") or {}
    return found


ALERTS = "tally-alerts"


def save_alert(day: date, key: str, alert: dict[str, Any]) -> bool:
    """Keep one alert of `day` (`key`: kind, district, category); False if it was kept before
    (the schedule ran twice that day)."""
    try:
        client("dynamodb").put_item(
            TableName=_table(),
            Item={
                "counter": {"S": ALERTS},
                "window": {"S": f"{day.isoformat()}#{key}"},
                "alert": {"S": json.dumps(alert, sort_keys=True)},
            },
            ConditionExpression="attribute_not_exists(#c)",
            ExpressionAttributeNames={"#c": "counter"},
        )
    except ClientError as error:
        if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def alerts_between(first: date, last: date, cost: ReadCost | None = None) -> list[tuple[date, dict[str, Any]]]:
    """The alerts kept for the days `first`..`last`, oldest first. One Query (a page holds
    thousands; alerts are few by design)."""
    dynamodb = client("dynamodb")
    cost = cost if cost is not None else ReadCost()
    request: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "#c = :c AND #w BETWEEN :first AND :last",
        "ExpressionAttributeNames": {"#c": "counter", "#w": "window"},
        "ExpressionAttributeValues": {
            ":c": {"S": ALERTS},
            ":first": {"S": first.isoformat()},
            ":last": {"S": f"{last.isoformat()}#\uffff"},
        },
    }
    found: list[tuple[date, dict[str, Any]]] = []
    while True:
        page = dynamodb.query(**request)
        cost.queries += 1
        cost.items += len(page["Items"])
        for item in page["Items"]:
            day = date.fromisoformat(item["window"]["S"].split("#", 1)[0])
            found.append((day, json.loads(item["alert"]["S"])))
        if "LastEvaluatedKey" not in page:
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def put_summed(summed: Iterable[Tally]) -> int:
    """Write tallies summed beforehand, without markers, all in shard 0, as whole items
    (BatchWriteItem: 25 a call) — replacing what the same rows held. For laying a demo
    history and the benchmark's synthetic year in days nothing else writes; a live event
    goes through `count`, once. Gauges are added (UpdateItem). Returns the items written."""
    merged = _merge(summed, shard=0)
    dynamodb = client("dynamodb")
    table = _table()
    rows = [(key, counters) for key, counters in merged.items() if key[0] != GAUGES]
    for start in range(0, len(rows), 25):
        pending: dict[str, Any] = {
            table: [
                {
                    "PutRequest": {
                        "Item": {
                            "counter": {"S": counter},
                            "window": {"S": window},
                            **{name: {"N": str(value)} for name, value in counters.items()},
                        }
                    }
                }
                for (counter, window), counters in rows[start : start + 25]
            ]
        }
        while pending:
            pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    for (counter, window), counters in merged.items():
        if counter == GAUGES:
            dynamodb.update_item(**_add(table, counter, window, counters))
    return len(merged)
