"""What the local moto spends on a request around the operation itself, by operation: the
local stack's server as it is, against the same server with infra/moto_requests.py's
request-path patches (request parsing, account lookup, response serialisation, the web
layer).

The local stack's own server (`devstack.LocalMoto`, every patch it installs) runs in this
process; boto3 sends the calls the app's consumers make most: DynamoDB GetItem, SQS
SendMessage, ReceiveMessage (one message waiting, no long poll) and DeleteMessage, SNS
Publish. Two figures per request, both the CPU time of the server's thread
(`time.thread_time`, so the client's work in this process and idle waits are not counted):
the whole request as the serving thread handles it (werkzeug reading the request and
writing the answer included), and the part spent in moto's WSGI application. Rounds
alternate between the two, and the median round is printed.

    .venv/bin/python bench/moto_requests.py              # 5 rounds of 300 requests per operation
    .venv/bin/python bench/moto_requests.py --profile    # where the patched path spends it
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import pstats
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import boto3

from infra import devstack, moto_requests


class CpuMeter:
    """The serving thread's CPU per request, by label: the whole request (`handled`) and
    moto's WSGI application within it (`applied`). One client thread sends one request at a
    time, so the label it sets names the request being served."""

    def __init__(self) -> None:
        self.handled: dict[str, float] = defaultdict(float)
        self.applied: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.label = "other"
        self.profile: cProfile.Profile | None = None

    def clear(self) -> None:
        self.handled.clear()
        self.applied.clear()
        self.calls.clear()

    def handler(self, handler_class: type[Any]) -> type[Any]:
        meter = self

        class MeteredHandler(handler_class):  # type: ignore[misc]
            label = "other"

            def handle_one_request(self) -> None:
                # the label is read once the request has arrived (run_wsgi): until then the
                # thread waits on a kept-alive connection, and the client has not labelled it
                self.label = "other"
                if meter.profile is not None:
                    meter.profile.enable()
                started = time.thread_time()
                try:
                    super().handle_one_request()
                finally:
                    label = self.label
                    if label != "other":
                        meter.handled[label] += time.thread_time() - started
                        meter.calls[label] += 1
                    if meter.profile is not None:
                        meter.profile.disable()

            def run_wsgi(self) -> None:
                self.label = meter.label
                super().run_wsgi()

        return MeteredHandler

    def application(self, app: Any) -> Any:
        def metered(environ: dict[str, Any], start_response: Any) -> Any:
            label = self.label
            started = time.thread_time()
            try:
                return list(app(environ, start_response))  # the body is produced here
            finally:
                self.applied[label] += time.thread_time() - started

        return metered


def serve(meter: CpuMeter) -> devstack.LocalMoto:
    port = devstack.free_port()
    devstack.prepare_environment(port)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # as make burst runs it
    keep_alive_handler = devstack.keep_alive_handler
    devstack.keep_alive_handler = lambda: meter.handler(keep_alive_handler())
    try:
        server = devstack.LocalMoto(port)
        server.start()
    finally:
        devstack.keep_alive_handler = keep_alive_handler
    server._server.app = meter.application(server._server.app)  # the handler calls `self.server.app`
    return server


class Mix:
    """The calls, each labelled while it is sent."""

    def __init__(self, meter: CpuMeter) -> None:
        self.meter = meter
        region = "ap-south-1"
        self.db = boto3.client("dynamodb", region_name=region)
        self.sqs = boto3.client("sqs", region_name=region)
        self.sns = boto3.client("sns", region_name=region)
        self.table = "bench-requests"
        if self.table not in self.db.list_tables()["TableNames"]:
            self.db.create_table(
                TableName=self.table,
                BillingMode="PAY_PER_REQUEST",
                KeySchema=[{"AttributeName": "tracking_id", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "tracking_id", "AttributeType": "S"}],
            )
        self.db.put_item(TableName=self.table, Item=grievance())
        self.queue = self.sqs.create_queue(QueueName="bench-requests", Attributes={"VisibilityTimeout": "30"})[
            "QueueUrl"
        ]
        self.topic = self.sns.create_topic(Name="bench-requests")["TopicArn"]

    def timed(self, label: str, call: Any, **kwargs: Any) -> Any:
        self.meter.label = label
        try:
            return call(**kwargs)
        finally:
            self.meter.label = "other"

    def run(self, requests: int) -> None:
        for n in range(requests):
            self.timed("GetItem", self.db.get_item, TableName=self.table, Key={"tracking_id": {"S": "OD-2026-000001"}})
            self.timed(
                "SendMessage",
                self.sqs.send_message,
                QueueUrl=self.queue,
                MessageBody=json.dumps({"tracking_id": "OD-2026-000001", "event": "grievance.filed", "n": n}),
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "grievance.filed"}},
            )
            received = self.timed(
                "ReceiveMessage",
                self.sqs.receive_message,
                QueueUrl=self.queue,
                MaxNumberOfMessages=1,
                MessageAttributeNames=["All"],
                AttributeNames=["ApproximateReceiveCount"],
            )
            for message in received.get("Messages", []):
                self.timed(
                    "DeleteMessage",
                    self.sqs.delete_message,
                    QueueUrl=self.queue,
                    ReceiptHandle=message["ReceiptHandle"],
                )
            self.timed(
                "Publish",
                self.sns.publish,
                TopicArn=self.topic,
                Message='{"tracking_id": "OD-2026-000001", "status": "assigned"}',
                MessageAttributes={"department": {"DataType": "String", "StringValue": "WATER"}},
            )


def grievance() -> dict[str, Any]:
    """A grievance of ~20 attributes, as GetItem answers one."""
    item: dict[str, Any] = {"tracking_id": {"S": "OD-2026-000001"}, "version": {"N": "7"}}
    item.update({f"field_{i}": {"S": f"value {i} of the grievance"} for i in range(16)})
    item["history"] = {"L": [{"M": {"at": {"S": "2026-12-04T10:00:00+00:00"}, "to": {"S": "filed"}}}]}
    return item


def one_round(mix: Mix, meter: CpuMeter, ours: bool, requests: int) -> dict[str, tuple[float, float]]:
    moto_requests.install() if ours else moto_requests.uninstall()
    meter.clear()
    mix.run(requests)
    return {
        label: (meter.handled[label] / calls * 1e6, meter.applied[label] / calls * 1e6)
        for label, calls in meter.calls.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300, help="requests per operation per round")
    parser.add_argument("--profile", action="store_true", help="cProfile the server's side")
    parser.add_argument("--unpatched", action="store_true", help="with --profile: without moto_requests")
    args = parser.parse_args()

    meter = CpuMeter()
    server = serve(meter)
    try:
        mix = Mix(meter)
        one_round(mix, meter, True, 30)  # warm both paths
        one_round(mix, meter, False, 30)
        if args.profile:
            profile = cProfile.Profile()
            meter.profile = profile
            one_round(mix, meter, not args.unpatched, args.requests)
            meter.profile = None
            pstats.Stats(profile).sort_stats("cumulative").print_stats(70)
            pstats.Stats(profile).sort_stats("tottime").print_stats(40)
            return
        rounds: dict[bool, list[dict[str, tuple[float, float]]]] = {False: [], True: []}
        for n in range(args.rounds):
            for ours in (False, True) if n % 2 == 0 else (True, False):  # drift falls on both
                rounds[ours].append(one_round(mix, meter, ours, args.requests))
    finally:
        moto_requests.uninstall()
        server.stop()

    print(f"CPU µs per request of the serving thread (median of {args.rounds} rounds of {args.requests} each)")
    print(f"  {'':<16}{'whole request':^30}{'in moto':^30}")
    print(f"  {'operation':<16}" + f"{'before':>10}{'after':>10}{'saved':>10}" * 2)
    totals = [0.0, 0.0, 0.0, 0.0]
    for label in rounds[False][0]:
        figures = []
        for part in (0, 1):
            before = statistics.median(r[label][part] for r in rounds[False])
            after = statistics.median(r[label][part] for r in rounds[True])
            totals[2 * part] += before
            totals[2 * part + 1] += after
            figures.append(f"{before:>10.0f}{after:>10.0f}{1 - after / before:>10.0%}")
        print(f"  {label:<16}" + "".join(figures))
    figures = [f"{totals[i]:>10.0f}{totals[i + 1]:>10.0f}{1 - totals[i + 1] / totals[i]:>10.0%}" for i in (0, 2)]
    print(f"  {'one of each':<16}" + "".join(figures))


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    main()
