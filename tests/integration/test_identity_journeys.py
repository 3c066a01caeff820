"""Citizens and officers through the identity API: register, verify, log in, refresh,
change, erase — and every way a request can be wrong, answered with a 4xx naming the field."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from chalicelib.clock import utc_now
from chalicelib.domain.errors import InvalidInput
from chalicelib.services import limits
from chalicelib.services import register_citizen as registration
from tests.integration.conftest import PASSWORD, bearer, post, unique_aadhaar, unique_mobile


def error(response) -> dict:
    return response.json_body["error"]


# --- registration --------------------------------------------------------------------------


def test_register_verify_login_and_read_my_masked_profile(api, register, latest_otp):
    # Given a registration in Hindi with a Devanagari and emoji name
    person = register(name="आशा देवी 🙂", language="hi")

    # When the citizen confirms the code the SMS carried and logs in
    sms = latest_otp(person.mobile)
    verified = post(api, "/citizens/verify", {"mobile": person.mobile, "otp": sms})
    login = post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD})
    me = api.get("/me", headers=bearer(login.json_body["access_token"]))

    # Then they are active, their name is kept as typed and the national ID is masked
    assert verified.json_body == {"citizen_id": person.citizen_id, "status": "active"}
    assert login.status_code == 200 and login.json_body["role"] == "citizen"
    assert login.json_body["expires_in"] == 15 * 60
    digits = person.national_id.replace(" ", "")
    assert me.json_body["name"] == "आशा देवी 🙂"
    assert me.json_body["national_id"] == f"XXXX-XXXX-{digits[-4:]}"
    assert digits not in me.body.decode() and digits[:8] not in me.body.decode()


def test_the_otp_sms_is_in_the_citizens_language(register, outbox):
    person = register(language="hi")

    (sms,) = outbox(person.mobile)

    assert "सत्यापन कोड" in sms["text"]


def test_a_pending_registration_is_no_account_until_its_mobile_is_verified(api, register):
    person = register()

    response = post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD})
    unknown = post(api, "/auth/login", {"username": unique_mobile(), "password": PASSWORD})

    # It claims no login name: the same answer as for a number nobody registered.
    assert response.status_code == 401
    assert response.json_body == unknown.json_body


@pytest.mark.parametrize(
    "change, field",
    [
        ({"national_id": "1234 5678 9012"}, "national_id"),
        ({"national_id": "2345 6789 0123"}, "national_id"),  # wrong Verhoeff check digit
        ({"national_id": "ABCDE-1234567-1"}, "national_id"),
        ({"mobile": "12345"}, "mobile"),
        ({"mobile": "+91 11 2334 5678"}, "mobile"),  # a landline cannot receive the OTP
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "password1"}, "password"),
        ({"language": "xx"}, "language"),
        ({"name": "  "}, "name"),
        ({"name": "Asha\u202eDevi"}, "name"),
        ({"address": {"line": "x", "district": "ATLANTIS", "pincode": "751001"}}, "address.district"),
        ({"address": {"line": "x", "district": "KHORDHA", "pincode": "051001"}}, "address.pincode"),
        ({"address": {"line": "x", "district": "KHORDHA"}}, "address.pincode"),
        ({"role": "state_admin"}, "role"),
        ({"status": "active"}, "status"),
        ({"mobile": 9876543210}, "mobile"),
    ],
)
def test_bad_registrations_are_4xx_naming_the_field_and_store_nothing(api, stack, registration_body, change, field):
    body = registration_body(**change)

    response = post(api, "/citizens", body)

    assert response.status_code == 422, response.body
    assert error(response)["field"] == field
    assert post(api, "/auth/login", {"username": body["email"], "password": PASSWORD}).status_code == 401


@pytest.mark.parametrize("missing", ["name", "national_id", "mobile", "password", "address"])
def test_a_missing_field_is_named(api, stack, registration_body, missing):
    body = registration_body()
    del body[missing]

    response = post(api, "/citizens", body)

    assert response.status_code == 422
    assert error(response)["field"] == missing


def test_unreadable_and_oversized_bodies_are_rejected_cleanly(api, stack):
    not_json = api.post("/citizens", headers={"Content-Type": "application/json"}, body="{name: 'x'")
    a_list = api.post("/citizens", headers={"Content-Type": "application/json"}, body="[1, 2]")
    huge = api.post(
        "/citizens", headers={"Content-Type": "application/json"}, body=json.dumps({"name": "x" * 10_000_000})
    )

    assert (not_json.status_code, error(not_json)["code"]) == (400, "malformed_request")
    assert (a_list.status_code, error(a_list)["code"]) == (400, "malformed_request")
    assert (huge.status_code, error(huge)["code"]) == (413, "payload_too_large")


def test_a_cnic_registers_and_is_masked_in_its_own_layout(api, citizen):
    person = citizen(national_id="35202-1234567-1")

    me = api.get("/me", headers=bearer(person.access_token)).json_body

    assert me["national_id"] == "XXXXX-XXXX567-1"


# --- one-time codes ------------------------------------------------------------------------


def test_three_wrong_codes_burn_the_code(api, register, latest_otp):
    person = register()
    right = latest_otp(person.mobile)
    wrong = "000000" if right != "000000" else "111111"

    answers = [post(api, "/citizens/verify", {"mobile": person.mobile, "otp": wrong}) for _ in range(3)]
    late = post(api, "/citizens/verify", {"mobile": person.mobile, "otp": right})

    assert [a.status_code for a in answers] == [422, 422, 422]
    assert late.status_code == 422 and error(late)["field"] == "otp"
    # Wrong and burnt codes answer alike: nothing tells how many tries are left.
    assert {a.body for a in answers} == {late.body}


def test_a_resend_replaces_the_code_and_a_code_works_once(api, register, latest_otp):
    person = register()
    first = latest_otp(person.mobile)

    assert post(api, "/auth/otp", {"mobile": person.mobile}).status_code == 202
    second = latest_otp(person.mobile)
    if first != second:  # one in a million they coincide
        assert post(api, "/citizens/verify", {"mobile": person.mobile, "otp": first}).status_code == 422
    assert post(api, "/citizens/verify", {"mobile": person.mobile, "otp": second}).status_code == 200
    assert post(api, "/citizens/verify", {"mobile": person.mobile, "otp": second}).status_code == 422


def test_sends_to_one_mobile_are_limited_with_retry_after(api, register):
    for _ in range(2):  # the windows are fixed: a run that straddles one's end is run again
        window = limits.window_of(utc_now(), 15 * 60)[0]
        person = register()  # one send
        answers = [post(api, "/auth/otp", {"mobile": person.mobile}) for _ in range(3)]
        if limits.window_of(utc_now(), 15 * 60)[0] == window:
            break

    assert [a.status_code for a in answers] == [202, 202, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 15 * 60


def test_asking_a_code_for_an_unknown_mobile_looks_the_same_and_sends_nothing(api, stack, outbox):
    mobile = unique_mobile()

    response = post(api, "/auth/otp", {"mobile": mobile})

    assert response.status_code == 202
    assert outbox(mobile) == []


def test_a_code_expires_after_five_minutes(stack, registration_body, latest_otp):
    # Given a registration made six minutes ago (the service takes its clock as an argument)
    body = registration_body()
    then = utc_now() - timedelta(minutes=6)
    registration.register_citizen(
        registration.Registration(
            name=body["name"],
            national_id=body["national_id"],
            mobile=body["mobile"],
            email=body["email"],
            password=body["password"],
            address_line="1 Road",
            address_district="PURI",
            address_pincode="752001",
        ),
        now=then,
    )
    code = latest_otp(body["mobile"])

    # Then the right code is refused now
    with pytest.raises(InvalidInput) as refused:
        registration.verify_citizen(body["mobile"], code)
    assert refused.value.field == "otp"


# --- login and sessions --------------------------------------------------------------------


def test_unknown_user_and_wrong_password_get_the_same_answer(api, citizen):
    person = citizen()

    unknown = post(api, "/auth/login", {"username": "nobody@example.in", "password": PASSWORD})
    wrong = post(api, "/auth/login", {"username": person.email, "password": PASSWORD + "!"})

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json_body == wrong.json_body


def test_five_failures_lock_the_username_even_against_the_right_password(api, citizen):
    person = citizen()

    failures = [post(api, "/auth/login", {"username": person.mobile, "password": "wrong-password"}) for _ in range(5)]
    locked = post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD})

    assert [f.status_code for f in failures] == [401] * 5
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


def test_a_success_clears_earlier_failures(api, citizen):
    person = citizen()
    for _ in range(4):
        post(api, "/auth/login", {"username": person.mobile, "password": "wrong-password"})

    assert post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).status_code == 200
    for _ in range(4):
        post(api, "/auth/login", {"username": person.mobile, "password": "wrong-password"})
    assert post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).status_code == 200


def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_login(api, citizen):
    person = citizen()

    rotated = post(api, "/auth/refresh", {"refresh_token": person.refresh_token})
    before_replay = api.get("/me", headers=bearer(rotated.json_body["access_token"]))
    replayed = post(api, "/auth/refresh", {"refresh_token": person.refresh_token})
    after_replay = post(api, "/auth/refresh", {"refresh_token": rotated.json_body["refresh_token"]})

    assert rotated.status_code == 200 and rotated.json_body["refresh_token"] != person.refresh_token
    assert before_replay.status_code == 200
    assert replayed.status_code == 401
    assert after_replay.status_code == 401  # the whole family was revoked...
    assert api.get("/me", headers=bearer(rotated.json_body["access_token"])).status_code == 401  # ...tokens too


def test_logout_ends_the_login(api, citizen):
    person = citizen()

    assert post(api, "/auth/logout", {"refresh_token": person.refresh_token}).status_code == 204
    assert post(api, "/auth/refresh", {"refresh_token": person.refresh_token}).status_code == 401


def test_a_password_change_ends_every_other_login_and_swaps_the_password(api, citizen):
    person = citizen()
    other_login = post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).json_body

    wrong_current = post(
        api,
        "/me/password",
        {"current_password": "nope-nope-nope", "new_password": "new passphrase!"},
        person.access_token,
    )
    changed = post(
        api, "/me/password", {"current_password": PASSWORD, "new_password": "new passphrase!"}, person.access_token
    )

    assert wrong_current.status_code == 422 and error(wrong_current)["field"] == "current_password"
    assert changed.status_code == 204
    assert post(api, "/auth/refresh", {"refresh_token": other_login["refresh_token"]}).status_code == 401
    assert post(api, "/auth/refresh", {"refresh_token": person.refresh_token}).status_code == 200  # this login
    assert post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).status_code == 401
    assert post(api, "/auth/login", {"username": person.mobile, "password": "new passphrase!"}).status_code == 200


# --- profile -------------------------------------------------------------------------------


def patch_me(api, token: str, body: dict):
    return api.request(
        method="PATCH", path="/me", headers={**bearer(token), "Content-Type": "application/json"}, body=json.dumps(body)
    )


def test_a_citizen_corrects_name_language_and_address(api, citizen):
    person = citizen()

    response = patch_me(
        api,
        person.access_token,
        {
            "name": "Asha Kumari",
            "language": "hi",
            "address": {"line": "4 Temple Rd", "district": "PURI", "pincode": "752001"},
        },
    )

    assert response.status_code == 200
    assert (response.json_body["name"], response.json_body["language"]) == ("Asha Kumari", "hi")
    assert response.json_body["address"]["district"] == "PURI"


@pytest.mark.parametrize(
    "body, field",
    [({"role": "state_admin"}, "role"), ({"status": "active"}, "status"), ({"national_id": "x"}, "national_id")],
)
def test_a_citizen_cannot_patch_what_is_not_theirs_to_set(api, citizen, body, field):
    person = citizen()

    response = patch_me(api, person.access_token, body)

    assert response.status_code == 422 and error(response)["field"] == field


def test_a_new_mobile_counts_only_after_its_own_code(api, citizen, latest_otp):
    person = citizen()
    new_mobile = unique_mobile()

    pending = patch_me(api, person.access_token, {"mobile": new_mobile})
    before = post(api, "/auth/login", {"username": new_mobile, "password": PASSWORD})
    confirmed = post(api, "/me/mobile/verify", {"otp": latest_otp(new_mobile)}, person.access_token)

    assert pending.status_code == 200
    assert (pending.json_body["mobile"], pending.json_body["pending_mobile"]) == (person.mobile, new_mobile)
    assert before.status_code == 401
    assert confirmed.status_code == 200 and confirmed.json_body["mobile"] == new_mobile
    assert post(api, "/auth/login", {"username": new_mobile, "password": PASSWORD}).status_code == 200
    assert post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).status_code == 401


def test_erasure_wipes_personal_data_keeps_the_id_and_frees_the_identifiers(
    api, citizen, registration_body, latest_otp
):
    person = citizen()

    receipt = api.delete("/me", headers=bearer(person.access_token))

    assert receipt.status_code == 200
    assert receipt.json_body["citizen_id"] == person.citizen_id and receipt.json_body["status"] == "erased"
    assert re.match(r"^era-", receipt.json_body["receipt_id"])
    # Every login ended: even the live access token (its session was revoked).
    assert api.get("/me", headers=bearer(person.access_token)).status_code == 401
    assert post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).status_code == 401
    assert post(api, "/auth/refresh", {"refresh_token": person.refresh_token}).status_code == 401
    # The national ID and mobile are free again: a new registration with them verifies.
    again = registration_body(national_id=person.national_id, mobile=person.mobile, email=person.email)
    assert post(api, "/citizens", again).status_code == 201
    verified = post(api, "/citizens/verify", {"mobile": person.mobile, "otp": latest_otp(person.mobile)})
    assert verified.status_code == 200


def test_erasure_also_takes_the_personal_data_out_of_the_citizens_grievances(api, citizen, file_grievance):
    person = citizen()
    file_grievance(person)

    receipt = api.delete("/me", headers=bearer(person.access_token))

    assert receipt.status_code == 200
    erased = receipt.json_body["erased"]
    assert {"name", "national_id", "mobile", "grievance_descriptions", "grievance_locations"} <= set(erased)


# --- officers ------------------------------------------------------------------------------


def new_officer_body(**overrides) -> dict:
    body = {
        "name": "Meera Patnaik",
        "role": "officer",
        "department": "WATER",
        "district": "CUTTACK",
        "mobile": unique_mobile(),
        "email": f"meera.{unique_aadhaar()[-4:]}.{unique_mobile()[-5:]}@od.gov.in",
        "password": "an officer passphrase",
    }
    body.update(overrides)
    return body


def test_the_state_cell_creates_an_officer_who_can_log_in(api, staff_token):
    body = new_officer_body()

    created = post(api, "/officers", body, staff_token("state_admin"))
    login = post(api, "/auth/login", {"username": body["email"], "password": body["password"]})

    assert created.status_code == 201
    assert {k: created.json_body[k] for k in ("role", "department", "district")} == {
        "role": "officer",
        "department": "WATER",
        "district": "CUTTACK",
    }
    assert login.status_code == 200 and login.json_body["role"] == "officer"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"department": None}, "department"),
        ({"department": "NOPE"}, "department"),
        ({"district": None}, "district"),
        ({"role": "department_head"}, "district"),
        ({"role": "state_admin", "district": None}, "department"),
        ({"role": "emperor"}, "role"),
    ],
)
def test_an_officer_must_be_placed_where_their_role_sits(api, staff_token, change, field):
    response = post(api, "/officers", new_officer_body(**change), staff_token("state_admin"))

    assert response.status_code == 422 and error(response)["field"] == field


def test_an_officers_email_is_unique_among_officers(api, staff_token):
    admin = staff_token("state_admin")
    first = new_officer_body()
    post(api, "/officers", first, admin)

    again = post(api, "/officers", new_officer_body(email=first["email"]), admin)

    assert again.status_code == 409 and error(again)["field"] == "email"


def test_an_officer_can_also_be_a_citizen_with_the_same_mobile(api, staff_token, citizen):
    person = citizen()

    created = post(api, "/officers", new_officer_body(mobile=person.mobile), staff_token("state_admin"))

    assert created.status_code == 201
    as_citizen = post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD})
    as_officer = post(api, "/auth/login", {"username": person.mobile, "password": "an officer passphrase"})
    assert (as_citizen.json_body["role"], as_officer.json_body["role"]) == ("citizen", "officer")


def test_a_deactivated_officer_cannot_log_in_or_refresh(api, staff_token):
    body = new_officer_body()
    officer_id = post(api, "/officers", body, staff_token("state_admin")).json_body["officer_id"]
    session = post(api, "/auth/login", {"username": body["email"], "password": body["password"]}).json_body

    deactivated = api.request(
        method="PATCH",
        path=f"/officers/{officer_id}",
        headers={**bearer(staff_token("department_head", department="WATER")), "Content-Type": "application/json"},
        body=json.dumps({"active": False}),
    )

    assert deactivated.status_code == 200 and deactivated.json_body["active"] is False
    assert post(api, "/auth/login", {"username": body["email"], "password": body["password"]}).status_code == 403
    assert post(api, "/auth/refresh", {"refresh_token": session["refresh_token"]}).status_code == 401


def test_a_deactivated_officers_live_access_token_stops_working_at_once(api, staff_token):
    body = new_officer_body()
    officer_id = post(api, "/officers", body, staff_token("state_admin")).json_body["officer_id"]
    token = post(api, "/auth/login", {"username": body["email"], "password": body["password"]}).json_body[
        "access_token"
    ]
    # The state cell chose that password: it opens nothing until changed.
    own = {"current_password": body["password"], "new_password": "an officer's own passphrase"}
    assert post(api, "/me/password", own, token).status_code == 204
    assert api.get("/officer/grievances", headers=bearer(token)).status_code == 200

    set_active(api, staff_token("state_admin"), officer_id, False)

    refused = api.get("/officer/grievances", headers=bearer(token))
    assert refused.status_code == 401


def set_active(api, token: str, officer_id: str, active: bool):
    return api.request(
        method="PATCH",
        path=f"/officers/{officer_id}",
        headers={**bearer(token), "Content-Type": "application/json"},
        body=json.dumps({"active": active}),
    )


def test_a_department_head_manages_officers_but_not_a_fellow_head(api, staff_token):
    admin = staff_token("state_admin")
    water_head = staff_token("department_head", department="WATER")
    officer_id = post(api, "/officers", new_officer_body(), admin).json_body["officer_id"]
    head_id = post(api, "/officers", new_officer_body(role="department_head", district=None), admin).json_body[
        "officer_id"
    ]

    assert set_active(api, water_head, officer_id, False).status_code == 200
    refused = set_active(api, water_head, head_id, False)
    assert refused.status_code == 403
    assert set_active(api, admin, head_id, False).status_code == 200


def test_parallel_wrong_passwords_cannot_exceed_the_lockout(citizen):
    from concurrent.futures import ThreadPoolExecutor

    from chalicelib.domain.errors import RateLimited, Unauthenticated
    from chalicelib.services import sessions

    person = citizen()

    def attempt(_: int) -> str:
        try:
            sessions.log_in(person.email, "not the password at all")
        except Unauthenticated:
            return "401"
        except RateLimited:
            return "429"
        return "200"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(attempt, range(12)))

    assert outcomes.count("401") == 5 and outcomes.count("429") == 7


def test_wrong_current_passwords_are_limited_like_failed_logins(api, citizen):
    person = citizen()
    wrong = {"current_password": "nope-nope-nope", "new_password": "new passphrase!"}

    answers = [post(api, "/me/password", wrong, person.access_token).status_code for _ in range(6)]
    right = post(api, "/me/password", {**wrong, "current_password": PASSWORD}, person.access_token)

    assert answers == [422] * 5 + [429]
    assert right.status_code == 429


def test_a_refused_new_mobile_changes_nothing_else(api, citizen):
    ravi = citizen()

    response = patch_me(api, ravi.access_token, {"name": "Ravi Kumar", "mobile": "+44 7400 123456"})

    assert response.status_code == 422 and error(response)["field"] == "mobile"
    me = api.get("/me", headers=bearer(ravi.access_token)).json_body
    assert (me["name"], me["pending_mobile"]) == ("Asha Devi", None)


def test_erasure_leaves_someone_elses_claim_on_a_pending_mobile_alone(api, citizen, register, latest_otp):
    asha = citizen()
    wanted = unique_mobile()
    assert patch_me(api, asha.access_token, {"mobile": wanted}).status_code == 200
    ravi = register(mobile=wanted)  # registers the number Asha never confirmed
    assert post(api, "/citizens/verify", {"mobile": ravi.mobile, "otp": latest_otp(ravi.mobile)}).status_code == 200

    assert api.delete("/me", headers=bearer(asha.access_token)).status_code == 200

    assert post(api, "/auth/login", {"username": ravi.mobile, "password": PASSWORD}).status_code == 200
    # Ravi still holds the number: a registration with it creates nothing and tells him.
    again = post(api, "/citizens", registration_body_for_mobile(ravi.mobile))
    assert again.status_code == 201
    assert post(api, "/auth/login", {"username": ravi.mobile, "password": PASSWORD}).status_code == 200


def registration_body_for_mobile(mobile: str) -> dict:
    return {
        "name": "Someone Else",
        "national_id": unique_aadhaar(),
        "mobile": mobile,
        "password": PASSWORD,
        "address": {"line": "1 Station Road", "district": "KHORDHA", "pincode": "751001"},
    }


def test_codes_and_counters_are_stored_without_the_mobile_number(register, stack):
    from chalicelib.models.counters import Counter
    from chalicelib.models.otp_challenges import OtpChallengeRecord

    person = register()
    digits = person.mobile.lstrip("+")

    stored = [str(item.attribute_values) for item in OtpChallengeRecord.scan()]
    stored += [str(item.attribute_values) for item in Counter.scan()]

    assert stored and not [line for line in stored if digits in line or digits[-10:] in line]


def test_a_body_that_is_not_json_by_its_content_type_gets_the_same_error_shape(api, stack):
    response = api.post("/auth/login", headers={"Content-Type": "text/plain"}, body="username=a&password=b")

    assert response.status_code == 415
    assert response.json_body["error"]["code"] == "unsupported_media_type"
    assert response.json_body["error"]["field"] == "Content-Type"
