"""How long grievances take to resolve, kept as a histogram of hours from filing to resolution.

Counters can be added but a list of durations cannot be kept per report cell, so each
resolution counts into one bucket, and the median, p90 and "how likely is it still open
after x hours" are read off the buckets: exact in which bucket they fall, linear inside it.
The bounds follow the SLA ladder's scale (hours to weeks); the last bucket is open-ended.

Pure: no I/O.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Upper bounds (hours, inclusive) of every bucket but the last, which holds the rest.
BOUNDS: tuple[float, ...] = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 240, 360, 720)
# What the open-ended bucket is read as when a quantile falls in it.
LONGEST_HOURS = 2160.0  # 90 days


def bucket_of(hours: float) -> int:
    """The index of the bucket `hours` counts in (0 .. len(BOUNDS))."""
    return bisect.bisect_left(BOUNDS, max(hours, 0.0))


def bucket_name(index: int) -> str:
    """The counter's name: "le_24h" for the bucket ending at 24 hours, "gt_720h" for the last."""
    return f"le_{BOUNDS[index]:g}h" if index < len(BOUNDS) else f"gt_{BOUNDS[-1]:g}h"


NAMES: tuple[str, ...] = tuple(bucket_name(i) for i in range(len(BOUNDS) + 1))


@dataclass(frozen=True)
class Histogram:
    counts: tuple[int, ...]  # one per bucket, len(BOUNDS) + 1

    @classmethod
    def empty(cls) -> Histogram:
        return cls((0,) * (len(BOUNDS) + 1))

    @classmethod
    def of(cls, hours: Sequence[float]) -> Histogram:
        counts = [0] * (len(BOUNDS) + 1)
        for value in hours:
            counts[bucket_of(value)] += 1
        return cls(tuple(counts))

    @classmethod
    def from_counters(cls, counters: Mapping[str, int | float]) -> Histogram:
        """From counters named by `NAMES` (missing ones are 0)."""
        return cls(tuple(int(counters.get(name, 0)) for name in NAMES))

    def __add__(self, other: Histogram) -> Histogram:
        return Histogram(tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)))

    @property
    def total(self) -> int:
        return sum(self.counts)

    def quantile(self, q: float) -> float | None:
        """The hours by which a fraction `q` of these grievances were resolved; None if empty."""
        total = self.total
        if total == 0:
            return None
        wanted = q * total
        seen = 0
        for index, count in enumerate(self.counts):
            if count and seen + count >= wanted:
                low, high = _edges(index)
                return low + (high - low) * (wanted - seen) / count
            seen += count
        return LONGEST_HOURS  # pragma: no cover - q <= 1 always lands in a bucket

    def survival(self, hours: float) -> float | None:
        """The share of these grievances not yet resolved `hours` after filing; None if empty."""
        total = self.total
        if total == 0:
            return None
        done = 0.0
        for index, count in enumerate(self.counts):
            low, high = _edges(index)
            if hours >= high:
                done += count
            elif hours > low:
                done += count * (hours - low) / (high - low)
        return max(0.0, 1.0 - done / total)


def _edges(index: int) -> tuple[float, float]:
    low = 0.0 if index == 0 else float(BOUNDS[index - 1])
    high = float(BOUNDS[index]) if index < len(BOUNDS) else LONGEST_HOURS
    return low, high
