"""The local stage's helper routes, and their absence everywhere else."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from chalice.test import Client

from chalicelib import aws
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


DEV_PATHS = ["/dev/accounts", "/dev/outbox", "/dev/outbox?department=WATER"]
# A stage .chalice/config.json does not have: the test client then adds no STAGE of its own,
# and the process environment alone says what the stage is.
UNCONFIGURED_STAGE = "unconfigured"


@contextmanager
def process_environment(**variables: str | None) -> Iterator[None]:
    """Set (or, with None, remove) variables of the process for the block; settings, clients
    and cached secrets are forgotten on the way in and out."""
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in variables.items():
                if value is None:
                    patch.delenv(name, raising=False)
                else:
                    patch.setenv(name, value)
            get_settings.cache_clear()
            aws.reset_caches()
            yield
    finally:
        get_settings.cache_clear()
        aws.reset_caches()


def test_a_function_deployed_without_a_stage_serves_no_dev_route(chalice_app, stack):
    # Given the app running with STAGE unset (and moto, the dev keys, all else local-looking)
    with process_environment(STAGE=None), Client(chalice_app.app, stage_name=UNCONFIGURED_STAGE) as client:
        # When an outsider asks for the demo logins and the outbox
        responses = [client.http.get(path) for path in DEV_PATHS]

    # Then the stage is a configuration error, not "local": nothing listed, nothing read
    for response in responses:
        assert response.status_code == 500, response.body
        assert response.json_body == {
            "error": {"code": "internal_error", "message": "An internal error occurred.", "field": None}
        }


@pytest.mark.parametrize(
    "endpoint",
    [
        None,  # the local configuration deployed to AWS itself
        "http://0.0.0.0:{port}",  # reaches this machine's moto, but is not a loopback address
    ],
)
def test_the_local_stage_off_this_machine_serves_no_dev_route(chalice_app, stack, endpoint):
    # Given STAGE=local said explicitly, but AWS calls going elsewhere than a loopback address
    moto_port = os.environ["MOTO_PORT"]
    url = endpoint.format(port=moto_port) if endpoint else None
    with process_environment(AWS_ENDPOINT_URL=url), Client(chalice_app.app, stage_name="local") as client:
        assert get_settings().stage == "local"
        responses = [client.http.get(path) for path in DEV_PATHS]

    # Then the dev routes answer as if they did not exist (and read no demo state)
    for response in responses:
        assert response.status_code == 404, response.body
        assert response.json_body["error"]["code"] == "not_found"
