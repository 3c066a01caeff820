"""What every table model shares: a stage-prefixed name resolved at first use."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pynamodb.connection import Connection

from chalicelib.config import get_settings


class TableName:
    """`Meta.table_name` that follows the running stage.

    PynamoDB reads `Meta.table_name` when it opens a connection, not when the model class
    is defined, so resolving it here keeps settings out of import time and lets the same
    model serve `crm-local-*` on moto and `crm-odisha-*` in AWS.
    """

    def __init__(self, logical_name: str) -> None:
        self.logical_name = logical_name

    def __get__(self, instance: Any, owner: Any) -> str:
        return get_settings().resource_name(self.logical_name)


def shared_connection() -> Connection:
    """The one PynamoDB connection transactions run on. Each `Connection()` builds its own
    botocore client (~0.2 s of loading service models), far too slow to pay per write;
    botocore clients are thread-safe, so one per endpoint serves every transaction."""
    return _connection_for(os.environ.get("AWS_ENDPOINT_URL"))


@lru_cache(maxsize=4)
def _connection_for(endpoint: str | None) -> Connection:
    return Connection(region=get_settings().region, host=endpoint)
