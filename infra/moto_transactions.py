"""moto's DynamoDB transactions at the cost of what they touch, for the local stack.

moto 5's `DynamoDBBackend.transact_write_items` deep-copies every table a transaction names
before it starts, so that it can put the copies back if one of its operations fails. A
transaction therefore costs the size of the tables it touches, not of its own items: on the
local stack, whose grievance, trail and counter tables every filing writes to, a filing grows
slower with every grievance stored (N = 2,000 took over an hour in `make burst`; issue 18).

DynamoDB itself promises only that a cancelled transaction leaves every item it names as it
was. So the backup needed is of those items: before an operation writes, the item it will
write is noted (or noted absent), and a rollback puts back exactly those items, newest write
first. Only an Update changes the stored item in place, so only an Update's item is copied
(infra/moto_item_copies.py: the copy `copy.deepcopy` makes, made directly); a Put stores a
new item and a Delete takes the stored one out, so the item they replace is kept as it is.
Everything else is moto's own code, in moto's order: the checks, the errors, the
`CancellationReasons`. `tests/integration/test_moto_transactions.py` runs the same
transactions through moto's method and this one and compares the tables item for item.

The change is upstream-shaped (a per-item undo log in `transact_write_items`); until moto has
it, `install()` puts it on the backend class in the process that serves moto.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

from infra.moto_item_copies import copied_item

MOTOS_OWN = DynamoDBBackend.transact_write_items


class ItemUndo:
    """The items a transaction has written, as they were before it; `roll_back` restores them."""

    def __init__(self, backend: DynamoDBBackend) -> None:
        self.backend = backend
        self.saved: list[tuple[Table, Any, Any, Item | None]] = []

    def remember(self, table_name: str, key: dict[str, Any], changed_in_place: bool) -> None:
        """Note the item at `key` before an operation writes it. An Update changes the stored
        item in place, so it is copied; a Put stores a new item and a Delete takes the item
        out, neither touching the one stored, so that one is kept as it is."""
        table = self.backend.get_table(table_name)
        hash_key, range_key = self.backend.get_keys_value(table, key)
        before = table.get_item(hash_key, range_key)
        self.saved.append((table, hash_key, range_key, copied_item(before) if changed_in_place else before))

    def roll_back(self) -> None:
        for table, hash_key, range_key, before in reversed(self.saved):
            if range_key is None:
                if before is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = before  # type: ignore[assignment]
            elif before is None:
                table.items.get(hash_key, {}).pop(range_key, None)  # type: ignore[union-attr]
            else:
                table.items[hash_key][range_key] = before
        self.saved.clear()


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's `transact_write_items` (moto 5.2), with a per-item undo in place of table copies."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = ItemUndo(self)
    targets: set[tuple[str, str]] = set()
    errors: list[tuple[str, str, dict[str, Any] | None] | tuple[None, None, None]] = []
    for item in transact_items:
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            _write_one(self, item, undo, targets)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            undo.roll_back()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), getattr(e, "original_item", None)))
        except Exception as e:  # moto records any other failure as the item's cancellation reason
            errors.append((type(e).__name__, str(e), None))

    if any(code is not None for code, _, _ in errors):
        undo.roll_back()
        raise TransactionCanceledException(errors)


def _write_one(self: DynamoDBBackend, item: dict[str, Any], undo: ItemUndo, targets: set[tuple[str, str]]) -> None:
    """One operation of a transaction, as moto's loop body does it, the item remembered first."""
    op_type, op = next(iter(item.items()))
    if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
        raise ValueError("Unsupported transaction operation")

    table_name = op["TableName"]
    condition_expression = op.get("ConditionExpression")
    names = op.get("ExpressionAttributeNames")
    values = op.get("ExpressionAttributeValues")

    if op_type == "Put":
        table = self.get_table(table_name)
        key = {table.hash_key_attr: op["Item"][table.hash_key_attr]}
        if table.range_key_attr is not None:
            key[table.range_key_attr] = op["Item"][table.range_key_attr]
    else:
        key = op["Key"]

    # Transact writes must not perform two operations on one item.
    target = (str(table_name), str(dict(sorted(key.items()))))
    if target in targets:
        raise MultipleTransactionsException()
    targets.add(target)

    current = self.get_item(table_name, key)
    if condition_expression is not None:
        condition_op = get_filter_expression(condition_expression, names, values)
        if not condition_op.expr(current):
            wanted = op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current
            original_item = current.to_json()["Attributes"] if wanted and current else None
            failure = ConditionalCheckFailed(item=original_item)
            failure.original_item = original_item  # type: ignore[attr-defined]
            raise failure

    if op_type == "ConditionCheck":
        return
    undo.remember(table_name, key, changed_in_place=op_type == "Update")
    conditions = {
        "condition_expression": condition_expression,
        "expression_attribute_names": names,
        "expression_attribute_values": values,
    }
    if op_type == "Put":
        self.put_item(table_name, op["Item"], **conditions)
    elif op_type == "Delete":
        self.delete_item(table_name, key, **conditions)
    else:
        self.update_item(table_name, key, update_expression=op["UpdateExpression"], **conditions)


def install() -> None:
    """Make this process's moto run transactions with the per-item undo."""
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own method back."""
    DynamoDBBackend.transact_write_items = MOTOS_OWN  # type: ignore[method-assign]
