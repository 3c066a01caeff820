"""The public catalogue through the real handlers, against the seeded demo state on moto."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DEMO_STATE = json.loads((Path(__file__).resolve().parents[2] / "infra/seed/demo_state.json").read_text("utf-8"))


def error_of(response):
    return response.json_body["error"]


def test_demo_state_has_the_promised_breadth(api, stack):
    departments = api.get("/departments").json_body["departments"]
    services = api.get("/services?limit=100").json_body["services"]
    categories = api.get("/categories").json_body["categories"]
    districts = api.get("/districts").json_body["districts"]

    assert len(departments) >= 6
    assert len(services) >= 20
    assert len(categories) >= 20
    assert len(districts) >= 5
    assert all(c["sla_hours"] > 0 for c in categories)
    assert all({"en", "hi"} <= set(d["names"]) for d in departments + districts + services + categories)


def test_departments_answer_in_the_requested_language_with_english_fallback(api, stack):
    hindi = {d["code"]: d["name"] for d in api.get("/departments?lang=hi").json_body["departments"]}
    odia = {d["code"]: d["name"] for d in api.get("/departments?lang=or").json_body["departments"]}
    punjabi = {d["code"]: d["name"] for d in api.get("/departments?lang=pa").json_body["departments"]}
    expected = {d["code"]: d["names"] for d in DEMO_STATE["departments"]}

    assert hindi == {code: names["hi"] for code, names in expected.items()}
    assert odia == {code: names["or"] for code, names in expected.items()}
    # The demo catalogue has no Punjabi: English is the fallback, never an empty name.
    assert punjabi == {code: names["en"] for code, names in expected.items()}


@pytest.mark.parametrize(
    "query, expected_code",
    [
        ("water connection", "WATER_NEW_CONNECTION"),
        ("WATER connection", "WATER_NEW_CONNECTION"),
        ("जल कनेक्शन", "WATER_NEW_CONNECTION"),
        ("pani", "WATER_NEW_CONNECTION"),
        ("old age pension", "WELFARE_OLD_AGE_PENSION"),
    ],
)
def test_service_search_matches_names_and_keywords_in_every_language(api, stack, query, expected_code):
    response = api.get(f"/services?q={query}")

    assert response.status_code == 200
    assert expected_code in [s["code"] for s in response.json_body["services"]]


def test_service_search_with_no_match_is_an_empty_page(api, stack):
    response = api.get("/services?q=submarine")

    assert response.status_code == 200
    assert response.json_body == {"services": [], "next_cursor": None}


def test_services_of_one_department_are_only_that_department(api, stack):
    services = api.get("/services?department=WATER").json_body["services"]
    expected = sorted(s["code"] for s in DEMO_STATE["services"] if s["department"] == "WATER")

    assert sorted(s["code"] for s in services) == expected


def test_service_pages_cover_the_catalogue_once_in_code_order(api, stack):
    seen, cursor = [], None
    for _ in range(50):
        response = api.get("/services?limit=7" + (f"&cursor={cursor}" if cursor else ""))
        page = response.json_body
        seen.extend(s["code"] for s in page["services"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(s["code"] for s in DEMO_STATE["services"])


def test_service_detail_carries_its_form_documents_and_sla(api, stack):
    expected = next(s for s in DEMO_STATE["services"] if s["code"] == "WATER_NEW_CONNECTION")

    detail = api.get("/services/WATER_NEW_CONNECTION?lang=hi").json_body

    assert detail["name"] == expected["names"]["hi"]
    assert detail["form"] == expected["form"]
    assert detail["sla_days"] == expected["sla_days"]
    assert [d["slot"] for d in detail["documents"]] == [d["slot"] for d in expected["documents"]]


def test_categories_of_a_department_carry_their_sla(api, stack):
    categories = api.get("/categories?department=ELECTRICITY").json_body["categories"]
    expected = {c["code"]: c["sla_hours"] for c in DEMO_STATE["categories"] if c["department"] == "ELECTRICITY"}

    assert {c["code"]: c["sla_hours"] for c in categories} == expected


@pytest.mark.parametrize(
    "path, status, field",
    [
        ("/services/NO_SUCH_SERVICE", 404, "code"),
        ("/services?department=NO_SUCH_DEPARTMENT", 422, "department"),
        ("/categories?department=NO_SUCH_DEPARTMENT", 422, "department"),
        ("/services?department=water;drop", 422, "department"),
        ("/services?limit=0", 422, "limit"),
        ("/services?limit=101", 422, "limit"),
        ("/services?limit=ten", 422, "limit"),
        ("/services?cursor=%3Cscript%3E", 422, "cursor"),
        ("/services?q=" + "x" * 101, 422, "q"),
        ("/departments?lang=english", 422, "lang"),
        ("/districts?lang=1", 422, "lang"),
    ],
)
def test_bad_catalogue_requests_name_the_field(api, stack, path, status, field):
    response = api.get(path)

    assert response.status_code == status
    assert error_of(response)["field"] == field
    assert error_of(response)["code"] in {"not_found", "invalid_input"}
    assert error_of(response)["message"]


def test_the_warm_copy_keeps_the_codes_asked_for_through_a_flood_of_made_up_ones(stack, monkeypatch):
    # Given a warm process that has looked up a real district, and keeps room for 8 codes
    from bench.aws_calls import count_aws_calls
    from chalicelib.models import catalogue

    monkeypatch.setattr(catalogue, "LOOKUPS_KEPT", 8)
    catalogue._forget_lookups()
    assert catalogue.lookup_district("KHORDHA") is not None

    # When made-up codes keep coming, while the real one is still asked for now and then
    with count_aws_calls() as calls:
        for n in range(40):
            assert catalogue.lookup_district(f"MADE_UP_{n}") is None
            if n % 4 == 0:
                assert catalogue.lookup_district("KHORDHA") is not None

    # Then only the made-up codes were read, each once, and the copy stayed within bounds
    assert dict(calls) == {"dynamodb:GetItem": 40}
    assert len(catalogue._looked_up) == 8
