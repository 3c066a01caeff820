"""The state's SLA clock, built from its stored calendar and the stage's clock speed."""

from __future__ import annotations

import time
from functools import lru_cache

from chalicelib.config import get_settings
from chalicelib.domain.sla import SlaClock, calendar_from_document
from chalicelib.models import catalogue

_CALENDAR_TTL_SECONDS = 300


def current_clock() -> SlaClock:
    """The clock routing and escalation count with; the calendar is re-read every 5 min."""
    return _clock(int(time.monotonic() // _CALENDAR_TTL_SECONDS), get_settings().sla_seconds_per_hour)


@lru_cache(maxsize=2)
def _clock(_generation: int, seconds_per_hour: float) -> SlaClock:
    return SlaClock(calendar_from_document(catalogue.get_state_calendar()), seconds_per_hour)
