"""The SLA clock: when a grievance is due, counted the way the state counts it.

A category's `sla_hours` are working hours on the state's calendar (office hours on working
days, holidays skipped) unless the category runs round the clock. `seconds_per_hour`
compresses the clock for demos and tests (`SLA_SECONDS_PER_HOUR`): a compressed clock counts
every hour, since watching an escalation in minutes cannot wait for office hours.
Everything here takes `now`; nothing reads the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

REAL_SECONDS_PER_HOUR = 3600.0
WARNING_SHARE = 0.8  # the owner is warned when 80 % of the SLA is used
_MAX_DAYS = 3 * 366  # a deadline further out than this means a broken calendar


@dataclass(frozen=True)
class WorkingCalendar:
    """Office hours of one state. India and Pakistan keep no daylight saving, so a fixed
    UTC offset is exact."""

    utc_offset_minutes: int = 330
    working_days: frozenset[int] = frozenset({0, 1, 2, 3, 4, 5})  # Monday..Saturday
    day_start: time = time(10, 0)
    day_end: time = time(17, 30)
    holidays: frozenset[date] = field(default_factory=frozenset)

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(minutes=self.utc_offset_minutes))

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_days and day not in self.holidays

    def office_hours(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.day_start, tzinfo=self.zone),
            datetime.combine(day, self.day_end, tzinfo=self.zone),
        )

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of office time after `start`."""
        moment = start.astimezone(self.zone)
        remaining = max(seconds, 0.0)
        day = moment.date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self.office_hours(day)
                begin = max(moment, opens)
                if begin < closes:
                    available = (closes - begin).total_seconds()
                    if remaining <= available:
                        return (begin + timedelta(seconds=remaining)).astimezone(start.tzinfo)
                    remaining -= available
            day += timedelta(days=1)
            moment = datetime.combine(day, time(0, 0), tzinfo=self.zone)
        raise ValueError("the calendar has no working time in the next three years")

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Office time from `start` to `end` (0 when `end` is not after `start`)."""
        if end <= start:
            return 0.0
        total = 0.0
        first, last = start.astimezone(self.zone), end.astimezone(self.zone)
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                opens, closes = self.office_hours(day)
                overlap = (min(closes, last) - max(opens, first)).total_seconds()
                total += max(overlap, 0.0)
            day += timedelta(days=1)
        return total


@dataclass(frozen=True)
class SlaClock:
    calendar: WorkingCalendar
    seconds_per_hour: float = REAL_SECONDS_PER_HOUR

    @property
    def compressed(self) -> bool:
        return self.seconds_per_hour != REAL_SECONDS_PER_HOUR

    def deadline(self, start: datetime, sla_seconds: float, round_the_clock: bool) -> datetime:
        """When `sla_seconds` of SLA time (3600 per SLA hour) starting at `start` run out."""
        if self.compressed or round_the_clock:
            return start + timedelta(seconds=sla_seconds * self.seconds_per_hour / REAL_SECONDS_PER_HOUR)
        return self.calendar.add_working_seconds(start, sla_seconds)

    def remaining(self, now: datetime, due: datetime, round_the_clock: bool) -> float:
        """SLA seconds left until `due` (0 when overdue): what a pause must preserve."""
        if self.compressed or round_the_clock:
            wall = max((due - now).total_seconds(), 0.0)
            return wall * REAL_SECONDS_PER_HOUR / self.seconds_per_hour
        return self.calendar.working_seconds_between(now, due)

    def schedule(
        self, start: datetime, remaining_seconds: float, total_seconds: float, round_the_clock: bool
    ) -> tuple[datetime, datetime]:
        """(warn_at, due_at) for an SLA with `remaining_seconds` left of `total_seconds`."""
        due = self.deadline(start, remaining_seconds, round_the_clock)
        before_warning = max(remaining_seconds - (1 - WARNING_SHARE) * total_seconds, 0.0)
        return self.deadline(start, before_warning, round_the_clock), due


def calendar_from_document(document: dict[str, object]) -> WorkingCalendar:
    """A calendar from its stored form: {utc_offset_minutes, working_days, day_start, day_end,
    holidays: ["2026-01-26", ...]}."""
    defaults = WorkingCalendar()
    days = document.get("working_days", sorted(defaults.working_days))
    holidays = document.get("holidays", [])
    return WorkingCalendar(
        utc_offset_minutes=int(str(document.get("utc_offset_minutes", defaults.utc_offset_minutes))),
        working_days=frozenset(int(d) for d in days) if isinstance(days, list) else defaults.working_days,
        day_start=time.fromisoformat(str(document.get("day_start", defaults.day_start.isoformat()))),
        day_end=time.fromisoformat(str(document.get("day_end", defaults.day_end.isoformat()))),
        holidays=frozenset(date.fromisoformat(str(d)) for d in holidays) if isinstance(holidays, list) else frozenset(),
    )
