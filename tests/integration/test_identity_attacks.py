"""Attacks on the doors of identity, each as the request sequence an outsider would send:
an identifier oracle at registration, squatting someone's national ID (and the state cell
settling it), registrations that linger, SMS pumping abroad, floods from one address, OTP
guessing, and an unverified email used as a login or a target. Each asserts the refusal
and that nothing was claimed, stored or sent."""

from __future__ import annotations

import itertools
import json
import re
from datetime import timedelta

import pytest

from chalicelib.clock import utc_now
from chalicelib.domain.audit import first_broken_entry
from chalicelib.domain.contact import normalize_mobile
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.identity import claim_key, mask_mobile, parse_national_id
from chalicelib.models import audit_trail, citizens
from chalicelib.models.citizens import CitizenRecord
from chalicelib.security.keyed_hash import keyed_hash
from chalicelib.services import register_citizen as registration
from tests.integration.conftest import PASSWORD, Person, bearer, post, unique_aadhaar, unique_mobile

FOREIGN_MOBILE = "+44 7400 123456"
_addresses = itertools.count(1)


def from_one_address(monkeypatch) -> str:
    """Every request of the test comes from one address no other test uses (the suite's
    per-source counters are shared by everything from 127.0.0.1)."""
    from chalice.local import LambdaEventConverter

    number = next(_addresses)
    address = f"198.51.{number // 250}.{number % 250 + 1}"
    monkeypatch.setattr(LambdaEventConverter, "LOCAL_SOURCE_IP", address)
    return address


def error(response) -> dict:
    return response.json_body["error"]


def national_id_claim(national_id: str) -> str:
    return claim_key("citizen", "national_id", keyed_hash("national_id", parse_national_id(national_id).lookup_key()))


def holder_of(key: str) -> str | None:
    owner = citizens.find_claim_owners([key]).get(key)
    return owner[1] if owner else None


def stored_registrations_for(mobile: str) -> list[str]:
    """Citizen records (pending or not) on `mobile`."""
    return [r.citizen_id for r in CitizenRecord.scan(CitizenRecord.mobile == normalize_mobile(mobile))]


def codes_in(messages: list[dict]) -> list[str]:
    return [code for m in messages for code in re.findall(r"\b(\d{6})\b", m["text"])]


def verify(api, mobile: str, otp: str):
    return post(api, "/citizens/verify", {"mobile": mobile, "otp": otp})


def patch_me(api, token: str, body: dict):
    return api.request(
        method="PATCH", path="/me", headers={**bearer(token), "Content-Type": "application/json"}, body=json.dumps(body)
    )


def email_code(outbox, email: str) -> str:
    (code,) = codes_in([m for m in outbox(email) if m["channel"] == "email"][-1:])
    return code


def confirm_email(api, outbox, person: Person):
    return post(api, "/me/email/verify", {"otp": email_code(outbox, person.email)}, person.access_token)


@pytest.fixture
def unconfirmed_citizen(api, register, latest_otp):
    """A verified, logged-in citizen whose registration email still waits for its code."""

    def run(**overrides) -> Person:
        person = register(**overrides)
        assert verify(api, person.mobile, latest_otp(person.mobile)).status_code == 200
        tokens = post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}).json_body
        person.access_token, person.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return person

    return run


def release(api, token: str, citizen_id: str, reason: str = "Aadhaar letter and photo checked at the district office"):
    return post(api, f"/citizens/{citizen_id}/release-national-id", {"reason": reason}, token)


# --- the oracle ----------------------------------------------------------------------------


def shape(response) -> tuple[int, tuple[str, ...], str]:
    return response.status_code, tuple(sorted(response.json_body)), response.json_body["status"]


def test_registration_answers_alike_whatever_someone_else_holds(api, unconfirmed_citizen, registration_body, outbox):
    # Given an active citizen with a verified email
    victim = unconfirmed_citizen()
    assert confirm_email(api, outbox, victim).status_code == 200

    # When strangers register with the victim's national ID, email or mobile, and one with nothing of theirs
    fresh = post(api, "/citizens", registration_body())
    with_national_id = post(api, "/citizens", registration_body(national_id=victim.national_id.replace(" ", "-")))
    with_email = post(api, "/citizens", registration_body(email=victim.email.upper()))
    with_mobile = post(api, "/citizens", registration_body(mobile=victim.mobile))

    # Then every answer is a 201 of the same shape: nothing tells which identifier is held
    answers = [fresh, with_national_id, with_email, with_mobile]
    assert {shape(a) for a in answers} == {(201, ("citizen_id", "otp_sent_to", "status"), "pending_verification")}
    assert with_mobile.json_body["otp_sent_to"] == mask_mobile(victim.mobile)
    # ...and nothing was claimed: the victim still holds every identifier, alone
    assert holder_of(national_id_claim(victim.national_id)) == victim.citizen_id
    assert holder_of(claim_key("citizen", "email", victim.email)) == victim.citizen_id
    assert holder_of(claim_key("citizen", "mobile", victim.mobile)) == victim.citizen_id
    # ...no account was made on the victim's mobile, and no code went to it: the holder is told instead
    assert stored_registrations_for(victim.mobile) == [victim.citizen_id]
    assert citizens.get_citizen(with_mobile.json_body["citizen_id"]) is None
    last_sms = [m for m in outbox(victim.mobile) if m["channel"] == "sms"][-1]
    assert "tried to register a new account with this mobile" in last_sms["text"]
    assert codes_in([last_sms]) == []


def test_a_stranger_cannot_verify_a_registration_on_someone_elses_mobile(api, citizen, registration_body):
    victim = citizen()
    answer = post(api, "/citizens", registration_body(mobile=victim.mobile))

    guesses = [verify(api, victim.mobile, f"{n:06d}") for n in range(3)]

    assert answer.status_code == 201
    assert [g.status_code for g in guesses] == [422] * 3
    assert citizens.get_citizen(answer.json_body["citizen_id"]) is None


# --- squatting, and the state cell's release -----------------------------------------------


def test_a_squatted_national_id_is_a_nameless_409_the_holder_is_told_and_nothing_changes(
    api, register, citizen, latest_otp, outbox
):
    # Given a squatter who registered the victim's Aadhaar with their own mobile, and proved it
    victims_aadhaar = unique_aadhaar()
    squatter = citizen(national_id=victims_aadhaar)

    # When the real owner registers and proves their mobile
    owner = register(national_id=victims_aadhaar)
    refused = verify(api, owner.mobile, latest_otp(owner.mobile))

    # Then: 409 identity_conflict naming no field
    assert refused.status_code == 409
    assert error(refused)["code"] == "identity_conflict" and error(refused)["field"] is None
    # ...the squatter (the holder) is told by SMS
    assert (
        "tried to register your national ID"
        in [m for m in outbox(squatter.mobile) if m["channel"] == "sms"][-1]["text"]
    )
    # ...and nothing else changed: the owner stays pending, claims nothing, cannot log in
    assert citizens.get_citizen(owner.citizen_id).status.value == "pending_verification"
    assert holder_of(national_id_claim(victims_aadhaar)) == squatter.citizen_id
    assert holder_of(claim_key("citizen", "mobile", owner.mobile)) is None
    assert post(api, "/auth/login", {"username": owner.mobile, "password": PASSWORD}).status_code == 401


def test_the_state_cell_releases_a_squatted_national_id_audited_and_the_owner_then_registers(
    api, register, citizen, latest_otp, outbox, admin_token
):
    # Given a squatter holding the owner's Aadhaar, and the owner refused at verification
    aadhaar = unique_aadhaar()
    squatter = citizen(national_id=aadhaar)
    owner = register(national_id=aadhaar)
    assert verify(api, owner.mobile, latest_otp(owner.mobile)).status_code == 409

    # When the state cell, having checked the papers, releases the squatter's claim
    released = release(api, admin_token, squatter.citizen_id)

    # Then the claim is gone from the squatter's account, which keeps its login
    assert released.status_code == 200, released.body
    digits = aadhaar.replace(" ", "")
    assert released.json_body["released_national_id"] == f"XXXX-XXXX-{digits[-4:]}"
    assert holder_of(national_id_claim(aadhaar)) is None
    me = api.get("/me", headers=bearer(squatter.access_token)).json_body
    assert me["national_id"] is None
    # ...the act is on the squatter's hash-chained trail, with who did it and why
    trail = audit_trail.history(squatter.citizen_id)
    assert [(e["event"], e["actor_role"]) for e in trail] == [("national_id_released", "state_admin")]
    assert trail[0]["note"] == "Aadhaar letter and photo checked at the district office"
    assert digits not in json.dumps(trail)
    assert first_broken_entry(squatter.citizen_id, trail, *citizens.audit_head(squatter.citizen_id)) is None
    # ...and on the state cell's administrative trail, pointing there without the reason
    (settled,) = api.get(f"/admin/audit?subject=citizen/{squatter.citizen_id}", headers=bearer(admin_token)).json_body[
        "entries"
    ]
    assert (settled["event"], settled["actor_role"]) == ("national_id_released", "state_admin")
    assert settled["details"] == {"citizen_trail_seq": 1}
    # ...the squatter is told by SMS
    assert "removed the national ID" in [m for m in outbox(squatter.mobile) if m["channel"] == "sms"][-1]["text"]
    # ...and the owner's new registration now verifies
    again = register(national_id=aadhaar, mobile=owner.mobile)
    assert verify(api, again.mobile, latest_otp(again.mobile)).status_code == 200
    assert holder_of(national_id_claim(aadhaar)) == again.citizen_id


def test_a_second_release_of_the_same_claim_is_409_and_audited_once(api, citizen, admin_token):
    squatter = citizen()
    assert release(api, admin_token, squatter.citizen_id).status_code == 200

    again = release(api, admin_token, squatter.citizen_id)

    assert again.status_code == 409
    assert len(audit_trail.history(squatter.citizen_id)) == 1


@pytest.mark.parametrize("role", ["officer", "supervisor", "department_head"])
def test_only_the_state_cell_releases_a_national_id(api, citizen, staff_token, role):
    person = citizen()

    refused = release(api, staff_token(role), person.citizen_id)
    by_citizen = release(api, person.access_token, person.citizen_id)

    assert refused.status_code == by_citizen.status_code == 403
    assert holder_of(national_id_claim(person.national_id)) == person.citizen_id
    assert audit_trail.history(person.citizen_id) == []


def test_releasing_for_an_unknown_citizen_is_404_and_a_reason_is_required(api, citizen, admin_token):
    person = citizen()

    assert release(api, admin_token, "cit-nobody").status_code == 404
    no_reason = post(api, f"/citizens/{person.citizen_id}/release-national-id", {}, admin_token)
    assert no_reason.status_code == 422 and error(no_reason)["field"] == "reason"
    assert holder_of(national_id_claim(person.national_id)) == person.citizen_id


# --- pending registrations never block, and lapse -----------------------------------------


def test_a_pending_registration_of_someones_national_id_never_blocks_them(api, register, latest_otp):
    # Given a stranger's unverified registration of the owner's Aadhaar
    aadhaar = unique_aadhaar()
    register(national_id=aadhaar)

    # When the owner registers with it and proves their mobile
    owner = register(national_id=aadhaar)

    # Then they are the holder
    assert verify(api, owner.mobile, latest_otp(owner.mobile)).status_code == 200
    assert holder_of(national_id_claim(aadhaar)) == owner.citizen_id


def test_a_second_registration_on_a_waiting_mobile_cancels_both_and_hijacks_nothing(api, register, latest_otp, outbox):
    # Given the owner's registration waiting for its code on their mobile
    mobile = unique_mobile()
    owner = register(mobile=mobile)
    owners_code = latest_otp(mobile)

    # When a stranger registers the same mobile with their own password (their code would
    # reach the owner's phone, and the owner would type the newest code they got)
    stranger = register(mobile=mobile, password="the stranger's own passphrase")
    last_sms = [m for m in outbox(mobile) if m["channel"] == "sms"][-1]

    # Then neither registration can be verified, the owner is told, and the stranger's
    # registration was never stored
    assert "cancelled" in last_sms["text"] and not codes_in([last_sms])
    assert verify(api, mobile, owners_code).status_code == 422
    assert citizens.get_citizen(owner.citizen_id).registration_lapsed(utc_now())
    assert citizens.get_citizen(stranger.citizen_id) is None
    assert stored_registrations_for(mobile) == [owner.citizen_id]
    for login in (owner.password, "the stranger's own passphrase"):
        assert post(api, "/auth/login", {"username": mobile, "password": login}).status_code == 401

    # And the owner, starting again, is the one activated
    again = register(mobile=mobile)
    verified = verify(api, mobile, latest_otp(mobile))
    assert verified.status_code == 200 and verified.json_body["citizen_id"] == again.citizen_id


def test_the_same_person_registering_again_just_gets_a_fresh_code(api, register, latest_otp):
    # Given a registration waiting for its code
    mobile = unique_mobile()
    first = register(mobile=mobile)

    # When the same person (same password) registers again
    second = register(mobile=mobile)
    verified = verify(api, mobile, latest_otp(mobile))

    # Then the newer registration is the one activated
    assert verified.status_code == 200 and verified.json_body["citizen_id"] == second.citizen_id
    assert citizens.get_citizen(first.citizen_id).status.value == "pending_verification"


def lapsing_registration(body: dict, hours_ago: float):
    return registration.register_citizen(
        registration.Registration(
            name=body["name"],
            national_id=body["national_id"],
            mobile=body["mobile"],
            password=body["password"],
            address_line="1 Road",
            address_district="PURI",
            address_pincode="752001",
        ),
        now=utc_now() - timedelta(hours=hours_ago),
    )


def test_a_registration_lapses_after_24_hours_even_with_a_live_code(stack, registration_body, latest_otp):
    # Given a registration made 24 h 2 min ago, whose code was resent 3 minutes before it lapsed
    body = registration_body()
    made = lapsing_registration(body, hours_ago=24 + 2 / 60)
    registration.resend_code(body["mobile"], now=utc_now() - timedelta(minutes=3))
    code = latest_otp(body["mobile"])

    # When the (still live) code is entered now, the registration has lapsed: refused like any bad code
    with pytest.raises(InvalidInput) as refused:
        registration.verify_citizen(body["mobile"], code)

    assert refused.value.field == "otp" and "wrong or has expired" in refused.value.message
    assert citizens.get_citizen(made.citizen_id).status.value == "pending_verification"
    assert holder_of(national_id_claim(body["national_id"])) is None
    assert holder_of(claim_key("citizen", "mobile", normalize_mobile(body["mobile"]))) is None


def test_a_lapsed_registration_gets_no_new_code(api, stack, registration_body, outbox):
    body = registration_body()
    lapsing_registration(body, hours_ago=25)
    sent_before = len(outbox(body["mobile"]))

    answer = post(api, "/auth/otp", {"mobile": body["mobile"]})

    assert answer.status_code == 202
    assert len(outbox(body["mobile"])) == sent_before


# --- SMS pumping ---------------------------------------------------------------------------


def test_a_foreign_mobile_is_refused_everywhere_and_gets_no_sms(api, registration_body, citizen, outbox):
    person = citizen()

    registered = post(api, "/citizens", registration_body(mobile=FOREIGN_MOBILE))
    resent = post(api, "/auth/otp", {"mobile": FOREIGN_MOBILE})
    changed = patch_me(api, person.access_token, {"mobile": FOREIGN_MOBILE})

    for answer in (registered, resent, changed):
        assert answer.status_code == 422 and error(answer)["field"] == "mobile"
    assert outbox(normalize_mobile(FOREIGN_MOBILE)) == []
    assert stored_registrations_for(FOREIGN_MOBILE) == []
    assert api.get("/me", headers=bearer(person.access_token)).json_body["pending_mobile"] is None


def test_changing_to_one_new_mobile_after_another_cannot_pump_sms(api, citizen, outbox):
    # Given a citizen (whose verification already used one of their mobile's 3 codes)
    person = citizen()
    targets = [unique_mobile() for _ in range(4)]

    # When they ask for one new mobile after another
    answers = [patch_me(api, person.access_token, {"mobile": mobile}) for mobile in targets]

    # Then the account's code budget runs out (the limit counts the account, not each target)
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert int(answers[2].headers["Retry-After"]) > 0
    assert [len(outbox(mobile)) for mobile in targets] == [1, 1, 0, 0]


def test_a_stage_that_serves_another_country_takes_its_mobiles(api, registration_body, monkeypatch):
    from chalicelib.config import get_settings

    monkeypatch.setenv("MOBILE_REGIONS", "GB")
    get_settings.cache_clear()
    try:
        registered = post(api, "/citizens", registration_body(mobile=FOREIGN_MOBILE))
        indian = post(api, "/citizens", registration_body())
    finally:
        monkeypatch.delenv("MOBILE_REGIONS")
        get_settings.cache_clear()

    assert registered.status_code == 201, registered.body
    assert indian.status_code == 422 and error(indian)["field"] == "mobile"


# --- floods from one address ---------------------------------------------------------------


def test_registrations_from_one_address_are_limited_and_a_refused_one_leaves_nothing(
    api, stack, registration_body, rate_limits, outbox, monkeypatch
):
    rate_limits("registrations_per_source=2/1h")
    from_one_address(monkeypatch)
    bodies = [registration_body() for _ in range(3)]

    answers = [post(api, "/citizens", body) for body in bodies]

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 3600
    assert stored_registrations_for(bodies[-1]["mobile"]) == []
    assert outbox(normalize_mobile(bodies[-1]["mobile"])) == []


def test_codes_requested_from_one_address_are_limited_on_every_public_path(
    api, stack, register, registration_body, rate_limits, outbox, monkeypatch
):
    # Given a registration, made elsewhere
    person = register()
    rate_limits("otp_sends_per_source=2/1h")
    from_one_address(monkeypatch)
    before = len(outbox(person.mobile))

    # When one address asks for a resend, then registers someone else, then asks again
    resent = post(api, "/auth/otp", {"mobile": person.mobile})
    body = registration_body()
    registered = post(api, "/citizens", body)
    again = post(api, "/auth/otp", {"mobile": person.mobile})

    # Then the third request of the window is refused and sends and stores nothing
    assert (resent.status_code, registered.status_code, again.status_code) == (202, 201, 429)
    assert int(again.headers["Retry-After"]) > 0
    assert len(outbox(person.mobile)) == before + 1
    refused_registration = post(api, "/citizens", registration_body())
    assert refused_registration.status_code == 429


# --- one-time codes ------------------------------------------------------------------------


def test_a_code_sent_for_a_mobile_change_cannot_be_spent_at_registration(api, citizen, latest_otp):
    # Given a citizen moving to a new mobile (a mobile_change code waits there)
    person = citizen()
    new_mobile = unique_mobile()
    assert patch_me(api, person.access_token, {"mobile": new_mobile}).status_code == 200
    code = latest_otp(new_mobile)

    # When someone fires guesses (and even the right code) at the registration door
    wrong_door = [verify(api, new_mobile, guess) for guess in (code, "000000", "111111", code)]

    # Then all are refused and none of the code's three tries was spent: it still works where it belongs
    assert {a.status_code for a in wrong_door} == {422}
    confirmed = post(api, "/me/mobile/verify", {"otp": code}, person.access_token)
    assert confirmed.status_code == 200 and confirmed.json_body["mobile"] == new_mobile


def test_every_failing_code_answers_the_same(api, register, latest_otp):
    person = register()
    right = latest_otp(person.mobile)
    wrong = "000000" if right != "000000" else "111111"

    never_sent = verify(api, unique_mobile(), right)
    wrong_code = verify(api, person.mobile, wrong)
    assert verify(api, person.mobile, right).status_code == 200
    used = verify(api, person.mobile, right)

    assert [a.status_code for a in (never_sent, wrong_code, used)] == [422] * 3
    assert never_sent.body == wrong_code.body == used.body
    assert error(used) == {"code": "invalid_input", "message": error(used)["message"], "field": "otp"}


def test_a_stranger_guessing_cannot_use_up_the_owners_day(api, register, latest_otp, rate_limits, monkeypatch):
    # Given 3 guesses a day at one mobile from one address, and a registration awaiting its code
    rate_limits("otp_guesses_per_mobile_and_source=3/1d")
    person = register()
    code = latest_otp(person.mobile)
    wrong = "000000" if code != "000000" else "111111"

    # When a stranger guesses from their address until refused
    from_one_address(monkeypatch)
    stranger = [verify(api, person.mobile, wrong).status_code for _ in range(4)]

    # Then the stranger is stopped, and the owner, from their own address, still gets in with
    # a fresh code (the first one's 3 tries were spent by the stranger)
    assert stranger == [422, 422, 422, 429]
    from_one_address(monkeypatch)
    assert post(api, "/auth/otp", {"mobile": person.mobile}).status_code == 202
    assert verify(api, person.mobile, latest_otp(person.mobile)).status_code == 200


def test_guesses_at_one_mobile_are_capped_per_day_across_codes(api, register, latest_otp, rate_limits):
    # Given a daily cap of 4 guesses (3 per code)
    rate_limits("otp_guesses_per_mobile=4/1d")
    person = register()
    for _ in range(3):
        verify(api, person.mobile, "000000")

    # When a new code is asked for and guessing goes on
    assert post(api, "/auth/otp", {"mobile": person.mobile}).status_code == 202
    fourth = verify(api, person.mobile, "000000")
    fifth = verify(api, person.mobile, latest_otp(person.mobile))

    # Then the fifth guess is refused even with the right code, and the registration stays pending
    assert fourth.status_code == 422
    assert fifth.status_code == 429 and int(fifth.headers["Retry-After"]) > 0
    assert citizens.get_citizen(person.citizen_id).status.value == "pending_verification"


# --- email ---------------------------------------------------------------------------------


def test_an_unverified_email_is_neither_a_login_nor_a_target(
    api, unconfirmed_citizen, file_grievance, deliver_notifications, outbox
):
    # Given a citizen who chose email for their messages but never confirmed the address
    person = unconfirmed_citizen()
    assert patch_me(api, person.access_token, {"notify_by": ["email"]}).status_code == 200

    # When they file a grievance and someone tries the email as a login
    tracking_id = file_grievance(person).json_body["tracking_id"]
    deliver_notifications()
    login = post(api, "/auth/login", {"username": person.email, "password": PASSWORD})

    # Then the email is no login name, and the grievance's messages go by SMS only
    assert login.status_code == 401
    to_email = outbox(person.email)
    assert [m for m in to_email if tracking_id in m["text"]] == []
    assert len(to_email) == 1 and codes_in(to_email)  # only its verification code
    assert [m for m in outbox(person.mobile) if tracking_id in m["text"]]
    me = api.get("/me", headers=bearer(person.access_token)).json_body
    assert (me["email"], me["pending_email"]) == (None, person.email)


def test_a_verified_email_becomes_a_login_and_a_target(
    api, unconfirmed_citizen, file_grievance, deliver_notifications, outbox
):
    person = unconfirmed_citizen()

    confirmed = confirm_email(api, outbox, person)
    assert patch_me(api, person.access_token, {"notify_by": ["email"]}).status_code == 200
    tracking_id = file_grievance(person).json_body["tracking_id"]
    deliver_notifications()

    assert confirmed.status_code == 200 and confirmed.json_body["email"] == person.email
    assert post(api, "/auth/login", {"username": person.email, "password": PASSWORD}).status_code == 200
    assert [m for m in outbox(person.email) if tracking_id in m["text"]]


def test_someone_elses_email_is_pending_without_a_word_and_its_code_stays_in_their_inbox(
    api, citizen, unconfirmed_citizen, outbox
):
    # Given Asha with a verified email, and Ravi who puts it on his profile
    asha, ravi = unconfirmed_citizen(), citizen()
    assert confirm_email(api, outbox, asha).status_code == 200
    asha_codes = len(outbox(asha.email))

    pending = patch_me(api, ravi.access_token, {"email": asha.email})
    guesses = [post(api, "/me/email/verify", {"otp": f"{n:06d}"}, ravi.access_token) for n in range(3)]

    # Then the change answers like any other (no oracle); the code went to Asha's inbox, not Ravi's
    assert pending.status_code == 200 and pending.json_body["pending_email"] == asha.email
    assert len(outbox(asha.email)) == asha_codes + 1
    assert {g.status_code for g in guesses} == {422}
    assert holder_of(claim_key("citizen", "email", asha.email)) == asha.citizen_id
    # And had Ravi read Asha's inbox (a shared family address), confirming is a nameless 409, Asha told
    ravi_again = patch_me(api, ravi.access_token, {"email": asha.email})
    assert ravi_again.status_code == 200
    taken = post(api, "/me/email/verify", {"otp": email_code(outbox, asha.email)}, ravi.access_token)
    assert taken.status_code == 409
    assert (error(taken)["code"], error(taken)["field"]) == ("identity_conflict", None)
    assert "tried to register your national ID" in [m for m in outbox(asha.mobile) if m["channel"] == "sms"][-1]["text"]
    assert holder_of(claim_key("citizen", "email", asha.email)) == asha.citizen_id


def test_a_new_email_counts_only_after_its_own_code(api, unconfirmed_citizen, outbox):
    # Given a citizen whose registration email is verified
    person = unconfirmed_citizen()
    assert confirm_email(api, outbox, person).status_code == 200
    new_email = f"asha.new.{unique_mobile()[-6:]}@example.in"

    # When they change it, the new address is pending until its code comes back
    pending = patch_me(api, person.access_token, {"email": new_email})
    before = post(api, "/auth/login", {"username": new_email, "password": PASSWORD})
    confirmed = post(api, "/me/email/verify", {"otp": email_code(outbox, new_email)}, person.access_token)

    assert pending.status_code == 200
    assert (pending.json_body["email"], pending.json_body["pending_email"]) == (person.email, new_email)
    assert before.status_code == 401
    assert confirmed.status_code == 200
    assert (confirmed.json_body["email"], confirmed.json_body["pending_email"]) == (new_email, None)
    assert post(api, "/auth/login", {"username": new_email.upper(), "password": PASSWORD}).status_code == 200
    assert post(api, "/auth/login", {"username": person.email, "password": PASSWORD}).status_code == 401


def test_erasure_drops_a_pending_email_and_its_code(api, unconfirmed_citizen):
    from chalicelib.models.otp_challenges import OtpChallengeRecord
    from chalicelib.services.one_time_codes import holder_of as code_holder

    person = unconfirmed_citizen()  # its email is pending, a code waiting

    assert api.delete("/me", headers=bearer(person.access_token)).status_code == 200

    record = CitizenRecord.get(person.citizen_id, consistent_read=True)
    assert record.pending_email is None and record.email is None
    assert OtpChallengeRecord.count(code_holder(person.email)) == 0
