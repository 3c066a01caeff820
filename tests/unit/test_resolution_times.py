"""The resolution-time histogram: which bucket an hour count falls in, the counter names the
tallies write and the reports read back, and the median, p90 and survival read off the
buckets (exact in which bucket, linear inside it)."""

from __future__ import annotations

import math
import random
from decimal import Decimal
from itertools import pairwise

import pytest

from chalicelib.domain.resolution_times import BOUNDS, LONGEST_HOURS, NAMES, Histogram, bucket_name, bucket_of

LAST = len(BOUNDS)  # the open-ended bucket


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - repeatable test data, not a secret


def edges(index: int) -> tuple[float, float]:
    """(low, high] of a bucket, as the tests read the bounds (not the module's private helper)."""
    low = 0.0 if index == 0 else float(BOUNDS[index - 1])
    return low, float(BOUNDS[index]) if index < LAST else LONGEST_HOURS


# --- buckets and their names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [
        (-3.0, 0),  # a clock skew never makes a negative bucket
        (0.0, 0),
        (0.5, 0),
        (1.0, 0),  # upper bounds are inclusive
        (1.0001, 1),
        (2.0, 1),
        (23.99, 5),
        (24.0, 5),
        (24.01, 6),
        (720.0, LAST - 1),
        (720.01, LAST),
        (1e6, LAST),
    ],
)
def test_each_duration_counts_in_the_bucket_whose_upper_bound_holds_it(hours, bucket):
    assert bucket_of(hours) == bucket
    low, high = edges(bucket)
    assert bucket == 0 or low < hours
    assert bucket == LAST or max(hours, 0.0) <= high


def test_the_counter_names_follow_the_bounds_and_end_with_the_open_bucket():
    assert len(NAMES) == len(BOUNDS) + 1 == len(set(NAMES))
    assert NAMES[0] == "le_1h" and NAMES[5] == "le_24h" and NAMES[-2] == "le_720h"
    assert NAMES[-1] == "gt_720h"
    assert [bucket_name(i) for i in range(len(NAMES))] == list(NAMES)
    # A name is a DynamoDB attribute and a CSV column: no dots, spaces or signs.
    assert all(name.replace("_", "").isalnum() for name in NAMES)


def test_the_bounds_climb():
    assert all(a < b for a, b in pairwise(BOUNDS))
    assert BOUNDS[-1] < LONGEST_HOURS


# --- building and adding ---------------------------------------------------------------------


def test_a_histogram_counts_each_duration_once_in_its_bucket():
    h = Histogram.of([0.5, 1, 1.5, 24, 25, 5000])
    assert h.total == 6
    assert h.counts[0] == 2 and h.counts[1] == 1 and h.counts[5] == 1 and h.counts[6] == 1
    assert h.counts[LAST] == 1
    assert len(h.counts) == len(NAMES)


def test_histograms_add_as_their_durations_would():
    rng = seeded(7)
    a = [rng.expovariate(1 / 40) for _ in range(200)]
    b = [rng.expovariate(1 / 300) for _ in range(150)]
    assert Histogram.of(a) + Histogram.of(b) == Histogram.of(a + b)
    assert Histogram.of(a) + Histogram.empty() == Histogram.of(a)


def test_histograms_of_other_lengths_do_not_add():
    with pytest.raises(ValueError):
        Histogram.of([1.0]) + Histogram((1, 2))


# --- the counters the tallies write and the reports read -------------------------------------


def test_the_counters_round_trip_through_their_names():
    rng = seeded(3)
    h = Histogram.of([rng.lognormvariate(3, 1.5) for _ in range(500)])
    counters = dict(zip(NAMES, h.counts, strict=True))
    assert Histogram.from_counters(counters) == h


def test_reading_counters_ignores_other_names_takes_missing_as_zero_and_reads_dynamodb_numbers():
    # A report row holds every counter of its view; DynamoDB hands numbers back as Decimal.
    row = {"resolved": 9, "on_time": 4, "le_24h": Decimal(3), "gt_720h": Decimal(1), "filed.WATER": 12}
    h = Histogram.from_counters(row)
    assert h.total == 4
    assert h.counts[NAMES.index("le_24h")] == 3 and h.counts[LAST] == 1
    assert all(isinstance(count, int) for count in h.counts)
    assert Histogram.from_counters({}) == Histogram.empty()


@pytest.mark.parametrize("hours", [0.0, 0.9, 1.0, 7.5, 24.0, 100.0, 719.0, 721.0, 9999.0])
def test_one_counted_resolution_reads_back_as_the_same_histogram(hours):
    # What a tally writes for one resolution (`bucket_name(bucket_of(h))`: 1) is what
    # `Histogram.of` would make of that one duration.
    assert Histogram.from_counters({bucket_name(bucket_of(hours)): 1}) == Histogram.of([hours])


# --- quantiles ----------------------------------------------------------------------------


def test_an_empty_histogram_has_no_quantiles_and_no_survival():
    empty = Histogram.empty()
    assert empty.total == 0
    assert empty.quantile(0.5) is None and empty.quantile(0.9) is None
    assert empty.survival(0) is None and empty.survival(24) is None


def test_a_quantile_is_linear_inside_its_bucket():
    # Four resolutions in (12, 24]: the k-th quarter of them is read at 12 + 3k hours.
    h = Histogram.of([13, 15, 20, 23])
    assert h.quantile(0.25) == pytest.approx(15.0)
    assert h.quantile(0.5) == pytest.approx(18.0)
    assert h.quantile(0.75) == pytest.approx(21.0)
    assert h.quantile(1.0) == pytest.approx(24.0)


def test_a_quantile_falls_in_the_bucket_of_the_known_order_statistic():
    # Ten durations in known buckets: (0,1]x2, (2,4]x3, (24,48]x4, (72,120]x1.
    h = Histogram.of([0.5, 0.7, 3, 3, 3.5, 30, 30, 40, 47, 100])
    # The median is the 5th of 10: the last of the three in (2, 4], read at its top.
    assert h.quantile(0.5) == pytest.approx(4.0)
    # 60 %: the 6th, the first of four in (24, 48]: 24 + 24 * 1/4.
    assert h.quantile(0.6) == pytest.approx(30.0)
    # p90: the 9th, the last in (24, 48].
    assert h.quantile(0.9) == pytest.approx(48.0)
    # p95: half way into the single (72, 120] resolution.
    assert h.quantile(0.95) == pytest.approx(96.0)


def test_a_quantile_in_the_open_bucket_stays_within_the_longest_reading():
    h = Histogram.of([1000, 3000, 9000])
    assert BOUNDS[-1] < h.quantile(0.5) <= LONGEST_HOURS
    assert h.quantile(1.0) == pytest.approx(LONGEST_HOURS)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("q", [0.1, 0.5, 0.9, 0.99])
def test_a_quantile_lies_in_the_same_bucket_as_the_true_one(seed, q):
    """Whatever the data, the estimate is exact up to the bucket: it lies in the bucket that
    holds the ceil(q*n)-th smallest duration."""
    rng = seeded(seed)
    data = sorted(rng.lognormvariate(rng.uniform(0, 5), rng.uniform(0.2, 2)) for _ in range(rng.randint(1, 400)))
    true = data[math.ceil(q * len(data)) - 1]
    low, high = edges(bucket_of(true))
    estimate = Histogram.of(data).quantile(q)
    assert estimate is not None and low <= estimate <= high


def test_quantiles_climb_with_q():
    rng = seeded(11)
    h = Histogram.of([rng.expovariate(1 / 60) for _ in range(300)])
    readings = [h.quantile(q / 100) for q in range(1, 101)]
    assert all(a <= b for a, b in pairwise(readings))


# --- survival -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_survival_never_rises_with_time_and_runs_from_one_to_zero(seed):
    rng = seeded(seed)
    h = Histogram.of([rng.lognormvariate(3, 1.5) for _ in range(rng.randint(1, 300))])
    grid = [x / 4 for x in range(0, int(LONGEST_HOURS * 4) + 40, 7)]
    shares = [h.survival(x) for x in grid]
    assert all(s is not None and 0.0 <= s <= 1.0 for s in shares)
    assert all(a >= b for a, b in pairwise(shares))
    assert h.survival(0) == 1.0
    assert h.survival(LONGEST_HOURS) == 0.0 and h.survival(LONGEST_HOURS * 10) == 0.0


def test_survival_is_exact_at_the_bounds_and_linear_inside():
    h = Histogram.of([0.5, 3, 3, 10, 30, 30, 30, 100])
    for bound in BOUNDS:
        still_open = sum(1 for hours in [0.5, 3, 3, 10, 30, 30, 30, 100] if hours > bound) / 8
        assert h.survival(bound) == pytest.approx(still_open)
    # 36 h: four resolutions below 24 h and half of the three in (24, 48] are done, 2.5 of 8 open.
    assert h.survival(36) == pytest.approx(2.5 / 8)
