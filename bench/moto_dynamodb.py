"""What one DynamoDB request costs the local moto in CPU, by operation: moto's request path as
the local stack served it before issue 18's request-path patches, against the same server
with them (infra/moto_expressions.py, infra/moto_responses.py and the cheaper item snapshot
of infra/moto_transactions.py).

The local stack's own server (`devstack.LocalMoto`, every patch it installs) runs in this
process; boto3 replays a filing-shaped mix against it on tables shaped like the app's: a
conditional UpdateItem of a ~30-attribute grievance (PynamoDB's placeholder expressions), a
TransactWriteItems moving a case (the grievance's versioned update, a trail entry put only if
absent, two counter ADDs), the same transaction cancelled by a stale version, a failed
conditional UpdateItem, GetItem, a BatchGetItem of four items and a Query of one case's
trail. The figure is the CPU time the server's thread spends in moto's WSGI application per
request (`time.thread_time`, so the client's work in this process is not counted, and idle
waits are not either); the HTTP layer around it (werkzeug's parsing) is the same either way.
Rounds alternate between the two, each on fresh tables, and the median round is printed.

    .venv/bin/python bench/moto_dynamodb.py              # 5 rounds of 200 requests per operation
    .venv/bin/python bench/moto_dynamodb.py --profile    # where the patched path spends it
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import logging
import pstats
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3
from botocore.exceptions import ClientError

from infra import devstack, moto_expressions, moto_item_copies, moto_responses, moto_transactions

S = lambda value: {"S": value}  # noqa: E731
N = lambda value: {"N": str(value)}  # noqa: E731


class CpuMeter:
    """WSGI wrapper: the CPU the serving thread spends in moto's application, per DynamoDB
    operation (the body is produced inside: `OneDynamoDBRequestAtATime` lists it)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.spent: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.label = "other"
        self.profile: cProfile.Profile | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if not target.startswith("DynamoDB_"):
            return self.app(environ, start_response)
        if self.profile is not None:
            self.profile.enable()
        started = time.thread_time()
        try:
            return self.app(environ, start_response)
        finally:
            self.spent[self.label] += time.thread_time() - started
            self.calls[self.label] += 1
            if self.profile is not None:
                self.profile.disable()


def serve() -> tuple[devstack.LocalMoto, CpuMeter]:
    port = devstack.free_port()
    devstack.prepare_environment(port)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = devstack.LocalMoto(port)
    server.start()
    meter = CpuMeter(server._server.app)
    server._server.app = meter  # the request handler calls `self.server.app`
    return server, meter


def tables(db: Any) -> dict[str, str]:
    """Grievances (hash key, seven string-keyed indexes as the app's), the audit trail and
    counters (hash and range key), each under a name of its own for this round."""
    run = uuid.uuid4().hex[:8]
    names = {"grievances": f"grievances-{run}", "audit": f"audit-{run}", "counters": f"counters-{run}"}
    indexes = {
        "citizen-index": ("citizen_id", "filed_at"),
        "queue-index": ("queue_owner", "queue_due"),
        "department-index": ("department", "filed_at"),
        "routing-index": ("awaiting_routing", "filed_at"),
        "area-index": ("area", "filed_at"),
        "seat-index": ("seat", "filed_at"),
        "running-index": ("running_department", "running_due"),
    }
    attributes = {"tracking_id"} | {name for pair in indexes.values() for name in pair}
    db.create_table(
        TableName=names["grievances"],
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "tracking_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": "S"} for name in sorted(attributes)],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index,
                "KeySchema": [{"AttributeName": h, "KeyType": "HASH"}, {"AttributeName": r, "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, (h, r) in indexes.items()
        ],
    )
    for table, (h, r, kind) in {"audit": ("subject", "seq", "N"), "counters": ("counter", "window", "S")}.items():
        db.create_table(
            TableName=names[table],
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": h, "KeyType": "HASH"}, {"AttributeName": r, "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": h, "AttributeType": "S"},
                {"AttributeName": r, "AttributeType": kind},
            ],
        )
    return names


def grievance(n: int) -> dict[str, Any]:
    """A grievance as the app stores one: ~30 attributes, a map and a list among them."""
    tracking_id = f"OD-2026-{n:06d}"
    return {
        "tracking_id": S(tracking_id),
        "citizen_id": S(f"cit-{n % 97}"),
        "filed_at": S("2026-12-04T10:00:00+00:00"),
        "status": S("filed"),
        "category": S("water-supply"),
        "subcategory": S("no-supply"),
        "title": S("No water in ward 4 since Monday"),
        "description": S("The public tap near the school has been dry for three days. " * 4),
        "department": S("water"),
        "area": S("khordha/bhubaneswar/ward-4"),
        "seat": S("seat-water-bbsr-4"),
        "awaiting_routing": S("yes"),
        "queue_owner": S("officer-17"),
        "queue_due": S("2026-12-07T10:00:00+00:00"),
        "running_department": S("water"),
        "running_due": S("2026-12-07T10:00:00+00:00"),
        "escalation_level": N(0),
        "timer_generation": N(1),
        "version": N(1),
        "priority": S("normal"),
        "channel": S("portal"),
        "language": S("or"),
        "anonymous": {"BOOL": False},
        "supporters": N(0),
        "rating": {"NULL": True},
        "location": {"M": {"lat": N("20.2961"), "lng": N("85.8245"), "ward": S("4"), "landmark": S("school")}},
        "attachments": {"L": [{"M": {"key": S(f"uploads/{tracking_id}/{i}.jpg"), "size": N(20481)}} for i in range(2)]},
        "tags": {"SS": ["water", "ward-4"]},
        "last_event_hash": S("9f2c" * 16),
        "updated_at": S("2026-12-04T10:00:00+00:00"),
    }


class Mix:
    """The requests, replayed through boto3, each under its label."""

    def __init__(self, db: Any, meter: CpuMeter, names: dict[str, str], cases: int) -> None:
        self.db, self.meter, self.names, self.cases = db, meter, names, cases
        self.versions = dict.fromkeys(range(cases), 1)
        self.trail = dict.fromkeys(range(cases), 0)

    def seed(self) -> None:
        for n in range(self.cases):
            self.db.put_item(TableName=self.names["grievances"], Item=grievance(n))
            for _ in range(8):
                self.put_trail(n)

    def put_trail(self, n: int) -> None:
        self.trail[n] += 1
        self.db.put_item(TableName=self.names["audit"], Item=self.trail_entry(n))

    def trail_entry(self, n: int) -> dict[str, Any]:
        return {
            "subject": S(f"OD-2026-{n:06d}"),
            "seq": N(self.trail[n]),
            "event": S("grievance.assigned"),
            "actor": S("officer-17"),
            "at": S("2026-12-04T10:05:00+00:00"),
            "hash": S("ab" * 32),
            "previous": S("cd" * 32),
        }

    def timed(self, label: str, call: Callable[[], Any]) -> None:
        self.meter.label = label
        try:
            call()
        except ClientError as error:
            code = error.response["Error"]["Code"]
            if code not in {"ConditionalCheckFailedException", "TransactionCanceledException"}:
                raise
        finally:
            self.meter.label = "other"

    def key(self, n: int) -> dict[str, Any]:
        return {"tracking_id": S(f"OD-2026-{n:06d}")}

    def versioned_update(self, n: int, version: int) -> dict[str, Any]:
        """PynamoDB's shape of `grievance.update(actions, condition=version == v)`."""
        return {
            "TableName": self.names["grievances"],
            "Key": self.key(n),
            "UpdateExpression": "SET #0 = :0, #1 = :1, #2 = :2, #3 = :3, #4 = :4, #5 = :5 REMOVE #6",
            "ConditionExpression": "(attribute_exists (#7) AND #4 = :6)",
            "ExpressionAttributeNames": {
                "#0": "status",
                "#1": "queue_owner",
                "#2": "queue_due",
                "#3": "updated_at",
                "#4": "version",
                "#5": "last_event_hash",
                "#6": "awaiting_routing",
                "#7": "tracking_id",
            },
            "ExpressionAttributeValues": {
                ":0": S("assigned"),
                ":1": S(f"officer-{version % 23}"),
                ":2": S("2026-12-08T10:00:00+00:00"),
                ":3": S(f"2026-12-04T10:{version % 60:02d}:00+00:00"),
                ":4": N(version + 1),
                ":5": S(f"{version:064x}"),
                ":6": N(version),
            },
        }

    def update_item(self, n: int) -> None:
        version = self.versions[n]
        self.timed("UpdateItem", lambda: self.db.update_item(**self.versioned_update(n, version)))
        self.versions[n] = version + 1

    def update_item_failing(self, n: int) -> None:
        stale = self.versioned_update(n, self.versions[n] - 1)
        self.timed(
            "UpdateItem, condition fails",
            lambda: self.db.update_item(**stale, ReturnValuesOnConditionCheckFailure="ALL_OLD"),
        )

    def move(self, n: int, stale: bool = False) -> None:
        version = self.versions[n] - (1 if stale else 0)
        self.trail[n] += 1
        window = f"2026-12-04T{n % 24:02d}"
        items = [
            {"Update": self.versioned_update(n, version)},
            {
                "Put": {
                    "TableName": self.names["audit"],
                    "Item": self.trail_entry(n),
                    "ConditionExpression": "attribute_not_exists (#0)",
                    "ExpressionAttributeNames": {"#0": "seq"},
                }
            },
            *(
                {
                    "Update": {
                        "TableName": self.names["counters"],
                        "Key": {"counter": S(counter), "window": S(window)},
                        "UpdateExpression": "ADD #0 :0",
                        "ExpressionAttributeNames": {"#0": "count"},
                        "ExpressionAttributeValues": {":0": N(1)},
                    }
                }
                for counter in ("filed:water", "moved:officer-17")
            ),
        ]
        label = "TransactWriteItems, cancelled" if stale else "TransactWriteItems"
        self.timed(label, lambda: self.db.transact_write_items(TransactItems=items))
        if stale:
            self.trail[n] -= 1
        else:
            self.versions[n] = version + 1

    def get_item(self, n: int) -> None:
        self.timed("GetItem", lambda: self.db.get_item(TableName=self.names["grievances"], Key=self.key(n)))

    def batch_get_item(self, n: int) -> None:
        keys = [self.key((n + i) % self.cases) for i in range(3)]
        trail = {"subject": S(f"OD-2026-{n:06d}"), "seq": N(1)}
        request = {self.names["grievances"]: {"Keys": keys}, self.names["audit"]: {"Keys": [trail]}}
        self.timed("BatchGetItem", lambda: self.db.batch_get_item(RequestItems=request))

    def query(self, n: int) -> None:
        self.timed(
            "Query",
            lambda: self.db.query(
                TableName=self.names["audit"],
                KeyConditionExpression="#0 = :0",
                ExpressionAttributeNames={"#0": "subject"},
                ExpressionAttributeValues={":0": S(f"OD-2026-{n:06d}")},
            ),
        )

    def run(self, requests: int) -> None:
        for i in range(requests):
            n = i % self.cases
            self.update_item(n)
            self.move(n)
            self.move(n, stale=True)
            self.update_item_failing(n)
            self.get_item(n)
            self.batch_get_item(n)
            self.query(n)


PATCHES = (moto_item_copies, moto_expressions, moto_responses)
OUR_REMEMBER = moto_transactions.ItemUndo.remember


def remember_by_deepcopy(undo: moto_transactions.ItemUndo, table_name: str, key: dict[str, Any], **_: Any) -> None:
    """The undo log as it was before this issue's request-path patches: every item copied."""
    table = undo.backend.get_table(table_name)
    hash_key, range_key = undo.backend.get_keys_value(table, key)
    undo.saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))


def install(ours: bool) -> None:
    """The local stack's server with or without this issue's request-path patches."""
    for patch in PATCHES:
        patch.install() if ours else patch.uninstall()
    moto_transactions.ItemUndo.remember = OUR_REMEMBER if ours else remember_by_deepcopy  # type: ignore[method-assign]


def one_round(
    db: Any, meter: CpuMeter, ours: bool, requests: int, cases: int, profile: cProfile.Profile | None = None
) -> dict[str, float]:
    install(ours)
    names = tables(db)
    mix = Mix(db, meter, names, cases)
    mix.seed()
    meter.spent.clear()
    meter.calls.clear()
    meter.profile = profile
    mix.run(requests)
    meter.profile = None
    for name in names.values():
        db.delete_table(TableName=name)
    return {label: meter.spent[label] / meter.calls[label] * 1e6 for label in meter.calls if label != "other"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200, help="requests per operation per round")
    parser.add_argument("--cases", type=int, default=50, help="grievances the mix cycles over")
    parser.add_argument("--profile", action="store_true", help="cProfile the server's side, patched")
    parser.add_argument("--unpatched", action="store_true", help="with --profile: without this issue's patches")
    args = parser.parse_args()

    server, meter = serve()
    db = boto3.client("dynamodb", region_name="ap-south-1")
    try:
        one_round(db, meter, True, 20, 10)  # warm both paths
        one_round(db, meter, False, 20, 10)
        if args.profile:
            profile = cProfile.Profile()
            one_round(db, meter, not args.unpatched, args.requests, args.cases, profile)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
            pstats.Stats(profile).sort_stats("tottime").print_stats(30)
            return
        rounds: dict[bool, list[dict[str, float]]] = {False: [], True: []}
        for _ in range(args.rounds):
            for ours in (False, True):
                rounds[ours].append(one_round(db, meter, ours, args.requests, args.cases))
    finally:
        install(True)
        server.stop()

    print(f"CPU µs per request in moto's application (median of {args.rounds} rounds of {args.requests} each)")
    print(f"  {'operation':<32}{'before':>10}{'after':>10}{'saved':>8}")
    labels = list(rounds[False][0])
    totals = {False: 0.0, True: 0.0}
    for label in labels:
        before = statistics.median(r[label] for r in rounds[False])
        after = statistics.median(r[label] for r in rounds[True])
        totals[False] += before
        totals[True] += after
        print(f"  {label:<32}{before:>10.0f}{after:>10.0f}{1 - after / before:>8.0%}")
    before, after = totals[False], totals[True]
    print(f"  {'one of each':<32}{before:>10.0f}{after:>10.0f}{1 - after / before:>8.0%}")


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
