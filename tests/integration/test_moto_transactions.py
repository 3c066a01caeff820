"""The local moto's transactions (infra/moto_transactions.py) roll back exactly as moto's own,
while copying only the items they write instead of whole tables.

Each case runs the same transactions on two private moto backends, one through moto's
`transact_write_items` and one through ours, and compares what each raised and what each
table holds afterwards, item for item.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from moto.dynamodb.exceptions import (
    MultipleTransactionsException,
    TransactionCanceledException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType

from bench.moto_transactions import N, S, backend
from infra import moto_transactions


def put(table: str, item: dict[str, Any], condition: str | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {"TableName": table, "Item": item}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def bump(pk: str, expected: int) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": "cases",
            "Key": {"pk": S(pk)},
            "UpdateExpression": "SET version = :next, #s = :status",
            "ConditionExpression": "version = :expected",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":next": N(expected + 1), ":expected": N(expected), ":status": S("moved")},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


TRANSACTIONS: dict[str, list[list[dict[str, Any]]]] = {
    "all land": [[bump("case-1", 1), put("trail", {"pk": S("case-1"), "seq": N(2), "event": S("moved")})]],
    "the last condition fails after two writes": [
        [
            put("trail", {"pk": S("case-2"), "seq": N(2), "event": S("moved")}, "attribute_not_exists(seq)"),
            bump("case-2", 1),
            bump("case-3", 7),
        ]
    ],
    "a new item, then a failed check": [
        [
            put("cases", {"pk": S("case-new"), "version": N(1)}, "attribute_not_exists(pk)"),
            {
                "ConditionCheck": {
                    "TableName": "cases",
                    "Key": {"pk": S("case-4")},
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": {":v": N(9)},
                }
            },
        ]
    ],
    "a delete, then a failed put": [
        [
            {"Delete": {"TableName": "trail", "Key": {"pk": S("case-5"), "seq": N(1)}}},
            put("cases", {"pk": S("case-5"), "version": N(2)}, "attribute_not_exists(pk)"),
        ]
    ],
    "the same item twice": [[bump("case-6", 1), bump("case-6", 2)]],
    "a table that is not there": [[bump("case-7", 1), put("nowhere", {"pk": S("x")})]],
    "one after another, the second cancelled": [
        [bump("case-8", 1)],
        [
            bump("case-8", 2),
            put("trail", {"pk": S("case-8"), "seq": N(1), "event": S("again")}, "attribute_not_exists(seq)"),
        ],
    ],
}


def dump(made: DynamoDBBackend) -> dict[str, list[str]]:
    return {
        name: sorted(json.dumps(item.to_json(), sort_keys=True) for item in table.all_items())
        for name, table in made.tables.items()
    }


def outcome(run: Callable[..., None], made: DynamoDBBackend, transaction: list[dict[str, Any]]) -> Any:
    try:
        run(made, copy.deepcopy(transaction))
    except TransactionCanceledException as cancelled:
        return ("cancelled", cancelled.message, cancelled.description)
    except MultipleTransactionsException as refused:
        return ("refused", refused.message)
    return "committed"


@pytest.mark.parametrize("case", TRANSACTIONS)
def test_a_transaction_ends_and_rolls_back_exactly_as_motos_own(case):
    theirs, ours = backend(), backend()

    for transaction in TRANSACTIONS[case]:
        expected = outcome(moto_transactions.MOTOS_OWN, theirs, transaction)
        assert outcome(moto_transactions.transact_write_items, ours, transaction) == expected
        assert dump(ours) == dump(theirs)
    assert expected != "committed" or case == "all land"


def test_a_cancelled_transaction_copies_only_the_items_it_updated(monkeypatch):
    made = backend()
    tables = dict(made.tables)
    stored = made.get_table("trail").get_item(DynamoType(S("case-9")), DynamoType(N(1)))
    copied: list[Any] = []
    copy_item = moto_transactions.copied_item

    def counting(item: Any) -> Any:
        copied.append(item)
        return copy_item(item)

    monkeypatch.setattr(moto_transactions, "copied_item", counting)
    cancelled = outcome(
        moto_transactions.transact_write_items,
        made,
        [
            put("trail", {"pk": S("case-9"), "seq": N(1), "event": S("moved")}),
            bump("case-9", 1),
            bump("case-10", 5),
        ],
    )
    monkeypatch.undo()

    assert cancelled[0] == "cancelled"
    # two writes before the failing check: the updated item copied, the replaced one kept
    assert [item.hash_key for item in copied] == [DynamoType(S("case-9"))]
    assert made.get_table("trail").get_item(DynamoType(S("case-9")), DynamoType(N(1))) is stored
    assert all(made.tables[name] is table for name, table in tables.items())
    assert dump(made) == dump(backend())


def test_the_local_moto_runs_this_transaction(moto_server):
    assert DynamoDBBackend.transact_write_items is moto_transactions.transact_write_items
