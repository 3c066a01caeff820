"""moto's copies of DynamoDB items at the cost of their values, for the local stack.

moto 5 copies a stored item with `copy.deepcopy` wherever it must keep the item as it was
while an update changes it in place: twice in every UpdateItem (the answer's old values in
`DynamoHandler.update_item`, the stream record's in `DynamoDBBackend.update_item`, made
whether the table has a stream or not) and, on the local stack, once more for every item a
transaction updates (infra/moto_transactions.py, the undo log). moto already gives `Item` and
`DynamoType` a `__deepcopy__` that skips pickling, but each one still calls `copy.deepcopy`
for every value it holds: its dispatch, its memo and keep-alive bookkeeping cost more than
the copy of a string they lead to: on a grievance of ~30 attributes, most of the copy's time.

Here the two `__deepcopy__` methods build the same copy directly: a value is a type and a
value, and only a list (`L`), a map (`M`) or a set (`SS`, `NS`, `BS`, a Python list) is
mutable, so those are rebuilt and everything else is shared, exactly as moto's methods do.
The memo is kept, so a value held twice in an item is still copied once, and anything that
is not a `DynamoType` where one is expected goes through `copy.deepcopy` as before.
`tests/integration/test_moto_item_copies.py` copies items of every attribute type both ways
and compares them, their aliasing and their independence from the original.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it on moto's classes in the
process that serves moto.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

MOTOS_OWN: dict[str, Any] = {}

_SETS = frozenset({"SS", "NS", "BS"})


def copied_value(value: Any, memo: dict[int, Any]) -> Any:
    """`copy.deepcopy(value, memo)` for an attribute value, without its dispatch."""
    if type(value) is not DynamoType:
        return copy.deepcopy(value, memo)
    seen = memo.get(id(value))
    if seen is not None:
        return seen
    result = DynamoType.__new__(DynamoType)
    memo[id(value)] = result
    kind = result.type = value.type
    if kind == "L":
        result.value = [copied_value(element, memo) for element in value.value]
    elif kind == "M":
        result.value = {name: copied_value(element, memo) for name, element in value.value.items()}
    elif kind in _SETS:
        result.value = list(value.value)
    else:
        result.value = value.value  # str, bytes, bool: immutable
    return result


def copied_item(item: Item | None, memo: dict[int, Any] | None = None) -> Item | None:
    """`copy.deepcopy(item)` as moto's `Item.__deepcopy__` makes it: the keys and every
    attribute copied, the attributes' size not checked again (the item passed on write)."""
    if item is None:
        return None
    memo = {} if memo is None else memo
    seen = memo.get(id(item))
    if seen is not None:
        return seen  # type: ignore[no-any-return]
    result = item.__class__.__new__(item.__class__)
    memo[id(item)] = result
    result.hash_key = copied_value(item.hash_key, memo)
    result.range_key = copied_value(item.range_key, memo)
    attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    dict.__init__(attrs)
    for name, value in item.attrs.items():
        dict.__setitem__(attrs, name, copied_value(value, memo))
    result.attrs = attrs
    return result


def _item_deepcopy(self: Item, memo: dict[int, Any]) -> Item:
    return copied_item(self, memo)  # type: ignore[return-value]


def _value_deepcopy(self: DynamoType, memo: dict[int, Any]) -> DynamoType:
    return copied_value(self, memo)  # type: ignore[no-any-return]


def install() -> None:
    """Make this process's moto copy items directly."""
    if MOTOS_OWN:
        return
    MOTOS_OWN.update(item=Item.__deepcopy__, value=DynamoType.__deepcopy__)
    Item.__deepcopy__ = _item_deepcopy  # type: ignore[method-assign]
    DynamoType.__deepcopy__ = _value_deepcopy  # type: ignore[method-assign]


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    Item.__deepcopy__ = MOTOS_OWN["item"]  # type: ignore[method-assign]
    DynamoType.__deepcopy__ = MOTOS_OWN["value"]  # type: ignore[method-assign]
    MOTOS_OWN.clear()
