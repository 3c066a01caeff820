"""The catalogue file a state is bootstrapped from: every problem found in one pass, each
named where it is, and a valid file read into the items the catalogue stores."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.catalogue import Category, District
from chalicelib.domain.catalogue_file import (
    ITEM_KEYS,
    CatalogueInvalid,
    catalogue_file_problems,
    read_catalogue_file,
)

SEED = Path(__file__).resolve().parents[2] / "infra" / "seed"
PUNJAB = json.loads((SEED / "punjab.json").read_text(encoding="utf-8"))
PUNJAB_STAGE = {"state_code": "PB", "languages": ("en", "hi", "pa")}


def problems_of(change: Callable[[dict[str, Any]], object]) -> list[str]:
    document = copy.deepcopy(PUNJAB)
    change(document)
    return [f"{p.field}: {p.message}" for p in catalogue_file_problems(document, **PUNJAB_STAGE)]


def test_the_seed_files_are_valid_for_their_own_states():
    demo = json.loads((SEED / "demo_state.json").read_text(encoding="utf-8"))

    assert catalogue_file_problems(PUNJAB, **PUNJAB_STAGE) == []
    assert catalogue_file_problems(demo, state_code="OD", languages=("en", "hi")) == []


def test_a_valid_file_is_read_into_the_catalogues_items_and_stored_calendar():
    loaded = read_catalogue_file(PUNJAB, **PUNJAB_STAGE)

    assert loaded.districts[3] == District(
        code="LUDHIANA", names={"en": "Ludhiana", "hi": "लुधियाना", "pa": "ਲੁਧਿਆਣਾ"}, population=3498739
    )
    assert isinstance(loaded.categories[0], Category) and loaded.categories[0].escalation_hours == (12, 12, 24)
    assert loaded.services[0].documents[0].slot == "proof_of_ownership"
    assert loaded.calendar["working_days"] == [0, 1, 2, 3, 4]
    assert loaded.calendar["holidays"][:2] == ["2026-01-26", "2026-03-04"]
    assert loaded.calendar["holiday_names"]["2026-11-24"] == "Prakash Purab of Sri Guru Nanak Dev Ji"


def test_holidays_may_be_plain_dates_and_are_kept_sorted():
    document = copy.deepcopy(PUNJAB)
    document["state"]["calendar"]["holidays"] = ["2026-12-25", "2026-01-26"]

    calendar = read_catalogue_file(document, **PUNJAB_STAGE).calendar

    assert (calendar["holidays"], calendar["holiday_names"]) == (["2026-01-26", "2026-12-25"], {})


def test_every_problem_is_named_at_once_and_the_file_is_refused():
    def break_everything(document: dict[str, Any]) -> None:
        document["departments"][2]["code"] = "WATER"
        document["categories"][0]["department"] = "HEALTH"
        document["services"][1]["form"]["additionalProperties"] = True
        document["districts"][1]["population"] = 0

    assert problems_of(break_everything) == [
        "districts[1].population: must be between 1 and 1000000000",
        "departments[2].code: duplicate code WATER",
        "services[1].form: must be an object schema with additionalProperties false.",
        "services[2].department: no department 'LOCAL_GOVT'",  # its department was the one renamed
        "categories[0].department: no department 'HEALTH'",
        "categories[5].department: no department 'LOCAL_GOVT'",
        "categories[6].department: no department 'LOCAL_GOVT'",
        "categories[7].department: no department 'LOCAL_GOVT'",
    ]
    with pytest.raises(CatalogueInvalid) as refused:
        read_catalogue_file({**PUNJAB, "districts": []}, **PUNJAB_STAGE)
    assert refused.value.field == "districts" and len(refused.value.problems) == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(colour="blue"), "colour: unknown key"),
        (lambda d: d.pop("categories"), "categories: is required"),
        (lambda d: d.update(services={}), "services: must be a list"),
        (lambda d: d["state"].update(code="OD"), "state.code: is 'OD', but this stage's state is 'PB'"),
        (
            lambda d: d["state"].update(languages=["en", "or"]),
            "state.languages[1]: 'or' is not a language of this stage (en, hi, pa)",
        ),
        (lambda d: d["state"].update(languages=["hi", "pa"]), "state.languages: must include 'en'"),
        (lambda d: d["state"]["calendar"].pop("day_start"), "state.calendar.day_start: is required"),
        (lambda d: d["state"]["calendar"].update(day_end="08:00"), "state.calendar.day_end: the working day must end"),
        (lambda d: d["state"]["calendar"].update(day_start="9am"), "state.calendar.day_start: must be a time of day"),
        (lambda d: d["state"]["calendar"].update(working_days=[0, 7]), "state.calendar.working_days[1]: must be a"),
        (lambda d: d["state"]["calendar"].update(working_days=[1, 1]), "state.calendar.working_days[1]: duplicate"),
        (
            lambda d: d["state"]["calendar"].update(utc_offset_minutes=900),
            "state.calendar.utc_offset_minutes: must be between -720 and 840",
        ),
        (
            lambda d: d["state"]["calendar"]["holidays"].__setitem__(4, "15-08-2026"),
            "state.calendar.holidays[4]: not a date (YYYY-MM-DD)",
        ),
        (
            lambda d: d["state"]["calendar"]["holidays"].append("2026-08-15"),
            "state.calendar.holidays[11]: duplicate holiday 2026-08-15",
        ),
        (
            lambda d: d["state"]["calendar"]["holidays"].append({"date": "2027-02-30"}),
            "state.calendar.holidays[11]: not a date",
        ),
        (
            lambda d: d["state"]["calendar"]["holidays"].append({"day": "2027-03-22"}),
            "state.calendar.holidays[11].day: unknown key",
        ),
        (lambda d: d["districts"][0].update(code="amritsar"), "districts[0].code: must be capital letters"),
        (lambda d: d["districts"][0].update(population=True), "districts[0].population: must be a whole number"),
        (lambda d: d["districts"][0].update(population=1.5), "districts[0].population: must be a whole number"),
        (lambda d: d["districts"][0]["names"].pop("en"), "districts[0].names.en: every name has an English version"),
        (lambda d: d["districts"][0]["names"].update(en=" "), "districts[0].names.en: must be a non-empty text"),
        (
            lambda d: d["districts"][0]["names"].update(ta="அமிர்தசரஸ்"),
            "districts[0].names.ta: language not in state.languages (en, hi, pa)",
        ),
        (lambda d: d["districts"].append("LUDHIANA"), "districts[6]: must be an object"),
        (lambda d: d["departments"][0].update(head="x"), "departments[0].head: unknown key"),
        (lambda d: d["departments"][0].pop("names"), "departments[0].names: is required"),
        (lambda d: d["services"][0].update(sla_days=0), "services[0].sla_days: must be between 1 and 365"),
        (lambda d: d["services"][0].update(fee_inr=-1), "services[0].fee_inr: must be between 0 and 1000000"),
        (lambda d: d["services"][0].update(revision=3), "services[0].revision: unknown key"),
        (
            lambda d: d["services"][0]["form"]["properties"]["pincode"].update(type="object"),
            "services[0].form.properties.pincode: type must be one of",
        ),
        (lambda d: d["services"][0]["form"].update(required=["nope"]), "services[0].form.required: nope is not a"),
        (lambda d: d["services"][0].update(form="a form"), "services[0].form: must be a JSON Schema object"),
        (
            lambda d: d["services"][0]["documents"][1].update(slot="proof_of_ownership"),
            "services[0].documents[1].slot: duplicate slot proof_of_ownership",
        ),
        (lambda d: d["services"][0]["documents"][0].update(required="yes"), "services[0].documents[0].required:"),
        (lambda d: d["services"][0]["keywords"].update(en="tap"), "services[0].keywords.en: must be a list of words"),
        (lambda d: d["categories"][0].update(sla_hours=0), "categories[0].sla_hours: must be between 1 and 8760"),
        (lambda d: d["categories"][0].update(sla_hours="24"), "categories[0].sla_hours: must be a whole number"),
        (lambda d: d["categories"][0].update(round_the_clock=1), "categories[0].round_the_clock: must be true or"),
        (
            lambda d: d["categories"][0].update(escalation_hours=[4, 4, 4, 4]),
            "categories[0].escalation_hours: must be a list of at most 3 hours",
        ),
        (
            lambda d: d["categories"][0].update(escalation_hours=[4, -1]),
            "categories[0].escalation_hours[1]: must be between 1 and 8760",
        ),
        (
            lambda d: d["categories"][1].update(code="WATER_NO_SUPPLY"),
            "categories[1].code: duplicate code WATER_NO_SUPPLY",
        ),
    ],
)
def test_each_problem_is_named_where_it_is(change, problem):
    found = problems_of(change)

    assert any(p.startswith(problem) for p in found), found


def test_a_file_that_is_not_an_object_is_one_problem():
    assert [f"{p.field}: {p.message}" for p in catalogue_file_problems([], **PUNJAB_STAGE)] == [
        "catalogue: must be an object"
    ]


def test_every_key_a_file_may_give_is_a_field_of_its_item():
    # A key the format documents but the item lacks would be read, checked, then dropped.
    for kind, keys in ITEM_KEYS.items():
        assert set(keys) <= {f.name for f in fields(kind)}, kind.__name__
