"""The SLA clock: working hours on the state's calendar (10:00–17:30 IST, Monday to Saturday,
holidays skipped), wall hours for 24×7 categories, pauses that keep the time left, the 80 %
warning, the compressed demo clock, and the calendar's stored form."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.sla import (
    REAL_SECONDS_PER_HOUR,
    WARNING_SHARE,
    SlaClock,
    WorkingCalendar,
    calendar_from_document,
)

IST = timezone(timedelta(hours=5, minutes=30))
HOLI = date(2026, 3, 4)  # a Wednesday
CALENDAR = WorkingCalendar(holidays=frozenset({HOLI}))
CLOCK = SlaClock(CALENDAR)
HOUR = 3600.0


def ist(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """A moment of March 2026 in Odisha (2 March is a Monday)."""
    return datetime(2026, month, day, hour, minute, tzinfo=IST)


# --- working hours -----------------------------------------------------------------------------


def test_the_default_calendar_is_ist_office_hours_monday_to_saturday():
    calendar = WorkingCalendar()
    assert calendar.zone.utcoffset(None) == timedelta(hours=5, minutes=30)
    assert (calendar.day_start, calendar.day_end) == (time(10, 0), time(17, 30))
    assert [calendar.is_working_day(date(2026, 3, d)) for d in range(2, 9)] == [True] * 6 + [False]


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (ist(2, 10), 1, ist(2, 11)),  # Monday, within the day
        (ist(2, 10), 7.5, ist(2, 17, 30)),  # exactly one working day ends at closing time
        (ist(2, 8), 1, ist(2, 11)),  # before opening: counts from 10:00
        (ist(2, 16), 3, ist(3, 11, 30)),  # crosses a night: 1.5 h Monday, 1.5 h Tuesday
        (ist(2, 18), 1, ist(3, 11)),  # after closing: from the next morning
        (ist(7, 16, 30), 2, ist(9, 11)),  # Saturday afternoon, Sunday skipped
        (ist(8, 12), 1, ist(9, 11)),  # filed on a Sunday
        (ist(3, 17), 1, ist(5, 10, 30)),  # Tuesday evening, Wednesday is a holiday
        (ist(2, 10), 24, ist(6, 11, 30)),  # 24 h: Mon, Tue (15 h), Thu (22.5 h), Fri 1.5 h
    ],
)
def test_deadlines_count_office_hours_only(start, hours, due):
    assert CLOCK.deadline(start, hours * HOUR, round_the_clock=False) == due
    assert CALENDAR.working_seconds_between(start, due) == pytest.approx(hours * HOUR)


def test_a_deadline_crossing_a_night_a_sunday_and_a_holiday():
    # Saturday 7 March 17:00 IST + 2 working hours: 0.5 h Saturday, Sunday off, Monday 1.5 h.
    assert CLOCK.deadline(ist(7, 17), 2 * HOUR, False) == ist(9, 11, 30)
    # Saturday 28 Feb 17:00 + 9 h: 0.5 Sat, Sun off, Mon 7.5 h, Tue 1 h.
    assert CLOCK.deadline(ist(28, 17, month=2), 9 * HOUR, False) == ist(3, 11)
    # Monday 2 March 17:00 + 8.5 h: Mon 0.5, Tue 7.5, Wed holiday, Thu 0.5.
    assert CLOCK.deadline(ist(2, 17), 8.5 * HOUR, False) == ist(5, 10, 30)


def test_the_answer_keeps_the_callers_time_zone():
    start = ist(2, 16).astimezone(UTC)
    due = CLOCK.deadline(start, 3 * HOUR, False)
    assert due.tzinfo == UTC and due == ist(3, 11, 30)


def test_working_seconds_between_skips_nights_weekends_and_holidays():
    assert CALENDAR.working_seconds_between(ist(2, 10), ist(9, 10)) == 5 * 7.5 * HOUR  # Wed is a holiday
    assert CALENDAR.working_seconds_between(ist(7, 17, 30), ist(9, 10)) == 0
    assert CALENDAR.working_seconds_between(ist(3, 12), ist(2, 12)) == 0  # end before start


def test_a_calendar_with_no_working_time_is_refused():
    never = WorkingCalendar(working_days=frozenset())
    with pytest.raises(ValueError):
        never.add_working_seconds(ist(2, 10), HOUR)


# --- 24×7 categories -----------------------------------------------------------------------------


@pytest.mark.parametrize("start", [ist(2, 3), ist(7, 17), ist(8, 12), ist(4, 9)])  # night, Sat, Sun, holiday
def test_round_the_clock_categories_count_wall_hours(start):
    assert CLOCK.deadline(start, 24 * HOUR, round_the_clock=True) == start + timedelta(hours=24)
    assert CLOCK.deadline(start, 4 * HOUR, round_the_clock=True) == start + timedelta(hours=4)
    assert CLOCK.remaining(start, start + timedelta(hours=5), round_the_clock=True) == 5 * HOUR


# --- pausing -------------------------------------------------------------------------------------


def test_remaining_is_what_is_left_and_zero_when_overdue():
    due = CLOCK.deadline(ist(2, 10), 10 * HOUR, False)  # Tuesday 12:30
    assert CLOCK.remaining(ist(2, 12), due, False) == pytest.approx(8 * HOUR)
    assert CLOCK.remaining(ist(2, 20), due, False) == pytest.approx(2.5 * HOUR)  # the night is free
    assert CLOCK.remaining(ist(3, 13), due, False) == 0
    assert CLOCK.remaining(due + timedelta(hours=1), due, True) == 0


def test_a_pause_over_a_weekend_and_a_holiday_keeps_the_time_left():
    total = 10 * HOUR
    _, due = CLOCK.schedule(ist(2, 10), total, total, False)
    paused_at = ist(2, 15)  # 5 h left
    left = CLOCK.remaining(paused_at, due, False)
    assert left == pytest.approx(5 * HOUR)
    warn_at, resumed_due = CLOCK.schedule(ist(3, 16), left, total, False)  # resumed Tuesday 16:00
    # 1.5 h Tuesday, Wednesday holiday, 3.5 h Thursday.
    assert resumed_due == ist(5, 13, 30)
    assert CLOCK.remaining(ist(3, 16), resumed_due, False) == pytest.approx(left)
    # Of the 5 h left, the last 2 h (20 % of the SLA) come after the warning.
    assert warn_at == CLOCK.deadline(ist(3, 16), left - (1 - WARNING_SHARE) * total, False)


@pytest.mark.parametrize("round_the_clock", [False, True])
def test_resuming_at_once_gives_back_the_same_deadline(round_the_clock):
    total = 24 * HOUR
    _, due = CLOCK.schedule(ist(2, 10), total, total, round_the_clock)
    paused_at = ist(2, 20)  # Monday night, before either deadline
    assert paused_at < due
    _, again = CLOCK.schedule(paused_at, CLOCK.remaining(paused_at, due, round_the_clock), total, round_the_clock)
    assert again == due


# --- the 80 % warning ------------------------------------------------------------------------------


def test_the_warning_comes_at_eighty_percent_of_the_sla():
    warn_at, due = CLOCK.schedule(ist(2, 10), 10 * HOUR, 10 * HOUR, False)
    assert (warn_at, due) == (ist(3, 10, 30), ist(3, 12, 30))
    assert CALENDAR.working_seconds_between(ist(2, 10), warn_at) == pytest.approx(0.8 * 10 * HOUR)
    warn_at, due = CLOCK.schedule(ist(8, 9), 24 * HOUR, 24 * HOUR, True)
    assert (warn_at, due) == (ist(8, 9) + timedelta(hours=19.2), ist(9, 9))


def test_with_less_than_a_fifth_left_the_warning_is_due_at_once():
    now = ist(2, 12)
    warn_at, due = CLOCK.schedule(now, 1 * HOUR, 10 * HOUR, True)
    assert warn_at == now and due == now + timedelta(hours=1)
    warn_at, _ = CLOCK.schedule(now, 0, 10 * HOUR, True)
    assert warn_at == now


# --- the compressed clock --------------------------------------------------------------------------


def test_a_compressed_clock_counts_every_hour_fast():
    fast = SlaClock(CALENDAR, seconds_per_hour=60)
    assert fast.compressed and not CLOCK.compressed
    sunday_night = ist(8, 23)
    assert fast.deadline(sunday_night, 24 * HOUR, round_the_clock=False) == sunday_night + timedelta(minutes=24)
    assert fast.deadline(sunday_night, 24 * HOUR, round_the_clock=True) == sunday_night + timedelta(minutes=24)
    assert fast.remaining(sunday_night, sunday_night + timedelta(minutes=6), False) == pytest.approx(6 * HOUR)
    warn_at, due = fast.schedule(sunday_night, 10 * HOUR, 10 * HOUR, False)
    assert (warn_at, due) == (sunday_night + timedelta(minutes=8), sunday_night + timedelta(minutes=10))


def test_a_compressed_pause_keeps_the_time_left():
    fast = SlaClock(CALENDAR, seconds_per_hour=2 / 24)  # a 24-hour SLA in two seconds
    start = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)
    _, due = fast.schedule(start, 24 * HOUR, 24 * HOUR, False)
    assert due == start + timedelta(seconds=2)
    left = fast.remaining(start + timedelta(seconds=0.5), due, False)
    assert left == pytest.approx(18 * HOUR)
    _, resumed = fast.schedule(start + timedelta(days=3), left, 24 * HOUR, False)
    assert resumed == start + timedelta(days=3, seconds=1.5)


def test_the_real_clock_is_not_compressed():
    assert SlaClock(CALENDAR, seconds_per_hour=REAL_SECONDS_PER_HOUR).compressed is False


# --- properties ------------------------------------------------------------------------------------

moments = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC))
sla_seconds = st.floats(min_value=0, max_value=400 * HOUR, allow_nan=False, allow_infinity=False)
calendars = st.builds(
    WorkingCalendar,
    utc_offset_minutes=st.sampled_from([330, 300, 345, 0]),
    working_days=st.sets(st.integers(0, 6), min_size=1).map(frozenset),
    day_start=st.sampled_from([time(9, 0), time(10, 0), time(0, 0)]),
    day_end=st.sampled_from([time(17, 30), time(18, 0), time(23, 59, 59)]),
    holidays=st.sets(st.dates(min_value=date(2025, 12, 1), max_value=date(2028, 6, 30)), max_size=40).map(frozenset),
)
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(start=moments, first=sla_seconds, second=sla_seconds, round_the_clock=st.booleans())
def test_a_longer_sla_is_never_due_earlier(start, first, second, round_the_clock):
    low, high = sorted((first, second))
    assert CLOCK.deadline(start, low, round_the_clock) <= CLOCK.deadline(start, high, round_the_clock)


@FAST
@given(calendar=calendars, start=moments, seconds=sla_seconds)
def test_office_time_to_the_deadline_is_the_sla(calendar, start, seconds):
    due = calendar.add_working_seconds(start, seconds)
    assert due >= start
    assert calendar.working_seconds_between(start, due) == pytest.approx(seconds, abs=1e-6)


@FAST
@given(start=moments, seconds=sla_seconds, pause=st.floats(0, 1, allow_nan=False), resume_after=sla_seconds)
def test_pause_and_resume_preserves_the_time_left(start, seconds, pause, resume_after):
    for round_the_clock in (False, True):
        due = CLOCK.deadline(start, seconds, round_the_clock)
        paused_at = start + (due - start) * pause
        left = CLOCK.remaining(paused_at, due, round_the_clock)
        assert 0 <= left <= seconds + 1e-6
        resumed_at = paused_at + timedelta(seconds=resume_after)
        warn_at, resumed_due = CLOCK.schedule(resumed_at, left, seconds, round_the_clock)
        assert CLOCK.remaining(resumed_at, resumed_due, round_the_clock) == pytest.approx(left, abs=1e-5)
        assert resumed_at <= warn_at <= resumed_due


@FAST
@given(start=moments, seconds=sla_seconds)
def test_the_warning_is_at_eighty_percent(start, seconds):
    warn_at, due = CLOCK.schedule(start, seconds, seconds, False)
    assert warn_at <= due
    assert CALENDAR.working_seconds_between(start, warn_at) == pytest.approx(WARNING_SHARE * seconds, abs=1e-5)


@FAST
@given(start=moments, seconds=sla_seconds, speed=st.floats(0.01, 600, allow_nan=False))
def test_a_compressed_clock_scales_wall_time(start, seconds, speed):
    fast = SlaClock(CALENDAR, seconds_per_hour=speed)
    due = fast.deadline(start, seconds, round_the_clock=False)
    assert (due - start).total_seconds() == pytest.approx(seconds * speed / HOUR, abs=1e-6)
    assert fast.remaining(start, due, False) == pytest.approx(seconds, rel=1e-6, abs=HOUR / speed * 1e-6)


# --- the stored calendar -----------------------------------------------------------------------------


def test_a_calendar_from_its_stored_form():
    calendar = calendar_from_document(
        {
            "utc_offset_minutes": 300,
            "working_days": [0, 1, 2, 3, 4],
            "day_start": "09:30",
            "day_end": "16:00",
            "holidays": ["2026-01-26", "2026-03-04"],
        }
    )
    assert calendar == WorkingCalendar(
        utc_offset_minutes=300,
        working_days=frozenset({0, 1, 2, 3, 4}),
        day_start=time(9, 30),
        day_end=time(16, 0),
        holidays=frozenset({date(2026, 1, 26), date(2026, 3, 4)}),
    )
    pkt = timezone(timedelta(hours=5))
    # Friday 15:00 PKT + 2 h: 1 h Friday, no Saturday, Monday 9:30 + 1 h.
    assert calendar.add_working_seconds(datetime(2026, 3, 6, 15, tzinfo=pkt), 2 * HOUR) == datetime(
        2026, 3, 9, 10, 30, tzinfo=pkt
    )


def test_an_empty_document_is_the_default_calendar():
    assert calendar_from_document({}) == WorkingCalendar()


def test_malformed_lists_fall_back_to_the_defaults():
    calendar = calendar_from_document({"working_days": "weekdays", "holidays": "none"})
    assert calendar.working_days == WorkingCalendar().working_days and calendar.holidays == frozenset()


def test_the_seeded_state_calendar_skips_its_holidays():
    import json
    from pathlib import Path

    document = json.loads((Path(__file__).resolve().parents[2] / "infra" / "seed" / "demo_state.json").read_text())
    calendar = calendar_from_document(document["state"]["calendar"])
    assert date(2026, 1, 26) in calendar.holidays
    assert calendar.utc_offset_minutes == 330 and calendar.day_end == time(17, 30)
    # Republic Day 2026 is a Monday: Saturday 24 Jan 17:00 + 1 h lands on Tuesday 27 Jan.
    assert calendar.add_working_seconds(datetime(2026, 1, 24, 17, tzinfo=IST), HOUR) == datetime(
        2026, 1, 27, 10, 30, tzinfo=IST
    )
