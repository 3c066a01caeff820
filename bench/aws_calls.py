"""AWS calls per API operation, counted on the real handlers against moto.

Starts an in-process moto server, builds and seeds the stack as `make dev` does, calls
each catalogue operation through `chalice.test.Client`, and prints how many AWS API calls
(by service and operation) each one made once warm. Figures only; the test suite holds
the same counts as assertions (tests/integration/test_aws_call_budget.py).

Run it with `make bench` or `.venv/bin/python bench/aws_calls.py`.
"""

from __future__ import annotations

import os
import socket
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.endpoint import Endpoint

REPO_ROOT = Path(__file__).resolve().parent.parent

OPERATIONS = [
    "/health",
    "/districts",
    "/departments",
    "/categories",
    "/categories?department=WATER",
    "/services",
    "/services?q=water%20connection",
    "/services?department=HEALTH",
    "/services/WATER_NEW_CONNECTION",
]


@contextmanager
def count_aws_calls() -> Iterator[Counter[str]]:
    """Count every AWS API call any boto3/botocore/PynamoDB client makes in this block,
    keyed `service:Operation` (e.g. `dynamodb:Query`)."""
    calls: Counter[str] = Counter()
    original = Endpoint.make_request

    def counting(self: Endpoint, operation_model: Any, request_dict: Any) -> Any:
        calls[f"{operation_model.service_model.endpoint_prefix}:{operation_model.name}"] += 1
        return original(self, operation_model, request_dict)

    Endpoint.make_request = counting  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        Endpoint.make_request = original  # type: ignore[method-assign]


def main() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    from chalice.test import Client

    from infra import devstack

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        moto_port = probe.getsockname()[1]
    devstack.prepare_environment(moto_port)
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    server = devstack.start_moto(moto_port)
    try:
        devstack.build_stack()
        devstack.seed_demo_state()
        import app

        with Client(app.app, stage_name="local") as client:
            print(f"{'operation':40} {'calls':>5}  detail")
            for path in OPERATIONS:
                client.http.get(path)  # warm: clients and connections exist
                with count_aws_calls() as calls:
                    status = client.http.get(path).status_code
                detail = ", ".join(f"{name}×{n}" for name, n in sorted(calls.items()))
                print(f"GET {path:36} {sum(calls.values()):>5}  {detail} [{status}]")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
