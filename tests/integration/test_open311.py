"""Open311 GeoReport v2, driven over a real socket by a real client from PyPI (`georeport`,
in JSON and XML modes) and by plain HTTP exactly as the spec writes it.

`georeport` only reads (no POST, no servicerequestupdates, and it never sends an api_key:
docs/open311-research.md), so filing and following use `requests` with the spec's own form.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from georeport import GeoReport

from infra import devstack
from tests.integration.conftest import bearer, post, unique_mobile

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


@pytest.fixture(scope="module")
def open311_root(chalice_app) -> Iterator[str]:
    """The app served on a real port, as `make dev` serves it: georeport needs a socket."""
    port = devstack.free_port()
    server = devstack.serve_api(chalice_app, port)
    yield f"http://{devstack.HOST}:{port}/open311/v2"
    server.server.shutdown()


@pytest.fixture
def api_key(api, stack) -> str:
    return api.get("/dev/accounts").json_body["open311_api_keys"]["fixmystreet"]


def listed(value: Any) -> list[Any]:
    """georeport's XML mode gives one element as a dict and several as a list."""
    return value if isinstance(value, list) else [value]


def file_request(root: str, fmt: str, body: str) -> requests.Response:
    return requests.post(f"{root}/requests.{fmt}", data=body.encode(), headers=FORM, timeout=10)


def spec_body(api_key: str, phone: str, **extra: str) -> str:
    """A form line as the spec's example writes one (GeoReport v2, POST Service Request)."""
    fields = {
        "api_key": api_key,
        "service_code": "WATER_NO_SUPPLY",
        "lat": "20.2961",
        "long": "85.8245",
        "address_string": "12+Station+Road",
        "email": "reporter%40example.in",
        "first_name": "john",
        "last_name": "smith",
        "phone": phone.replace("+", "%2B"),
        "description": "No+water+from+the+public+tap+since+Monday+morning",
        "media_url": "http%3A%2F%2Fexample.com%2Fimage.jpg",
        "attribute[district]": "KHORDHA",
        **extra,
    }
    return "&".join(f"{name}={value}" for name, value in fields.items())


def errors_of(response: requests.Response, fmt: str) -> list[tuple[int, str]]:
    if fmt == "json":
        return [(e["code"], e["description"]) for e in response.json()]
    root = ET.fromstring(response.content)  # noqa: S314 (our own answer)
    assert root.tag == "errors"
    return [(int(e.findtext("code") or 0), e.findtext("description") or "") for e in root.findall("error")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_lists_the_services_and_reads_a_definition(open311_root, api, stack, fmt):
    client = GeoReport(open311_root, output_format=fmt)
    categories = {c["code"] for c in api.get("/categories").json_body["categories"]}

    services = listed(client.get_service_list())
    water = next(s for s in services if s["service_code"] == "WATER_NO_SUPPLY")
    definition = client.get_service_definition("WATER_NO_SUPPLY")

    assert {s["service_code"] for s in services} == categories  # every category, and only those
    assert water["service_name"] == "No Water Supply"
    assert str(water["metadata"]).lower() == "true"
    attributes = listed(definition["attributes"]["attribute"] if fmt == "xml" else definition["attributes"])
    district = next(a for a in attributes if a["code"] == "district")
    values = listed(district["values"]["value"] if fmt == "xml" else district["values"])
    assert "KHORDHA" in {v["key"] for v in values}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_request_filed_as_the_spec_writes_it_reaches_an_officers_queue(
    open311_root, api_key, api, consume, assignee_token, admin_token, fmt
):
    filed = file_request(open311_root, fmt, spec_body(api_key, unique_mobile()))

    assert filed.status_code == 200, filed.text
    if fmt == "json":
        (answer,) = filed.json()
        tracking_id = answer["service_request_id"]
    else:
        assert filed.headers["Content-Type"].startswith("text/xml")
        tracking_id = ET.fromstring(filed.content).findtext("request/service_request_id")  # noqa: S314
    assert tracking_id

    consume("route_grievances")
    officer = assignee_token(tracking_id)
    queue = api.get("/officer/grievances?limit=100", headers=bearer(officer)).json_body["grievances"]
    assert tracking_id in [g["tracking_id"] for g in queue]
    seen = api.get(f"/grievances/{tracking_id}", headers=bearer(admin_token)).json_body
    assert (seen["channel"], seen["category"], seen["location"]["district"]) == ("portal", "WATER_NO_SUPPLY", "KHORDHA")

    client = GeoReport(open311_root, output_format=fmt)
    request = client.get_service_request(tracking_id)
    request = listed(request)[0]
    assert (request["service_request_id"], request["status"]) == (tracking_id, "open")
    assert request["service_code"] == "WATER_NO_SUPPLY"
    assert request["agency_responsible"]


def test_a_client_follows_the_status_through_servicerequestupdates(open311_root, api_key, api, consume, assignee_token):
    start = datetime.now(UTC) - timedelta(seconds=5)
    tracking_id = file_request(open311_root, "json", spec_body(api_key, unique_mobile())).json()[0][
        "service_request_id"
    ]
    consume("route_grievances")
    officer = assignee_token(tracking_id)
    resolved = post(
        api, f"/grievances/{tracking_id}/actions", {"action": "resolve", "note": "Valve reopened."}, officer
    )
    assert resolved.status_code == 200, resolved.body
    consume("fan_out_events")  # the update rows are written by the reactions the request handed over
    end = datetime.now(UTC) + timedelta(seconds=5)

    window = {"start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "end_date": end.strftime("%Y-%m-%dT%H:%M:%SZ")}
    as_xml = requests.get(f"{open311_root}/servicerequestupdates.xml", params={**window, "api_key": ""}, timeout=10)
    as_json = requests.get(f"{open311_root}/servicerequestupdates.json", params=window, timeout=10)

    assert as_xml.status_code == 200, as_xml.text
    updates = ET.fromstring(as_xml.content).findall("request_update")  # noqa: S314
    mine = [u for u in updates if u.findtext("service_request_id") == tracking_id]
    assert [u.findtext("status") for u in mine] == ["open", "open", "closed"]
    assert mine[-1].findtext("description") == "Resolved."
    assert "Valve" not in as_xml.text  # an officer's note is never public
    assert len({u.findtext("update_id") for u in mine}) == 3
    ours = [u for u in as_json.json() if u["service_request_id"] == tracking_id]
    assert [u["status"] for u in ours] == ["open", "open", "closed"]

    client = GeoReport(open311_root, output_format="xml")
    assert listed(client.get_service_request(tracking_id))[0]["status"] == "closed"


def test_requests_are_listed_by_id_service_and_status_and_only_those_filed_through_open311(
    open311_root, api_key, citizen, file_grievance
):
    first = file_request(open311_root, "json", spec_body(api_key, unique_mobile())).json()[0]["service_request_id"]
    second = file_request(
        open311_root, "json", spec_body(api_key, unique_mobile(), service_code="ROADS_POTHOLE")
    ).json()[0]["service_request_id"]
    web = file_grievance(citizen()).json_body["tracking_id"]
    client = GeoReport(open311_root, output_format="json")

    by_id = client.get_service_requests(service_request_id=f"{first},{second},{web}")
    water = client.get_service_requests(service_code="WATER_NO_SUPPLY", status="open")
    recent = listed(GeoReport(open311_root, output_format="xml").get_service_requests())

    assert [r["service_request_id"] for r in by_id] == [first, second]
    assert first in {r["service_request_id"] for r in water}
    assert second not in {r["service_request_id"] for r in water}
    assert {first, second} <= {r["service_request_id"] for r in recent}
    assert web not in {r["service_request_id"] for r in recent}
    assert requests.get(f"{open311_root}/requests/{web}.json", timeout=10).status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    "case, status",
    [
        ("no api_key", 400),
        ("wrong api_key", 403),
        ("unknown service", 404),
        ("no district", 400),
        ("no location", 400),
        ("no phone or email", 400),
        ("as JSON", 400),
    ],
)
def test_a_bad_post_is_answered_in_open311s_error_shape_and_files_nothing(open311_root, api_key, fmt, case, status):
    phone = unique_mobile()
    body = spec_body(api_key, phone)
    headers = FORM
    if case == "no api_key":
        body = body.replace(f"api_key={api_key}", "api_key=")
    elif case == "wrong api_key":
        body = body.replace(f"api_key={api_key}", "api_key=guess")
    elif case == "unknown service":
        body = body.replace("service_code=WATER_NO_SUPPLY", "service_code=NOPE")
    elif case == "no district":
        body = body.replace("attribute[district]=KHORDHA", "attribute[ward]=4")
    elif case == "no location":
        body = "&".join(p for p in body.split("&") if not p.startswith(("lat=", "long=", "address_string=")))
    elif case == "no phone or email":
        body = "&".join(p for p in body.split("&") if not p.startswith(("phone=", "email=")))
    elif case == "as JSON":
        headers = {"Content-Type": "application/json"}
        body = '{"api_key": "x"}'

    response = requests.post(f"{open311_root}/requests.{fmt}", data=body.encode(), headers=headers, timeout=10)

    assert response.status_code == status, response.text
    ((code, description),) = errors_of(response, fmt)
    assert code == status and description


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_reads_are_answered_in_open311s_error_shape(open311_root, stack, fmt):
    too_wide = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    answers = {
        "window": requests.get(f"{open311_root}/requests.{fmt}", params=too_wide, timeout=10),
        "date": requests.get(f"{open311_root}/requests.{fmt}", params={"start_date": "yesterday"}, timeout=10),
        "unknown": requests.get(f"{open311_root}/requests/OD-000000-AAAAAA.{fmt}", timeout=10),
        "service": requests.get(f"{open311_root}/services/NOPE.{fmt}", timeout=10),
    }

    assert {name: r.status_code for name, r in answers.items()} == {
        "window": 400,
        "date": 400,
        "unknown": 404,
        "service": 404,
    }
    for response in answers.values():
        assert errors_of(response, fmt)
    assert requests.get(f"{open311_root}/services/WATER_NO_SUPPLY.csv", timeout=10).status_code == 404


def test_a_retried_post_gets_the_same_request_but_another_channels_grievance_is_never_the_answer(
    open311_root, api_key, api, stack
):
    import hashlib
    import hmac
    import json
    import time

    phone = unique_mobile()
    secret = api.get("/dev/accounts").json_body["channel_secrets"]["sms"]
    sms = json.dumps(
        {"message_id": f"o311-{time.time_ns()}", "from": phone, "text": "GRV WATER_NO_SUPPLY Khordha dry taps"}
    )
    signed = {
        "Content-Type": "application/json",
        "X-Signature": "sha256=" + hmac.new(secret.encode(), sms.encode(), hashlib.sha256).hexdigest(),
        "X-Signature-Timestamp": str(int(time.time())),
    }
    by_sms = api.post("/channels/sms/inbound", headers=signed, body=sms).json_body["results"][0]["tracking_id"]

    first = file_request(open311_root, "json", spec_body(api_key, phone)).json()[0]["service_request_id"]
    again = file_request(open311_root, "json", spec_body(api_key, phone)).json()[0]["service_request_id"]

    assert first != by_sms
    assert again == first
    assert requests.get(f"{open311_root}/requests/{first}.json", timeout=10).json()[0]["service_request_id"] == first
