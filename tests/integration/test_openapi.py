"""The OpenAPI document in the repo describes exactly the routes the app serves, and what
they answer matches the schemas it promises."""

from __future__ import annotations

import inspect
import itertools
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from chalicelib.handlers.cors import is_preflight
from chalicelib.handlers.http import EVERYONE
from tests.integration.conftest import JSON, Person, bearer, post

SPEC = json.loads((Path(__file__).resolve().parents[2] / "chalicelib/openapi.json").read_text("utf-8"))
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


def test_the_document_is_valid_openapi_3_1():
    assert SPEC["openapi"].startswith("3.1")
    validate(SPEC)


def test_every_route_and_method_is_documented_and_nothing_else(chalice_app):
    # CORS preflight answers on every path (test_cors.py); it is not an operation of the API.
    served = {
        (path, method.lower())
        for path, entries in chalice_app.app.routes.items()
        for method, entry in entries.items()
        if not is_preflight(entry.view_function)
    }
    documented = {(path, method) for path, item in SPEC["paths"].items() for method in item if method in HTTP_METHODS}

    assert served == documented


# The routes that take each rate limit (chalicelib/services/limits.py): each may answer 429.
LIMITED_ROUTES: dict[str, set[tuple[str, str]]] = {
    "otp_sends_per_mobile": {
        ("/grievances", "post"),
        ("/citizens", "post"),
        ("/auth/otp", "post"),
        ("/me", "patch"),
        ("/auth/password-reset", "post"),
    },
    "otp_sends_per_source": {
        ("/citizens", "post"),
        ("/auth/otp", "post"),
        ("/auth/password-reset", "post"),
        ("/grievances", "post"),  # staff asking a walk-in citizen for a code: per officer
    },
    "otp_guesses_per_mobile": {
        ("/grievances", "post"),
        ("/citizens/verify", "post"),
        ("/me/mobile/verify", "post"),
        ("/me/email/verify", "post"),
        ("/auth/password-reset/confirm", "post"),
    },
    "otp_guesses_per_mobile_and_source": {
        ("/citizens/verify", "post"),
        ("/auth/password-reset/confirm", "post"),
        ("/grievances", "post"),
    },
    "registrations_per_source": {("/citizens", "post")},
    "login_failures_per_account": {("/auth/login", "post")},
    "logins_per_source": {("/auth/login", "post")},
    "password_change_failures_per_account": {("/me/password", "post")},
    "tracking_lookups_per_grievance": {("/track/{tracking_id}", "get")},
    "tracks_per_source": {("/track/{tracking_id}", "get")},
    "filings_per_citizen": {
        ("/grievances", "post"),
        ("/channels/{channel}/inbound", "post"),
        ("/open311/v2/requests.json", "post"),
        ("/open311/v2/requests.xml", "post"),
    },
    "uploads_per_citizen": {("/uploads", "post")},
}


def test_every_limit_the_code_takes_names_the_routes_that_may_answer_429():
    code = "\n".join(p.read_text("utf-8") for p in (Path(__file__).resolve().parents[2] / "chalicelib").rglob("*.py"))
    taken = set(re.findall(r'limits\.take\(\s*"(\w+)"', code))

    assert taken, "no limit found: has limits.take been renamed?"
    assert taken <= set(LIMITED_ROUTES), f"say which routes take {sorted(taken - set(LIMITED_ROUTES))}"
    documented = {(path, method) for path, item in SPEC["paths"].items() for method in item}
    assert {route for name in taken for route in LIMITED_ROUTES[name]} <= documented


def statuses_a_route_can_answer(path: str, method: str, view: Any) -> set[str]:
    """What any route of this shape can answer, whatever its use case: a bug (500); with a
    token, 401 (none, expired, its login ended) and 403 (the role, or a temporary password
    that must be changed first: only the route changing it is open then);
    with a body, 400 (unreadable), 413 (too large), 415 (not JSON) and 422 (a field); with a
    query, 422; with a limit, 429."""
    source = inspect.getsource(inspect.unwrap(view))
    expected = {"500"} if path.startswith("/open311/") else {"500", "503"}
    if view.allowed_roles is not None:
        expected |= {"401"}
        if view.allowed_roles != EVERYONE or not view.allows_temporary_password:
            expected |= {"403"}
    if "parse_body(" in source:
        expected |= {"400", "413", "415", "422"}
    if "parse_query(" in source:
        expected |= {"422"}
    if any((path, method) in routes for routes in LIMITED_ROUTES.values()):
        expected |= {"429"}
    return expected


def test_every_documented_operation_lists_every_status_it_can_answer(chalice_app):
    missing = {}
    for path, entries in chalice_app.app.routes.items():
        for method, entry in entries.items():
            if is_preflight(entry.view_function):
                continue
            listed = set(SPEC["paths"][path][method.lower()]["responses"])
            expected = statuses_a_route_can_answer(path, method.lower(), entry.view_function)
            if expected - listed:
                missing[f"{method} {path}"] = sorted(expected - listed)

    assert missing == {}


def test_the_served_document_is_the_one_in_the_repo(api, stack):
    response = api.get("/openapi.json")

    assert response.status_code == 200
    assert response.json_body == SPEC


def response_schema(path: str, status: str, method: str = "get") -> dict:
    schema = SPEC["paths"][path][method]["responses"][status]
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


def documented_examples() -> list[tuple[str, Any, dict]]:
    """(where, example, schema) for every example of a request body or response."""
    found = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            media = []
            if "requestBody" in operation:
                # Every media type: Open311's filing is form-encoded, the rest JSON.
                media.extend(("request", content) for content in operation["requestBody"]["content"].values())
            for status, response in operation["responses"].items():
                while "$ref" in response:
                    response = resolve(response["$ref"])
                # Every media type: the CSV export's example is checked against its string schema too.
                media.extend((status, content) for content in response.get("content", {}).values())
            for where, content in media:
                for name, example in content.get("examples", {}).items():
                    found.append((f"{method.upper()} {path} {where} {name}", example["value"], content["schema"]))
    return found


def test_every_documented_example_matches_its_schema():
    examples = documented_examples()

    assert examples
    for where, example, schema in examples:
        validator = Draft202012Validator({**schema, "components": SPEC["components"]})
        assert [e.message for e in validator.iter_errors(example)] == [], where


# --- grievances: real answers, as citizens and as staff ------------------------------------

_wards = itertools.count(1)
Answer = tuple[str, str, str, Any]  # method, documented path, expected status, response


@dataclass
class Grievances:
    """The grievance journeys' fixtures in one place."""

    api: Any
    citizen: Callable[..., Person]
    file: Callable[..., Any]
    consume: Callable[[str], int]
    assignee_token: Callable[[str], str]
    admin_token: str

    def get(self, url: str, token: str | None = None) -> Any:
        return self.api.get(url, headers=bearer(token) if token else {})

    def post(self, url: str, body: Any, token: str) -> Any:
        return post(self.api, url, body, token)


@pytest.fixture
def grievances(api, stack, citizen, file_grievance, consume, assignee_token, admin_token) -> Grievances:
    return Grievances(api, citizen, file_grievance, consume, assignee_token, admin_token)


def filing_journey(g: Grievances) -> Iterator[Answer]:
    """Filing next to another citizen's grievance, a duplicate, "me too", and what an
    unrouted grievance looks like."""
    asha, ravi = g.citizen(), g.citizen()
    here = {"district": "KHORDHA", "ward": f"W-OAS-{next(_wards)}", "lat": 20.2961, "lon": 85.8245}
    first = g.file(asha, location=here).json_body["tracking_id"]
    g.consume("route_grievances")

    filed = g.file(ravi, location={**here, "lat": 20.2962})
    offers = filed.json_body["similar"]
    assert offers and first not in json.dumps(filed.json_body)
    yield "post", "/grievances", "201", filed
    mine = filed.json_body["tracking_id"]
    yield "get", "/grievances/{tracking_id}", "200", g.get(f"/grievances/{mine}", g.admin_token)
    yield "post", "/grievances", "200", g.file(ravi, expect=200, location={"district": "KHORDHA"})
    yield "get", "/grievances", "200", g.get("/grievances?limit=1", ravi.access_token)
    offered = g.post(f"/grievances/metoo/{offers[0]['offer']}", None, ravi.access_token)
    yield "post", "/grievances/metoo/{offer}", "200", offered
    yield "post", "/grievances/metoo/{offer}", "404", g.post(f"/grievances/metoo/{'0' * 32}", None, ravi.access_token)
    supported = g.post(f"/grievances/{first}/metoo", None, ravi.access_token)
    yield "post", "/grievances/{tracking_id}/metoo", "200", supported
    yield "get", "/grievances/{tracking_id}", "404", g.get(f"/grievances/{first}", ravi.access_token)
    yield "get", "/grievances/{tracking_id}/history", "401", g.get(f"/grievances/{first}/history")


def lifecycle_journey(g: Grievances) -> Iterator[Answer]:
    """One grievance through every move, read by its citizen and its officer on the way."""
    asha = g.citizen()
    tracking_id = g.file(asha).json_body["tracking_id"]
    g.consume("route_grievances")
    officer = g.assignee_token(tracking_id)
    one, history = f"/grievances/{tracking_id}", f"/grievances/{tracking_id}/history"

    def act(status: str, **body: Any) -> Answer:
        return "post", "/grievances/{tracking_id}/actions", status, g.post(f"{one}/actions", body, officer)

    def citizen_move(move: str, status: str, body: Any) -> Answer:
        return "post", f"/grievances/{{tracking_id}}/{move}", status, g.post(f"{one}/{move}", body, asha.access_token)

    yield act("200", action="accept")
    yield act("200", action="comment", note="Valve at the junction is shut; crew informed.")
    yield act("409", action="accept")
    yield act("422", action="reply")
    yield citizen_move("feedback", "409", {"rating": 5})
    yield "get", "/officer/grievances", "200", g.get("/officer/grievances?status=in_progress&limit=5", officer)
    yield "get", "/officer/grievances", "403", g.get("/officer/grievances", asha.access_token)
    yield act("200", action="request_info", note="Which lane exactly?")
    yield citizen_move("reply", "200", {"message": "Lane 4, behind the temple."})
    yield act("200", action="resolve", note="Valve reopened.")
    yield citizen_move("reopen", "200", {"reason": "Dry again the next day."})
    yield act("200", action="resolve", note="Valve replaced.")
    yield citizen_move("feedback", "200", {"rating": 1})
    for reader in (asha.access_token, officer):  # closed, rated 1; the officer still owns it
        yield "get", "/grievances/{tracking_id}", "200", g.get(one, reader)
        yield "get", "/grievances/{tracking_id}/history", "200", g.get(history, reader)
    yield citizen_move("appeal", "200", {"reason": "It took two visits and a week."})
    for reader in (asha.access_token, g.admin_token):  # now with the department head
        yield "get", "/grievances/{tracking_id}", "200", g.get(one, reader)
        yield "get", "/grievances/{tracking_id}/history", "200", g.get(history, reader)
    digits = asha.mobile[-4:]
    wrong = f"{(int(digits) + 1) % 10000:04d}"
    yield "get", "/track/{tracking_id}", "200", g.get(f"/track/{tracking_id}?mobile_last4={digits}")
    yield "get", "/track/{tracking_id}", "404", g.get(f"/track/{tracking_id}?mobile_last4={wrong}")
    yield "get", "/track/{tracking_id}", "422", g.get(f"/track/{tracking_id}")


def assert_answers_documented(steps: Iterator[tuple[str, str, str, Any]]) -> None:
    """Each (method, path, status, response) of a journey: the expected status, and a body
    matching the schema the document promises for it."""
    for method, path, status, response in steps:
        step = f"{method.upper()} {path} {status}"
        assert str(response.status_code) == status, (step, response.body)
        try:
            assert_matches(response.json_body, response_schema(path, status, method))
        except AssertionError as error:
            raise AssertionError(f"{step}: {error}") from None


@pytest.mark.parametrize("journey", [filing_journey, lifecycle_journey], ids=["filing", "lifecycle"])
def test_grievance_answers_match_their_documented_schema(grievances, journey):
    assert_answers_documented(journey(grievances))


def test_the_grievance_schemas_catch_a_drift():
    content = SPEC["paths"]["/grievances/{tracking_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    citizen, staff = content["examples"]["citizen"]["value"], content["examples"]["staff"]["value"]
    schema = response_schema("/grievances/{tracking_id}", "200")
    assert_matches(citizen, schema)
    assert_matches(staff, schema)

    drifts = [
        {**citizen, "citizen_id": "cit-x"},  # an undocumented field
        {name: value for name, value in citizen.items() if name != "overdue"},  # a missing one
        {name: value for name, value in citizen.items() if name != "timeline"},  # no timeline on this route
        {**staff, "status": "open"},  # not a status
        {**citizen, "timeline": [{**citizen["timeline"][0], "actor_id": "off-x"}]},  # part of the staff-only fields
    ]
    for drifted in drifts:
        with pytest.raises(AssertionError):
            assert_matches(drifted, schema)


# --- applications: real answers, as applicants, their officer and the catalogue's keepers ---

DEMO_STATE = json.loads((Path(__file__).resolve().parents[2] / "infra/seed/demo_state.json").read_text("utf-8"))
SERVICE = "WATER_TARIFF_CORRECTION"  # slots: disputed_bill (required), meter_photo
BILL_FIELDS = {
    "consumer_number": "10023345",
    "mobile": "9876543210",
    "bill_month": "2026-10",
    "correction_type": "arrears",
}


@dataclass
class Applications:
    """The application journeys' fixtures in one place."""

    api: Any
    citizen: Callable[..., Person]
    staff_token: Callable[..., str]
    accounts: list[Any]
    admin_token: str

    def get(self, url: str, token: str) -> Any:
        return self.api.get(url, headers=bearer(token))

    def post(self, url: str, body: Any, token: str) -> Any:
        return post(self.api, url, body, token)

    def put(self, url: str, body: Any, token: str) -> Any:
        return self.api.put(url, headers={**JSON, **bearer(token)}, body=json.dumps(body))

    def upload(self, person: Person, slot: str) -> tuple[Any, str]:
        """POST /uploads, then the file straight to S3 (moto) as a browser would."""
        answer = self.post(
            "/uploads", {"service_code": SERVICE, "slot": slot, "content_type": "application/pdf"}, person.access_token
        )
        assert answer.status_code == 201, answer.body
        form = answer.json_body
        sent = requests.post(
            form["url"], data=form["fields"], files={"file": ("a.pdf", b"%PDF-1.7 test", "application/pdf")}, timeout=10
        )
        assert sent.status_code in {200, 201, 204}, sent.text
        return answer, form["upload_id"]

    def handler_token(self, tracking_id: str) -> str:
        """The access token of the officer the application was given to (seen through state_admin)."""
        seen = self.get(f"/applications/{tracking_id}", self.admin_token).json_body
        account = next(a for a in self.accounts if a.officer_id == seen["assigned_to"])
        response = post(self.api, "/auth/login", {"username": account.username, "password": account.password})
        assert response.status_code == 200, response.body
        return response.json_body["access_token"]


@pytest.fixture
def applications(api, stack, citizen, staff_token, admin_token) -> Applications:
    return Applications(api, citizen, staff_token, stack.seed.accounts, admin_token)


def application_journey(a: Applications) -> Iterator[Answer]:
    """An application from upload to the applicant's answer, read by the applicant and its officer."""
    asha, ravi = a.citizen(), a.citizen()
    uploaded, bill = a.upload(asha, "disputed_bill")
    yield "post", "/uploads", "201", uploaded
    wrong_type = {"service_code": SERVICE, "slot": "disputed_bill", "content_type": "text/html"}
    yield "post", "/uploads", "422", a.post("/uploads", wrong_type, asha.access_token)
    body = {"service_code": SERVICE, "fields": BILL_FIELDS, "documents": {"disputed_bill": bill}}
    wrong = a.post(
        "/applications",
        {**body, "fields": {**BILL_FIELDS, "mobile": "12345", "bill_month": "26-10"}},
        asha.access_token,
    )
    assert [p["field"] for p in wrong.json_body["error"]["problems"]] == ["fields.bill_month", "fields.mobile"]
    yield "post", "/applications", "422", wrong
    applied = a.post("/applications", body, asha.access_token)
    yield "post", "/applications", "201", applied
    tracking_id = applied.json_body["tracking_id"]
    one = f"/applications/{tracking_id}"
    yield "get", "/applications", "200", a.get("/applications?limit=5", asha.access_token)
    yield "get", "/applications/{tracking_id}", "200", a.get(one, asha.access_token)
    yield "get", "/applications/{tracking_id}", "404", a.get(one, ravi.access_token)
    officer = a.handler_token(tracking_id)

    def act(status: str, token: str, **action: Any) -> Answer:
        return "post", "/applications/{tracking_id}/actions", status, a.post(f"{one}/actions", action, token)

    yield act("409", officer, action="approve")
    yield act("403", asha.access_token, action="start_verification")
    yield act("200", officer, action="start_verification")
    yield act("200", officer, action="comment", note="Meter reader asked to confirm the reading.")
    yield act("422", officer, action="request_info")
    asked = {"note": "Upload a photo of the meter.", "request": {"documents": ["meter_photo"]}}
    yield act("200", officer, action="request_info", **asked)
    yield "get", "/officer/applications", "200", a.get("/officer/applications?stage=info_requested&limit=5", officer)
    yield "get", "/officer/applications", "403", a.get("/officer/applications", asha.access_token)
    _, photo = a.upload(asha, "meter_photo")
    yield act(
        "422", asha.access_token, action="provide_info", fields={"mobile": "123"}, documents={"meter_photo": photo}
    )
    yield act("200", asha.access_token, action="provide_info", note="Photo attached.", documents={"meter_photo": photo})
    for reader in (asha.access_token, officer, a.admin_token):
        yield "get", "/applications/{tracking_id}", "200", a.get(one, reader)
    documents = "/applications/{tracking_id}/documents/{slot}"
    yield "get", documents, "200", a.get(f"{one}/documents/meter_photo", asha.access_token)
    yield "get", documents, "200", a.get(f"{one}/documents/disputed_bill", officer)
    yield "get", documents, "404", a.get(f"{one}/documents/no_such_slot", asha.access_token)


def catalogue_journey(a: Applications) -> Iterator[Answer]:
    """The catalogue's keepers putting back what is there (so the shared demo state stays as seeded)."""
    water = next(d for d in DEMO_STATE["departments"] if d["code"] == "WATER")
    department = {"names": water["names"], "description": water.get("description", {})}
    head = a.staff_token("department_head", department="WATER")
    yield "put", "/departments/{code}", "200", a.put("/departments/WATER", department, a.admin_token)
    yield "put", "/departments/{code}", "403", a.put("/departments/WATER", department, head)
    yield "put", "/departments/{code}", "422", a.put("/departments/WATER", {"names": {"hi": "जल"}}, a.admin_token)
    seeded = next(s for s in DEMO_STATE["services"] if s["code"] == SERVICE)
    service = {k: v for k, v in seeded.items() if k != "code"}
    same = a.put(f"/services/{SERVICE}", service, head)
    assert same.json_body["form_version"] == 1, same.body  # nothing changed, nothing versioned
    yield "put", "/services/{code}", "200", same
    roads_head = a.staff_token("department_head", department="ROADS")
    yield "put", "/services/{code}", "403", a.put(f"/services/{SERVICE}", service, roads_head)
    open_form = {"type": "object", "properties": {"n": {"type": "string"}}}
    yield "put", "/services/{code}", "422", a.put(f"/services/{SERVICE}", {**service, "form": open_form}, head)
    yield "get", "/services/{code}", "200", a.api.get(f"/services/{SERVICE}")


@pytest.mark.parametrize("journey", [application_journey, catalogue_journey], ids=["application", "catalogue"])
def test_application_answers_match_their_documented_schema(applications, journey):
    assert_answers_documented(journey(applications))
