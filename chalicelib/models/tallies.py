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
MOVES = "_moves"  # on every row item: the counts that moved it (not a figure of any report)
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
    bytes: int = 0  # as DynamoDB sizes items: a Query returns at most 1 MB a page

    def add(self, items: list[dict[str, Any]]) -> None:
        self.items += len(items)
        self.bytes += sum(_size(item) for item in items)


def _size(item: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rule of thumb: names plus values (a number: about one
    byte per two digits, plus one)."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        if "S" in value:
            size += len(value["S"].encode())
        elif "N" in value:
            size += len(value["N"]) // 2 + 1
    return size


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
        moved: set[tuple[str, str]] = set()
        for row in tally.rows:
            key = (f"tally:{row.view.value}#{quarter_of(tally.day)}", _window(row.view, tally.day, row.key, part))
            moved.add(key)
            for name, value in row.counters.items():
                add(key, name, value)
        for key in moved:
            add(key, MOVES, 1)  # how many counts moved the item: what a fold checks is unchanged
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
    for quarter in quarters_between(first, last):
        span = (f"{prefix}{first.isoformat()}", f"{prefix}{last.isoformat()}#\uffff")
        for item in _between(f"tally:{view}#{quarter}", *span, cost):
            day, key = _parsed(view, item["window"]["S"])
            counters = {
                name: int(value["N"])
                for name, value in item.items()
                if name not in ("counter", "window", MOVES) and "N" in value
            }
            yield StoredRow(day, key, counters)


def _between(counter: str, first: str, last: str, cost: ReadCost | None = None) -> Iterator[dict[str, Any]]:
    """The items of one counter whose window lies between `first` and `last`, page by page."""
    cost = cost if cost is not None else ReadCost()
    request: dict[str, Any] = {
        "TableName": _table(),
        "KeyConditionExpression": "#c = :c AND #w BETWEEN :first AND :last",
        "ExpressionAttributeNames": {"#c": "counter", "#w": "window"},
        "ExpressionAttributeValues": {":c": {"S": counter}, ":first": {"S": first}, ":last": {"S": last}},
    }
    while True:
        page = client("dynamodb").query(**request)
        cost.queries += 1
        cost.add(page["Items"])
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
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
    return [
        (date.fromisoformat(item["window"]["S"].split("#", 1)[0]), json.loads(item["alert"]["S"]))
        for item in _between(ALERTS, first.isoformat(), f"{last.isoformat()}#\uffff", cost)
    ]


def put_summed(summed: Iterable[Tally], *, as_live: bool = False) -> int:
    """Write tallies summed beforehand, without markers, as whole items (BatchWriteItem: 25
    a call) — replacing what the same rows held: all in shard 0, as days look once folded,
    or (`as_live`) in the shards live events would have used. For laying a demo history and
    the benchmark's synthetic years in days nothing else writes; a live event goes through
    `count`, once. Gauges are added (UpdateItem). Returns the items written."""
    merged = _merge(summed, shard=None if as_live else 0)
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


def set_gauges(targets: dict[str, dict[Gauge, int]], departments: Sequence[str]) -> dict[str, dict[Gauge, int]]:
    """Bring each department's gauges to `targets` (absent: 0) by adding the difference to
    shard 0; returns the differences. For grievances open before the counters existed, or
    a drift: moves made while this runs may be off by their own count, so run it quietly."""
    codes = sorted({*departments, *targets})
    now = gauges(codes)
    dynamodb = client("dynamodb")
    moved: dict[str, dict[Gauge, int]] = {}
    for department in codes:
        difference = {g: targets.get(department, {}).get(g, 0) - now[department][g] for g in Gauge}
        if any(difference.values()):
            counters = {gauge.value: by for gauge, by in difference.items()}
            dynamodb.update_item(**_add(_table(), GAUGES, f"{department}#0", counters))
            moved[department] = difference
    return moved


FOLDED_VIEWS = (View.DEPARTMENT, View.DISTRICT, View.CATEGORY)


def fold_day(day: date) -> int:
    """Fold a past day's shards into shard 0, so a report reads one item per row for it
    (shards spread a day's writes while it is live; once it is over, they only cost reads).
    Each row is one transaction: shard 0 adds what the others held, and each other shard is
    deleted only if it still holds exactly what was read — an event counted meanwhile makes
    that row wait for the next fold, never lost. Returns the shard items folded away.
    (Officer rows, keyed by department first, are few and stay as they are.)"""
    dynamodb = client("dynamodb")
    table = _table()
    folded = 0
    for view in FOLDED_VIEWS:
        counter = f"tally:{view.value}#{quarter_of(day)}"
        by_row: dict[str, list[tuple[str, dict[str, int]]]] = {}
        for item in _items_of_day(counter, day):
            window = item["window"]["S"]
            counters = {k: int(v["N"]) for k, v in item.items() if k not in ("counter", "window") and "N" in v}
            by_row.setdefault(window.rsplit("#", 1)[0], []).append((window, counters))
        for row, shards in by_row.items():
            others = [(window, counters) for window, counters in shards if not window.endswith("#0")]
            if not others:
                continue
            summed: dict[str, int] = {}
            for _, counters in others:
                for name, value in counters.items():
                    summed[name] = summed.get(name, 0) + value
            items: list[dict[str, Any]] = [{"Update": _add(table, counter, f"{row}#0", summed)}] if summed else []
            for window, counters in others:
                items.append({"Delete": _unchanged(table, counter, window, counters)})
            try:
                dynamodb.transact_write_items(TransactItems=items)
            except ClientError as error:
                if error.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                continue  # counted into meanwhile: folded another day
            folded += len(others)
    return folded


def _items_of_day(counter: str, day: date) -> Iterator[dict[str, Any]]:
    return _between(counter, f"{day.isoformat()}#", f"{day.isoformat()}#\uffff")


def _unchanged(table: str, counter: str, window: str, counters: dict[str, int]) -> dict[str, Any]:
    """Delete the item only if no count moved it since it was read."""
    return {
        "TableName": table,
        "Key": {"counter": {"S": counter}, "window": {"S": window}},
        "ConditionExpression": "#moves = :moves",
        "ExpressionAttributeNames": {"#moves": MOVES},
        "ExpressionAttributeValues": {":moves": {"N": str(counters.get(MOVES, 0))}},
    }
