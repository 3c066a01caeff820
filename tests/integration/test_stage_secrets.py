"""A deployed stage has no keys in its configuration: it reads them from the Secrets Manager
secrets its stack generated (here the local stack's, on moto), once per warm process."""

from __future__ import annotations

import boto3

from chalicelib import aws
from chalicelib.config import get_settings


def test_keys_come_from_the_stacks_secrets_when_not_configured(monkeypatch, stack):
    arns = stack.resources.arns
    secrets = boto3.client("secretsmanager", region_name=stack.resources.region)
    identity_key = secrets.get_secret_value(SecretId=arns["IdentityHmacKeySecret"])["SecretString"]
    monkeypatch.delenv("IDENTITY_HMAC_KEY", raising=False)
    monkeypatch.setenv("IDENTITY_HMAC_KEY_SECRET", arns["IdentityHmacKeySecret"])
    get_settings.cache_clear()
    aws.reset_caches()
    try:
        assert get_settings().secret("identity_hmac_key") == identity_key
        # cached for the process: a second read makes no call
        secrets.put_secret_value(SecretId=arns["IdentityHmacKeySecret"], SecretString="x" * 64)
        assert get_settings().secret("identity_hmac_key") == identity_key
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        aws.reset_caches()
    assert get_settings().secret("identity_hmac_key") != identity_key  # the local key again
