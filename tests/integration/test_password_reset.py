"""A citizen who forgot their password gets back in by a code sent to their proved mobile;
the reset ends every login and tells the mobile, and neither step reveals an account."""

from __future__ import annotations

from tests.integration.conftest import bearer, post, unique_mobile

NEW_PASSWORD = "a brand new passphrase 77"
ASKED = "If an account uses this mobile, a code to reset its password is on its way."


def texts(outbox, mobile: str) -> list[str]:
    return [m["text"] for m in outbox(mobile) if m["channel"] == "sms"]


def test_a_forgotten_password_is_reset_by_code_and_every_login_ends(api, citizen, latest_otp, outbox):
    person = citizen()
    sent_before = len(texts(outbox, person.mobile))

    asked = post(api, "/auth/password-reset", {"mobile": person.mobile})
    assert (asked.status_code, asked.json_body) == (202, {"message": ASKED})
    assert len(texts(outbox, person.mobile)) == sent_before + 1
    code = latest_otp(person.mobile)

    confirm = {"mobile": person.mobile, "otp": code, "new_password": NEW_PASSWORD}
    confirmed = post(api, "/auth/password-reset/confirm", confirm)
    assert confirmed.status_code == 204, confirmed.body

    # Every login ended: the old access token and the old refresh token no longer work.
    assert api.get("/me", headers=bearer(person.access_token)).status_code == 401
    assert post(api, "/auth/refresh", {"refresh_token": person.refresh_token}).status_code == 401
    # The new password opens the account, the old one does not; the code worked once.
    assert post(api, "/auth/login", {"username": person.mobile, "password": person.password}).status_code == 401
    assert post(api, "/auth/login", {"username": person.mobile, "password": NEW_PASSWORD}).status_code == 200
    assert post(api, "/auth/password-reset/confirm", confirm).status_code == 422
    # The mobile is told, in case it was not its holder who asked.
    assert "password of your account was reset" in texts(outbox, person.mobile)[-1]


def test_asking_for_a_mobile_without_an_account_answers_the_same_and_sends_nothing(api, outbox, staff_token, stack):
    nobody = unique_mobile()
    asked = post(api, "/auth/password-reset", {"mobile": nobody})
    assert (asked.status_code, asked.json_body) == (202, {"message": ASKED})
    assert texts(outbox, nobody) == []

    # Staff passwords are the state cell's to reset: an officer's mobile gets no code either.
    officer = next(a for a in stack.seed.accounts if a.role == "officer")
    before = len(texts(outbox, officer.mobile))
    assert post(api, "/auth/password-reset", {"mobile": officer.mobile}).status_code == 202
    assert len(texts(outbox, officer.mobile)) == before


def test_a_weak_password_is_refused_before_the_code_is_tried_and_spends_no_guess(api, citizen, latest_otp):
    person = citizen()
    assert post(api, "/auth/password-reset", {"mobile": person.mobile}).status_code == 202
    code = latest_otp(person.mobile)

    for _ in range(4):  # more refusals than the code has tries
        weak = post(
            api, "/auth/password-reset/confirm", {"mobile": person.mobile, "otp": code, "new_password": "short"}
        )
        assert weak.status_code == 422 and weak.json_body["error"]["field"] == "new_password"

    fine = {"mobile": person.mobile, "otp": code, "new_password": NEW_PASSWORD}
    assert post(api, "/auth/password-reset/confirm", fine).status_code == 204


def test_a_wrong_code_and_a_code_sent_for_something_else_get_one_answer(api, citizen, register, latest_otp):
    person = citizen()
    assert post(api, "/auth/password-reset", {"mobile": person.mobile}).status_code == 202
    wrong = "000000" if latest_otp(person.mobile) != "000000" else "111111"
    refused = post(
        api, "/auth/password-reset/confirm", {"mobile": person.mobile, "otp": wrong, "new_password": NEW_PASSWORD}
    )
    assert refused.status_code == 422 and refused.json_body["error"]["field"] == "otp"

    # A registration's code (a mobile not yet proven) resets nothing.
    pending = register()
    registration_code = latest_otp(pending.mobile)
    other = post(
        api,
        "/auth/password-reset/confirm",
        {"mobile": pending.mobile, "otp": registration_code, "new_password": NEW_PASSWORD},
    )
    assert other.status_code == 422 and other.json_body["error"] == refused.json_body["error"]
    # ... and is still good for what it was sent for.
    assert post(api, "/citizens/verify", {"mobile": pending.mobile, "otp": registration_code}).status_code == 200
