"""What one DynamoDB transaction costs on the local moto, by the size of the tables it touches:
moto's own `transact_write_items` (a deep copy of every table it names) against the local
stack's (infra/moto_transactions.py: a copy of the items it writes). A private backend in this
process, no server: the figure is the transaction's own work.

    .venv/bin/python bench/moto_transactions.py
"""

from __future__ import annotations

import contextlib
import copy
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend

from infra import moto_transactions

S = lambda value: {"S": value}  # noqa: E731
N = lambda value: {"N": str(value)}  # noqa: E731


def backend(items: int = 50) -> DynamoDBBackend:
    """A private backend with a `cases` table (hash key) and a `trail` table (hash and range
    key), each holding `items` items."""
    made = DynamoDBBackend("ap-south-1", "000000000017")
    common: dict[str, Any] = {
        "throughput": None,
        "global_indexes": None,
        "indexes": None,
        "streams": None,
        "billing_mode": "PAY_PER_REQUEST",
        "sse_specification": None,
        "tags": [],
        "deletion_protection_enabled": False,
        "warm_throughput": None,
    }
    key = [{"AttributeName": "pk", "KeyType": "HASH"}]
    made.create_table("cases", key, attr=[{"AttributeName": "pk", "AttributeType": "S"}], **common)
    made.create_table(
        "trail",
        [*key, {"AttributeName": "seq", "KeyType": "RANGE"}],
        attr=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "seq", "AttributeType": "N"}],
        **common,
    )
    for n in range(items):
        made.put_item("cases", {"pk": S(f"case-{n}"), "version": N(1), "status": S("open")})
        made.put_item("trail", {"pk": S(f"case-{n}"), "seq": N(1), "event": S("filed")})
    return made


def filing(n: int) -> list[dict[str, Any]]:
    """A filing's shape: a new case and its first trail entry, each only if absent."""
    return [
        {
            "Put": {
                "TableName": "cases",
                "Item": {"pk": S(f"new-{n}"), "version": N(1)},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Put": {
                "TableName": "trail",
                "Item": {"pk": S(f"new-{n}"), "seq": N(1)},
                "ConditionExpression": "attribute_not_exists(seq)",
            }
        },
    ]


def milliseconds_per_transaction(run: Any, items: int, repeats: int) -> float:
    made = backend(items)
    times = []
    for n in range(repeats):
        transaction = filing(n) if n % 2 == 0 else filing(n - 1)  # every other one is cancelled
        started = time.perf_counter()
        with contextlib.suppress(TransactionCanceledException):
            run(made, copy.deepcopy(transaction))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    print("one transaction on the local moto (median ms; a filing's two Puts, half of them cancelled)")
    print(f"  {'items per table':>16}  {'moto 5 (table copies)':>22}  {'local stack (item undo)':>24}")
    for items in (100, 1_000, 10_000):
        repeats = 20 if items < 10_000 else 6
        theirs = milliseconds_per_transaction(moto_transactions.MOTOS_OWN, items, repeats)
        ours = milliseconds_per_transaction(moto_transactions.transact_write_items, items, repeats)
        print(f"  {items:>16,}  {theirs:>22.1f}  {ours:>24.2f}")


if __name__ == "__main__":
    main()
