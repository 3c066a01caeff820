"""The local stand-in for EventBridge schedules: runs each `@app.schedule` handler of the
Chalice app at its rate, in a thread, with the event shape Lambda would pass.

Only `Rate(...)` schedules exist in the app; a cron expression would need a real parser
and is refused loudly rather than run at a guessed time.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

from chalice import Rate
from chalice.app import ScheduledEventConfig
from chalice.local import LambdaContext

from infra.workers import Workers

log = logging.getLogger("devstack.schedule")

_UNIT_SECONDS = {Rate.MINUTES: 60, Rate.HOURS: 3600, Rate.DAYS: 86400}


@dataclass(frozen=True)
class Schedule:
    name: str
    every_seconds: float
    handler: Any


def schedules_of(app_module: ModuleType) -> list[Schedule]:
    """Every scheduled handler the app registered, with its period in seconds."""
    found = []
    for source in app_module.app.event_sources:
        if isinstance(source, ScheduledEventConfig):
            expression = source.schedule_expression
            if not isinstance(expression, Rate):
                raise ValueError(f"{source.name}: only Rate schedules run locally, not {expression!r}")
            found.append(
                Schedule(
                    source.name, expression.value * _UNIT_SECONDS[expression.unit], getattr(app_module, source.name)
                )
            )
    return found


def scheduled_event(region: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": {},
    }


class ScheduleRunner(Workers):
    """One thread per schedule; the first run comes one period after start, as on AWS."""

    def __init__(self, schedules: list[Schedule], region: str) -> None:
        super().__init__()
        self.schedules = schedules
        self.region = region

    def start(self) -> None:
        for schedule in self.schedules:
            self.spawn(f"schedule-{schedule.name}", self._run, schedule)

    def run_once(self, schedule: Schedule) -> Any:
        context = LambdaContext(schedule.name, memory_size=512)
        return schedule.handler(scheduled_event(self.region), context)

    def _run(self, schedule: Schedule) -> None:
        while not self._stopping.wait(schedule.every_seconds):
            try:
                log.info("%s: %s", schedule.name, self.run_once(schedule))
            except Exception:  # keep the schedule alive, as EventBridge would fire again
                log.exception("scheduled handler %s raised", schedule.name)
