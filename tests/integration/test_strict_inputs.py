"""Input the fuzz run (bench/fuzz.py) found accepted though the API document calls it invalid:
each is now refused with a 4xx naming what was wrong, and the document says so.

- Open311 reads: an unreadable `start_date`/`end_date`, or a `status` other than open/closed,
  is a 400 in Open311's own error shape, its description starting with the parameter's name.
  Sent empty, each is absent, as the spec makes every empty optional parameter (and the
  document says so with `allowEmptyValue`).
- `Idempotency-Key` sent empty is a 422 naming `Idempotency-Key`, and nothing is filed.
- A holiday in `PUT /calendar` is a day written YYYY-MM-DD and nothing else.
"""

from __future__ import annotations

import json
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from chalicelib.domain import open311
from chalicelib.domain.errors import InvalidInput
from chalicelib.services.idempotency import read_key
from tests.integration.conftest import JSON, bearer
from tests.integration.documents import FIELDS, SERVICE, upload

SPEC = json.loads((Path(__file__).resolve().parents[2] / "chalicelib/openapi.json").read_text("utf-8"))
OPEN311 = "/open311/v2"
WHEN = "2026-12-03T10:00:00Z"


def open311_errors(response: Any, fmt: str) -> list[tuple[int, str]]:
    if fmt == "json":
        return [(e["code"], e["description"]) for e in response.json_body]
    root = ET.fromstring(response.body)  # noqa: S314 (our own answer)
    assert root.tag == "errors"
    return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root.findall("error")]


def read(api: Any, path: str, query: list[tuple[str, str]]) -> Any:
    return api.get(f"{OPEN311}{path}?{urllib.parse.urlencode(query)}")


def parameter(path: str, name: str, method: str = "get") -> dict[str, Any]:
    return next(p for p in SPEC["paths"][path][method]["parameters"] if p["name"] == name)


def valid(schema: dict[str, Any], value: Any) -> bool:
    return Draft202012Validator(schema, format_checker=FormatChecker()).is_valid(value)


# --- F1: Open311 dates ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("resource", ["requests", "servicerequestupdates"])
@pytest.mark.parametrize("name", ["start_date", "end_date"])
@pytest.mark.parametrize(
    "given",
    [
        ["yesterday"],
        ["2026-12-03"],  # a date alone: no zone, so no moment
        ["garbage," + WHEN],  # a date is one value, not a list whose last part counts
        ["garbage", WHEN],  # repeated: every value must read
    ],
    ids=["words", "date alone", "comma list", "repeated with a bad one"],
)
def test_an_unreadable_open311_date_is_a_400_naming_it(api, stack, fmt, resource, name, given):
    # When a client reads with the date given but not readable
    response = read(api, f"/{resource}.{fmt}", [(name, value) for value in given])

    # Then it is told which parameter, in Open311's shape and format
    assert response.status_code == 400, response.body
    ((code, description),) = open311_errors(response, fmt)
    assert code == 400
    assert description.startswith(f"{name}: ")


@pytest.mark.parametrize("resource", ["requests", "servicerequestupdates"])
def test_a_readable_open311_window_is_still_answered(api, stack, resource):
    response = read(api, f"/{resource}.json", [("start_date", "2026-12-01T00:00+05:30"), ("end_date", WHEN)])

    assert response.status_code == 200, response.body
    assert isinstance(response.json_body, list)


@pytest.mark.parametrize("resource", ["requests", "servicerequestupdates"])
def test_an_empty_optional_open311_parameter_is_absent(api, stack, resource):
    # The spec makes an empty optional parameter a missing one, and FixMyStreet sends `api_key=`.
    empty = [(name, "") for name in ("service_code", "api_key", "locale", "start_date", "end_date", "status")]
    response = read(api, f"/{resource}.json", [*empty, ("status", " "), ("end_date", WHEN)])

    assert response.status_code == 200, response.body


# --- F2: Open311 status ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "given",
    [["pending"], ["open,archived"], ["open", "maybe"], ["opened"], ["0"], ["open,"], [",,"]],
    ids=["unknown", "one unknown in a list", "one unknown repeated", "prefix", "a number", "trailing comma", "commas"],
)
def test_a_status_other_than_open_or_closed_is_a_400_naming_status(api, stack, fmt, given):
    response = read(api, f"/requests.{fmt}", [("status", value) for value in given])

    assert response.status_code == 400, response.body
    ((code, description),) = open311_errors(response, fmt)
    assert code == 400
    assert description.startswith("status: ")


@pytest.mark.parametrize(
    "given",
    [["open"], ["closed"], ["OPEN,Closed"], ["open", "closed"], ["closed,open,closed"]],
    ids=["open", "closed", "any case, comma list", "repeated", "repeated in a list"],
)
def test_open_and_closed_in_any_case_and_any_combination_are_read(api, stack, given):
    response = read(api, "/requests.json", [("status", value) for value in given])

    assert response.status_code == 200, response.body
    asked = {part.lower() for value in given for part in value.split(",")}
    assert {row["status"] for row in response.json_body} <= asked


def test_parse_statuses_gives_each_status_once_lowercased():
    assert open311.parse_statuses(["Closed", "OPEN", "closed"]) == ["closed", "open"]
    assert open311.parse_statuses([]) == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("service_request_id", "false"),
        ("service_request_id", "OD-261203-M4HX9P,"),
        ("service_request_id", "od-261203-m4hx9p"),
        ("service_code", "{}"),
        ("service_code", "WATER_NO_SUPPLY,,"),
        ("service_code", "water no supply"),
    ],
)
def test_a_list_filter_part_that_this_api_never_issues_is_a_400_naming_it(api, stack, fmt, name, value):
    response = read(api, f"/requests.{fmt}", [(name, value)])

    assert response.status_code == 400, response.body
    ((code, description),) = open311_errors(response, fmt)
    assert code == 400
    assert description.startswith(f"{name}: ")


def test_list_filters_of_what_this_api_issues_are_read(api, stack):
    response = read(
        api,
        "/requests.json",
        [("service_request_id", "OD-261203-M4HX9P,OD-261203-7KQ3XM"), ("service_code", "WATER_NO_SUPPLY")],
    )

    assert response.status_code == 200, response.body
    assert response.json_body == []  # no such requests, and no error


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_documented_status_and_date_parameters_say_what_the_api_does(fmt):
    status = parameter(f"{OPEN311}/requests.{fmt}", "status")
    assert (status["style"], status["explode"]) == ("form", False)
    # the document's array is what the query's comma list splits into
    for accepted in (["open"], ["OPEN", "Closed"], ["closed", "open"]):
        assert valid(status["schema"], accepted), accepted
    for refused in ([""], ["pending"], ["open", ""], [" open"], ["opened"]):
        assert not valid(status["schema"], refused), refused
    assert status["allowEmptyValue"] is True
    for name, bad in (("service_request_id", "false"), ("service_code", "{}")):
        listed = parameter(f"{OPEN311}/requests.{fmt}", name)
        assert listed["allowEmptyValue"] is True
        assert not valid(listed["schema"], [bad]) and not valid(listed["schema"], [""])
    assert valid(parameter(f"{OPEN311}/requests.{fmt}", "service_code")["schema"], ["WATER_NO_SUPPLY"])
    for path in (f"{OPEN311}/requests.{fmt}", f"{OPEN311}/servicerequestupdates.{fmt}"):
        for name in ("start_date", "end_date"):
            schema = parameter(path, name)["schema"]
            assert valid(schema, WHEN)
            assert not valid(schema, "yesterday") and not valid(schema, "2026-12-03")
            assert parameter(path, name)["allowEmptyValue"] is True


# --- F3: an empty Idempotency-Key -----------------------------------------------------------


@pytest.mark.parametrize("key", ["", "   "], ids=["empty", "blank"])
def test_an_empty_idempotency_key_is_a_422_and_nothing_is_filed(api, citizen, grievance_body, key):
    # Given a citizen with no grievance yet
    asha = citizen()
    headers = {**JSON, **bearer(asha.access_token), "Idempotency-Key": key}

    # When they file with the header present but empty
    response = api.post("/grievances", headers=headers, body=json.dumps(grievance_body()))

    # Then the key is named, and nothing was filed
    assert response.status_code == 422, response.body
    assert response.json_body["error"]["field"] == "Idempotency-Key"
    mine = api.get("/grievances", headers=bearer(asha.access_token))
    assert mine.status_code == 200 and mine.json_body["grievances"] == []


def test_an_empty_idempotency_key_on_an_application_is_a_422_and_nothing_is_applied(api, citizen):
    asha = citizen()
    documents = {slot: upload(api, asha, slot) for slot in ("proof_of_ownership", "identity_proof")}
    body = {"service_code": SERVICE, "fields": FIELDS, "documents": documents}
    headers = {**JSON, **bearer(asha.access_token), "Idempotency-Key": ""}

    response = api.post("/applications", headers=headers, body=json.dumps(body))

    assert response.status_code == 422, response.body
    assert response.json_body["error"]["field"] == "Idempotency-Key"
    mine = api.get("/applications", headers=bearer(asha.access_token))
    assert mine.status_code == 200 and mine.json_body["applications"] == []


def test_a_key_is_read_as_sent_up_to_200_characters():
    assert read_key(None) is None
    assert read_key("b4c8f0e2") == "b4c8f0e2"
    assert read_key(" a ") == " a "
    assert read_key("k" * 300) == "k" * 200
    with pytest.raises(InvalidInput) as refused:
        read_key("")
    assert refused.value.field == "Idempotency-Key"


@pytest.mark.parametrize("path", ["/grievances", "/applications"])
def test_the_documented_idempotency_key_is_at_least_one_character(path):
    schema = parameter(path, "Idempotency-Key", "post")["schema"]
    assert schema["minLength"] == 1
    assert not valid(schema, "") and valid(schema, "b4c8f0e2-6a1d-4e57-9c3b-2f7d8a9e1c04")


# --- F4: holidays are days written YYYY-MM-DD -----------------------------------------------


@pytest.fixture
def calendar_kept(stack) -> Iterator[None]:
    """The shared calendar as it was: what a test stores is put back after it."""
    from chalicelib.models import catalogue
    from chalicelib.services.sla_clock import forget_calendar

    stored = catalogue.get_state_calendar()
    yield
    catalogue.save_state_calendar(stored)
    forget_calendar()


def put_calendar(api: Any, token: str, holidays: list[dict[str, Any]]) -> Any:
    body = {"working_days": ["mon", "tue", "wed", "thu", "fri"], "office_hours": "10:00-17:00", "holidays": holidays}
    return api.put("/calendar", headers={**JSON, **bearer(token)}, body=json.dumps(body))


LENIENT_DAYS = [
    0,
    1769385600,  # unix seconds
    "1769385600",
    1769385600.0,
    "2026-01-26T00:00:00",
    "2026-01-26T00:00:00Z",
    "2026-01-26 00:00",
    "20260126",
    "2026-1-26",
    "2026-W05-1",
    "2026-026",
    " 2026-01-26",
    "२०२६-01-26",  # Devanagari digits
    "2026-02-30",
    True,
    None,
]


@pytest.mark.parametrize("day", LENIENT_DAYS, ids=[repr(day) for day in LENIENT_DAYS])
def test_a_holiday_not_written_yyyy_mm_dd_is_a_422_naming_it(api, admin_token, calendar_kept, day):
    before = api.get("/calendar").json_body

    response = put_calendar(api, admin_token, [{"date": "2027-01-26", "name": "Republic Day"}, {"date": day}])

    assert response.status_code == 422, response.body
    assert response.json_body["error"]["field"] == "holidays.1.date"
    assert api.get("/calendar").json_body == before


def test_a_holiday_written_yyyy_mm_dd_is_kept(api, admin_token, calendar_kept):
    response = put_calendar(api, admin_token, [{"date": "2027-01-26", "name": "Republic Day"}])

    assert response.status_code == 200, response.body
    assert response.json_body["holidays"] == [{"date": "2027-01-26", "name": "Republic Day"}]


def test_the_documented_holiday_date_refuses_what_the_api_refuses():
    schema = SPEC["components"]["schemas"]["CalendarRequest"]["properties"]["holidays"]["items"]
    assert valid(schema, {"date": "2027-01-26"})
    for day in (0, 1769385600, "2026-01-26T00:00:00", "20260126", "2026-02-30", "२०२६-01-26"):
        assert not valid(schema, {"date": day}), day
