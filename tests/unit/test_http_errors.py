"""The HTTP edge: one error vocabulary, one mapping to status codes, one JSON error shape.

Views are registered with the real `route()` decorator on a fresh Blueprint and app and
called through `chalice.test.Client`, so what is checked is what a client receives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.app import Blueprint, Chalice
from chalice.test import Client
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chalicelib.domain import errors
from chalicelib.handlers.http import (
    MAX_BODY_BYTES,
    domain_error_response,
    first_problem,
    parse_body,
    parse_query,
    query_parameter,
    route,
    validation_error_response,
)

DOCUMENTED_STATUS = {
    errors.MalformedRequest: 400,
    errors.Unauthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.InvalidInput: 422,
    errors.RateLimited: 429,
    errors.Unavailable: 503,
}
JSON = {"Content-Type": "application/json"}


def an_error_of(kind: type[errors.DomainError], message: str, field: str | None = None) -> errors.DomainError:
    if kind is errors.RateLimited:
        return errors.RateLimited(message, retry_after_seconds=42, field=field)
    return kind(message, field=field)


class Pincode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pincode: str = Field(pattern=r"^[1-9][0-9]{5}$")
    district: str


class FileGrievance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=3)
    address: Pincode


LANGUAGE = r"^[a-z]{2,3}$"


class LanguageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    lang: str | None = Field(default=None, pattern=LANGUAGE)


def validation_error_of(document: dict[str, Any]) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        FileGrievance.model_validate(document)
    return raised.value


A_GOOD_GRIEVANCE = {"subject": "No water", "address": {"pincode": "751001", "district": "KHORDHA"}}


# --- the mapping, without Chalice --------------------------------------------------------------


def test_every_domain_error_has_a_documented_status():
    # A new error type added to errors.py must be given a status here and in http.py.
    assert set(errors.DomainError.__subclasses__()) == set(DOCUMENTED_STATUS)


@pytest.mark.parametrize("kind", errors.DomainError.__subclasses__(), ids=lambda kind: kind.__name__)
def test_each_domain_error_becomes_its_status_and_the_one_error_shape(kind):
    # Given an error about a field
    error = an_error_of(kind, "Pincode must have six digits.", field="address.pincode")

    # When it is turned into a response
    response = domain_error_response(error)

    # Then the status is the documented one and the body carries exactly code, message and field
    assert response.status_code == DOCUMENTED_STATUS.get(kind)
    assert response.body == {
        "error": {"code": kind.code, "message": "Pincode must have six digits.", "field": "address.pincode"}
    }
    assert response.headers["Content-Type"] == "application/json"


def test_an_error_about_no_field_says_field_null():
    response = domain_error_response(errors.NotFound("No such grievance."))

    assert response.body == {"error": {"code": "not_found", "message": "No such grievance.", "field": None}}


def test_a_code_given_at_the_raise_site_replaces_the_default():
    response = domain_error_response(errors.Conflict("Already registered.", code="mobile_taken", field="mobile"))

    assert response.status_code == 409
    assert response.body["error"]["code"] == "mobile_taken"


@pytest.mark.parametrize("seconds", [1, 42, 3600])
def test_rate_limited_tells_the_client_when_to_retry(seconds):
    response = domain_error_response(errors.RateLimited("Slow down.", retry_after_seconds=seconds))

    assert response.status_code == 429
    assert response.headers["Retry-After"] == str(seconds)


@pytest.mark.parametrize(
    "kind", [k for k in errors.DomainError.__subclasses__() if k is not errors.RateLimited], ids=lambda k: k.__name__
)
def test_only_rate_limited_sends_retry_after(kind):
    assert "Retry-After" not in domain_error_response(an_error_of(kind, "No.")).headers


# --- validation errors ------------------------------------------------------------------------


def test_a_nested_field_is_named_by_its_dotted_path():
    # Given a grievance whose address has a bad pincode
    error = validation_error_of({"subject": "No water", "address": {"pincode": "0123", "district": "KHORDHA"}})

    # When it is turned into a response
    response = validation_error_response(error)

    # Then the client is pointed at address.pincode
    assert response.status_code == 422
    assert response.body["error"]["code"] == "invalid_input"
    assert response.body["error"]["field"] == "address.pincode"
    assert response.body["error"]["message"].startswith("address.pincode: ")
    assert set(response.body) == {"error"}
    assert set(response.body["error"]) == {"code", "message", "field"}


def test_a_missing_nested_field_is_named_by_its_dotted_path():
    field, message = first_problem(validation_error_of({"subject": "No water", "address": {"pincode": "751001"}}))

    assert field == "address.district"
    assert message == "Field required"


@pytest.mark.parametrize(
    "document, field",
    [
        ({**A_GOOD_GRIEVANCE, "aadhaar": "1234"}, "aadhaar"),
        ({**A_GOOD_GRIEVANCE, "address": {**A_GOOD_GRIEVANCE["address"], "state": "OD"}}, "address.state"),
    ],
)
def test_an_unexpected_field_is_called_unknown(document, field):
    response = validation_error_response(validation_error_of(document))

    assert response.body["error"] == {"code": "invalid_input", "message": f"{field}: Unknown field", "field": field}


# --- route() through the Chalice test client --------------------------------------------------


@pytest.fixture
def http() -> Iterator[Any]:
    """A fresh app whose views are registered with `route()` on a Blueprint."""
    blueprint = Blueprint(__name__)

    @route(blueprint, "/domain/{kind}", methods=["GET"], public=True)
    def raise_domain_error(kind: str) -> Any:
        raise an_error_of(getattr(errors, kind), f"{kind} raised", field="tracking_id")

    @route(blueprint, "/validation", methods=["GET"], public=True)
    def raise_validation_error() -> Any:
        return FileGrievance.model_validate({"subject": "No water", "address": {"pincode": "x", "district": "PURI"}})

    @route(blueprint, "/bug", methods=["GET"], public=True)
    def divide_by_zero() -> Any:
        return {"ratio": 1 / len([])}

    @route(blueprint, "/grievances", methods=["POST"], public=True)
    def file_grievance() -> Any:
        grievance = parse_body(blueprint, FileGrievance)
        return {"subject": grievance.subject, "pincode": grievance.address.pincode}

    @route(blueprint, "/language/by-model", methods=["GET"], public=True)
    def language_by_model() -> Any:
        return {"lang": parse_query(blueprint, LanguageQuery).lang}

    @route(blueprint, "/language/by-hand", methods=["GET"], public=True)
    def language_by_hand() -> Any:
        return {"lang": query_parameter(blueprint, "lang", LANGUAGE)}

    app = Chalice(app_name="http-edge-under-test")
    app.register_blueprint(blueprint)
    with Client(app) as client:
        yield client.http


def error_of(response: Any) -> dict[str, Any]:
    assert set(response.json_body) == {"error"}
    assert set(response.json_body["error"]) == {"code", "message", "field"}
    return response.json_body["error"]


@pytest.mark.parametrize("kind", errors.DomainError.__subclasses__(), ids=lambda kind: kind.__name__)
def test_a_domain_error_raised_in_a_view_becomes_its_status(http, kind):
    response = http.get(f"/domain/{kind.__name__}")

    assert response.status_code == DOCUMENTED_STATUS.get(kind)
    assert error_of(response) == {"code": kind.code, "message": f"{kind.__name__} raised", "field": "tracking_id"}


def test_rate_limited_raised_in_a_view_keeps_its_retry_after_header(http):
    response = http.get("/domain/RateLimited")

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "42"


def test_a_validation_error_raised_in_a_view_is_a_422_naming_the_field(http):
    response = http.get("/validation")

    assert response.status_code == 422
    assert error_of(response)["code"] == "invalid_input"
    assert error_of(response)["field"] == "address.pincode"


def test_an_unexpected_exception_is_a_500_without_a_traceback(http):
    response = http.get("/bug")

    assert response.status_code == 500
    error = error_of(response)
    assert error == {"code": "internal_error", "message": "An internal error occurred.", "field": None}
    body = response.body.decode()
    for leak in ("Traceback", "ZeroDivisionError", "division by zero", __file__):
        assert leak not in body


def test_a_valid_body_reaches_the_view(http):
    response = http.post("/grievances", headers=JSON, body=json.dumps(A_GOOD_GRIEVANCE).encode())

    assert response.status_code == 200
    assert response.json_body == {"subject": "No water", "pincode": "751001"}


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00", b"'single quotes'"], ids=["syntax", "bytes", "quotes"])
def test_a_body_that_is_not_json_is_a_malformed_request(http, body):
    response = http.post("/grievances", headers=JSON, body=body)

    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_request"


@pytest.mark.parametrize("body", [b"[]", b'[{"subject": "No water"}]', b'"text"', b"42", b""], ids=repr)
def test_a_body_that_is_not_a_json_object_is_a_malformed_request(http, body):
    response = http.post("/grievances", headers=JSON, body=body)

    assert response.status_code == 400
    assert error_of(response) == {
        "code": "malformed_request",
        "message": "The body must be a JSON object.",
        "field": None,
    }


def test_a_body_that_fails_the_model_is_a_422_naming_the_field(http):
    document = {"subject": "No water", "address": {"pincode": "751001", "district": "PURI", "ward": 3}}

    response = http.post("/grievances", headers=JSON, body=json.dumps(document).encode())

    assert response.status_code == 422
    assert error_of(response) == {
        "code": "invalid_input",
        "message": "address.ward: Unknown field",
        "field": "address.ward",
    }


def padded_to(size: int) -> bytes:
    """A valid grievance document of exactly `size` bytes."""
    bare = json.dumps({**A_GOOD_GRIEVANCE, "subject": ""}).encode()
    document = {**A_GOOD_GRIEVANCE, "subject": "x" * (size - len(bare))}
    body = json.dumps(document).encode()
    assert len(body) == size
    return body


def test_a_body_over_the_limit_is_payload_too_large(http):
    response = http.post("/grievances", headers=JSON, body=padded_to(MAX_BODY_BYTES + 1))

    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


def test_a_body_exactly_at_the_limit_is_read(http):
    response = http.post("/grievances", headers=JSON, body=padded_to(MAX_BODY_BYTES))

    assert response.status_code == 200
    assert response.json_body["pincode"] == "751001"


@pytest.mark.parametrize(
    "query", ["", "?lang=hi", "?lang=english", "?lang=HI", "?lang=", "?lang=hi%0A", "?page=2", "?lang=hi&lang=x1"]
)
def test_a_parameter_checked_by_hand_is_answered_as_a_query_model_answers_it(http, query):
    # Given the same rule as a pydantic query model and as a pattern checked without pydantic
    by_model = http.get(f"/language/by-model{query}")

    # When a client sends the parameter well, badly or not at all
    by_hand = http.get(f"/language/by-hand{query}")

    # Then both answer alike: the same status and body (a 422 naming the parameter, or the value)
    assert (by_hand.status_code, by_hand.json_body) == (by_model.status_code, by_model.json_body)


@pytest.mark.parametrize(
    "declared",
    [
        {"methods": ["POST"], "roles": frozenset()},
        {"methods": ["GET", "POST"], "roles": frozenset()},
        {"methods": ["GET"], "public": True},
    ],
)
def test_only_an_authenticated_get_may_check_the_login_after_its_view_has_started(declared: dict) -> None:
    # A view that writes, or one with no login at all, must not be declared so: it would
    # act before its caller is known to stand.
    with pytest.raises(TypeError, match="only an authenticated GET"):
        route(Blueprint(__name__), "/cases/{tracking_id}", login_checked_with_first_read=True, **declared)
