"""Surges and underserved districts: which district × category is filing far more grievances
than it usually does, and which district files far fewer per head than the rest of the state.

Pure: the caller reads the daily counts from the aggregates and passes them in; nothing here
does I/O or reads the clock.

**The surge test.** Grievances in one district × category arrive independently of one another
at some daily rate, so the number filed over a few days is Poisson: its variance equals its mean,
and one number (the rate) says how surprising a count is. Each cell is compared with *its own*
usual rate, not the state's: the rate λ is the mean daily count over the 28 days before the
recent window, and the recent window is the last 3 days. A cell is a surge when

    P(X ≥ recent | X ~ Poisson(3·λ)) < 0.001   and   recent ≥ 10,

that is, when a steady cell would file that many or more in 3 days less than once in a thousand
tries, and at least 10 grievances were filed (on fewer, nobody needs an alert, whatever the odds).

- **False alarms.** p < 0.001 means a cell whose rate has not changed would file this many in
  3 days less than once in a thousand. λ is itself estimated from 28 days, and its noise about
  doubles that: on simulated steady cells filing 3 to 100 a day, 1.6 to 2.2 days in 1,000 were
  flagged. So a schedule watching N busy cells raises about N / 500 false alarms a day (30
  districts × 20 categories = 600 cells → about one a day if every cell were busy), and far
  fewer in practice because quiet cells never reach 10 grievances in 3 days (a cell filing 0.5
  a day does so about 4 times in a million).
- **Real grievances are burstier than Poisson** (a weekday rhythm, a holiday, a news story, a
  cyclone), so real false alarms run above the nominal rate; every flagged cell is a prompt to
  look, not a verdict. A surge stays in the recent window for 3 daily runs, so the caller should
  notify once per cell and episode, not once a day.
- **The floor.** λ is never taken below one grievance per baseline window (1/28 a day), as if
  one had been filed in it: a cell with an empty baseline gets a finite expectation and ratio
  (0.107 in 3 days) instead of "infinitely" surging on its first two grievances; with the floor,
  10 grievances in 3 days where there were none in 4 weeks is still a surge, as it should be.
- **Too little history.** A series shorter than 3 + 7 days (a week of baseline) is not judged;
  between one and four weeks of baseline, λ is the mean of the days there are.
- **Complete days.** The last count is the most recent *complete* day: a partial today would
  only hide a surge (the recent sum runs low), never raise a false one.

**The underserved test.** Over one window (a month, a quarter), the rest of the state files
some number of grievances per head; a district's expected count is that rate times its
population. The district is possibly underserved when

    P(X ≤ filed | X ~ Poisson(expected)) < 0.001   and   filed ≤ 0.5 · expected,

it files at most half its share, and the shortfall is too large to be chance. Its own grievances
are left out of the yardstick so a big, quiet district cannot drag the state rate down to itself.
The second condition is there because districts really do differ (towns file more than villages):
on a big district the Poisson test alone would flag a shortfall of a few per cent, which is no
sign of anyone being left out. Districts expecting fewer than 20 grievances are not judged (too
few to tell a quiet month from a neglected district), nor are those with no population on record.

The Poisson tails are computed exactly, not by a normal approximation: the tail away from the
mean is summed term by term from its first term (whose logarithm comes from `math.lgamma`, so a
mean of 5,000 neither overflows nor underflows), and the other tail is one minus it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MIN_BASELINE_DAYS = 7
# A term this small next to the running sum no longer changes a float.
_NEGLIGIBLE = 1e-17


@dataclass(frozen=True)
class Surge:
    """A district × category filing far above its own usual daily rate."""

    district: str
    category: str
    recent: int  # grievances filed in the recent window
    expected: float  # what the baseline rate predicts for that window
    p_value: float  # chance of `recent` or more under the baseline rate
    ratio: float  # recent / expected


@dataclass(frozen=True)
class Underserved:
    """A district filing unusually few grievances per head."""

    district: str
    filed: int
    population: int
    per_100k: float  # the district's grievances per 100,000 people
    state_per_100k: float  # the rest of the state's, the yardstick
    expected: float  # what the rest of the state's rate predicts for this district
    p_value: float  # chance of `filed` or fewer at that rate


# --- Poisson tails -----------------------------------------------------------------------------


def poisson_upper_tail(k: int, mean: float) -> float:
    """P(X ≥ k) for X ~ Poisson(mean), exact but for rounding (~1e-11 at a mean of 5,000)."""
    _check_mean(mean)
    if k <= 0:
        return 1.0
    if mean == 0:
        return 0.0
    if k > mean:
        return math.exp(_log_upper_from(k, mean))
    return max(0.0, 1.0 - math.exp(_log_lower_from(k - 1, mean)))


def poisson_lower_tail(k: int, mean: float) -> float:
    """P(X ≤ k) for X ~ Poisson(mean), exact but for rounding (~1e-11 at a mean of 5,000)."""
    _check_mean(mean)
    if k < 0:
        return 0.0
    if mean == 0:
        return 1.0
    if k < mean:
        return math.exp(_log_lower_from(k, mean))
    return max(0.0, 1.0 - math.exp(_log_upper_from(k + 1, mean)))


def _check_mean(mean: float) -> None:
    if not (math.isfinite(mean) and mean >= 0):
        raise ValueError(f"a Poisson mean is finite and not negative, not {mean!r}")


def _log_pmf(k: int, mean: float) -> float:
    return k * math.log(mean) - mean - math.lgamma(k + 1)


def _log_upper_from(k: int, mean: float) -> float:
    """log P(X ≥ k) for k > mean: the terms fall from the first, each mean/j of the one before."""
    total = term = 1.0
    j = k
    while term > total * _NEGLIGIBLE:
        j += 1
        term *= mean / j
        total += term
    return _log_pmf(k, mean) + math.log(total)


def _log_lower_from(k: int, mean: float) -> float:
    """log P(X ≤ k) for k < mean: the terms fall from the last, each j/mean of the one after."""
    total = term = 1.0
    j = k
    while j > 0 and term > total * _NEGLIGIBLE:
        term *= j / mean
        total += term
        j -= 1
    return _log_pmf(k, mean) + math.log(total)


# --- surges --------------------------------------------------------------------------------------


def find_surges(
    history: Mapping[tuple[str, str], Sequence[int]],
    *,
    recent_days: int = 3,
    baseline_days: int = 28,
    threshold: float = 1e-3,
    min_recent: int = 10,
) -> list[Surge]:
    """The district × category cells whose last `recent_days` are a surge on their own baseline.

    `history[(district, category)]` is that cell's daily count of grievances filed, oldest first;
    the last element is the most recent *complete* day (pass yesterday, not a partial today).
    The baseline is the `baseline_days` before the recent window (fewer if the series is
    shorter); a series shorter than `recent_days + 7` is not judged. The test, its floor and its
    minimum are the module's: P(X ≥ recent | Poisson(λ·recent_days)) < `threshold` with λ at
    least one grievance per baseline window, and recent ≥ `min_recent`.

    Sorted by p-value, most surprising first, then by ratio, largest first.
    """
    if recent_days < 1:
        raise ValueError("the recent window is at least a day")
    if baseline_days < MIN_BASELINE_DAYS:
        raise ValueError(f"the baseline is at least {MIN_BASELINE_DAYS} days")
    if not 0 < threshold < 1:
        raise ValueError("the threshold is a probability between 0 and 1")
    surges: list[Surge] = []
    for (district, category), counts in history.items():
        surge = _judge_cell(
            district, category, counts, recent_days=recent_days, baseline_days=baseline_days, min_recent=min_recent
        )
        if surge is not None and surge.p_value < threshold:
            surges.append(surge)
    surges.sort(key=lambda s: (s.p_value, -s.ratio, s.district, s.category))
    return surges


def _judge_cell(
    district: str, category: str, counts: Sequence[int], *, recent_days: int, baseline_days: int, min_recent: int
) -> Surge | None:
    """The cell's recent window against its baseline, or None when it cannot be a surge."""
    if len(counts) < recent_days + MIN_BASELINE_DAYS:
        return None
    if any(count < 0 for count in counts):
        raise ValueError(f"daily counts are not negative: {district} × {category}")
    recent = sum(counts[-recent_days:])
    if recent < min_recent:
        return None
    baseline = counts[-(recent_days + baseline_days) : -recent_days]
    # The floor: an empty baseline counts as one grievance, so the expectation is never zero.
    rate = max(sum(baseline), 1) / len(baseline)
    expected = rate * recent_days
    return Surge(
        district=district,
        category=category,
        recent=recent,
        expected=expected,
        p_value=poisson_upper_tail(recent, expected),
        ratio=recent / expected,
    )


# --- underserved districts -----------------------------------------------------------------------


def find_underserved(
    filed: Mapping[str, int],
    population: Mapping[str, int],
    *,
    threshold: float = 1e-3,
    min_expected: float = 20.0,
    max_ratio: float = 0.5,
) -> list[Underserved]:
    """The districts filing unusually few grievances per head over one window.

    `filed[district]` counts the window's grievances (a district absent from it filed none);
    `population[district]` is its headcount. A district with no (or no positive) population is
    skipped and left out of the state's rate too. Each district's expected count is the rest of
    the state's rate per head times its population; it is flagged when
    P(X ≤ filed | Poisson(expected)) < `threshold` and filed ≤ `max_ratio` × expected. Districts
    expecting fewer than `min_expected` are not judged.

    Sorted by p-value, most surprising first.
    """
    if not 0 < threshold < 1:
        raise ValueError("the threshold is a probability between 0 and 1")
    if any(count < 0 for count in filed.values()):
        raise ValueError("grievance counts are not negative")
    counted = {district: people for district, people in population.items() if people > 0}
    state_filed = sum(filed.get(district, 0) for district in counted)
    state_people = sum(counted.values())
    flagged: list[Underserved] = []
    for district, people in counted.items():
        own = filed.get(district, 0)
        rest_people = state_people - people
        if rest_people <= 0:
            continue
        rest_rate = (state_filed - own) / rest_people
        expected = rest_rate * people
        if expected < min_expected or own > max_ratio * expected:
            continue
        p_value = poisson_lower_tail(own, expected)
        if p_value < threshold:
            flagged.append(
                Underserved(
                    district=district,
                    filed=own,
                    population=people,
                    per_100k=own / people * 100_000,
                    state_per_100k=rest_rate * 100_000,
                    expected=expected,
                    p_value=p_value,
                )
            )
    flagged.sort(key=lambda u: (u.p_value, u.district))
    return flagged
