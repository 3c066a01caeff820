"""The local moto's DynamoDB answers (infra/moto_attribute_values.py) are moto's own, while
attribute values are written directly rather than walked member by member.

The same script of DynamoDB calls runs twice on the local stack's moto server (on a table of
its own), once through moto's serializer and once through ours, with items holding every attribute type (nested maps and
lists, binary and its sets, empty strings, NULL): every answer and error must be the same.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from infra import moto_attribute_values

EVERY_TYPE: dict[str, Any] = {
    "pk": {"S": "case-1"},
    "sk": {"N": "1"},
    "text": {"S": "Streetlight out, ward 4"},
    "empty": {"S": ""},
    "count": {"N": "-12.50"},
    "blob": {"B": b"\x00\xffhash"},
    "tags": {"SS": ["water", "roads"]},
    "levels": {"NS": ["1", "2", "3"]},
    "blobs": {"BS": [b"a", b"\x01"]},
    "open": {"BOOL": True},
    "closed": {"BOOL": False},
    "nothing": {"NULL": True},
    "details": {
        "M": {
            "level": {"N": "2"},
            "trail": {"L": [{"S": "filed"}, {"M": {"by": {"S": "cit-1"}, "at": {"N": "17"}}}, {"NULL": True}]},
            "none": {"M": {}},
            "list": {"L": []},
        }
    },
}


@pytest.fixture
def moto_only(moto_server: str) -> Iterator[None]:
    """The local stack's moto server (in this process), on moto's own serializer unless a
    test installs ours; as it was afterwards."""
    installed = bool(moto_attribute_values.MOTOS_OWN)
    moto_attribute_values.uninstall()
    yield
    moto_attribute_values.uninstall()
    if installed:
        moto_attribute_values.install()


def script() -> list[Any]:
    """Writes, reads by key, by projection, by query on the table and an index, scans,
    updates and deletes returning values, a failed condition returning the item, batches
    and transactions; the answers, without request ids."""
    answers: list[Any] = []
    table = f"attribute-values-{uuid.uuid4().hex[:8]}"
    db = boto3.client("dynamodb", region_name="ap-south-1")

    def answer(call: Callable[[], Any]) -> None:
        try:
            result = call()
        except ClientError as error:
            answers.append(("error", error.response["Error"], error.response.get("Item")))
            return
        result.pop("ResponseMetadata", None)
        answers.append(_without_times(result))

    answer(
        lambda: db.create_table(
            TableName=table,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "text", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-text",
                    "KeySchema": [{"AttributeName": "text", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
    )
    for n in range(1, 4):
        item = {**EVERY_TYPE, "sk": {"N": str(n)}}
        answer(lambda item=item: db.put_item(TableName=table, Item=item))
    key = {"pk": {"S": "case-1"}, "sk": {"N": "1"}}
    answer(lambda: db.get_item(TableName=table, Key=key))
    answer(lambda: db.get_item(TableName=table, Key={"pk": {"S": "none"}, "sk": {"N": "1"}}))
    answer(
        lambda: db.get_item(
            TableName=table,
            Key=key,
            ProjectionExpression="#d.trail[1], #b, tags",
            ExpressionAttributeNames={"#d": "details", "#b": "blob"},
        )
    )
    answer(
        lambda: db.query(
            TableName=table,
            KeyConditionExpression="pk = :p AND sk > :s",
            ExpressionAttributeValues={":p": {"S": "case-1"}, ":s": {"N": "1"}},
            ReturnConsumedCapacity="TOTAL",
        )
    )
    answer(
        lambda: db.query(
            TableName=table,
            IndexName="by-text",
            KeyConditionExpression="#t = :t",
            ExpressionAttributeNames={"#t": "text"},
            ExpressionAttributeValues={":t": {"S": "Streetlight out, ward 4"}},
            Limit=2,
        )
    )
    answer(
        lambda: db.scan(
            TableName=table,
            FilterExpression="#o = :o",
            ExpressionAttributeNames={"#o": "open"},
            ExpressionAttributeValues={":o": {"BOOL": True}},
        )
    )
    answer(
        lambda: db.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #c = #c + :one, #d.#l = :l, newer = :m REMOVE tags ADD levels :four",
            ExpressionAttributeNames={"#c": "count", "#d": "details", "#l": "level"},
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":l": {"N": "3"},
                ":m": {"M": {"x": {"BS": [b"z"]}}},
                ":four": {"NS": ["4"]},
            },
            ReturnValues="ALL_NEW",
        )
    )
    answer(
        lambda: db.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET #o = :f",
            ExpressionAttributeNames={"#o": "open"},
            ExpressionAttributeValues={":f": {"BOOL": False}},
            ReturnValues="UPDATED_OLD",
        )
    )
    answer(
        lambda: db.put_item(
            TableName=table,
            Item={"pk": {"S": "case-1"}, "sk": {"N": "2"}},
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    )
    answer(lambda: db.batch_get_item(RequestItems={table: {"Keys": [key, {"pk": {"S": "case-1"}, "sk": {"N": "3"}}]}}))
    answer(
        lambda: db.transact_get_items(
            TransactItems=[{"Get": {"TableName": table, "Key": {"pk": {"S": "case-1"}, "sk": {"N": "2"}}}}]
        )
    )
    answer(lambda: db.delete_item(TableName=table, Key=key, ReturnValues="ALL_OLD"))
    answer(lambda: db.describe_table(TableName=table))
    db.delete_table(TableName=table)
    return _named(answers, table)


def _named(answer: Any, table: str) -> Any:
    """The table's own name and ARN read as `cases`, so that two runs compare."""
    if isinstance(answer, dict):
        return {_named(k, table): _named(v, table) for k, v in answer.items()}
    if isinstance(answer, list | tuple):
        return type(answer)(_named(v, table) for v in answer)
    return answer.replace(table, "cases") if isinstance(answer, str) else answer


def _without_times(answer: Any) -> Any:
    """Creation times differ from run to run; everything else must not."""
    if isinstance(answer, dict):
        return {k: _without_times(v) for k, v in answer.items() if not k.endswith("DateTime")}
    if isinstance(answer, list):
        return [_without_times(v) for v in answer]
    return answer


def test_every_answer_is_the_same_as_with_motos_own_serializer(moto_only: None) -> None:
    theirs = script()
    moto_attribute_values.install()
    ours = script()

    assert ours == theirs
    assert not any(
        isinstance(answer, tuple) and answer[1]["Code"] != "ConditionalCheckFailedException" for answer in theirs
    )
    got = theirs[4]["Item"]
    assert got["blob"] == {"B": b"\x00\xffhash"} and got["details"]["M"]["trail"]["L"][2] == {"NULL": True}
    assert got["count"] == {"N": "-12.50"} or got["count"] == {"N": str(Decimal("-12.50"))}


def test_an_attribute_value_is_written_without_walking_its_members(
    moto_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    walked: list[str] = []
    walk = moto_attribute_values.BaseJSONSerializer._serialize_structure_member

    def counted(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        walked.append(shape.parent.name)
        walk(self, serialized, value, shape, key)

    monkeypatch.setattr(moto_attribute_values.BaseJSONSerializer, "_serialize_structure_member", counted)
    moto_attribute_values.install()

    script()

    assert "AttributeValue" not in walked
