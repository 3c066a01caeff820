"""A deployed stage has no keys in its configuration: it reads them from the Secrets Manager
secrets its stack generated (here the local stack's, on moto), once per warm process. A key
given directly is for the local stage only: a deployed stage refuses it, and a stage that
carries one, or the local stage itself, is never packaged or deployed."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
from chalice.test import Client

from chalicelib import aws
from chalicelib.config import get_settings
from chalicelib.security.keys import stage_key
from infra.devstack import CHALICE_CONFIG, local_stage_environment
from tests.integration.conftest import bearer, post
from tests.integration.test_dev_routes import UNCONFIGURED_STAGE, process_environment


def test_keys_come_from_the_stacks_secrets_when_not_configured(monkeypatch, stack):
    arns = stack.resources.arns
    secrets = boto3.client("secretsmanager", region_name=stack.resources.region)
    identity_key = secrets.get_secret_value(SecretId=arns["IdentityHmacKeySecret"])["SecretString"]
    monkeypatch.delenv("IDENTITY_HMAC_KEY", raising=False)
    monkeypatch.setenv("IDENTITY_HMAC_KEY_SECRET", arns["IdentityHmacKeySecret"])
    get_settings.cache_clear()
    aws.reset_caches()
    try:
        assert stage_key("identity_hmac_key") == identity_key
        # cached for the process: a second read makes no call
        secrets.put_secret_value(SecretId=arns["IdentityHmacKeySecret"], SecretString="x" * 64)
        assert stage_key("identity_hmac_key") == identity_key
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        aws.reset_caches()
    assert stage_key("identity_hmac_key") != identity_key  # the local key again


LOCAL_KEYS = {name: value for name, value in local_stage_environment().items() if name.endswith("_KEY")}
ADMIN_ROUTE = "/webhooks/dead-letters"


@pytest.fixture
def deployed_stage(stack, chalice_app) -> Callable[..., AbstractContextManager[Any]]:
    """`with deployed_stage() as http:` the app as a deployed state runs it (STAGE=odisha,
    keys only as secret ARNs) on the local stack's moto; keyword arguments add to (or, with
    None, remove from) that environment."""

    @contextmanager
    def run(**variables: str | None) -> Iterator[Any]:
        arns = stack.resources.arns
        environment: dict[str, str | None] = {
            "STAGE": "odisha",
            **dict.fromkeys(LOCAL_KEYS),
            "IDENTITY_HMAC_KEY_SECRET": arns["IdentityHmacKeySecret"],
            "JWT_SIGNING_KEY_SECRET": arns["JwtSigningKeySecret"],
            "WEBHOOK_SIGNING_KEY_SECRET": arns["WebhookSigningKeySecret"],
            **variables,
        }
        with (
            process_environment(**environment),
            Client(chalice_app.app, stage_name=UNCONFIGURED_STAGE) as client,
        ):
            yield client.http

    return run


def admin_login(http, stack) -> Any:
    admin = next(a for a in stack.seed.accounts if a.role == "state_admin")
    return post(http, "/auth/login", {"username": admin.username, "password": admin.password})


def forged_with_the_repositorys_key(token: str) -> str:
    """The same claims, re-signed with the local stage's JWT key (public: it is in git)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, LOCAL_KEYS["JWT_SIGNING_KEY"], algorithm="HS256")


def test_a_deployed_stage_signs_with_its_secrets_and_a_token_forged_with_the_dev_key_is_refused(deployed_stage, stack):
    jwt_key = boto3.client("secretsmanager", region_name=stack.resources.region).get_secret_value(
        SecretId=stack.resources.arns["JwtSigningKeySecret"]
    )["SecretString"]
    with deployed_stage() as http:
        # Given the state cell signed in on a deployed stage
        login = admin_login(http, stack)
        assert login.status_code == 200, login.body
        token = login.json_body["access_token"]
        # When an outsider presents the same claims signed with the repository's dev key
        forged = http.get(ADMIN_ROUTE, headers=bearer(forged_with_the_repositorys_key(token)))
        genuine = http.get(ADMIN_ROUTE, headers=bearer(token))
        # and asks for a plain-http or internal webhook
        webhooks = [
            http.put(
                "/departments/WATER/webhook",
                headers={**bearer(token), "Content-Type": "application/json"},
                body=json.dumps({"url": url}),
            )
            for url in ("http://water.example.gov.in/events", "https://10.0.0.7/events")
        ]

    # Then the token is the secret's, the forgery is refused, and only public https is taken
    assert jwt.decode(token, jwt_key, algorithms=["HS256"], audience="citizen-crm:odisha")["role"] == "state_admin"
    assert (forged.status_code, genuine.status_code) == (401, 200)
    assert [(w.status_code, w.json_body["error"]["field"]) for w in webhooks] == [(422, "url"), (422, "url")]


@pytest.mark.parametrize("left_behind", ["JWT_SIGNING_KEY", "IDENTITY_HMAC_KEY"])
def test_a_key_left_in_a_deployed_stages_configuration_is_never_used(deployed_stage, stack, left_behind):
    # Given a working deployed stage and a token it issued
    with deployed_stage() as http:
        token = admin_login(http, stack).json_body["access_token"]
    # When the stage's configuration also carries the repository's dev key, next to its secret
    with deployed_stage(**{left_behind: LOCAL_KEYS[left_behind]}) as http:
        login = admin_login(http, stack)
        forged = http.get(ADMIN_ROUTE, headers=bearer(forged_with_the_repositorys_key(token)))

    # Then neither signing in nor a token made with that key gets anywhere: the stage refuses
    # the configured key loudly (a server error and a log line), it never falls back to it
    assert login.status_code == 500 and "access_token" not in login.json_body
    assert forged.status_code in {401, 500} and forged.status_code != 200


def test_the_local_stage_cannot_be_packaged_or_deployed(monkeypatch):
    from infra import deploy, package

    def no_aws(*args: object, **kwargs: object) -> None:
        raise AssertionError("the refusal must come before anything talks to AWS")

    monkeypatch.setattr(boto3.session, "Session", no_aws)

    for attempt in (lambda: deploy.main(["deploy", "local"]), lambda: package.package("local")):
        with pytest.raises(SystemExit, match="local stage runs only on this machine"):
            attempt()


@pytest.mark.parametrize(
    ("environment", "refusal"),
    [
        ({"IDENTITY_HMAC_KEY": "k" * 40}, "sets IDENTITY_HMAC_KEY"),
        ({"WEBHOOK_SIGNING_KEY": "k" * 40}, "sets WEBHOOK_SIGNING_KEY"),
        ({"STAGE": ""}, "must set STAGE=assam"),
        ({"STAGE": "local"}, "must set STAGE=assam"),
        ({"ALLOWED_ORIGINS": ""}, "https origins"),
        ({"ALLOWED_ORIGINS": "https://grievance.assam.gov.in,http://grievance.assam.gov.in"}, "https origins"),
        ({"ALLOWED_ORIGINS": "*"}, "not an origin"),
    ],
)
def test_a_stage_with_a_key_in_its_configuration_is_not_packaged(tmp_path, environment, refusal):
    from infra.package import deployable_stage

    config = json.loads(CHALICE_CONFIG.read_text())
    stage = copy.deepcopy(config["stages"]["odisha"])
    stage["environment_variables"].update(
        {"STAGE": "assam", "RESOURCE_PREFIX": "crm-assam", "ALLOWED_ORIGINS": "https://grievance.assam.gov.in"}
    )
    assert deployable_stage("assam", write_config(tmp_path, config, stage)).name == "assam"
    stage["environment_variables"].update(environment)

    with pytest.raises(SystemExit, match=refusal):
        deployable_stage("assam", write_config(tmp_path, config, stage))


def write_config(directory: Path, config: dict[str, Any], assam: dict[str, Any]) -> Path:
    path = directory / "config.json"
    path.write_text(json.dumps({**config, "stages": {**config["stages"], "assam": assam}}))
    return path
