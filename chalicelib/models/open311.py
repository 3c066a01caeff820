"""What Open311 clients read back: the requests they filed and every change to them.

Rows live in the counters table, one partition per calendar month, sorted by time:

- `(open311-filed#<yyyy-mm>, <filed_at>#<tracking id>)`: a request filed through Open311;
- `(open311-updates#<yyyy-mm>, <at>#<tracking id>#<seq>)`: one change of one of them, with
  the Open311 status it left it in.

So a window of up to 90 days (what the spec allows) is at most 4 Queries, whatever the number
of grievances in the state; and only requests filed through Open311 are ever listed to an
Open311 client. Rows are written by the dispatcher's `follow_open311` reaction, keyed by
the event, so a redelivered event writes the same row again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from chalicelib.models.base import TableName, utc_text
from chalicelib.resource_names import Table

FILED = "open311-filed"
UPDATES = "open311-updates"


class Open311Row(Model):
    class Meta:
        table_name = TableName(Table.COUNTERS)

    counter = UnicodeAttribute(hash_key=True)
    window = UnicodeAttribute(range_key=True)
    tracking_id = UnicodeAttribute()
    service_code = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)  # open | closed, after the update
    description = UnicodeAttribute(null=True)
    at = UnicodeAttribute()


@dataclass(frozen=True)
class Open311Update:
    update_id: str
    tracking_id: str
    status: str
    at: datetime
    description: str


def _month(moment: datetime) -> str:
    return utc_text(moment)[:7]


def record_filed(tracking_id: str, service_code: str | None, filed_at: datetime) -> None:
    at = utc_text(filed_at)
    Open311Row(
        f"{FILED}#{_month(filed_at)}", f"{at}#{tracking_id}", tracking_id=tracking_id, service_code=service_code, at=at
    ).save()


def record_update(tracking_id: str, seq: int, status: str, description: str, at: datetime) -> None:
    when = utc_text(at)
    Open311Row(
        f"{UPDATES}#{_month(at)}",
        f"{when}#{tracking_id}#{seq:08d}",
        tracking_id=tracking_id,
        status=status,
        description=description,
        at=when,
    ).save()


def _months(start: datetime, end: datetime) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _rows(kind: str, start: datetime, end: datetime) -> Iterator[Open311Row]:
    low, high = utc_text(start), utc_text(end) + "~"  # "~" sorts after every "#<id>" suffix
    for month in _months(start, end):
        yield from Open311Row.query(f"{kind}#{month}", Open311Row.window.between(low, high))


def filed_between(start: datetime, end: datetime, limit: int) -> list[tuple[str, str | None]]:
    """(tracking id, service code) of the requests filed through Open311 in [start, end],
    oldest first, at most `limit`."""
    found: list[tuple[str, str | None]] = []
    for row in _rows(FILED, start, end):
        found.append((row.tracking_id, row.service_code))
        if len(found) >= limit:
            break
    return found


def updates_between(start: datetime, end: datetime, limit: int) -> list[Open311Update]:
    """Changes to requests filed through Open311 made in [start, end], oldest first."""
    found: list[Open311Update] = []
    for row in _rows(UPDATES, start, end):
        seq = row.window.rsplit("#", 1)[1]
        found.append(
            Open311Update(
                update_id=f"{row.tracking_id}-{int(seq)}",
                tracking_id=row.tracking_id,
                status=row.status or "open",
                at=datetime.fromisoformat(row.at),
                description=row.description or "",
            )
        )
        if len(found) >= limit:
            break
    return found
