"""The privacy scan (tests/privacy.py) can see a leak, and it is really watching the suite.

The scan of the whole session fails the run on any sighting; these tests show that it would:
each door fed a planted leak reports it, the messages to a secret's holder do not, and a real
journey through the API teaches the session's scan the secrets it then looks for.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import PASSWORD, post
from tests.privacy import CODE_WINDOW_SECONDS, Hit, PrivacyScan

NATIONAL_ID = "2345 6789 0124"
CODE_SMS = "citizen-crm: your verification code is {code}. It expires in 5 minutes. Never share it with anyone."


@pytest.fixture
def scan() -> PrivacyScan:
    fresh = PrivacyScan()
    fresh.learn_from_request(
        "/citizens", json.dumps({"national_id": NATIONAL_ID, "password": PASSWORD, "name": "Asha"}).encode()
    )
    return fresh


def sightings(scan: PrivacyScan) -> set[tuple[str, str, str]]:
    scan.resolve()
    return {(hit.kind, hit.source, hit.where) for hit in scan.hits}


def answer(body: object) -> dict:
    return {"statusCode": 200, "headers": {}, "body": json.dumps(body).encode()}


@pytest.mark.parametrize("written", ["234567890124", "2345 6789 0124", "2345-6789-0124"])
def test_a_full_national_id_in_a_table_item_is_seen_however_it_is_written(scan, written):
    scan.aws_call("dynamodb", "PutItem", {"TableName": "t", "Item": {"note": {"S": f"id {written}"}}})

    assert sightings(scan) == {("national_id", "aws", "dynamodb:PutItem")}


def test_a_masked_national_id_or_a_mobile_is_not_a_sighting(scan):
    scan.aws_call("dynamodb", "PutItem", {"Item": {"last4": {"S": "XXXX XXXX 0124"}, "mobile": {"S": "+919123456789"}}})
    scan.check("response", "GET /me", json.dumps({"national_id": "XXXX-XXXX-0124"}), tokens=False)

    assert sightings(scan) == set()


def test_a_code_queued_before_its_sms_is_sent_is_seen_once_the_sms_teaches_it(scan):
    scan.aws_call("sqs", "SendMessage", {"MessageBody": json.dumps({"text": CODE_SMS.format(code="493021")})})
    assert sightings(scan) == set()  # not yet known to be a code

    scan.aws_call("sns", "Publish", {"PhoneNumber": "+919123456789", "Message": CODE_SMS.format(code="493021")})

    assert sightings(scan) == {("one_time_code", "aws", "sqs:SendMessage")}


def test_the_sms_and_email_to_the_holder_and_the_dev_outbox_are_not_sightings(scan):
    text = CODE_SMS.format(code="771203")
    scan.aws_call("sns", "Publish", {"PhoneNumber": "+919123456789", "Message": text})
    scan.aws_call("sesv2", "SendEmail", {"Content": {"Simple": {"Body": {"Text": {"Data": text}}}}})
    scan.answer("GET", "/dev/outbox?to=%2B919123456789", None, answer({"messages": [{"text": text}]}))

    assert "771203" in scan.codes
    assert sightings(scan) == set()


def test_a_password_or_an_id_in_an_answer_or_a_log_line_is_seen(scan):
    scan.answer("GET", "/me", None, answer({"echo": PASSWORD}))
    scan.check("log", "crm.test", f"registration of {NATIONAL_ID.replace(' ', '')}", tokens=True)

    assert sightings(scan) == {("password", "response", "GET /me"), ("national_id", "log", "crm.test")}


def test_six_digits_that_are_not_a_code_standing_alone_are_not_taken_for_one(scan):
    scan.learn_from_request("/citizens", json.dumps({"address": {"pincode": "751001"}}).encode())
    for code in ("469123", "261204", "493021", "751001"):
        scan.aws_call("sns", "Publish", {"PhoneNumber": "+919123456789", "Message": CODE_SMS.format(code=code)})
    scan.aws_call(
        "dynamodb",
        "PutItem",
        {
            "Item": {
                "at": {"S": "2026-12-04T03:49:53.469123+00:00"},
                "tracking_id": {"S": "OD-261204-9BMQMP"},
                "citizen_id": {"S": "cit-01m8zj493021q"},
                "address": {"M": {"pincode": {"S": "751001"}}},
            }
        },
    )

    assert "751001" not in scan.codes  # a pincode is never a code
    assert sightings(scan) == set()


def test_a_code_seen_long_after_it_was_sent_is_a_coincidence_not_a_leak(scan):
    now = [1000.0]
    scan.clock = lambda: now[0]
    scan.aws_call("sns", "Publish", {"PhoneNumber": "+919123456789", "Message": CODE_SMS.format(code="118822")})
    now[0] += CODE_WINDOW_SECONDS + 1
    scan.check("log", "crm.report", "a count of 118822 grievances", tokens=True)

    assert sightings(scan) == set()
    now[0] -= 2
    scan.check("log", "crm.auth", "sent 118822", tokens=True)
    assert sightings(scan) == {("one_time_code", "log", "crm.auth")}


def test_tokens_may_be_answered_to_their_holder_but_never_logged_or_stored(scan):
    refresh = "r" * 43
    access = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjaXQtMSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
    scan.check("log", "crm.auth", f"refreshing {refresh}", tokens=True)  # before the answer names it
    scan.answer("POST", "/auth/login", None, answer({"access_token": access, "refresh_token": refresh}))
    scan.aws_call("sqs", "SendMessage", {"MessageBody": access})

    assert sightings(scan) == {("token", "log", "crm.auth"), ("token", "aws", "sqs:SendMessage")}


def test_the_sessions_scan_learns_from_a_real_journey(api, register, latest_otp, privacy_scan):
    before = privacy_scan.scanned.copy()
    person = register()
    code = latest_otp(person.mobile)
    verified = post(api, "/citizens/verify", {"mobile": person.mobile, "otp": code})
    assert verified.status_code == 200, verified.body
    tokens = post(api, "/auth/login", {"username": person.mobile, "password": person.password}).json_body

    digits = "".join(ch for ch in person.national_id if ch.isdigit())
    assert digits in privacy_scan.national_ids
    assert code in privacy_scan.codes
    assert tokens["refresh_token"] in privacy_scan.refresh_tokens
    assert PASSWORD in privacy_scan.passwords
    for door in ("response", "log", "aws"):
        assert privacy_scan.scanned[door] > before[door], door
    assert not [hit for hit in privacy_scan.hits if isinstance(hit, Hit)], privacy_scan.figures()["hits"]
