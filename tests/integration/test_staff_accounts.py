"""Staff accounts: a password someone else chose opens nothing but its own change; what the
state cell switches off, only the state cell switches back on; logins are limited per
address as well as per account."""

from __future__ import annotations

from itertools import count

from chalicelib.domain.identity import Role, claim_key
from chalicelib.models import citizens, officers
from chalicelib.models.sessions import LOGIN_PREFIX, RefreshSessionRecord
from tests.integration.conftest import PASSWORD, bearer, post
from tests.integration.staff import TEMPORARY_PASSWORD, appoint

_addresses = count(1)


def from_a_fresh_address(monkeypatch) -> str:
    """Every request of the test comes from one address no other test uses: the suite's
    per-source counters are shared by everything from 127.0.0.1."""
    from chalice.local import LambdaEventConverter

    number = next(_addresses)
    address = f"203.0.{113 + number // 250}.{number % 250 + 1}"
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", address)
    return address


def logins_of(subject_id: str) -> int:
    return sum(1 for r in RefreshSessionRecord.by_subject.query(subject_id) if r.token_hash.startswith(LOGIN_PREFIX))


# --- temporary passwords -------------------------------------------------------------------


def test_a_new_officer_reaches_nothing_until_the_temporary_password_is_changed(api, staff_token):
    # Given an officer the state cell created with a password it chose
    meera = appoint(api, staff_token("state_admin"), own_password=False)

    # When they log in with it
    login = post(api, "/auth/login", meera.credentials)
    token = login.json_body["access_token"]

    # Then the answer says so, and every route but the password change is closed
    assert login.status_code == 200 and login.json_body["password_change_required"] is True
    for path in ("/officer/grievances", "/me", "/officer/applications", "/grievances/OD-000000-000000"):
        refused = api.get(path, headers=bearer(token))
        assert refused.status_code == 403, path
        assert refused.json_body["error"]["code"] == "password_change_required"

    # When they change it, the same token opens their work at once; new logins are plain
    assert meera.change_password(token).status_code == 204
    assert api.get("/officer/grievances", headers=bearer(token)).status_code == 200
    again = post(api, "/auth/login", meera.credentials)
    assert again.status_code == 200 and again.json_body["password_change_required"] is False
    assert post(api, "/auth/login", {**meera.credentials, "password": TEMPORARY_PASSWORD}).status_code == 401


def test_a_leaked_temporary_password_cannot_act_for_the_state_cell(api, staff_token):
    # Given a new state_admin whose temporary password someone else read first
    intruder = appoint(
        api, staff_token("state_admin"), own_password=False, role="state_admin", department=None, district=None
    ).log_in()
    email = "planted.officer@od.gov.in"

    # When that someone tries to appoint an officer of their own
    planted = post(
        api,
        "/officers",
        {"name": "Planted", "role": "state_admin", "mobile": "+919812345670", "email": email, "password": PASSWORD},
        intruder,
    )

    # Then it is refused and no such account exists
    assert planted.status_code == 403 and planted.json_body["error"]["code"] == "password_change_required"
    assert citizens.find_claim_owners([claim_key("officer", "email", email)]) == {}


def test_seeded_demo_staff_start_with_their_passwords_already_changed(api, stack):
    for role in ("officer", "supervisor", "department_head", "state_admin"):
        account = next(a for a in stack.seed.accounts if a.role == role)
        login = post(api, "/auth/login", {"username": account.username, "password": account.password})

        assert login.status_code == 200 and login.json_body["password_change_required"] is False, role
        assert api.get("/me", headers=bearer(login.json_body["access_token"])).status_code == 200, role


# --- who may switch an account back on -----------------------------------------------------


def test_a_department_head_cannot_undo_a_deactivation_by_the_state_cell(api, staff_token):
    # Given a water officer the state cell switched off
    admin, water_head = staff_token("state_admin"), staff_token("department_head", department="WATER")
    meera = appoint(api, admin)
    assert meera.set_active(admin, False).status_code == 200

    # When the water department head switches them back on, or "off" to make it their own
    back_on = meera.set_active(water_head, True)
    taken_over = meera.set_active(water_head, False)

    # Then both are refused and the account stays off, the state cell's doing
    for refused in (back_on, taken_over):
        assert refused.status_code == 403
        assert refused.json_body["error"]["code"] == "deactivated_by_state_cell"
    stored = officers.get_officer(meera.officer_id)
    assert stored is not None and not stored.active and stored.deactivated_by is Role.STATE_ADMIN
    assert post(api, "/auth/login", meera.credentials).status_code == 403

    # And the state cell itself can switch them back on
    assert meera.set_active(admin, True).status_code == 200
    assert api.get("/officer/grievances", headers=bearer(meera.log_in())).status_code == 200


def test_a_department_head_switches_back_on_whom_they_switched_off(api, staff_token):
    water_head = staff_token("department_head", department="WATER")
    meera = appoint(api, staff_token("state_admin"))

    assert meera.set_active(water_head, False).status_code == 200
    assert officers.get_officer(meera.officer_id).deactivated_by is Role.DEPARTMENT_HEAD  # type: ignore[union-attr]
    assert meera.set_active(water_head, True).status_code == 200
    stored = officers.get_officer(meera.officer_id)
    assert stored is not None and stored.active and stored.deactivated_by is None


def test_a_department_head_cannot_touch_another_departments_officer(api, staff_token):
    health_officer = appoint(api, staff_token("state_admin"), department="HEALTH")

    refused = health_officer.set_active(staff_token("department_head", department="WATER"), False)

    assert refused.status_code == 404
    assert officers.get_officer(health_officer.officer_id).active  # type: ignore[union-attr]


# --- how often one may try -----------------------------------------------------------------


def test_logins_from_one_address_are_limited_even_with_the_right_password(api, citizen, rate_limits, monkeypatch):
    # Given a citizen, and an address that may try 3 logins an hour
    person = citizen()
    before = logins_of(person.citizen_id)
    rate_limits("logins_per_source=3/1h")
    from_a_fresh_address(monkeypatch)
    wrong = {"username": person.mobile, "password": "not the password"}
    right = {"username": person.mobile, "password": PASSWORD}

    # When it tries a 4th time within the hour
    answers = [post(api, "/auth/login", body) for body in (wrong, wrong, right, right)]

    # Then that one is refused before the password is looked at, and starts no login
    assert [a.status_code for a in answers] == [401, 401, 200, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 3600
    assert logins_of(person.citizen_id) == before + 1
    # while the same account logs in from another address
    from_a_fresh_address(monkeypatch)
    assert post(api, "/auth/login", right).status_code == 200
