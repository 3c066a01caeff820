"""The state's SLA clock: the stage's calendar, overridden by the one stored in the catalogue,
and the stage's clock speed."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import tzinfo

from chalicelib.config import get_settings
from chalicelib.domain.sla import SlaClock, calendar_from_document
from chalicelib.models import catalogue

# Holidays change a few times a year; re-reading them every 5 minutes keeps a warm Lambda
# current without a GetItem on every routing or escalation.
_CALENDAR_TTL_SECONDS = 300


@dataclass(frozen=True)
class _LoadedClock:
    loaded_at: float
    seconds_per_hour: float
    clock: SlaClock


_loaded: _LoadedClock | None = None


def current_clock() -> SlaClock:
    """The clock routing and escalation count with; the calendar is at most 5 minutes old."""
    global _loaded
    settings = get_settings()
    seconds_per_hour = settings.sla_seconds_per_hour
    now = time.monotonic()
    if (
        _loaded is None
        or _loaded.seconds_per_hour != seconds_per_hour
        or now - _loaded.loaded_at >= _CALENDAR_TTL_SECONDS
    ):
        # The stage's working week and hours; holidays and hours stored by the state win.
        calendar = calendar_from_document({**settings.working_calendar, **catalogue.get_state_calendar()})
        _loaded = _LoadedClock(now, seconds_per_hour, SlaClock(calendar, seconds_per_hour))
    return _loaded.clock


def state_zone() -> tzinfo:
    """The state's time zone, the one of its calendar: deadlines, the times in messages and
    quiet hours all read the clock the same way."""
    return current_clock().calendar.zone


def forget_calendar() -> None:
    """Read the calendar afresh on next use (after the calendar item is rewritten)."""
    global _loaded
    _loaded = None
