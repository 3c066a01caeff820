"""A saved event, as the dispatcher hands it to each reaction."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.application import Application
from chalicelib.domain.events import Event
from chalicelib.domain.grievance import Grievance
from chalicelib.domain.identity import Citizen


@dataclass(frozen=True)
class Saved:
    """`event`, durable now, with the record as its move left it and the event's audit seq
    (with the record's id, what makes every message about it unique)."""

    case: Grievance | Application | Citizen
    event: Event
    seq: int
