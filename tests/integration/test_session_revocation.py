"""A login that ends takes its access tokens with it, at once, not 15 minutes later.

Each test is the attack: someone holds a copy of an access token (a shared computer, a
leaked log, a stolen phone) and keeps using it after the login it belongs to has ended.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt

from chalicelib.config import get_settings
from chalicelib.models import grievances
from chalicelib.models.sessions import LOGIN_PREFIX, RefreshSessionRecord
from tests.integration.conftest import PASSWORD, bearer, post
from tests.integration.staff import appoint


def filings_of(citizen_id: str) -> list:
    return grievances.citizen_grievances(citizen_id, limit=10, cursor=None).cases


def login_ids_of(subject_id: str) -> set[str]:
    """The logins stored for a subject, ended or not."""
    return {
        record.family_id
        for record in RefreshSessionRecord.by_subject.query(subject_id)
        if record.token_hash.startswith(LOGIN_PREFIX)
    }


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_after_logging_out_the_old_access_token_files_nothing(api, citizen, grievance_body):
    # Given a citizen whose access token works
    person = citizen()
    assert api.get("/grievances", headers=bearer(person.access_token)).status_code == 200

    # When they log out, and someone replays the access token they had
    assert post(api, "/auth/logout", {"refresh_token": person.refresh_token}).status_code == 204
    read = api.get("/grievances", headers=bearer(person.access_token))
    filed = post(api, "/grievances", grievance_body(), person.access_token)

    # Then it is refused like no token at all, and nothing was filed
    assert read.status_code == filed.status_code == 401
    assert read.json_body["error"]["code"] == "unauthenticated"
    assert read.headers["WWW-Authenticate"] == "Bearer"
    assert filings_of(person.citizen_id) == []


def test_a_read_that_checks_the_login_with_its_case_shows_nothing_after_logging_out(api, citizen, file_grievance):
    # Given a citizen with a grievance, whose reads of it check the login in the same call
    # as the grievance (standing_login.checked_with_first_read)
    person = citizen()
    tracking_id = file_grievance(person).json_body["tracking_id"]
    assert api.get(f"/grievances/{tracking_id}", headers=bearer(person.access_token)).status_code == 200

    # When they log out, and the access token is replayed on the reads of one case: theirs,
    # one that does not exist, and one that cannot (refused before anything is read)
    post(api, "/auth/logout", {"refresh_token": person.refresh_token})
    paths = [
        f"/grievances/{tracking_id}",
        f"/grievances/{tracking_id}/history",
        "/grievances/OD-000000-000000",
        "/grievances/not-a-tracking-id",
        "/applications/OD-APP-000000-000000",
    ]
    answers = {path: api.get(path, headers=bearer(person.access_token)) for path in paths}

    # Then each is a 401, never the case and never a 404 that tells one id from another
    assert {path: a.status_code for path, a in answers.items()} == dict.fromkeys(paths, 401)
    assert all(a.json_body["error"]["code"] == "unauthenticated" for a in answers.values())


def test_logging_out_ends_that_login_only(api, citizen):
    # Given a citizen logged in on two devices
    person = citizen()
    phone = post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).json_body

    # When the first device logs out
    post(api, "/auth/logout", {"refresh_token": person.refresh_token})

    # Then the phone's login still stands
    assert api.get("/grievances", headers=bearer(person.access_token)).status_code == 401
    assert api.get("/grievances", headers=bearer(phone["access_token"])).status_code == 200


def test_a_password_change_ends_the_other_logins_access_tokens(api, citizen, grievance_body):
    # Given a thief logged in with a stolen password, and the owner logged in too
    person = citizen()
    thief = post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).json_body
    assert api.get("/grievances", headers=bearer(thief["access_token"])).status_code == 200

    # When the owner changes the password
    changed = post(
        api,
        "/me/password",
        {"current_password": PASSWORD, "new_password": "a new long passphrase"},
        person.access_token,
    )

    # Then the thief's access token is refused at once, the owner's own login goes on
    assert changed.status_code == 204
    assert post(api, "/grievances", grievance_body(), thief["access_token"]).status_code == 401
    assert filings_of(person.citizen_id) == []
    assert api.get("/grievances", headers=bearer(person.access_token)).status_code == 200


def test_a_replayed_refresh_token_ends_the_access_tokens_of_its_login(api, citizen):
    # Given a login whose refresh token was copied, and used by the copier first
    person = citizen()
    copier = post(api, "/auth/refresh", {"refresh_token": person.refresh_token}).json_body
    assert api.get("/grievances", headers=bearer(copier["access_token"])).status_code == 200

    # When the owner's app presents the same refresh token
    replayed = post(api, "/auth/refresh", {"refresh_token": person.refresh_token})

    # Then the whole login ends: every access token issued to it, the copier's included
    assert replayed.status_code == 401
    assert api.get("/grievances", headers=bearer(copier["access_token"])).status_code == 401
    assert api.get("/grievances", headers=bearer(person.access_token)).status_code == 401
    assert post(api, "/auth/refresh", {"refresh_token": copier["refresh_token"]}).status_code == 401


def test_erasing_the_account_ends_every_login(api, citizen):
    # Given a citizen logged in on two devices
    person = citizen()
    other = post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).json_body

    # When they erase their account from one
    assert api.delete("/me", headers=bearer(person.access_token)).status_code == 200

    # Then neither device's access token opens anything
    assert api.get("/grievances", headers=bearer(other["access_token"])).status_code == 401
    assert api.get("/me", headers=bearer(person.access_token)).status_code == 401


def test_after_an_officer_logs_out_their_old_access_token_acts_on_nothing(
    api, stack, citizen, routed_grievance, admin_token
):
    # Given a grievance in a seeded officer's queue, and one login of that officer
    tracking_id = routed_grievance(citizen())
    owner_id = api.get(f"/grievances/{tracking_id}", headers=bearer(admin_token)).json_body["assigned_to"]
    owner = next(a for a in stack.seed.accounts if a.officer_id == owner_id)
    credentials = {"username": owner.username, "password": owner.password}
    login = post(api, "/auth/login", credentials).json_body
    before = grievances.get_grievance(tracking_id)

    # When they log out and the access token is replayed to reject the grievance
    post(api, "/auth/logout", {"refresh_token": login["refresh_token"]})
    replayed = post(
        api, f"/grievances/{tracking_id}/actions", {"action": "reject", "note": "Not ours."}, login["access_token"]
    )

    # Then it is refused and the grievance is untouched; the officer's next login works
    assert replayed.status_code == 401
    assert grievances.get_grievance(tracking_id) == before
    fresh = post(api, "/auth/login", credentials).json_body["access_token"]
    assert api.get("/officer/grievances", headers=bearer(fresh)).status_code == 200


def test_a_deactivated_officers_access_token_is_refused_at_once(api, staff_token):
    # Given an officer at work
    officer = appoint(api, staff_token("state_admin"))
    token = officer.log_in()
    assert api.get("/officer/grievances", headers=bearer(token)).status_code == 200

    # When the state cell deactivates them
    assert officer.set_active(staff_token("state_admin"), False).status_code == 200

    # Then the token they hold stops working, on a read of one case too, and logging in
    # again is refused
    assert api.get("/officer/grievances", headers=bearer(token)).status_code == 401
    assert api.get("/grievances/OD-000000-000000", headers=bearer(token)).status_code == 401
    assert post(api, "/auth/login", officer.credentials).status_code == 403


def test_a_token_naming_no_login_is_refused_even_when_signed_with_the_right_key(api, citizen):
    # None is issued without `sid`; one without it could not be ended by logging out.
    # Given a real citizen's token, re-signed without its login, or naming one never made
    person = citizen()
    claims = claims_of(person.access_token)
    settings = get_settings()
    without_login = {k: v for k, v in claims.items() if k != "sid"}
    made_up_login = {**claims, "sid": "login-made-up"}
    later = int((datetime.now(UTC) + timedelta(minutes=5)).timestamp())

    answers = [
        api.get("/grievances", headers=bearer(jwt.encode({**c, "exp": later}, settings.jwt_signing_key, "HS256")))
        for c in (without_login, made_up_login)
    ]

    # Then both are refused: a token must name a login that stands
    assert [a.status_code for a in answers] == [401, 401]
    assert claims["sid"] in login_ids_of(person.citizen_id)
