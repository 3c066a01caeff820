"""The local moto's Query of one partition (infra/moto_queries.py) answers as moto's own,
while reading only that partition instead of listing and sorting the whole table.

The same Queries run twice on the local stack's moto server (on tables of their own), once
through moto's code and once through ours: a table with a range key holding many
partitions, queried with and without range conditions, backwards, in pages, with a filter
and a projection; a table without a range key; a partition that does not exist; and an
index (which both scan). Every answer and every page must be the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

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
    trail, single = f"trail-{run}", f"single-{run}"
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
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
    )
    # Written out of order, across partitions, with seq 10 after 9 (numbers, not strings).
    for seq in (3, 1, 10, 2, 9):
        for subject in ("OD-b", "OD-a", "OD-c"):
            event = "escalated" if seq % 3 == 0 else "assigned"
            item = {"subject": S(subject), "seq": N(seq), "event": S(event), "note": S(f"{subject} {seq}")}
            db.put_item(TableName=trail, Item=item)
    db.put_item(TableName=single, Item={"pk": S("one"), "value": N(1)})
    db.put_item(TableName=single, Item={"pk": S("two"), "value": N(2)})

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
    db.delete_table(TableName=trail)
    db.delete_table(TableName=single)
    return _named(answers, {trail: "trail", single: "single"})


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


def test_a_query_on_the_table_lists_only_its_partition(moto_only: None, monkeypatch: pytest.MonkeyPatch) -> None:
    listed: list[int] = []
    list_all = moto_queries.Table.all_items

    def counted(table: Any) -> Any:
        items = list_all(table)
        listed.append(len(items))
        return items

    monkeypatch.setattr(moto_queries.Table, "all_items", counted)
    moto_queries.install()

    answers = script()

    assert answers[0][0]["Count"] == 5
    # moto's listing of the whole table ran once: for the index, which it must scan.
    assert listed == [15]
