"""The report counters follow the events: the dispatcher's `tally` reaction."""

from __future__ import annotations

from datetime import timedelta, timezone

from chalicelib.clock import utc_now
from chalicelib.config import get_settings
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.saved import Saved
from chalicelib.domain.tallies import tally_of
from chalicelib.models import tallies


def report_zone() -> timezone:
    """The state's day, as reports count it: the stage's UTC offset (a setting, so counting
    an event costs no read of the calendar)."""
    return timezone(timedelta(minutes=get_settings().utc_offset_minutes))


def tally(saved: Saved) -> None:
    """Count a grievance's saved event into the reports, once however often it is dispatched."""
    if not isinstance(saved.case, Grievance):
        return  # applications are not in the grievance reports
    counted = tally_of(saved.case, saved.event, saved.seq, report_zone())
    if not counted.empty:
        tallies.count(counted, utc_now())
