"""Counts in windows: report tallies, rate limits, and officers' open loads.

One table, keyed by what is counted (`counter`) and the window it is counted in (`window`).
Rate limits count hits in fixed windows here (`add_to_window`); officers' open-load counters
(`case_store`) are moved in the same transaction as the case that moves them.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.models.base import Guard, TableName, failed_condition
from chalicelib.resource_names import Table


class Counter(Model):
    """A count in a window: report tallies, and rate limits (OTP sends, failed logins)."""

    class Meta:
        table_name = TableName(Table.COUNTERS)

    counter = UnicodeAttribute(hash_key=True)
    window = UnicodeAttribute(range_key=True)
    value = NumberAttribute(default=0)
    # moto never expires TTL items: readers must also compare this with now.
    expires_at = TTLAttribute(null=True)
    touched_at = UnicodeAttribute(null=True)  # ISO-8601: e.g. when an officer was last assigned


def add_to_window(counter: str, window: str, *, expires_at: datetime, limit: int | None = None) -> bool:
    """Count one hit in `window`; with `limit`, only while fewer than `limit` are counted.

    Returns False when the limit was already reached (nothing is counted then). The check
    and the increment are one conditional write, so concurrent hits cannot overshoot.
    """
    item = Counter(counter, window)
    condition = None
    if limit is not None:
        condition = Counter.value.does_not_exist() | (Counter.value < limit)
    try:
        item.update(actions=[Counter.value.add(1), Counter.expires_at.set(expires_at)], condition=condition)
    except UpdateError as error:
        if failed_condition(error):
            return False
        raise
    return True


def window_guard(counter: str, window: str, *, expires_at: datetime, limit: int, refusal: Exception) -> Guard:
    """Counting one hit in `window` as part of another write (`Guard`): refused with
    `refusal`, and nothing written, when `limit` hits are counted already."""
    return Guard(
        Counter(counter, window),
        Counter.value.does_not_exist() | (Counter.value < limit),
        refusal,
        actions=[Counter.value.add(1), Counter.expires_at.set(expires_at)],
    )


def clear_window(counter: str, window: str) -> None:
    """Forget every hit counted in `window`."""
    Counter(counter, window).delete()
