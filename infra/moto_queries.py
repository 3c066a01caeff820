"""moto's DynamoDB Query at the cost of the items it can answer, for the local stack.

moto 5's `Table.query` finds its candidates by listing every item of the table and sorting
the whole list (`Table.all_items()`, a sort through `DynamoType.__lt__`), then keeping those
of the queried hash key. A Query on the audit trail (one partition per grievance, ~20
entries each) so cost the whole trail: at N = 1,000 in `make burst` the end-of-run audit
(one history per grievance) kept moto at 98 % in `all_items` for minutes, and every read of
a grievance's history during a burst grew slower with every grievance stored. A Query on an
index (a queue, a seat, a citizen's grievances) still paid that sort after the table Query
was fixed: 10 % of the DynamoDB process at N = 1,000, 89 % of it in `DynamoType.__lt__`,
and growing with the table (filing fell from 25/s at N = 500 to 13/s at N = 1,000).

- A Query on the table itself (no index): the table already holds its items by hash key
  (`Table.items`, keyed by the same `DynamoType` whose equality the scan tests), so the
  candidates are that partition's items, in moto's order (by range key).
- A Query on an index: moto keeps no items for an index, so the candidates are still found
  in one pass over the table, but without the sort, and only the items whose index hash-key
  attributes hold the queried values: a string or binary key is compared by its `type` and
  `value` directly (what `DynamoType.__eq__` computes for them, through `cast_value`); any
  other key type keeps every item holding that attribute with that type, and moto's own test
  decides. The order of the list does not matter there: moto re-sorts the candidates
  (`sorted_items`) on a key that ends with the table's own hash and range keys, which no two
  items share, so its sort has one answer whatever order it is given.

Everything after the candidates — moto's exact hash-key test, the range condition, the
order, pages, limits, filters, projections — is moto's own code.
`tests/integration/test_moto_queries.py` runs the same Queries through moto's code and this
one and compares every answer and page.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it on moto's classes in
the process that serves moto.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

MOTOS_OWN: dict[str, Any] = {}

# While this thread runs a Query: the table queried and what its `all_items()` lists then.
_listing = threading.local()

# Key types whose `DynamoType` equality is equality of `type` and `value` (`cast_value` is
# the value itself); a number's is not ("1" equals "1.0"), nor a set's.
_COMPARED_AS_STORED = frozenset({"S", "B"})


def query(table: Table, *args: Any, **kwargs: Any) -> Any:
    """moto's `Table.query`, listing only the items that can answer it."""
    call = MOTOS_OWN["signature"].bind(table, *args, **kwargs)
    hash_key = call.arguments.get("hash_key")
    if call.arguments.get("index_name"):
        conditions = call.arguments.get("hash_key_conditions")
        if not conditions:
            return MOTOS_OWN["query"](table, *args, **kwargs)
        candidates: Callable[[], list[Item]] = partial(_holding, table, conditions)
    elif hash_key is None:
        return MOTOS_OWN["query"](table, *args, **kwargs)
    else:
        candidates = partial(_partition, table, hash_key)
    _listing.of = (table, candidates)
    try:
        return MOTOS_OWN["query"](table, *args, **kwargs)
    finally:
        _listing.of = None


def all_items(table: Table) -> list[Item]:
    """moto's `Table.all_items`; inside a Query of this table, the items that can answer it
    (see `query`)."""
    of = getattr(_listing, "of", None)
    if of is None or of[0] is not table:
        return MOTOS_OWN["all_items"](table)  # type: ignore[no-any-return]
    return of[1]()  # type: ignore[no-any-return]


def _partition(table: Table, hash_key: DynamoType) -> list[Item]:
    """One partition's items, in moto's order (by range key)."""
    partition = table.items.get(hash_key)  # .get: `items` is a defaultdict
    if partition is None:
        return []
    if table.range_key_attr:
        return sorted(partition.values(), key=lambda item: item.range_key)
    return [partition]  # type: ignore[list-item]  # without a range key, the item itself


def _holding(table: Table, conditions: list[tuple[str, DynamoType]]) -> list[Item]:
    """The table's items that may hold every queried index hash-key value — all that do,
    perhaps more (a number's equality is left to moto's own test) — in moto's order."""
    if table.range_key_attr:
        items: Iterable[Item] = (item for partition in table.items.values() for item in partition.values())
    else:
        items = table.items.values()  # type: ignore[assignment]
    for name, wanted in conditions:
        type_, value = wanted.type, wanted.value
        if type_ in _COMPARED_AS_STORED:
            items = [
                item
                for item in items
                if (held := item.attrs.get(name)) is not None and held.value == value and held.type == type_
            ]
        else:
            items = [item for item in items if (held := item.attrs.get(name)) is not None and held.type == type_]
    # moto's order (its `all_items` key), though its `sorted_items` re-sorts them: the list moto
    # then sorts is the very list it would have sorted, whatever the items hold.
    return sorted(items, key=_motos_order)


def _motos_order(item: Item) -> Any:
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


def install() -> None:
    """Make this process's moto Query list only the items that can answer it."""
    if MOTOS_OWN:
        return
    MOTOS_OWN.update(query=Table.query, all_items=Table.all_items, signature=inspect.signature(Table.query))
    Table.query = query  # type: ignore[method-assign,assignment]
    Table.all_items = all_items  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    """Put moto's own code back (the equivalence test runs both in one process)."""
    if not MOTOS_OWN:
        return
    Table.query = MOTOS_OWN["query"]  # type: ignore[method-assign]
    Table.all_items = MOTOS_OWN["all_items"]  # type: ignore[method-assign]
    MOTOS_OWN.clear()
