"""Unit tests run without AWS: the adapters' in-memory twins stand in for SQS, SNS and Step
Functions, and these for the two tables the dispatcher's `tally` reaction reaches through
`models/` (the report counters, and the stored calendar whose zone names the day), which the
integration tests run on moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from chalicelib.domain.tallies import Tally


class CountedTallies(dict[str, Tally]):
    """What was counted, by event id: a second count of one event adds nothing (as the
    table's marker makes it)."""

    def count(self, tally: Tally, now: datetime) -> bool:
        if tally.event_id in self:
            return False
        self[tally.event_id] = tally
        return True


@pytest.fixture(autouse=True)
def counted_tallies(monkeypatch) -> Iterator[CountedTallies]:
    counted = CountedTallies()
    monkeypatch.setattr("chalicelib.models.tallies.count", counted.count)
    monkeypatch.setattr("chalicelib.models.catalogue.get_state_calendar", dict)  # none stored: the stage's
    monkeypatch.setattr("chalicelib.services.sla_clock._loaded", None)
    yield counted
