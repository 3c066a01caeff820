"""National IDs and one-time codes never show up where they must not: not in any response,
not in any log line, not in any table. Only the SMS itself carries the code."""

from __future__ import annotations

import logging

import boto3
import pytest

from tests.integration.conftest import PASSWORD, bearer, post


@pytest.fixture
def everything_said(capsys, caplog):
    """All log output at the level the stacks run at (Powertools writes JSON to stdout;
    libraries use logging). botocore's DEBUG wire dumps are off in every stage."""
    caplog.set_level(logging.INFO)

    def read() -> str:
        captured = capsys.readouterr()
        return captured.out + captured.err + caplog.text

    return read


def all_stored_text(region: str = "ap-south-1") -> str:
    dynamodb = boto3.client("dynamodb", region_name=region)
    dumps = []
    for table in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=table):
            dumps.append(str(page["Items"]))
    return "\n".join(dumps)


def test_a_whole_identity_journey_leaks_neither_national_id_nor_otp(api, register, latest_otp, everything_said):
    # Given a citizen who registers, verifies, logs in, fails a login and reads their profile
    person = register()
    digits = person.national_id.replace(" ", "")
    code = latest_otp(person.mobile)
    responses = [
        post(api, "/citizens/verify", {"mobile": person.mobile, "otp": code}),
        post(api, "/auth/login", {"username": person.mobile, "password": "wrong password!"}),
        login := post(api, "/auth/login", {"username": person.mobile, "password": PASSWORD}),
    ]
    responses.append(api.get("/me", headers=bearer(login.json_body["access_token"])))
    responses.append(post(api, "/citizens", {"national_id": person.national_id, "name": "again"}))

    # Then no response body, no log line and no stored item holds the full ID or the code
    said = everything_said()
    bodies = "\n".join(r.body.decode() for r in responses)
    stored = all_stored_text()
    for secret in (digits, person.national_id, code):
        assert secret not in bodies
        assert secret not in said
    assert digits not in stored and person.national_id not in stored
    assert f"{code}" not in stored.replace(person.mobile, "")
    assert PASSWORD not in said and PASSWORD not in stored
    # ...and the logs did record the attempts, without the username in clear
    assert "login refused" in said and "login succeeded" in said
    assert person.mobile not in said
