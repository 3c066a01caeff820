"""The inbound channels, staff filing for a citizen and Open311 answer what the OpenAPI
document promises: real answers through the real handlers, held against the documented
schemas (the meta-tests in test_openapi.py check the document itself)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.parse
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from tests.integration.conftest import JSON, bearer, post, unique_mobile
from tests.integration.test_openapi import SPEC, assert_matches, response_schema

INBOUND = "/channels/{channel}/inbound"
OPEN311 = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def credentials(api, stack) -> dict[str, Any]:
    answer = api.get("/dev/accounts")
    assert answer.status_code == 200, answer.body
    return answer.json_body


@pytest.fixture
def send(api, credentials):
    """POST a provider's document to /channels/<channel>/inbound, signed as the documented scheme says."""

    def run(channel: str, document: Any) -> Any:
        body = json.dumps(document).encode()
        secret = credentials["channel_secrets"][channel].encode()
        headers = {
            **JSON,
            "X-Signature": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
            "X-Signature-Timestamp": str(int(time.time())),
        }
        return api.post(f"/channels/{channel}/inbound", headers=headers, body=body)

    return run


def schema(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def request_examples(path: str, method: str, media: str = "application/json") -> dict[str, Any]:
    return {
        name: e["value"] for name, e in SPEC["paths"][path][method]["requestBody"]["content"][media]["examples"].items()
    }


def assert_answer(response: Any, path: str, status: str, method: str) -> None:
    assert str(response.status_code) == status, response.body
    assert_matches(response.json_body, response_schema(path, status, method))


# --- inbound channels ------------------------------------------------------------------------


def test_a_signed_sms_answers_the_documented_result(send, citizen):
    # Given a registered citizen's SMS in the gateway's documented shape
    person = citizen()
    sms = {
        "message_id": f"sms-{time.time_ns()}",
        "from": person.mobile,
        "text": "GRV WATER_NO_SUPPLY dry taps all week",
    }
    assert_matches(sms, schema("SmsReceived"))

    # When the gateway posts it, signed
    response = send("sms", sms)

    # Then the answer is the documented result, and the grievance was filed
    assert_answer(response, INBOUND, "200", "post")
    (result,) = response.json_body["results"]
    assert result["outcome"] == "filed"
    assert result["message_id"] == sms["message_id"]


def test_an_unsigned_message_is_the_documented_401(api):
    sms = {"message_id": f"sms-{time.time_ns()}", "from": unique_mobile(), "text": "HELP"}

    response = api.post("/channels/sms/inbound", headers=JSON, body=json.dumps(sms))

    assert_answer(response, INBOUND, "401", "post")
    assert response.json_body["error"]["field"] == "X-Signature"


def test_every_documented_inbound_example_is_its_channels_shape_and_is_accepted(api, send, admin_token):
    examples = request_examples(INBOUND, "post")
    one_of = SPEC["paths"][INBOUND]["post"]["requestBody"]["content"]["application/json"]["schema"]["oneOf"]
    assert set(examples) == set(SPEC["components"]["schemas"]["InboundResult"]["properties"]["channel"]["enum"])

    for channel, document in examples.items():
        # Each example fits exactly one provider's schema: its own channel's.
        fitting = [option["$ref"] for option in one_of if not _errors(document, option)]
        assert len(fitting) == 1, (channel, fitting)

        response = send(channel, document)

        assert_answer(response, INBOUND, "200", "post")
        assert response.json_body["channel"] == channel

    # The IVRS example's summary says which category its menu choice files.
    call = send("ivrs", examples["ivrs"]).json_body["results"][0]  # a replay: the first answer
    filed = api.get(f"/grievances/{call['tracking_id']}", headers=bearer(admin_token)).json_body
    assert filed["category"] == "ROADS_STREETLIGHT"


def _errors(document: Any, option: dict[str, Any]) -> list[str]:
    try:
        assert_matches(document, option)
    except AssertionError as error:
        return [str(error)]
    return []


# --- staff filing for a citizen ----------------------------------------------------------------


def test_assisted_filing_answers_the_documented_202_then_201(api, staff_token, citizen, latest_otp, grievance_body):
    # Given a helpline officer and a citizen on the phone
    person = citizen()
    officer = staff_token("officer", department="WATER", district="KHORDHA")
    body = grievance_body(on_behalf_of={"mobile": person.mobile})
    assert_matches(body, schema("GrievanceRequest"))

    # When the officer files without the code, then with the code the citizen reads out
    asked = post(api, "/grievances", body, officer)
    assert_answer(asked, "/grievances", "202", "post")
    body["on_behalf_of"]["otp"] = latest_otp(person.mobile)
    assert_matches(body, schema("GrievanceRequest"))
    filed = post(api, "/grievances", body, officer)

    # Then both answers are the documented ones, and the grievance is the citizen's, by helpline
    assert_answer(filed, "/grievances", "201", "post")
    seen = api.get(f"/grievances/{filed.json_body['tracking_id']}", headers=bearer(person.access_token))
    assert_answer(seen, "/grievances/{tracking_id}", "200", "get")
    assert seen.json_body["channel"] == "helpline"


# --- Open311 -----------------------------------------------------------------------------------


def test_open311_services_json_is_the_documented_list(api, stack):
    response = api.get(f"{OPEN311}/services.json")

    assert response.headers["Content-Type"].startswith("application/json")
    assert_answer(response, f"{OPEN311}/services.json", "200", "get")
    assert "WATER_NO_SUPPLY" in {service["service_code"] for service in response.json_body}


def test_open311_services_xml_has_the_documented_root(api, stack):
    documented = SPEC["paths"][f"{OPEN311}/services.xml"]["get"]["responses"]["200"]["content"]["text/xml"]

    response = api.get(f"{OPEN311}/services.xml")

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    served = ET.fromstring(response.body)  # noqa: S314 (our own answer)
    example = ET.fromstring(documented["examples"]["answer"]["value"].encode())  # noqa: S314 (our own document)
    assert (served.tag, {child.tag for child in served}) == (example.tag, {"service"})
    assert {field.tag for field in served[0]} == {field.tag for field in example[0]}


def test_an_open311_filing_and_its_reading_answer_as_documented(api, credentials):
    # Given FixMyStreet's key and a reporter's phone
    form = {
        "api_key": credentials["open311_api_keys"]["fixmystreet"],
        "service_code": "WATER_NO_SUPPLY",
        "lat": "20.2961",
        "long": "85.8245",
        "phone": unique_mobile(),
        "first_name": "Asha",
        "description": "No water from the public tap since Monday morning",
        "attribute[district]": "KHORDHA",
    }
    assert_matches(form, schema("Open311RequestForm"))

    # When it files a request, form-encoded as the document says, and reads it back
    filed = api.post(f"{OPEN311}/requests.json", headers=FORM, body=urllib.parse.urlencode(form))
    assert_answer(filed, f"{OPEN311}/requests.json", "200", "post")
    (answer,) = filed.json_body
    read = api.get(f"{OPEN311}/requests/{answer['service_request_id']}.json")

    # Then both answers are the documented ones
    assert_answer(read, f"{OPEN311}/requests/{{id_fmt}}", "200", "get")
    assert read.json_body[0]["service_request_id"] == answer["service_request_id"]
    assert read.json_body[0]["status"] == "open"


def test_the_documented_open311_form_example_fits_its_schema():
    for example in request_examples(f"{OPEN311}/requests.json", "post", "application/x-www-form-urlencoded").values():
        assert_matches(example, schema("Open311RequestForm"))


@pytest.mark.parametrize(
    "method, path, send_as",
    [
        ("get", "/requests.json?start_date=2026-12-03", None),  # a date without its time and zone
        ("post", "/requests.json", JSON),  # JSON instead of the form
    ],
    ids=["bad date", "json body"],
)
def test_an_open311_mistake_is_the_documented_400(api, credentials, method, path, send_as):
    if method == "get":
        response = api.get(f"{OPEN311}{path}")
    else:
        body = json.dumps(
            {"api_key": credentials["open311_api_keys"]["fixmystreet"], "service_code": "WATER_NO_SUPPLY"}
        )
        response = api.post(f"{OPEN311}{path}", headers=send_as, body=body)

    assert_answer(response, f"{OPEN311}{path.split('?')[0]}", "400", method)
    assert response.json_body[0]["code"] == 400
