"""The local stage's helper routes, and their absence everywhere else."""

from __future__ import annotations

import pytest
from chalice.test import Client

from chalicelib.config import get_settings
from chalicelib.models.officers import OfficerRecord
from chalicelib.security.passwords import verify_password


def test_demo_accounts_are_real_seeded_officers_whose_passwords_verify(api, stack):
    accounts = api.get("/dev/accounts").json_body["accounts"]

    assert {a["role"] for a in accounts} == {"officer", "supervisor", "department_head", "state_admin"}
    assert len(accounts) == len(stack.seed.accounts)
    for account in (accounts[0], accounts[1], accounts[-1]):
        record = OfficerRecord.get(account["officer_id"])
        assert record.email == account["username"]
        assert verify_password(record.password_hash, account["password"])
        assert not verify_password(record.password_hash, account["password"] + "x")


@pytest.mark.parametrize("path", ["/dev/accounts", "/dev/outbox", "/dev/outbox?to=%2B919000000000"])
def test_dev_routes_answer_404_outside_the_local_stage(chalice_app, stack, path):
    get_settings.cache_clear()
    try:
        with Client(chalice_app.app, stage_name="odisha") as client:
            response = client.http.get(path)
    finally:
        get_settings.cache_clear()

    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "not_found"
