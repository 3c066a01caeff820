"""Typed settings, read from the environment lazily (never at import time).

Chalice applies a stage's environment variables only while a function runs (and the
test client only during a call), so every module asks `get_settings()` when it needs a
value instead of reading `os.environ` at import.

The model that checks them (`chalicelib/settings.py`, pydantic) is imported by the first
`get_settings()`, not with this module, which every function imports on a cold start; a
resource's name needs no settings (`resource_name`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.resource_names import DEFAULT_PREFIX

if TYPE_CHECKING:
    from chalicelib.settings import Settings

# The keys a stage signs and hashes with; each has a `<key>_secret` twin naming its secret.
KEYS = ("identity_hmac_key", "jwt_signing_key", "webhook_signing_key")


class ConfigurationError(RuntimeError):
    """The stage's environment is missing or has a wrong setting: a deployment mistake,
    never the caller's (so it is not a pydantic ValidationError, which routes answer 422)."""


ENVIRONMENT_VARIABLES = {
    "stage": "STAGE",
    "resource_prefix": "RESOURCE_PREFIX",
    "region": "AWS_DEFAULT_REGION",
    "state_code": "STATE_CODE",
    "languages": "LANGUAGES",
    "ses_sender": "SES_SENDER",
    "sms_sender_id": "SMS_SENDER_ID",
    "sla_seconds_per_hour": "SLA_SECONDS_PER_HOUR",
    "aws_endpoint_url": "AWS_ENDPOINT_URL",
    "identity_hmac_key": "IDENTITY_HMAC_KEY",
    "jwt_signing_key": "JWT_SIGNING_KEY",
    "jwt_issuer": "JWT_ISSUER",
    "access_token_minutes": "ACCESS_TOKEN_MINUTES",
    "refresh_token_days": "REFRESH_TOKEN_DAYS",
    "retry_base_seconds": "RETRY_BASE_SECONDS",
    "quiet_hours": "QUIET_HOURS",
    "webhook_signing_key": "WEBHOOK_SIGNING_KEY",
    "webhook_receiver_url": "WEBHOOK_RECEIVER_URL",
    "identity_hmac_key_secret": "IDENTITY_HMAC_KEY_SECRET",
    "jwt_signing_key_secret": "JWT_SIGNING_KEY_SECRET",
    "webhook_signing_key_secret": "WEBHOOK_SIGNING_KEY_SECRET",
    "allowed_origins": "ALLOWED_ORIGINS",
    "utc_offset_minutes": "UTC_OFFSET_MINUTES",
    "working_days": "WORKING_DAYS",
    "office_hours": "OFFICE_HOURS",
    "holidays": "HOLIDAYS",
    "rate_limits": "RATE_LIMITS",
    "mobile_regions": "MOBILE_REGIONS",
    "open311_clients": "OPEN311_CLIENTS",
    "ivrs_menu": "IVRS_MENU",
}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of the running stage; cached until `get_settings.cache_clear()`. Raises
    ConfigurationError, naming the variables, when one is missing or wrong."""
    from pydantic import ValidationError

    from chalicelib.settings import Settings

    values = {field: os.environ[env] for field, env in ENVIRONMENT_VARIABLES.items() if os.environ.get(env)}
    try:
        return Settings.model_validate(values)
    except ValidationError as error:
        problems = []
        for problem in error.errors(include_url=False):
            field = str(problem["loc"][0]) if problem["loc"] else "settings"
            problems.append(f"{ENVIRONMENT_VARIABLES.get(field, field)} ({field}): {problem['msg']}")
        raise ConfigurationError(f"the stage's configuration is invalid: {'; '.join(problems)}") from error


def resource_name(logical_name: str) -> str:
    """The deployed name of one of this stage's resources (a name of `resource_names`), as
    `Settings.resource_name` gives it, without building the settings: the prefix has no rule
    to check, and a request that needs nothing else (a public catalogue read, whose only
    setting is its table's name) then never loads pydantic.

    Right while `app.py` is imported too: Chalice binds SQS event sources by queue name when
    the decorator runs, and `chalice package` and Lambda both load the app with the stage's
    environment set, so the prefix is the stage's.
    """
    return f"{os.environ.get('RESOURCE_PREFIX') or DEFAULT_PREFIX}-{logical_name}"
