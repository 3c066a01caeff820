"""The local moto's Query (infra/moto_queries.py) answers as moto's own, while reading only
the items that can answer it instead of listing and sorting the whole table.

The same Queries run twice on the local stack's moto server (on tables of their own), once
through moto's code and once through ours: a table with a range key holding many
partitions, queried with and without range conditions, backwards, in pages, with a filter
and a projection; a table without a range key; a partition that does not exist; and indexes
— global and local, ALL, KEYS_ONLY and INCLUDE, with and without a range key, on string,
number (1 and 1.0 are one number) and binary keys, over items missing the index's keys —
queried the same ways. Every answer and every page must be the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.dynamodb.models.table import Table

from infra import moto_queries


@pytest.fixture
def moto_only(moto_server: str) -> Iterator[None]:
    """The local stack's moto server (in this process), on moto's own Query unless a test
    installs ours; as it was afterwards."""
    installed = bool(moto_queries.MOTOS_OWN)
    moto_queries.uninstall()
    yield
    moto_queries.uninstall()
    if installed:
        moto_queries.install()


def S(value: str) -> dict[str, str]:
    return {"S": value}


def N(value: int) -> dict[str, str]:
    return {"N": str(value)}


def script() -> list[Any]:
    run = uuid.uuid4().hex[:8]
    trail, single, cases = f"trail-{run}", f"single-{run}", f"cases-{run}"
    db = boto3.client("dynamodb", region_name="ap-south-1")
    db.create_table(
        TableName=trail,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "subject", "KeyType": "HASH"}, {"AttributeName": "seq", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "subject", "AttributeType": "S"},
            {"AttributeName": "seq", "AttributeType": "N"},
            {"AttributeName": "event", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-event",
                "KeySchema": [{"AttributeName": "event", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    db.create_table(
        TableName=single,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "kind", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[index("by-kind", "kind")],
    )
    create_cases(db, cases)
    # Written out of order, across partitions, with seq 10 after 9 (numbers, not strings).
    for seq in (3, 1, 10, 2, 9):
        for subject in ("OD-b", "OD-a", "OD-c"):
            event = "escalated" if seq % 3 == 0 else "assigned"
            item = {"subject": S(subject), "seq": N(seq), "event": S(event), "note": S(f"{subject} {seq}")}
            db.put_item(TableName=trail, Item=item)
    for pk, kind in (("one", "odd"), ("two", "even"), ("three", "odd"), ("four", None), ("five", "odd")):
        db.put_item(TableName=single, Item={"pk": S(pk), "value": N(len(pk)), **({"kind": S(kind)} if kind else {})})

    def on(subject: str) -> dict[str, Any]:
        return {
            "TableName": trail,
            "KeyConditionExpression": "subject = :s",
            "ExpressionAttributeValues": {":s": S(subject)},
        }

    queries: list[dict[str, Any]] = [
        on("OD-a"),
        on("OD-missing"),
        {**on("OD-b"), "ScanIndexForward": False},
        {**on("OD-c"), "Limit": 2},
        {
            **on("OD-a"),
            "KeyConditionExpression": "subject = :s AND seq BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {":s": S("OD-a"), ":lo": N(2), ":hi": N(9)},
        },
        {
            **on("OD-b"),
            "FilterExpression": "#e = :e",
            "ExpressionAttributeNames": {"#e": "event"},
            "ExpressionAttributeValues": {":s": S("OD-b"), ":e": S("assigned")},
            "ProjectionExpression": "seq, note",
            "ReturnConsumedCapacity": "TOTAL",
        },
        {**on("OD-a"), "Select": "COUNT"},
        {
            "TableName": trail,
            "IndexName": "by-event",
            "KeyConditionExpression": "#e = :e",
            "ExpressionAttributeNames": {"#e": "event"},
            "ExpressionAttributeValues": {":e": S("escalated")},
        },
        {"TableName": single, "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": S("two")}},
        {
            "TableName": single,
            "IndexName": "by-kind",
            "KeyConditionExpression": "kind = :k",
            "ExpressionAttributeValues": {":k": S("odd")},
        },
        {
            "TableName": single,
            "IndexName": "by-kind",
            "KeyConditionExpression": "kind = :k",
            "ExpressionAttributeValues": {":k": S("odd")},
            "Limit": 1,
            "ScanIndexForward": False,
        },
        *index_queries(cases),
    ]
    answers = []
    for query in queries:
        pages, start = [], None
        while True:
            page = db.query(**query, **({"ExclusiveStartKey": start} if start else {}))
            page.pop("ResponseMetadata", None)
            pages.append(page)
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        answers.append(pages)
    paged = db.get_paginator("query").paginate(**on("OD-c"), PaginationConfig={"PageSize": 2})
    answers.append([[item["seq"] for item in page["Items"]] for page in paged])
    for name in (trail, single, cases):
        db.delete_table(TableName=name)
    named: list[Any] = _named(answers, {trail: "trail", single: "single", cases: "cases"})
    return named


def index(name: str, hash_key: str, range_key: str | None = None, **projection: Any) -> dict[str, Any]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return {"IndexName": name, "KeySchema": schema, "Projection": projection or {"ProjectionType": "ALL"}}


def create_cases(db: Any, cases: str) -> None:
    """A case table with an index of every kind, and items that some indexes leave out."""
    db.create_table(
        TableName=cases,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": kind}
            for name, kind in (("pk", "S"), ("sk", "N"), ("queue", "S"), ("at", "S"), ("priority", "N"), ("token", "B"))
        ],
        GlobalSecondaryIndexes=[
            index("by-queue", "queue", "at"),
            index("by-queue-only", "queue"),
            index("by-queue-keys", "queue", "at", ProjectionType="KEYS_ONLY"),
            index("by-queue-include", "queue", "at", ProjectionType="INCLUDE", NonKeyAttributes=["note"]),
            index("by-priority", "priority"),
            index("by-token", "token"),
        ],
        LocalSecondaryIndexes=[index("by-at", "pk", "at")],
    )
    # Written out of order; some items have no queue, no `at` (left out of the indexes with
    # that range key), several share an `at` (the table's keys then order them); priorities
    # 1 and 1.0 are the same number.
    for n in (7, 3, 11, 0, 5, 1, 9, 2, 10, 4, 8, 6):
        item: dict[str, Any] = {"pk": S(f"OD-{n % 3}"), "sk": N(n), "note": S(f"note {n}"), "detail": S(f"detail {n}")}
        if n % 4 != 3:
            item["queue"] = S("water" if n % 3 else "roads")
        if n % 5 != 4:
            item["at"] = S(f"2026-12-0{n % 4}")
        item["priority"] = N(1) if n % 3 == 0 else ({"N": "1.0"} if n % 3 == 1 else N(2))
        item["token"] = {"B": b"seat-a" if n < 6 else b"seat-b"}
        db.put_item(TableName=cases, Item=item)


def index_queries(cases: str) -> list[dict[str, Any]]:
    def on(index_name: str, key: str, value: dict[str, Any]) -> dict[str, Any]:
        return {
            "TableName": cases,
            "IndexName": index_name,
            "KeyConditionExpression": "#k = :k",
            "ExpressionAttributeNames": {"#k": key},
            "ExpressionAttributeValues": {":k": value},
        }

    water = on("by-queue", "queue", S("water"))
    return [
        water,
        on("by-queue", "queue", S("nobody")),
        {**water, "ScanIndexForward": False},
        {**water, "Limit": 2},
        {**water, "Limit": 3, "ScanIndexForward": False},
        {
            **water,
            "KeyConditionExpression": "#k = :k AND #at BETWEEN :lo AND :hi",
            "ExpressionAttributeNames": {"#k": "queue", "#at": "at"},
            "ExpressionAttributeValues": {":k": S("water"), ":lo": S("2026-12-01"), ":hi": S("2026-12-02")},
            "Limit": 2,
        },
        {
            **water,
            "KeyConditionExpression": "#k = :k AND begins_with(#at, :day)",
            "ExpressionAttributeNames": {"#k": "queue", "#at": "at"},
            "ExpressionAttributeValues": {":k": S("water"), ":day": S("2026-12-03")},
        },
        {
            **water,
            "FilterExpression": "sk > :sk",
            "ExpressionAttributeValues": {":k": S("water"), ":sk": N(4)},
            "ProjectionExpression": "pk, sk, note",
            "Limit": 2,
        },
        {**water, "Select": "COUNT"},
        on("by-queue-only", "queue", S("roads")),
        {**on("by-queue-only", "queue", S("roads")), "Limit": 2, "ScanIndexForward": False},
        on("by-queue-keys", "queue", S("roads")),
        {**on("by-queue-keys", "queue", S("water")), "Limit": 2},
        on("by-queue-include", "queue", S("water")),
        {
            **on("by-queue-include", "queue", S("water")),
            "FilterExpression": "begins_with(note, :n)",
            "ExpressionAttributeValues": {":k": S("water"), ":n": S("note 1")},
        },
        on("by-priority", "priority", N(1)),
        {**on("by-priority", "priority", {"N": "1.0"}), "Limit": 3},
        on("by-priority", "priority", N(2)),
        on("by-token", "token", {"B": b"seat-a"}),
        {**on("by-token", "token", {"B": b"seat-b"}), "Limit": 4, "ScanIndexForward": False},
        {**on("by-at", "pk", S("OD-1")), "ScanIndexForward": False},
        {
            **on("by-at", "pk", S("OD-2")),
            "KeyConditionExpression": "pk = :k AND #at >= :from",
            "ExpressionAttributeNames": {"#at": "at"},
            "ExpressionAttributeValues": {":k": S("OD-2"), ":from": S("2026-12-01")},
            "Limit": 1,
        },
    ]


def _named(answer: Any, names: dict[str, str]) -> Any:
    """Each run's own table names read as fixed ones, so that two runs compare."""
    if isinstance(answer, dict):
        return {_named(k, names): _named(v, names) for k, v in answer.items()}
    if isinstance(answer, list):
        return [_named(v, names) for v in answer]
    return names.get(answer, answer) if isinstance(answer, str) else answer


def test_every_query_answers_as_with_motos_own_code(moto_only: None) -> None:
    theirs = script()
    moto_queries.install()
    ours = script()

    assert ours == theirs
    assert [item["seq"]["N"] for item in theirs[0][0]["Items"]] == ["1", "2", "3", "9", "10"]
    assert len(theirs[3]) > 1  # the limit made pages
    # The script reached what it meant to: a queue's items, in their index's order and in
    # pages, both spellings of one priority, a binary key.
    water = [(item["at"]["S"], item["pk"]["S"], int(item["sk"]["N"])) for item in theirs[11][0]["Items"]]
    assert water == sorted(water) and len(water) == 5  # sk 3, 7, 11: no queue; 4: no `at`
    assert len(theirs[14]) > 1
    assert theirs[19][0]["Count"] == 5
    assert theirs[26][0]["Count"] == 8
    assert len(theirs[29][0]["Items"]) == 6


def test_a_query_lists_only_the_items_that_can_answer_it(moto_only: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """What makes it fast, seen as work done: moto's sorted listing of a whole table never
    runs, and an index Query's candidates are the items holding the queried value."""
    listed: list[int] = []
    list_all = Table.all_items

    def counted(table: Any) -> Any:
        items = list_all(table)
        listed.append(len(items))
        return items

    candidates: list[int] = []
    holding = moto_queries._holding

    def counted_candidates(table: Any, conditions: Any) -> Any:
        items = holding(table, conditions)
        candidates.append(len(items))
        return items

    monkeypatch.setattr(Table, "all_items", counted)
    monkeypatch.setattr(moto_queries, "_holding", counted_candidates)
    moto_queries.install()

    answers = script()

    assert answers[0][0]["Count"] == 5
    assert listed == []
    # The trail's escalations (seq 3 and 9 of 3 partitions), the odd kinds (then in 3 pages
    # of 1), the water queue
    # (with sk 4, which has no `at`: moto's to drop), and nobody's queue; a number's
    # candidates are every item holding a number there (moto's test decides 1 = 1.0).
    assert candidates[:7] == [6, 3, 3, 3, 3, 6, 0]
    assert max(candidates) == 12
