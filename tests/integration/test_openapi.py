"""The OpenAPI document in the repo describes exactly the routes the app serves, and what
they answer matches the schemas it promises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

SPEC = json.loads((Path(__file__).resolve().parents[2] / "chalicelib/openapi.json").read_text("utf-8"))
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def test_the_document_is_valid_openapi_3_1():
    assert SPEC["openapi"].startswith("3.1")
    validate(SPEC)


def test_every_route_and_method_is_documented_and_nothing_else(chalice_app):
    served = {(path, method.lower()) for path, entries in chalice_app.app.routes.items() for method in entries}
    documented = {(path, method) for path, item in SPEC["paths"].items() for method in item if method in HTTP_METHODS}

    assert served == documented


def test_the_served_document_is_the_one_in_the_repo(api, stack):
    response = api.get("/openapi.json")

    assert response.status_code == 200
    assert response.json_body == SPEC


def response_schema(path: str, status: str) -> dict:
    schema = SPEC["paths"][path]["get"]["responses"][status]
    while "$ref" in schema:
        schema = resolve(schema["$ref"])
    return schema["content"]["application/json"]["schema"]


def resolve(ref: str) -> dict:
    node = SPEC
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def assert_matches(document: dict, schema: dict) -> None:
    # OpenAPI 3.1 schemas are JSON Schema 2020-12; $refs point into the whole document.
    validator = Draft202012Validator({**schema, "components": SPEC["components"]})
    errors = sorted(validator.iter_errors(document), key=str)
    assert errors == [], errors[0].message if errors else ""


@pytest.mark.parametrize(
    "path, url, status",
    [
        ("/health", "/health", "200"),
        ("/districts", "/districts?lang=hi", "200"),
        ("/departments", "/departments", "200"),
        ("/services", "/services?q=certificate&limit=2", "200"),
        ("/services/{code}", "/services/WATER_NEW_CONNECTION", "200"),
        ("/services/{code}", "/services/NOPE", "404"),
        ("/categories", "/categories?department=ROADS", "200"),
        ("/categories", "/categories?department=lower", "422"),
        ("/dev/accounts", "/dev/accounts", "200"),
        ("/dev/outbox", "/dev/outbox?to=nobody%40example.in", "200"),
    ],
)
def test_answers_match_their_documented_schema(api, stack, path, url, status):
    response = api.get(url)

    assert str(response.status_code) == status
    assert_matches(response.json_body, response_schema(path, status))
