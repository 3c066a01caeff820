"""moto's DynamoDB Query of one partition at the cost of that partition, for the local stack.

moto 5's `Table.query` finds the items of the partition a Query names by listing every item
of the table and sorting the whole list (`Table.all_items()`), then keeping those of that hash
key. A Query on the audit trail (one partition per grievance, ~20 entries each) so cost the
whole trail: at N = 1,000 in `make burst` the end-of-run audit (one history per grievance)
kept moto at 98 % in `all_items` for minutes, and every read of a grievance's history during
a burst grew slower with every grievance stored.

The table already holds its items by hash key (`Table.items`, keyed by the same `DynamoType`
whose equality the scan tests), so a Query on the table itself (no index) takes that
partition's items, in moto's order (by range key); everything after — the range condition,
the order, pages, limits, filters, projections — is moto's own code. A Query on an index
still scans the table as moto does (an index keeps no items of its own in moto).
`tests/integration/test_moto_queries.py` runs the same Queries through moto's code and this
one and compares every answer and page.

Like `moto_transactions`, it is upstream-shaped; `install()` puts it on moto's classes in
the process that serves moto.
"""

from __future__ import annotations

import inspect
import threading
from typing import Any

from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table

MOTOS_OWN: dict[str, Any] = {}

# The table and hash key of the Query this thread is running on a table (not an index).
_partition = threading.local()


def query(table: Table, *args: Any, **kwargs: Any) -> Any:
    """moto's `Table.query`, listing only the named partition when no index is queried."""
    call = MOTOS_OWN["signature"].bind(table, *args, **kwargs)
    hash_key = call.arguments.get("hash_key")
    if call.arguments.get("index_name") or hash_key is None:
        return MOTOS_OWN["query"](table, *args, **kwargs)
    _partition.of = (table, hash_key)
    try:
        return MOTOS_OWN["query"](table, *args, **kwargs)
    finally:
        _partition.of = None


def all_items(table: Table) -> list[Item]:
    """moto's `Table.all_items`; inside a Query of one partition of this table, that
    partition's items only, in the same order (by range key)."""
    of = getattr(_partition, "of", None)
    if of is None or of[0] is not table:
        return MOTOS_OWN["all_items"](table)  # type: ignore[no-any-return]
    partition = table.items.get(of[1])  # .get: `items` is a defaultdict
    if partition is None:
        return []
    if table.range_key_attr:
        return sorted(partition.values(), key=lambda item: item.range_key)
    return [partition]


def install() -> None:
    """Make this process's moto Query one partition at the cost of that partition."""
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
