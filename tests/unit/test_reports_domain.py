"""The report tables read off counter rows: the period asked for, the derived figures, the
department, district and officer tables, and the public row's suppression of small cells.
The last tests feed the tables with what real grievance moves tallied, sharded and spread
over days as the store keeps them, and compare with a recount of the grievances."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain import grievance as lifecycle
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.grievance import Grievance, Status
from chalicelib.domain.identity import Principal, Role
from chalicelib.domain.reports import (
    MAX_RANGE_DAYS,
    PUBLIC_MINIMUM,
    Period,
    department_table,
    district_table,
    figures,
    officer_table,
    period_of,
    public_row,
    whole_months,
)
from chalicelib.domain.resolution_times import NAMES, Histogram
from chalicelib.domain.tallies import SHARDS, Gauge, Tally, View, shard_of, tally_of
from tests.unit.cases import CLOCK, OFFICER, START, filed, route

TODAY = date(2026, 3, 31)
ZONE = ZoneInfo("Asia/Kolkata")
HOUR = timedelta(hours=1)


# --- the period --------------------------------------------------------------------------------


def test_the_period_defaults_to_the_last_thirty_days_to_today():
    assert period_of(None, None, TODAY) == Period(date(2026, 3, 2), TODAY)
    assert period_of(None, None, TODAY).days == 30
    assert period_of(None, None, TODAY, default_days=90).days == 90
    assert period_of("", "", TODAY) == period_of(None, None, TODAY)


def test_a_period_with_one_end_given():
    assert period_of(None, "2026-02-28", TODAY) == Period(date(2026, 1, 30), date(2026, 2, 28))
    assert period_of("2026-03-20", None, TODAY) == Period(date(2026, 3, 20), TODAY)


def test_a_period_of_one_day_and_of_the_longest_range():
    assert period_of("2026-03-05", "2026-03-05", TODAY).days == 1
    longest = period_of("2025-03-31", "2026-03-31", TODAY)
    assert longest.days == MAX_RANGE_DAYS == 366


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-13-01", None, "from"),
        ("yesterday", "2026-03-01", "from"),
        ("2026-02-30", None, "from"),
        (None, "2026-02-30", "to"),
        ("2026-03-01", "31/03/2026", "to"),
    ],
)
def test_a_date_that_is_not_one_names_its_field(first, last, field):
    with pytest.raises(InvalidInput) as invalid:
        period_of(first, last, TODAY)
    assert invalid.value.field == field


def test_from_after_to_is_refused_on_from():
    with pytest.raises(InvalidInput) as invalid:
        period_of("2026-03-02", "2026-03-01", TODAY)
    assert invalid.value.field == "from"
    with pytest.raises(InvalidInput):
        period_of("2026-04-01", None, TODAY)  # after today, the default end


def test_more_than_the_longest_range_is_refused():
    with pytest.raises(InvalidInput) as invalid:
        period_of("2025-03-30", "2026-03-31", TODAY)  # 367 days
    assert invalid.value.field == "from"


# --- figures ---------------------------------------------------------------------------------


def test_a_row_with_nothing_decided_rated_or_timed_shows_nulls_not_zeros():
    assert figures({"filed": 12, "received": 3}) == {
        "sla_compliance_pct": None,
        "median_hours": None,
        "p90_hours": None,
        "average_rating": None,
    }


def test_figures_read_compliance_rating_and_resolution_times():
    counters = {"on_time": 2, "late": 1, "rated": 3, "rating_sum": 11, "le_24h": 4, "le_48h": 1, "resolved": 5}
    shown = figures(counters)
    assert shown["sla_compliance_pct"] == 66.7
    assert shown["average_rating"] == 3.67
    # Five resolutions: four in (12, 24], one in (24, 48]. The median (2.5 of 5) lies in the first.
    assert shown["median_hours"] == pytest.approx(12 + 12 * 2.5 / 4, abs=0.05)
    assert shown["p90_hours"] == pytest.approx(24 + 24 * 0.5, abs=0.05)


def test_figures_of_only_late_decisions_are_zero_percent_not_null():
    assert figures({"late": 3})["sla_compliance_pct"] == 0.0


# --- the department table ----------------------------------------------------------------------


def test_the_department_table_adds_shards_and_days_and_reads_the_gauges():
    rows = [
        # WATER: two days, the first split over two shards.
        ("WATER", {"received": 3, "resolved": 1, "on_time": 1, "le_4h": 1}),
        ("WATER", {"received": 2, "resolved": 2, "late": 1, "on_time": 1, "le_24h": 2, "escalated_1": 1}),
        ("WATER", {"rejected": 1, "late": 1, "escalated_2": 1, "transferred_out": 1, "rated": 2, "rating_sum": 7}),
        ("ROADS", {"received": 5, "reopened": 1, "appealed": 1, "escalated_3": 2}),
        ("HEALTH", {"received": 100}),  # not asked for
    ]
    gauges = {"WATER": {Gauge.OPEN: 4, Gauge.OVERDUE: 1}, "ROADS": {Gauge.OPEN: -2, Gauge.OVERDUE: -1}}
    water, roads, power = department_table(rows, gauges, ["WATER", "ROADS", "ELECTRICITY"])

    assert water["department"] == "WATER"
    assert (water["open"], water["overdue"]) == (4, 1)
    assert (water["received"], water["resolved"], water["rejected"]) == (5, 3, 1)
    assert (water["on_time"], water["late"], water["transferred_out"]) == (2, 2, 1)
    assert water["escalated"] == {"1": 1, "2": 1, "3": 0}
    assert water["ratings"] == 2 and water["average_rating"] == 3.5
    assert water["sla_compliance_pct"] == 50.0
    assert water["resolution_hours"] == {name: {"le_4h": 1, "le_24h": 2}.get(name, 0) for name in NAMES}
    assert water["median_hours"] == pytest.approx(Histogram.of([3, 20, 20]).quantile(0.5), abs=0.05)

    # A gauge below zero is shown as it is: a drift is seen, not hidden.
    assert (roads["open"], roads["overdue"]) == (-2, -1)
    assert (roads["received"], roads["reopened"], roads["appealed"]) == (5, 1, 1)
    assert roads["escalated"] == {"1": 0, "2": 0, "3": 2}
    assert roads["sla_compliance_pct"] is None and roads["median_hours"] is None

    # A department with no rows and no gauges: zeros and nulls, still listed.
    assert power["department"] == "ELECTRICITY" and power["open"] == 0 and power["received"] == 0
    assert power["average_rating"] is None and set(power["resolution_hours"].values()) == {0}


def test_the_department_table_lists_departments_in_the_order_asked():
    table = department_table([], {}, ["ROADS", "WATER"])
    assert [row["department"] for row in table] == ["ROADS", "WATER"]


# --- the district table ------------------------------------------------------------------------

D1, D2, D3 = date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)
DISTRICT_ROWS = [
    (D2, "KHORDHA", {"filed": 3, "filed.WATER_NO_SUPPLY": 2, "filed.POTHOLE": 1, "channel_web": 2, "channel_sms": 1}),
    (D1, "KHORDHA", {"filed": 1, "filed.POTHOLE": 1, "channel_web": 1}),
    (D2, "KHORDHA", {"resolved": 2, "resolved.WATER_NO_SUPPLY": 1, "resolved.POTHOLE": 1, "on_time": 1, "late": 1,
                     "le_8h": 1, "le_72h": 1}),
    (D3, "KHORDHA", {"rejected": 1, "rejected.POTHOLE": 1, "late": 1, "rated": 1, "rating_sum": 5, "rating_5": 1}),
    (D1, "CUTTACK", {"filed": 2, "filed.POWER_CUT": 2, "channel_ivrs": 2}),
    (D1, "PURI", {"filed": 9, "filed.WATER_NO_SUPPLY": 9}),  # not asked for
]  # fmt: skip


def test_the_district_table_for_the_state_cell_has_totals_categories_series_and_figures():
    khordha, cuttack, ganjam = district_table(DISTRICT_ROWS, ["KHORDHA", "CUTTACK", "GANJAM"], None)

    assert (khordha["filed"], khordha["resolved"], khordha["rejected"]) == (4, 2, 1)
    assert khordha["by_category"] == {
        "POTHOLE": {"filed": 2, "resolved": 1, "rejected": 1},
        "WATER_NO_SUPPLY": {"filed": 2, "resolved": 1, "rejected": 0},
    }
    assert khordha["series"] == [
        {"day": "2026-03-01", "filed": 1, "resolved": 0},
        {"day": "2026-03-02", "filed": 3, "resolved": 2},
        {"day": "2026-03-03", "filed": 0, "resolved": 0},
    ]
    assert (khordha["on_time"], khordha["late"], khordha["ratings"]) == (1, 2, 1)
    assert khordha["channels"] == {"sms": 1, "web": 3}
    assert khordha["sla_compliance_pct"] == 33.3 and khordha["average_rating"] == 5.0
    assert khordha["median_hours"] is not None and 4 < khordha["median_hours"] <= 8

    assert cuttack["filed"] == 2 and cuttack["by_category"] == {"POWER_CUT": {"filed": 2, "resolved": 0, "rejected": 0}}
    assert cuttack["channels"] == {"ivrs": 2}
    assert ganjam["filed"] == 0 and ganjam["series"] == [] and ganjam["by_category"] == {}


def test_a_department_heads_district_table_counts_only_its_categories_and_leaves_out_district_figures():
    # Given ROADS's head, whose categories are POTHOLE (and one nobody filed)
    (khordha, cuttack) = district_table(DISTRICT_ROWS, ["KHORDHA", "CUTTACK"], ["POTHOLE", "STREETLIGHT"])
    # Then only potholes are counted
    assert (khordha["filed"], khordha["resolved"], khordha["rejected"]) == (2, 1, 1)
    assert khordha["by_category"] == {"POTHOLE": {"filed": 2, "resolved": 1, "rejected": 1}}
    assert khordha["series"] == [
        {"day": "2026-03-01", "filed": 1, "resolved": 0},
        {"day": "2026-03-02", "filed": 1, "resolved": 1},
        {"day": "2026-03-03", "filed": 0, "resolved": 0},
    ]
    assert cuttack["filed"] == 0 and cuttack["by_category"] == {}
    # And nothing district-wide (other departments' timeliness, ratings, channels) leaks out
    district_wide = {"on_time", "late", "ratings", "channels", "sla_compliance_pct", "median_hours", "p90_hours",
                     "average_rating"}  # fmt: skip
    for row in (khordha, cuttack):
        assert not district_wide & set(row)
        assert set(row) == {"district", "filed", "resolved", "rejected", "by_category", "series"}


# --- the officer table -------------------------------------------------------------------------


def test_the_officer_table_adds_each_officers_decisions_and_ranks_by_load():
    rows = [
        ("off-1", {"resolved": 2, "on_time": 2}),
        ("off-1", {"resolved": 1, "rejected": 1, "late": 2}),
        ("off-2", {"resolved": 1, "on_time": 1}),
        ("off-9", {"resolved": 50, "on_time": 50}),  # not on this team
    ]
    team = {"off-1": "Asha", "off-2": "Bikash", "off-3": "Chitra", "sup-1": "Dipak"}
    table = officer_table(rows, {"off-1": 3, "off-3": 3, "sup-1": 1}, team)
    assert [row["officer_id"] for row in table] == ["off-1", "off-3", "sup-1", "off-2"]  # load, then id
    asha, chitra, dipak, bikash = table
    assert asha == {
        "officer_id": "off-1",
        "name": "Asha",
        "open_load": 3,
        "resolved": 3,
        "rejected": 1,
        "on_time": 2,
        "late": 2,
        "on_time_pct": 50.0,
    }
    assert chitra["resolved"] == 0 and chitra["on_time_pct"] is None
    assert bikash["open_load"] == 0 and bikash["on_time_pct"] == 100.0
    assert dipak["name"] == "Dipak"


# --- the public row ------------------------------------------------------------------------------

PUBLIC_COUNTERS = {"resolved": 12, "on_time": 9, "late": 3, "le_24h": 6, "le_48h": 6, "rated": 10, "rating_sum": 35}
FIGURES = ("filed", "resolved", "on_time_pct", "median_days", "average_rating")


@pytest.mark.parametrize("filed_count", [0, 1, PUBLIC_MINIMUM - 1])
def test_a_public_cell_under_ten_grievances_shows_no_figures(filed_count):
    row = public_row("WATER", "Water Supply", PUBLIC_COUNTERS, filed_count)
    assert row["suppressed"] is True
    assert (row["code"], row["name"]) == ("WATER", "Water Supply")
    assert all(row[name] is None for name in FIGURES)


def test_a_public_cell_of_ten_grievances_is_shown():
    row = public_row("WATER", "Water Supply", PUBLIC_COUNTERS, PUBLIC_MINIMUM)
    assert PUBLIC_MINIMUM == 10
    assert row["suppressed"] is False
    assert (row["filed"], row["resolved"], row["on_time_pct"], row["average_rating"]) == (10, 12, 75.0, 3.5)
    # Median: 6 of 12 in (12, 24], so 24 h: one day.
    assert row["median_days"] == 1.0


@pytest.mark.parametrize(
    ("short", "figure"),
    [({"on_time": 6, "late": 3}, "on_time_pct"), ({"rated": 9}, "average_rating"), ({"le_48h": 3}, "median_days")],
)
def test_each_public_figure_needs_ten_grievances_behind_it(short, figure):
    """Nine ratings would let a citizen's own rating be worked out: each figure is withheld
    on its own denominator, the others still shown."""
    row = public_row("WATER", "Water Supply", {**PUBLIC_COUNTERS, **short}, 40)
    assert row["suppressed"] is False and row[figure] is None
    assert all(row[name] is not None for name in FIGURES if name != figure)


def test_the_public_period_is_whole_months_before_this_one():
    assert whole_months(1, date(2026, 12, 3)) == Period(date(2026, 11, 1), date(2026, 11, 30))
    assert whole_months(3, date(2026, 3, 1)) == Period(date(2025, 12, 1), date(2026, 2, 28))
    assert whole_months(12, date(2026, 1, 31)).days == 365


def test_a_shown_public_cell_with_nothing_resolved_has_null_figures():
    row = public_row("ROADS", "Roads", {}, 25)
    assert row["suppressed"] is False and row["filed"] == 25 and row["resolved"] == 0
    assert row["on_time_pct"] is None and row["median_days"] is None and row["average_rating"] is None


# --- from real moves to the tables ---------------------------------------------------------------

ADMIN = Principal("admin-1", Role.STATE_ADMIN)
SUPERVISOR = Principal("sup-1", Role.SUPERVISOR, department="WATER", district="KHORDHA")
ROADS_OFFICER = Principal("off-r", Role.OFFICER, department="ROADS", district="KHORDHA")


def worked_grievances() -> tuple[list[Grievance], list[Tally]]:
    """Twelve grievances filed over three days and moved by the domain's functions; every
    event tallied with the grievance its move left."""
    kept: list[Grievance] = []
    counted: list[Tally] = []

    def apply(change: lifecycle.Change, seq: list[int]) -> Grievance:
        for event in change.events:
            seq[0] += 1
            counted.append(tally_of(change.grievance, event, seq[0], ZONE))
        return change.grievance

    for n in range(12):
        filed_at = START + timedelta(hours=20 * n)
        seq = [0]
        g = apply(lifecycle.file(filed(tracking_id=f"OD-260302-{n:06d}", filed_at=filed_at), ADMIN), seq)
        if n == 11:
            g = apply(lifecycle.reject(g, ADMIN, "Not a grievance.", filed_at + HOUR), seq)
            kept.append(g)
            continue
        g = apply(route(g, now=filed_at), seq)
        g = apply(lifecycle.accept(g, OFFICER, filed_at + HOUR), seq)
        if n % 4 == 0:
            g = apply(lifecycle.resolve(g, OFFICER, "Fixed.", CLOCK, filed_at + 3 * HOUR), seq)
            g = apply(lifecycle.give_feedback(g, Principal(g.citizen_id, Role.CITIZEN), 1 + n % 5, None, filed_at), seq)
        elif n % 4 == 1:
            g = apply(lifecycle.escalate(g, "sup-1", CLOCK, g.due_at), seq)
            g = apply(lifecycle.escalate(g, "head-1", CLOCK, g.due_at), seq)
        elif n % 4 == 2:
            g = apply(lifecycle.transfer(g, OFFICER, "ROADS", "A road job.", filed_at + 2 * HOUR), seq)
            g = apply(route(g, now=filed_at), seq)
            if n == 2:
                g = apply(lifecycle.reject(g, ROADS_OFFICER, "Duplicate.", filed_at + 4 * HOUR), seq)
        kept.append(g)
    return kept, counted


def stored_rows(counted: list[Tally], view: View) -> list[tuple[date, tuple[str, ...], dict[str, int]]]:
    """The rows as the store keeps them: one item per (view, key, day, shard), counters added."""
    items: dict[tuple[date, tuple[str, ...], int], Counter[str]] = {}
    for tally in counted:
        shard = shard_of(tally.event_id, SHARDS)
        for row in tally.rows:
            if row.view is view:
                items.setdefault((tally.day, row.key, shard), Counter()).update(row.counters)
    return [(day, key, dict(counters)) for (day, key, _), counters in sorted(items.items())]


def test_the_tables_built_from_tallied_moves_match_a_recount_of_the_grievances():
    grievances, counted = worked_grievances()
    gauges: dict[str, dict[Gauge, int]] = {}
    for tally in counted:
        for (department, gauge), by in tally.gauges.items():
            gauges.setdefault(department, {}).setdefault(gauge, 0)
            gauges[department][gauge] += by
    department_rows = [(key[0], counters) for _, key, counters in stored_rows(counted, View.DEPARTMENT)]
    water, roads = department_table(department_rows, gauges, ["WATER", "ROADS"])

    def recount(department: str, **where: object) -> int:
        return sum(
            1
            for g in grievances
            if g.department == department and all(getattr(g, name) == value for name, value in where.items())
        )

    held = (Status.ASSIGNED, Status.IN_PROGRESS, Status.INFO_REQUESTED)
    assert water["open"] == sum(recount("WATER", status=s) for s in held) == 5
    assert roads["open"] == sum(recount("ROADS", status=s) for s in held) == 2
    assert water["overdue"] == recount("WATER", level=2) == 3
    assert water["resolved"] == recount("WATER", status=Status.RESOLVED) + recount("WATER", status=Status.CLOSED) == 3
    assert water["on_time"] == 3 and water["late"] == 0
    assert water["received"] == 11 and water["transferred_out"] == 3
    assert roads["received"] == 3 and roads["rejected"] == 1
    assert water["escalated"] == {"1": 3, "2": 3, "3": 0}
    assert water["ratings"] == 3
    ratings = [g.rating for g in grievances if g.rating is not None]
    assert water["average_rating"] == round(sum(ratings) / len(ratings), 2)

    district_rows = [(day, key[0], counters) for day, key, counters in stored_rows(counted, View.DISTRICT)]
    (khordha,) = district_table(district_rows, ["KHORDHA"], None)
    assert khordha["filed"] == len(grievances) == 12
    assert khordha["rejected"] == 2 and khordha["resolved"] == 3
    assert khordha["channels"] == {"web": 12}
    # Filed every 20 hours from Monday 10:00 local: days by the local calendar, 12 in all.
    assert sum(point["filed"] for point in khordha["series"]) == 12
    filed_days = Counter(g.filed_at.astimezone(ZONE).date().isoformat() for g in grievances)
    assert {point["day"]: point["filed"] for point in khordha["series"] if point["filed"]} == filed_days

    (roads_view,) = district_table(district_rows, ["KHORDHA"], ["POTHOLE"])
    assert roads_view["filed"] == 0  # every grievance here is a water one, even those transferred to ROADS


def test_tallying_a_redelivered_event_again_gives_the_same_id_day_shard_and_rows():
    """The store counts an event id once; that only works if a redelivery, tallied again
    (perhaps elsewhere), names the same id, day, shard and counters."""
    grievances, counted = worked_grievances()
    again = worked_grievances()[1]
    assert [(t.event_id, t.day, t.rows, t.gauges) for t in again] == [
        (t.event_id, t.day, t.rows, t.gauges) for t in counted
    ]
    assert [shard_of(t.event_id, SHARDS) for t in again] == [shard_of(t.event_id, SHARDS) for t in counted]
    assert len({t.event_id for t in counted}) == len(counted)  # and no two events share one
    assert {t.event_id.split("#")[0] for t in counted} == {g.tracking_id for g in grievances}
