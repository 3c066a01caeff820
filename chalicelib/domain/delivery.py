"""When a message or webhook is tried again, and when an SMS may wake a citizen.

Everything here takes `now`; nothing reads the wall clock or talks to a provider.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta, tzinfo

# SQS refuses to hide a message past 12 hours from when it was received; the margin covers
# the time between the receive and the visibility change.
LONGEST_POSTPONEMENT_SECONDS = 12 * 3600 - 300
_WINDOW = re.compile(r"^(\d\d):(\d\d)-(\d\d):(\d\d)$")


def retry_delay_seconds(attempt: int, base_seconds: float) -> int:
    """Exponential backoff after failed attempt number `attempt` (1, 2, ...): base, 2×base,
    4×base... so a provider outage is not hammered, capped at SQS's 12-hour limit."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    return int(min(base_seconds * 2 ** (attempt - 1), LONGEST_POSTPONEMENT_SECONDS))


def quiet_hours_end(now: datetime, window: str | None, zone: tzinfo) -> datetime | None:
    """When the quiet hours `now` falls in end ("21:00-08:00" in the state's zone), or None
    when it is not quiet. A window may run across midnight; an empty window is never quiet."""
    if not window:
        return None
    match = _WINDOW.match(window)
    if match is None:
        raise ValueError(f"quiet hours must look like 21:00-08:00, not {window!r}")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    start, end = time(start_h, start_m), time(end_h, end_m)
    if start == end:
        return None
    local = now.astimezone(zone)
    today_end = datetime.combine(local.date(), end, tzinfo=zone)
    at = local.timetz().replace(tzinfo=None)
    if start < end:  # e.g. 13:00-15:00, within one day
        return today_end if start <= at < end else None
    if at >= start:  # after the evening start: quiet until tomorrow's end
        return today_end + timedelta(days=1)
    if at < end:  # before the morning end
        return today_end
    return None
