"""Who may call what: every route of the app against one role matrix, and forged tokens.

The matrix is the specification; a meta-test fails when a route is added without a row,
and every (route, role) pair is exercised through the real handlers.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from chalicelib.config import get_settings
from chalicelib.domain.identity import Role
from chalicelib.handlers.cors import is_preflight
from tests.integration.conftest import bearer, post

PUBLIC = "public"
CITIZEN, OFFICER, SUPERVISOR, HEAD, ADMIN = (
    Role.CITIZEN,
    Role.OFFICER,
    Role.SUPERVISOR,
    Role.DEPARTMENT_HEAD,
    Role.STATE_ADMIN,
)
EVERYONE = frozenset(Role)

OPEN311_LISTS = ("services", "requests", "servicerequestupdates")

MATRIX: dict[tuple[str, str], str | frozenset[Role]] = {
    ("/health", "GET"): PUBLIC,
    ("/openapi.json", "GET"): PUBLIC,
    ("/districts", "GET"): PUBLIC,
    ("/departments", "GET"): PUBLIC,
    ("/services", "GET"): PUBLIC,
    ("/services/{code}", "GET"): PUBLIC,
    ("/categories", "GET"): PUBLIC,
    ("/dev/accounts", "GET"): PUBLIC,
    ("/dev/outbox", "GET"): PUBLIC,
    ("/citizens", "POST"): PUBLIC,
    ("/citizens/verify", "POST"): PUBLIC,
    ("/auth/otp", "POST"): PUBLIC,
    ("/auth/password-reset", "POST"): PUBLIC,
    ("/auth/password-reset/confirm", "POST"): PUBLIC,
    ("/auth/login", "POST"): PUBLIC,
    ("/auth/refresh", "POST"): PUBLIC,
    ("/auth/logout", "POST"): PUBLIC,
    ("/me", "GET"): EVERYONE,
    ("/me", "PATCH"): frozenset({CITIZEN}),
    ("/me", "DELETE"): frozenset({CITIZEN}),
    ("/me/mobile/verify", "POST"): frozenset({CITIZEN}),
    ("/me/email/verify", "POST"): frozenset({CITIZEN}),
    ("/citizens/{citizen_id}/release-national-id", "POST"): frozenset({ADMIN}),
    ("/me/password", "POST"): EVERYONE,
    ("/officers", "POST"): frozenset({ADMIN}),
    ("/officers", "GET"): frozenset({SUPERVISOR, HEAD, ADMIN}),
    ("/officers/{officer_id}", "PATCH"): frozenset({HEAD, ADMIN}),
    # Staff file only for a citizen who confirms with a code (on_behalf_of: test_channels.py).
    ("/grievances", "POST"): EVERYONE,
    ("/grievances", "GET"): frozenset({CITIZEN}),
    ("/grievances/{tracking_id}", "GET"): EVERYONE,
    ("/grievances/{tracking_id}/history", "GET"): EVERYONE,
    ("/grievances/{tracking_id}/notifications", "GET"): frozenset({OFFICER, SUPERVISOR, HEAD, ADMIN}),
    ("/grievances/{tracking_id}/actions", "POST"): frozenset({OFFICER, SUPERVISOR, HEAD, ADMIN}),
    ("/grievances/{tracking_id}/reply", "POST"): frozenset({CITIZEN}),
    ("/grievances/{tracking_id}/feedback", "POST"): frozenset({CITIZEN}),
    ("/grievances/{tracking_id}/reopen", "POST"): frozenset({CITIZEN}),
    ("/grievances/{tracking_id}/appeal", "POST"): frozenset({CITIZEN}),
    ("/grievances/{tracking_id}/metoo", "POST"): frozenset({CITIZEN}),
    ("/grievances/metoo/{offer}", "POST"): frozenset({CITIZEN}),
    ("/officer/grievances", "GET"): frozenset({OFFICER, SUPERVISOR, HEAD, ADMIN}),
    ("/track/{tracking_id}", "GET"): PUBLIC,
    ("/departments/{code}/webhook", "GET"): frozenset({ADMIN}),
    ("/departments/{code}/webhook", "PUT"): frozenset({ADMIN}),
    ("/webhooks/dead-letters", "GET"): frozenset({ADMIN}),
    ("/departments/{code}", "PUT"): frozenset({ADMIN}),
    ("/districts/{code}", "PUT"): frozenset({ADMIN}),
    ("/categories/{code}", "PUT"): frozenset({ADMIN}),
    ("/calendar", "GET"): PUBLIC,
    ("/calendar", "PUT"): frozenset({ADMIN}),
    ("/admin/audit", "GET"): frozenset({ADMIN}),
    ("/staff/grievances", "GET"): frozenset({SUPERVISOR, HEAD, ADMIN}),
    ("/staff/applications", "GET"): frozenset({SUPERVISOR, HEAD, ADMIN}),
    ("/staff/search", "GET"): frozenset({OFFICER, SUPERVISOR, HEAD, ADMIN}),
    ("/reports/departments", "GET"): frozenset({SUPERVISOR, HEAD, ADMIN}),
    ("/reports/districts", "GET"): frozenset({SUPERVISOR, HEAD, ADMIN}),
    ("/reports/officers", "GET"): frozenset({SUPERVISOR, HEAD, ADMIN}),
    ("/reports/alerts", "GET"): frozenset({SUPERVISOR, HEAD, ADMIN}),
    ("/reports/export.csv", "GET"): frozenset({SUPERVISOR, HEAD, ADMIN}),
    ("/public/performance", "GET"): PUBLIC,
    ("/services/{code}", "PUT"): frozenset({HEAD, ADMIN}),
    ("/uploads", "POST"): frozenset({CITIZEN}),
    ("/applications", "POST"): frozenset({CITIZEN}),
    ("/applications", "GET"): frozenset({CITIZEN}),
    ("/applications/{tracking_id}", "GET"): EVERYONE,
    ("/applications/{tracking_id}/actions", "POST"): EVERYONE,
    ("/applications/{tracking_id}/documents/{slot}", "GET"): EVERYONE,
    ("/officer/applications", "GET"): frozenset({OFFICER, SUPERVISOR, HEAD, ADMIN}),
    # Signed by the provider instead of a login (test_channels.py).
    ("/channels/{channel}/inbound", "POST"): PUBLIC,
    # Open311 reads need no key; filing needs a client's api_key (test_open311.py).
    **{(f"/open311/v2/{resource}.{fmt}", "GET"): PUBLIC for resource in OPEN311_LISTS for fmt in ("json", "xml")},
    ("/open311/v2/requests.json", "POST"): PUBLIC,
    ("/open311/v2/requests.xml", "POST"): PUBLIC,
    ("/open311/v2/services/{code_fmt}", "GET"): PUBLIC,
    ("/open311/v2/requests/{id_fmt}", "GET"): PUBLIC,
}
PROTECTED = sorted((route, rules) for route, rules in MATRIX.items() if rules != PUBLIC)


def served_routes(chalice_app) -> dict[tuple[str, str], object]:
    return {
        (path, method): entry.view_function
        for path, entries in chalice_app.app.routes.items()
        for method, entry in entries.items()
        if not is_preflight(entry.view_function)  # CORS preflight: public on every path (test_cors.py)
    }


def test_every_route_of_the_app_has_a_row_in_the_matrix(chalice_app):
    assert set(served_routes(chalice_app)) == set(MATRIX)


def test_every_route_declares_exactly_the_access_of_its_row(chalice_app):
    declared = {route: view.allowed_roles for route, view in served_routes(chalice_app).items()}

    assert declared == {route: (None if rules == PUBLIC else rules) for route, rules in MATRIX.items()}


@pytest.fixture(scope="module")
def tokens() -> dict:
    return {}


@pytest.fixture
def token_of(tokens, staff_token, citizen):
    def run(role: Role, fresh: bool = False) -> str:
        if role is CITIZEN:
            if fresh:  # erased by the test: its login ends, so it is not kept for the next
                return citizen().access_token
            if CITIZEN not in tokens:
                tokens[CITIZEN] = citizen().access_token
            return tokens[CITIZEN]
        if role not in tokens:
            tokens[role] = staff_token(role.value, department="WATER" if role is not ADMIN else None)
        return tokens[role]

    return run


def call(api, route: tuple[str, str], token: str | None):
    path, method = route
    url = path.replace("{officer_id}", "off-does-not-exist").replace("{tracking_id}", "OD-000000-AAAAAA")
    url = url.replace("{offer}", "0" * 32).replace("{citizen_id}", "cit-does-not-exist")
    headers = {"Content-Type": "application/json", **(bearer(token) if token else {})}
    return api.request(method=method, path=url, headers=headers, body=json.dumps({}))


@pytest.mark.parametrize("route, allowed", PROTECTED, ids=lambda v: " ".join(v) if isinstance(v, tuple) else "")
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_gets_through_exactly_where_its_row_allows(api, stack, token_of, route, allowed, role):
    token = token_of(role, fresh=route == ("/me", "DELETE"))

    response = call(api, route, token)

    if role in allowed:
        assert response.status_code != 401
        assert response.json_body is None or response.json_body.get("error", {}).get("code") != "role_not_allowed"
    else:
        assert response.status_code == 403
        assert response.json_body["error"]["code"] == "role_not_allowed"


@pytest.mark.parametrize("route", [route for route, _ in PROTECTED], ids=" ".join)
def test_without_a_token_every_protected_route_answers_401(api, stack, route):
    response = call(api, route, None)

    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate") == "Bearer"


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "no token")
def test_the_public_figures_answer_everyone(api, stack, token_of, role):
    response = call(api, ("/public/performance", "GET"), token_of(role) if role else None)

    assert response.status_code == 200, response.body
    assert {"departments", "districts"} <= set(response.json_body)


# The subject and login of a real state_admin login (`real_login`): a forged token names a
# login that stands, so only the defect it is forged with can be why it is refused.
LOGIN: dict[str, str] = {}


@pytest.fixture
def real_login(admin_token) -> None:
    claims = jwt.decode(admin_token, options={"verify_signature": False})
    LOGIN.update(sub=claims["sub"], sid=claims["sid"])


def forge(**overrides) -> str:
    settings = get_settings()
    now = datetime.now(UTC)
    claims = {
        "sub": LOGIN.get("sub", "off-state-admin"),
        "sid": LOGIN.get("sid"),
        "role": "state_admin",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    key = overrides.pop("key", settings.jwt_signing_key)
    algorithm = overrides.pop("algorithm", "HS256")
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm=algorithm)


def unsigned(**overrides) -> str:
    _, payload, _ = forge(**overrides).split(".")
    none_header = jwt.utils.base64url_encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).decode()
    return f"{none_header}.{payload}."


FORGED = {
    "alg none": lambda: unsigned(),
    "wrong key": lambda: forge(key="another-key-of-at-least-thirty-two-chars"),
    "expired": lambda: forge(exp=int((datetime.now(UTC) - timedelta(seconds=5)).timestamp())),
    "wrong audience": lambda: forge(aud="citizen-crm:punjab"),
    "wrong issuer": lambda: forge(iss="someone-else"),
    "no expiry": lambda: forge(exp=None),
    "unknown role": lambda: forge(role="superuser"),
    "not a jwt": lambda: "definitely.not.a-token",
    "HS512 with the right key": lambda: forge(algorithm="HS512"),
    "no login named": lambda: forge(sid=None),
    "a login never made": lambda: forge(sid="login-never-made"),
}


@pytest.mark.parametrize("kind", sorted(FORGED))
def test_a_forged_or_stale_token_is_401(api, stack, real_login, kind):
    response = api.get("/me", headers=bearer(FORGED[kind]()))

    assert response.status_code == 401
    assert response.json_body["error"]["code"] == "unauthenticated"


def test_a_real_token_of_the_same_shape_is_accepted(api, stack, real_login):
    # The forging helper itself is sound: with nothing overridden the token works.
    response = api.get("/me", headers=bearer(forge()))

    assert response.status_code == 200
    assert response.json_body["role"] == "state_admin"


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Bearer  ", "abc"])
def test_a_malformed_authorization_header_is_401(api, stack, header):
    assert api.get("/me", headers={"Authorization": header}).status_code == 401


# --- reach within a role: departments and districts ----------------------------------------


def test_a_department_head_cannot_touch_another_departments_officer_and_learns_nothing(api, stack, staff_token):
    water_head = staff_token("department_head", department="WATER")
    electricity_officer = next(a for a in stack.seed.accounts if a.department == "ELECTRICITY" and a.role == "officer")

    response = api.request(
        method="PATCH",
        path=f"/officers/{electricity_officer.officer_id}",
        headers={**bearer(water_head), "Content-Type": "application/json"},
        body=json.dumps({"active": False}),
    )
    missing = api.request(
        method="PATCH",
        path="/officers/off-no-such-officer",
        headers={**bearer(water_head), "Content-Type": "application/json"},
        body=json.dumps({"active": False}),
    )

    assert response.status_code == missing.status_code == 404
    assert response.json_body == missing.json_body


def test_a_department_head_lists_only_their_department(api, stack, staff_token):
    water_head = staff_token("department_head", department="WATER")

    own = api.get("/officers?department=WATER", headers=bearer(water_head))
    other = api.get("/officers?department=HEALTH", headers=bearer(water_head))

    assert own.status_code == 200 and {o["department"] for o in own.json_body["officers"]} == {"WATER"}
    assert other.status_code == 403


def test_a_supervisor_sees_only_the_officers_of_their_district(api, stack, staff_token):
    supervisor = next(a for a in stack.seed.accounts if a.role == "supervisor" and a.department == "ROADS")
    token = staff_token("supervisor", department="ROADS", district=supervisor.district)

    listed = api.get("/officers", headers=bearer(token)).json_body["officers"]

    assert listed
    assert {(o["department"], o["district"]) for o in listed} == {("ROADS", supervisor.district)}


def test_a_citizen_profile_is_only_ever_its_own(api, citizen):
    asha, ravi = citizen(), citizen()

    assert api.get("/me", headers=bearer(asha.access_token)).json_body["citizen_id"] == asha.citizen_id
    assert api.get("/me", headers=bearer(ravi.access_token)).json_body["citizen_id"] == ravi.citizen_id


def test_posting_to_officers_as_a_department_head_is_refused(api, stack, staff_token):
    response = post(
        api,
        "/officers",
        {"name": "X", "role": "state_admin", "mobile": "+919811111111", "email": "x@od.gov.in", "password": "p" * 12},
        token=staff_token("department_head", department="WATER"),
    )

    assert response.status_code == 403


# --- reach within a role: the level a grievance has reached ------------------------------------

HIDDEN, REFUSED, ALLOWED = "404", "403", "acts"
# role × the level a Khordha water grievance has reached → what that role's seat gets when it
# moves the grievance. The officer is the one it was routed to (level 0); the others are the
# Khordha water supervisor, the water department head and the state cell.
LEVEL_MATRIX: dict[int, dict[Role, str]] = {
    0: {OFFICER: ALLOWED, SUPERVISOR: ALLOWED, HEAD: ALLOWED, ADMIN: ALLOWED},
    1: {OFFICER: HIDDEN, SUPERVISOR: ALLOWED, HEAD: ALLOWED, ADMIN: ALLOWED},
    2: {OFFICER: HIDDEN, SUPERVISOR: REFUSED, HEAD: ALLOWED, ADMIN: ALLOWED},
    3: {OFFICER: HIDDEN, SUPERVISOR: REFUSED, HEAD: REFUSED, ADMIN: ALLOWED},
}
GATED_MOVES = {
    "accept": {},
    "request_info": {"note": "Which house?"},
    "transfer": {"department": "ROADS", "note": "Not ours."},
    "reassign": {"officer_id": "off-does-not-exist"},
    "resolve": {"note": "Fixed."},
    "reject": {"note": "Not a grievance."},
}


@pytest.fixture
def grievance_at_level(api, citizen, routed_grievance, admin_token) -> Callable[[int], tuple[str, str]]:
    """A routed water grievance in Khordha escalated to `level` by its own SLA timer (the
    real breach handler, with `now` just after each deadline). Returns (tracking id, the
    officer it was first routed to)."""
    from chalicelib.models import grievances
    from chalicelib.services.grievance_timers import TimerMessage, handle_timer_event

    def run(level: int) -> tuple[str, str]:
        tracking_id = routed_grievance(citizen(), location={"district": "KHORDHA"})
        first_owner = api.get(f"/grievances/{tracking_id}", headers=bearer(admin_token)).json_body["assigned_to"]
        for _ in range(level):
            g = grievances.get_grievance(tracking_id)
            assert g is not None and g.due_at is not None
            breach = TimerMessage("sla_breached", tracking_id, g.level, g.timer_seq)
            moved = handle_timer_event(breach, now=g.due_at + timedelta(1))
            assert moved == "escalated"
        return tracking_id, first_owner

    return run


@pytest.mark.parametrize("level", sorted(LEVEL_MATRIX))
def test_each_role_moves_a_grievance_only_from_the_level_it_has_reached(
    api, stack, staff_token, officer_token, grievance_at_level, level
):
    from chalicelib.models import audit_trail, grievances

    # Given a grievance at `level`, and a token for each role's seat over it
    tracking_id, first_owner = grievance_at_level(level)
    tokens = {
        OFFICER: officer_token(first_owner),
        SUPERVISOR: staff_token("supervisor", department="WATER", district="KHORDHA"),
        HEAD: staff_token("department_head", department="WATER"),
        ADMIN: staff_token("state_admin"),
    }
    rows = LEVEL_MATRIX[level]

    def move(role: Role, action: str, **fields):
        return post(api, f"/grievances/{tracking_id}/actions", {"action": action, **fields}, tokens[role])

    # When every seat below the level tries every move that closes, moves or pauses it
    before, trail = grievances.get_grievance(tracking_id), len(audit_trail.history(tracking_id))
    for role in (r for r, row in rows.items() if row != ALLOWED):
        for action, fields in GATED_MOVES.items():
            answer = move(role, action, **fields)
            # Then the officer no longer sees it; the seats in sight are refused by level
            expected = {HIDDEN: (404, "not_found"), REFUSED: (403, "above_your_level")}[rows[role]]
            assert (answer.status_code, answer.json_body["error"]["code"]) == expected, (role, action)
        if rows[role] == REFUSED:  # an internal note is still theirs to add
            assert move(role, "comment", note=f"{role.value} adds what the district knows.").status_code == 200
    after = grievances.get_grievance(tracking_id)
    assert (after.status, after.level, after.assignee_id, after.due_at) == (
        before.status,
        before.level,
        before.assignee_id,
        before.due_at,
    )
    notes = sum(1 for row in rows.values() if row == REFUSED)
    assert [e["event"] for e in audit_trail.history(tracking_id)[trail:]] == ["commented"] * notes

    # And every seat at the level or above gets past the gate: the first accepts, the
    # others are told the state has moved on (409), never that the level is above them
    answers = [move(role, "accept") for role, row in rows.items() if row == ALLOWED]
    assert [a.status_code for a in answers] == [200] + [409] * (len(answers) - 1)
