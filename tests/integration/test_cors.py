"""CORS per stage: a browser page at one of the stage's portal origins may read every
answer of the API and pass every preflight; a page anywhere else gets no CORS header at
all, so the browser keeps the answer from it. The origins are the stage's settings
(`ALLOWED_ORIGINS`), read at request time."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib.handlers.cors import is_preflight
from chalicelib.settings import Settings
from infra.devstack import local_stage_environment
from infra.package import deployable_stages, load_stage
from tests.integration.conftest import JSON, bearer
from tests.integration.test_dev_routes import UNCONFIGURED_STAGE, process_environment

LOCAL_ORIGINS = Settings(stage="local", allowed_origins=local_stage_environment()["ALLOWED_ORIGINS"]).allowed_origins
PORTAL = LOCAL_ORIGINS[0]
STATE_PORTALS = {stage: load_stage(stage).environment["ALLOWED_ORIGINS"] for stage in deployable_stages()}
# Near misses of the local portal and other stages' portals: none is the local stage's.
FOREIGN_ORIGINS = [
    "https://attacker.example",
    "http://localhost:8081",
    "https://localhost:8080",
    "http://localhost:8080.attacker.example",
    f"{PORTAL}/",
    "null",
    *STATE_PORTALS.values(),
]


def cors_headers(response: Any) -> dict[str, str]:
    return {
        name.lower(): value for name, value in response.headers.items() if name.lower().startswith("access-control-")
    }


def listed(value: str) -> list[str]:
    return [part.strip() for part in value.split(",")]


def assert_echoes(response: Any, origin: str) -> None:
    headers = cors_headers(response)
    assert headers["access-control-allow-origin"] == origin
    assert "Origin" in listed(response.headers["Vary"])
    assert "Retry-After" in listed(headers["access-control-expose-headers"])


def assert_no_cors(response: Any) -> None:
    assert cors_headers(response) == {}
    # The answer still depends on the origin: no cache may give it to the portal later.
    assert "Origin" in listed(response.headers["Vary"])


def sample_url(path: str) -> str:
    """A concrete URL of a route's path: any value fills a path parameter."""
    return re.sub(r"\{\w+\}", "sample", path)


def preflight(api: Any, url: str, origin: str | None, method: str = "POST") -> Any:
    headers = {"Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization,content-type"}
    return api.options(url, headers={**headers, "Origin": origin} if origin else headers)


# --- every answer: the echo for the portal, nothing for anyone else ------------------------------


@pytest.mark.parametrize("origin", LOCAL_ORIGINS)
def test_the_local_portal_may_read_a_public_answer(api, stack, origin):
    response = api.get("/categories", headers={"Origin": origin})

    assert response.status_code == 200
    assert_echoes(response, origin)


def test_the_portal_may_read_an_authenticated_answer(api, citizen):
    asha = citizen()

    response = api.get("/me", headers={"Origin": PORTAL, **bearer(asha.access_token)})

    assert response.status_code == 200 and response.json_body["citizen_id"] == asha.citizen_id
    assert_echoes(response, PORTAL)


@pytest.mark.parametrize(
    ("method", "url", "headers", "body", "status"),
    [
        ("GET", "/me", {}, "", 401),  # no token
        ("POST", "/citizens", JSON, "{}", 422),  # the uniform error shape
        ("POST", "/auth/login", JSON, "{not json", 400),
        ("POST", "/auth/login", {"Content-Type": "text/plain"}, "x", 415),  # answered by Chalice itself
        ("DELETE", "/categories", {}, "", 405),  # likewise
        ("GET", "/track/OD-000000-AAAAAA?mobile_last4=1234", {}, "", 404),
    ],
    ids=lambda value: str(value) if isinstance(value, int) else None,
)
def test_the_portal_may_read_an_error(api, stack, method, url, headers, body, status):
    response = api.request(method, url, headers={"Origin": PORTAL, **headers}, body=body)

    assert response.status_code == status, response.body
    assert response.json_body["error"]["code"]
    assert_echoes(response, PORTAL)


def test_the_portal_may_read_how_long_to_wait_after_a_429(api, citizen, grievance_body, rate_limits):
    # Given a citizen allowed one filing a day who has filed it
    rate_limits("filings_per_citizen=1/1d")
    asha = citizen()
    headers = {"Origin": PORTAL, **JSON, **bearer(asha.access_token)}
    # (no category: two filings on one subject would be linked, not refused)
    first = api.post("/grievances", headers=headers, body=json.dumps(grievance_body(category=None)))
    assert first.status_code == 201

    # When the portal files a second
    refused = api.post("/grievances", headers=headers, body=json.dumps(grievance_body(category=None)))

    # Then the browser lets the page read the 429 and its Retry-After
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert_echoes(refused, PORTAL)


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_any_other_origin_gets_no_cors_header(api, stack, origin):
    answers = [
        api.get("/categories", headers={"Origin": origin}),
        api.get("/me", headers={"Origin": origin}),  # a 401
        api.request("DELETE", "/categories", headers={"Origin": origin}),  # Chalice's own 405
    ]

    assert [answer.status_code for answer in answers] == [200, 401, 405]
    for answer in answers:
        assert_no_cors(answer)


def test_a_request_without_an_origin_gets_no_cors_header(api, stack):
    assert_no_cors(api.get("/categories"))


# --- preflight ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "methods"),
    [
        ("/grievances", "GET, POST, OPTIONS"),
        ("/me", "DELETE, GET, PATCH, OPTIONS"),
        ("/grievances/OD-000000-AAAAAA/actions", "POST, OPTIONS"),
        ("/services/WATER_CONNECTION", "GET, PUT, OPTIONS"),
        ("/applications/OD-APP-000000-AAAAAA/documents/photo", "GET, OPTIONS"),
        ("/track/OD-000000-AAAAAA", "GET, OPTIONS"),
    ],
)
def test_a_preflight_from_the_portal_is_let_through_with_the_paths_methods(api, url, methods):
    response = preflight(api, url, PORTAL)

    assert response.status_code == 204 and not response.body
    headers = cors_headers(response)
    assert headers["access-control-allow-origin"] == PORTAL
    assert headers["access-control-allow-methods"] == methods
    assert {"Authorization", "Content-Type", "Idempotency-Key"} <= set(listed(headers["access-control-allow-headers"]))
    assert int(headers["access-control-max-age"]) > 0
    assert "*" not in headers.values()
    assert "Origin" in listed(response.headers["Vary"])


def test_every_path_of_the_app_answers_a_preflight_with_exactly_its_methods(api, chalice_app):
    for path, views in chalice_app.app.routes.items():
        response = preflight(api, sample_url(path), PORTAL)

        assert response.status_code == 204, path
        assert set(listed(response.headers["Access-Control-Allow-Methods"])) == set(views), path


def test_every_options_route_is_a_public_preflight_and_nothing_else(chalice_app):
    # The OpenAPI document and the access matrix leave these out by `is_preflight`.
    options = {path: views["OPTIONS"].view_function for path, views in chalice_app.app.routes.items()}
    others = [
        view.view_function for views in chalice_app.app.routes.values() for m, view in views.items() if m != "OPTIONS"
    ]

    assert all(is_preflight(view) and view.allowed_roles is None for view in options.values())
    assert not any(is_preflight(view) for view in others)


@pytest.mark.parametrize("origin", FOREIGN_ORIGINS)
def test_a_preflight_from_any_other_origin_is_refused(api, origin):
    response = preflight(api, "/grievances", origin)

    assert response.status_code == 403
    assert response.json_body["error"]["code"] == "origin_not_allowed"
    assert_no_cors(response)


def test_an_options_request_without_an_origin_only_says_what_the_path_allows(api):
    response = api.options("/grievances")

    assert response.status_code == 204
    assert listed(response.headers["Allow"]) == ["GET", "POST", "OPTIONS"]
    assert_no_cors(response)


# --- per stage ---------------------------------------------------------------------------------


@pytest.fixture
def stage_origins(chalice_app) -> Iterator[Any]:
    """`with stage_origins(value) as http:` the app with ALLOWED_ORIGINS=value and nothing
    else of a stage's configuration applied by the client."""
    from contextlib import contextmanager

    @contextmanager
    def run(origins: str) -> Iterator[Any]:
        with (
            process_environment(ALLOWED_ORIGINS=origins),
            Client(chalice_app.app, stage_name=UNCONFIGURED_STAGE) as client,
        ):
            yield client.http

    yield run


@pytest.mark.parametrize("stage", sorted(STATE_PORTALS))
def test_a_states_stage_answers_its_own_portal_and_no_other(stage_origins, stage):
    portals = Settings(stage=stage, allowed_origins=STATE_PORTALS[stage]).allowed_origins
    others = [*LOCAL_ORIGINS, *(o for s, value in STATE_PORTALS.items() if s != stage for o in value.split(","))]

    with stage_origins(STATE_PORTALS[stage]) as http:
        answered = {origin: preflight(http, "/grievances", origin) for origin in [*portals, *others]}
        unauthenticated = http.get("/me", headers={"Origin": portals[0]})

    for origin in portals:
        assert answered[origin].status_code == 204
        assert cors_headers(answered[origin])["access-control-allow-origin"] == origin
    for origin in others:
        assert answered[origin].status_code == 403, origin
        assert_no_cors(answered[origin])
    assert unauthenticated.status_code == 401
    assert_echoes(unauthenticated, portals[0])


def test_the_origins_are_read_when_a_request_comes_not_when_the_app_loads(api, stage_origins):
    new_portal = "https://portal.example.gov.in"
    assert preflight(api, "/me", new_portal).status_code == 403

    with stage_origins(f"{PORTAL},{new_portal}") as http:
        moved = preflight(http, "/me", new_portal)

    assert moved.status_code == 204 and moved.headers["Access-Control-Allow-Origin"] == new_portal


def test_the_local_stage_lets_in_only_the_local_portal():
    assert all(origin.startswith(("http://127.0.0.1:", "http://localhost:")) for origin in LOCAL_ORIGINS)


# --- the dev stack's HTTP server ---------------------------------------------------------------


def test_the_dev_stack_answers_the_portals_preflight_and_requests(stack, dev_server):
    def ask(method: str, path: str, origin: str, **headers: str) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection("127.0.0.1", dev_server, timeout=10)
        connection.request(method, path, headers={"Origin": origin, **headers})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response

    allowed = ask(
        "OPTIONS", "/grievances/OD-000000-AAAAAA/actions", PORTAL, **{"Access-Control-Request-Method": "POST"}
    )
    refused = ask("OPTIONS", "/grievances", "https://attacker.example", **{"Access-Control-Request-Method": "POST"})
    read = ask("GET", "/categories", PORTAL)

    assert allowed.status == 204
    assert allowed.getheader("Access-Control-Allow-Origin") == PORTAL
    assert allowed.getheader("Access-Control-Allow-Methods") == "POST, OPTIONS"
    assert refused.status == 403 and refused.getheader("Access-Control-Allow-Origin") is None
    assert read.status == 200 and read.getheader("Access-Control-Allow-Origin") == PORTAL
