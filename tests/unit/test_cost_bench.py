"""The arithmetic of bench/cost.py: DynamoDB item sizes and request units (per KB written,
per 4 KB read, doubled in a transaction, an index entry per changed GSI), 64 KB request
chunks, Lambda GB-seconds, and the states an SLA timer enters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cost import (
    PRICES,
    billable_chunks,
    billed_gb_seconds,
    index_write_units,
    item_bytes,
    number_bytes,
    read_units,
    runs_a_month,
    state_path,
    value_bytes,
    write_units,
)

ASL = Path(__file__).resolve().parents[2] / "chalicelib" / "workflows" / "sla_timer.asl.json"


@pytest.mark.parametrize(
    "number, size",
    [("7", 2), ("12", 2), ("123", 3), ("1000", 2), ("1001", 3), ("0.0100", 2), ("-12345.5", 4), ("0", 2)],
)
def test_a_number_costs_a_byte_per_two_significant_digits_plus_one(number, size):
    assert number_bytes(number) == size


def test_an_item_costs_its_names_and_values():
    # Given an item with a string, a number, a boolean, a list and a map
    item = {
        "id": {"S": "OD-1"},  # 2 + 4
        "v": {"N": "10"},  # 1 + 2
        "ok": {"BOOL": True},  # 2 + 1
        "tags": {"L": [{"S": "ab"}, {"S": "c"}]},  # 4 + 3 + (2 + 1) + (1 + 1)
        "m": {"M": {"k": {"S": "xyz"}}},  # 1 + 3 + (1 + 3 + 1)
    }
    # Then each part is counted as DynamoDB meters it
    assert item_bytes(item) == 6 + 3 + 3 + 12 + 9
    assert value_bytes({"S": "ଅ"}) == 3  # UTF-8 bytes, not characters
    assert value_bytes({"L": []}) == 3 and value_bytes({"M": {}}) == 3
    assert item_bytes(None) == 0


@pytest.mark.parametrize(
    "size, transactional, units",
    [(0, False, 1), (1024, False, 1), (1025, False, 2), (3000, False, 3), (100, True, 2), (1025, True, 4)],
)
def test_a_write_costs_a_unit_per_kilobyte_begun_and_twice_in_a_transaction(size, transactional, units):
    assert write_units(size, transactional=transactional) == units


@pytest.mark.parametrize(
    "size, consistent, transactional, units",
    [
        (0, True, False, 1.0),
        (4096, True, False, 1.0),
        (4097, True, False, 2.0),
        (4097, False, False, 1.0),
        (100, False, False, 0.5),
        (100, True, True, 2.0),
        (9000, True, True, 6.0),
    ],
)
def test_a_read_costs_a_unit_per_4_kb_half_when_eventually_consistent(size, consistent, transactional, units):
    assert read_units(size, consistent=consistent, transactional=transactional) == units


def test_index_writes_follow_the_entry_not_the_table_write():
    keys = ["queue_owner", "queue_due"]
    queued = {"id": {"S": "g1"}, "queue_owner": {"S": "off-1"}, "queue_due": {"S": "2026-12-05"}}
    moved = {**queued, "queue_owner": {"S": "off-2"}}
    commented = {**queued, "note": {"S": "looked"}}
    unqueued = {"id": {"S": "g1"}}
    big = {**queued, "text": {"S": "x" * 2000}}

    assert index_write_units(None, unqueued, keys) == 0  # never in the index
    assert index_write_units(None, queued, keys) == 1  # an entry put
    assert index_write_units(queued, commented, keys) == 1  # its projection changed
    assert index_write_units(queued, dict(queued), keys) == 0  # nothing changed
    assert index_write_units(queued, moved, keys) == 2  # the key changed: removed and put
    assert index_write_units(queued, unqueued, keys) == 1  # removed
    assert index_write_units(None, big, keys) == 2  # an entry of 2 KB


@pytest.mark.parametrize("payload, requests", [(0, 1), (65536, 1), (65537, 2), (256 * 1024, 4)])
def test_sqs_and_sns_bill_a_request_per_64_kb(payload, requests):
    assert billable_chunks(payload) == requests


def test_lambda_gb_seconds_and_monthly_runs():
    assert billed_gb_seconds(1000, 512) == 0.5
    assert billed_gb_seconds(250, 1024) == 0.25
    assert runs_a_month(300) == 8760  # every 5 minutes, 730 hours
    assert runs_a_month(86400) == pytest.approx(30.4, abs=0.05)


def test_prices_scale_per_their_unit():
    assert PRICES["api"].of(1_000_000) == pytest.approx(3.50)
    assert PRICES["sfn"].of(1000) == pytest.approx(PRICES["sfn"].usd)
    assert PRICES["wru"].of(2) == pytest.approx(2 * 0.71 / 10**6)
    assert all(price.basis in ("list", "price list", "assumed") for price in PRICES.values())


@pytest.mark.parametrize(
    "timer_input, entered",
    [
        (
            {"purpose": "sla", "timer_seq": 1},
            ["WhichTimer", "WaitUntilWarning", "SendWarning", "WaitUntilDue", "SendBreach"],
        ),
        ({"purpose": "auto_close", "timer_seq": 2}, ["WhichTimer", "WaitUntilClosing", "SendClosingDue"]),
        (
            {"purpose": "sla"},
            [
                "WhichTimer",
                "PreviousReleaseWaitUntilWarning",
                "PreviousReleaseSendWarning",
                "PreviousReleaseWaitUntilDue",
                "PreviousReleaseSendBreach",
            ],
        ),
    ],
)
def test_the_states_a_timer_enters_follow_its_input(timer_input, entered):
    definition = json.loads(ASL.read_text(encoding="utf-8"))
    assert state_path(definition, timer_input) == entered
