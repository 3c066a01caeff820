"""What every table model shares: a stage-prefixed name resolved at first use."""

from __future__ import annotations

from typing import Any

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
